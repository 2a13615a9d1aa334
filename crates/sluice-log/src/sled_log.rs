//! The embedded log: topics on local disk, in a sled database.
//!
//! Layout: the `topics` tree maps a topic's name to its partition count;
//! each partition is a tree named `p/<partitions>/<topic>/<partition>` mapping
//! the first offset of a batch of records (big-endian, so trees iterate in
//! offset order) to the encoded batch: one append, or up to [`BATCH_RECORDS`]
//! records of `append_all`. One sled entry per record made sled the
//! bottleneck (about 150,000 appends/s, and gigabytes of memory for a
//! million small records); a batch per entry writes and reads many records
//! per sled operation. Deleting a topic drops its partitions' trees. The
//! next append sequence is kept in the `meta` tree.
//!
//! Appends are serialized by a mutex: offsets and sequence numbers must be
//! handed out in one order. sled writes to disk in the background;
//! [`Log::flush`] waits until everything appended is on disk.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use crate::cleanup::{removable, Kept};
use crate::{Cleanup, Header, Log, LogError, Record, Result, StoredRecord, TopicInfo};

/// sled's page cache. Its default (1 GiB) would dominate the memory of a
/// small server; topics are read mostly at their end, which stays cached,
/// and a query catching up reads each entry once, in order, so a larger
/// cache does not speed it up: once leaves were no longer blob files (see
/// `BATCH_BYTES`), W2 over 10M events ran as fast with 16 MiB as with
/// 128 MiB within this machine's noise, and the process held about 135 MB
/// after loading instead of 200 MB. sled holds several times this figure:
/// 1M loaded events took 77 MB above the empty process, 10M about 80-100 MB.
const CACHE_BYTES: u64 = 16 * 1024 * 1024;

/// The most records one sled entry holds. Readers decode a whole entry to
/// read from the middle of it, so entries stay small next to a read.
const BATCH_RECORDS: usize = 256;
/// The most encoded bytes one sled entry holds (a single larger record
/// gets an entry of its own). sled splits a leaf node once it holds more
/// than 16 entries, and writes a node larger than a quarter of its 512 KiB
/// segments as a file of its own ("blob"): with 256 records of 90 bytes
/// per entry, every leaf was a blob, and loading spent most of its time
/// creating and deleting those files in the kernel. 17 entries of 4 KiB
/// stay well inside a segment.
const BATCH_BYTES: usize = 4 * 1024;
/// The first byte of an encoded batch. Entries written one record per key
/// by earlier versions start with the record's 8-byte sequence number,
/// whose first byte is 0 for any sequence below 2^56: they read as
/// batches of one.
const BATCH_MAGIC: u8 = 0xB1;

const TOPICS: &str = "topics";
const META: &str = "meta";
const NEXT_SEQUENCE: &str = "next_sequence";

/// The records a read makes room for at once (a read asks for up to a
/// thousand or so; a read of everything grows as it goes).
const READ_CAPACITY: usize = 1024;

pub struct SledLog {
    db: sled::Db,
    topics: sled::Tree,
    meta: sled::Tree,
    /// The next append sequence; holding the lock serializes appends.
    next_sequence: Mutex<u64>,
}

fn storage(error: sled::Error) -> LogError {
    LogError::Storage(error.to_string())
}

impl SledLog {
    /// Opens (or creates) the log kept in the directory `path`.
    pub fn open(path: &Path) -> Result<Self> {
        Self::from_db(sled::Config::new().path(path).cache_capacity(CACHE_BYTES).open().map_err(storage)?)
    }

    /// A log in a temporary directory, removed when the log is dropped.
    pub fn temporary() -> Result<Self> {
        Self::from_db(sled::Config::new().temporary(true).open().map_err(storage)?)
    }

    fn from_db(db: sled::Db) -> Result<Self> {
        let topics = db.open_tree(TOPICS).map_err(storage)?;
        let meta = db.open_tree(META).map_err(storage)?;
        let next_sequence = match meta.get(NEXT_SEQUENCE).map_err(storage)? {
            Some(bytes) => u64_from(&bytes)?,
            None => 0,
        };
        Ok(SledLog { db, topics, meta, next_sequence: Mutex::new(next_sequence) })
    }

    fn partitions(&self, topic: &str) -> Result<Option<u32>> {
        match self.topics.get(topic).map_err(storage)? {
            Some(bytes) => {
                let bytes: [u8; 4] = bytes.as_ref().try_into().map_err(|_| {
                    LogError::Storage(format!("topic '{topic}' has a malformed partition count"))
                })?;
                Ok(Some(u32::from_be_bytes(bytes)))
            }
            None => Ok(None),
        }
    }

    /// The tree of one partition of an existing topic.
    fn partition(&self, topic: &str, partition: u32) -> Result<sled::Tree> {
        let partitions = self.partitions(topic)?.ok_or_else(|| LogError::UnknownTopic(topic.to_string()))?;
        if partition >= partitions {
            return Err(LogError::UnknownPartition { topic: topic.to_string(), partition });
        }
        self.db.open_tree(tree_name(topic, partitions, partition)).map_err(storage)
    }

    fn sequence(&self) -> MutexGuard<'_, u64> {
        // The counter is written after the record it numbers, so a panic
        // in between leaves it behind the log at worst, which the next
        // append's read of the stored counter does not depend on.
        self.next_sequence.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn tree_name(topic: &str, partitions: u32, partition: u32) -> String {
    format!("p/{partitions}/{topic}/{partition}")
}

fn u64_from(bytes: &[u8]) -> Result<u64> {
    let bytes: [u8; 8] =
        bytes.try_into().map_err(|_| LogError::Storage("a malformed 8-byte number".into()))?;
    Ok(u64::from_be_bytes(bytes))
}

/// The next offset of a partition: one past its last batch.
fn next_offset(tree: &sled::Tree) -> Result<u64> {
    match tree.last().map_err(storage)? {
        Some((key, bytes)) => batch_end(u64_from(&key)?, &bytes),
        None => Ok(0),
    }
}

impl Log for SledLog {
    fn create_topic(&self, name: &str, partitions: u32) -> Result<bool> {
        if partitions == 0 {
            return Err(LogError::NoPartitions);
        }
        let _appends = self.sequence();
        if let Some(existing) = self.partitions(name)? {
            return if existing == partitions {
                Ok(false)
            } else {
                Err(LogError::PartitionMismatch { topic: name.to_string(), existing, requested: partitions })
            };
        }
        self.topics.insert(name, &partitions.to_be_bytes()).map_err(storage)?;
        Ok(true)
    }

    fn delete_topic(&self, name: &str) -> Result<()> {
        let _appends = self.sequence();
        let partitions = self.partitions(name)?.ok_or_else(|| LogError::UnknownTopic(name.to_string()))?;
        self.topics.remove(name).map_err(storage)?;
        for partition in 0..partitions {
            self.db.drop_tree(tree_name(name, partitions, partition)).map_err(storage)?;
        }
        Ok(())
    }

    fn topic(&self, name: &str) -> Option<TopicInfo> {
        // A storage failure reads as "no such topic": the caller then
        // fails on its next read or append, which reports the error.
        let partitions = self.partitions(name).ok().flatten()?;
        Some(TopicInfo { name: name.to_string(), partitions })
    }

    fn topics(&self) -> Vec<TopicInfo> {
        self.topics
            .iter()
            .filter_map(|entry| {
                let (name, _) = entry.ok()?;
                let name = String::from_utf8(name.to_vec()).ok()?;
                self.topic(&name)
            })
            .collect()
    }

    fn append(&self, topic: &str, partition: u32, record: Record) -> Result<u64> {
        self.append_all(topic, partition, vec![record])
    }

    fn append_all(&self, topic: &str, partition: u32, records: Vec<Record>) -> Result<u64> {
        let mut sequence = self.sequence();
        let tree = self.partition(topic, partition)?;
        let first = next_offset(&tree)?;
        let encoded: Vec<(u64, Vec<u8>)> = records
            .iter()
            .enumerate()
            .map(|(i, record)| (first + i as u64, encode(*sequence + i as u64, record)))
            .collect();
        let mut batch = sled::Batch::default();
        for chunk in chunks(&encoded) {
            let (offset, end) = (chunk[0].0, chunk[chunk.len() - 1].0 + 1);
            batch.insert(&offset.to_be_bytes(), encode_batch(end, chunk));
        }
        tree.apply_batch(batch).map_err(storage)?;
        *sequence += records.len() as u64;
        self.meta.insert(NEXT_SEQUENCE, &sequence.to_be_bytes()).map_err(storage)?;
        Ok(first)
    }

    fn read(&self, topic: &str, partition: u32, offset: u64, max: usize) -> Result<Vec<StoredRecord>> {
        let tree = self.partition(topic, partition)?;
        // The batch holding `offset` starts at or before it.
        let start = match tree.range(..=offset.to_be_bytes()).next_back() {
            Some(entry) => entry.map_err(storage)?.0,
            None => sled::IVec::from(&offset.to_be_bytes()),
        };
        let mut records = Vec::with_capacity(max.min(READ_CAPACITY));
        for entry in tree.range(start..) {
            let (key, bytes) = entry.map_err(storage)?;
            // Straight into the read: a vector of each entry's records was
            // an allocation and a copy of every record more.
            each_encoded(u64_from(&key)?, &bytes, offset, |at, encoded| {
                if records.len() < max {
                    let (sequence, record) = decode(encoded)?;
                    records.push(StoredRecord { record, partition, offset: at, sequence });
                }
                Ok(())
            })?;
            if records.len() == max {
                break;
            }
        }
        Ok(records)
    }

    fn end_offset(&self, topic: &str, partition: u32) -> Result<u64> {
        next_offset(&self.partition(topic, partition)?)
    }

    fn clean(&self, topic: &str, cleanup: &Cleanup, now_ms: i64) -> Result<u64> {
        let partitions = self.partitions(topic)?.ok_or_else(|| LogError::UnknownTopic(topic.to_string()))?;
        let mut removed = 0;
        for partition in 0..partitions {
            let tree = self.partition(topic, partition)?;
            // Read without the append lock: appends only add entries after
            // the last, and a rewritten entry keeps its end offset.
            let mut batches: Vec<(u64, u64, Vec<Stored>)> = Vec::new();
            for entry in tree.iter() {
                let (key, bytes) = entry.map_err(storage)?;
                let first = u64_from(&key)?;
                batches.push((first, batch_end(first, &bytes)?, decode_batch(first, &bytes)?));
            }
            let kept: Vec<Kept<'_>> = batches
                .iter()
                .flat_map(|(_, _, records)| records)
                .map(|r| Kept::of(r.offset, &r.record))
                .collect();
            let gone = removable(&kept, cleanup, now_ms);
            if gone.is_empty() {
                continue;
            }
            removed += gone.len() as u64;
            for (first, end, records) in &batches {
                let left: Vec<(u64, Vec<u8>)> = records
                    .iter()
                    .filter(|r| gone.binary_search(&r.offset).is_err())
                    .map(|r| (r.offset, encode(r.sequence, &r.record)))
                    .collect();
                if left.len() == records.len() {
                    continue;
                }
                // An emptied batch goes; the partition's last record is never
                // removed, so the last batch always stays.
                if left.is_empty() {
                    tree.remove(first.to_be_bytes()).map_err(storage)?;
                } else {
                    tree.insert(first.to_be_bytes(), encode_batch(*end, &left)).map_err(storage)?;
                }
            }
        }
        Ok(removed)
    }

    fn flush(&self) -> Result<()> {
        self.db.flush().map(|_| ()).map_err(storage)
    }
}

/// `records` (offset, [`encode`]d form) cut into the runs stored as one
/// entry each: up to [`BATCH_RECORDS`] records and [`BATCH_BYTES`] bytes of
/// encoded records (a single larger record is a run of its own).
fn chunks(records: &[(u64, Vec<u8>)]) -> impl Iterator<Item = &[(u64, Vec<u8>)]> {
    let mut rest = records;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut bytes = 0;
        let mut len = 0;
        while len < rest.len().min(BATCH_RECORDS) && (len == 0 || bytes + rest[len].1.len() <= BATCH_BYTES) {
            bytes += rest[len].1.len();
            len += 1;
        }
        let (chunk, tail) = rest.split_at(len);
        rest = tail;
        Some(chunk)
    })
}

/// A record read back from a batch.
struct Stored {
    offset: u64,
    sequence: u64,
    record: Record,
}

/// A batch as stored: [`BATCH_MAGIC`], the offset after its last record
/// (kept when cleanup removes records), the record count, then per record
/// its offset and [`encode`]d form.
fn encode_batch(end: u64, records: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let size = records.iter().map(|(_, encoded)| 12 + encoded.len()).sum::<usize>();
    let mut out = Vec::with_capacity(13 + size);
    out.push(BATCH_MAGIC);
    out.extend_from_slice(&end.to_be_bytes());
    out.extend_from_slice(&(records.len() as u32).to_be_bytes());
    for (offset, encoded) in records {
        out.extend_from_slice(&offset.to_be_bytes());
        out.extend_from_slice(&(encoded.len() as u32).to_be_bytes());
        out.extend_from_slice(encoded);
    }
    out
}

/// The offset after the last record of the entry at `first`.
fn batch_end(first: u64, bytes: &[u8]) -> Result<u64> {
    match bytes.first() {
        Some(&BATCH_MAGIC) => Ok(u64::from_be_bytes(Reader { bytes: &bytes[1..] }.array()?)),
        // A record stored on its own by an earlier version.
        _ => Ok(first + 1),
    }
}

/// Reads back what [`encode_batch`] wrote (or one record of an earlier
/// version, stored at offset `first`).
fn decode_batch(first: u64, bytes: &[u8]) -> Result<Vec<Stored>> {
    let mut records = Vec::new();
    each_encoded(first, bytes, 0, |offset, encoded| {
        let (sequence, record) = decode(encoded)?;
        records.push(Stored { offset, sequence, record });
        Ok(())
    })?;
    Ok(records)
}

/// Calls `record` with the offset and [`encode`]d form of each record of
/// the entry at `first` (see [`decode_batch`]) from offset `from` on; the
/// records before it are skipped without being decoded (a read usually
/// starts inside a batch).
fn each_encoded(
    first: u64,
    bytes: &[u8],
    from: u64,
    mut record: impl FnMut(u64, &[u8]) -> Result<()>,
) -> Result<()> {
    if bytes.first() != Some(&BATCH_MAGIC) {
        return if first < from { Ok(()) } else { record(first, bytes) };
    }
    let mut reader = Reader { bytes: &bytes[1..] };
    let _end: [u8; 8] = reader.array()?;
    let count = u32::from_be_bytes(reader.array()?) as usize;
    for _ in 0..count {
        let offset = u64::from_be_bytes(reader.array()?);
        let length = u32::from_be_bytes(reader.array()?) as usize;
        let bytes = reader.take(length)?;
        if offset >= from {
            record(offset, bytes)?;
        }
    }
    if !reader.bytes.is_empty() {
        return Err(corrupt());
    }
    Ok(())
}

/// A record as stored: sequence, timestamp, key, value, then headers.
/// Optional byte strings are a presence byte then, if present, a 4-byte
/// length and the bytes.
fn encode(sequence: u64, record: &Record) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        32 + record.key.as_ref().map_or(0, Vec::len) + record.value.as_ref().map_or(0, Vec::len),
    );
    out.extend_from_slice(&sequence.to_be_bytes());
    out.extend_from_slice(&record.timestamp.to_be_bytes());
    put_optional(&mut out, record.key.as_deref());
    put_optional(&mut out, record.value.as_deref());
    out.extend_from_slice(&(record.headers.len() as u32).to_be_bytes());
    for header in &record.headers {
        put_optional(&mut out, Some(header.key.as_bytes()));
        put_optional(&mut out, header.value.as_deref());
    }
    out
}

fn put_optional(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
    match bytes {
        None => out.push(0),
        Some(bytes) => {
            out.push(1);
            out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            out.extend_from_slice(bytes);
        }
    }
}

/// Reads back what [`encode`] wrote.
fn decode(bytes: &[u8]) -> Result<(u64, Record)> {
    let mut reader = Reader { bytes };
    let sequence = u64::from_be_bytes(reader.array()?);
    let timestamp = i64::from_be_bytes(reader.array()?);
    let key = reader.optional()?;
    let value = reader.optional()?;
    let count = u32::from_be_bytes(reader.array()?);
    let mut headers = Vec::new();
    for _ in 0..count {
        let key = reader.optional()?.unwrap_or_default();
        let key = String::from_utf8(key).map_err(|_| corrupt())?;
        headers.push(Header { key, value: reader.optional()? });
    }
    if !reader.bytes.is_empty() {
        return Err(corrupt());
    }
    Ok((sequence, Record { key, value, timestamp, headers }))
}

fn corrupt() -> LogError {
    LogError::Storage("a stored record is malformed".into())
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        if self.bytes.len() < n {
            return Err(corrupt());
        }
        let (taken, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        self.take(N)?.try_into().map_err(|_| corrupt())
    }

    fn optional(&mut self) -> Result<Option<Vec<u8>>> {
        match self.array::<1>()?[0] {
            0 => Ok(None),
            1 => {
                let len = u32::from_be_bytes(self.array()?) as usize;
                Ok(Some(self.take(len)?.to_vec()))
            }
            _ => Err(corrupt()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(value: &str, timestamp: i64) -> Record {
        Record { value: Some(value.as_bytes().to_vec()), timestamp, ..Record::default() }
    }

    #[test]
    fn append_and_read_back_in_order() {
        let log = SledLog::temporary().unwrap();
        assert!(log.create_topic("a", 2).unwrap());
        assert!(!log.create_topic("a", 2).unwrap());
        assert!(log.create_topic("a", 3).is_err());
        log.create_topic("b", 1).unwrap();
        assert_eq!(log.append("a", 0, record("x", 1)).unwrap(), 0);
        assert_eq!(log.append("b", 0, record("y", 2)).unwrap(), 0);
        assert_eq!(log.append("a", 0, record("z", 3)).unwrap(), 1);
        let read = log.read("a", 0, 0, 10).unwrap();
        assert_eq!(read.iter().map(|r| (r.offset, r.sequence)).collect::<Vec<_>>(), vec![(0, 0), (1, 2)]);
        assert_eq!(read[1].record, record("z", 3));
        assert_eq!(log.read("a", 0, 1, 10).unwrap().len(), 1);
        assert_eq!(log.read("a", 0, 5, 10).unwrap().len(), 0);
        assert_eq!(log.read("a", 0, 0, 1).unwrap().len(), 1);
        assert_eq!(log.end_offset("a", 0).unwrap(), 2);
        assert_eq!(log.end_offset("a", 1).unwrap(), 0);
        assert!(log.append("a", 7, record("x", 1)).is_err());
        assert!(log.append("nope", 0, record("x", 1)).is_err());
        assert_eq!(log.topics().iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        log.delete_topic("b").unwrap();
        assert!(log.topic("b").is_none());
        // A topic created again under the same name starts empty.
        log.create_topic("b", 1).unwrap();
        assert_eq!(log.end_offset("b", 0).unwrap(), 0);
    }

    #[test]
    fn a_batch_of_appends_gets_consecutive_offsets_and_sequences() {
        let log = SledLog::temporary().unwrap();
        log.create_topic("t", 1).unwrap();
        log.append("t", 0, record("a", 1)).unwrap();
        assert_eq!(log.append_all("t", 0, vec![record("b", 2), record("c", 3)]).unwrap(), 1);
        assert_eq!(log.append("t", 0, record("d", 4)).unwrap(), 3);
        let read = log.read("t", 0, 0, 10).unwrap();
        let got: Vec<(u64, u64, i64)> =
            read.iter().map(|r| (r.offset, r.sequence, r.record.timestamp)).collect();
        assert_eq!(got, vec![(0, 0, 1), (1, 1, 2), (2, 2, 3), (3, 3, 4)]);
    }

    #[test]
    fn large_batches_span_entries_and_read_from_anywhere() {
        let log = SledLog::temporary().unwrap();
        log.create_topic("t", 1).unwrap();
        let records: Vec<Record> = (0..600).map(|i| record(&i.to_string(), i)).collect();
        assert_eq!(log.append_all("t", 0, records).unwrap(), 0);
        assert_eq!(log.end_offset("t", 0).unwrap(), 600);
        let middle = log.read("t", 0, 250, 10).unwrap();
        assert_eq!(middle.iter().map(|r| r.offset).collect::<Vec<_>>(), (250..260).collect::<Vec<_>>());
        assert_eq!(middle[6].record, record("256", 256));
        assert_eq!(log.read("t", 0, 590, 100).unwrap().len(), 10);
        assert_eq!(log.append("t", 0, record("x", 0)).unwrap(), 600);
        // Compaction inside one batch keeps the offsets of what is left.
        let keyed = |k: &str| Record { key: Some(k.as_bytes().to_vec()), ..record(k, 0) };
        log.create_topic("k", 1).unwrap();
        log.append_all("k", 0, vec![keyed("a"), keyed("b"), keyed("a")]).unwrap();
        let compact = Cleanup { compact: true, ..Cleanup::default() };
        assert_eq!(log.clean("k", &compact, 0).unwrap(), 1);
        let left: Vec<u64> = log.read("k", 0, 0, 10).unwrap().iter().map(|r| r.offset).collect();
        assert_eq!(left, vec![1, 2]);
        assert_eq!(log.end_offset("k", 0).unwrap(), 3);
    }

    #[test]
    fn entries_stay_small_and_a_large_record_gets_one_of_its_own() {
        let encoded = |records: Vec<Record>| -> Vec<(u64, Vec<u8>)> {
            records.iter().enumerate().map(|(i, r)| (i as u64, encode(i as u64, r))).collect()
        };
        let records = encoded((0..300i64).map(|i| record(&"x".repeat(100 + (i % 7) as usize), i)).collect());
        let sizes: Vec<usize> = chunks(&records).map(<[_]>::len).collect();
        assert_eq!(sizes.iter().sum::<usize>(), 300);
        assert!(sizes.len() > 1);
        for chunk in chunks(&records) {
            assert!(chunk.iter().map(|(_, bytes)| bytes.len()).sum::<usize>() <= BATCH_BYTES);
        }
        let large = encoded(vec![record(&"y".repeat(BATCH_BYTES * 2), 0), record("z", 1)]);
        assert_eq!(chunks(&large).map(<[_]>::len).collect::<Vec<_>>(), vec![1, 1]);
    }

    #[test]
    fn records_stored_one_per_entry_by_earlier_versions_still_read() {
        let log = SledLog::temporary().unwrap();
        log.create_topic("t", 1).unwrap();
        let tree = log.partition("t", 0).unwrap();
        tree.insert(0u64.to_be_bytes(), encode(7, &record("old", 5))).unwrap();
        assert_eq!(log.append("t", 0, record("new", 6)).unwrap(), 1);
        let read = log.read("t", 0, 0, 10).unwrap();
        assert_eq!(read.iter().map(|r| (r.offset, r.sequence)).collect::<Vec<_>>()[0], (0, 7));
        assert_eq!(read[0].record, record("old", 5));
        assert_eq!(read[1].record, record("new", 6));
    }

    #[test]
    fn time_retention_removes_old_records_but_keeps_the_end() {
        let log = SledLog::temporary().unwrap();
        log.create_topic("t", 1).unwrap();
        for ts in [100, 200, 900, 150] {
            log.append("t", 0, record("v", ts)).unwrap();
        }
        let retention = Cleanup { retention_ms: Some(500), ..Cleanup::default() };
        assert_eq!(log.clean("t", &retention, 1000).unwrap(), 2);
        let offsets: Vec<u64> = log.read("t", 0, 0, 10).unwrap().iter().map(|r| r.offset).collect();
        // The last record (offset 3) is old too, but holds the end offset.
        assert_eq!(offsets, vec![2, 3]);
        assert_eq!(log.append("t", 0, record("w", 1000)).unwrap(), 4);
        assert!(log.clean("nope", &retention, 0).is_err());
    }

    #[test]
    fn keys_tombstones_and_headers_round_trip() {
        let full = Record {
            key: Some(vec![0, 1, 2]),
            value: None,
            timestamp: -5,
            headers: vec![
                Header { key: "h".into(), value: Some(b"v".to_vec()) },
                Header { key: "empty".into(), value: None },
            ],
        };
        let (sequence, decoded) = decode(&encode(42, &full)).unwrap();
        assert_eq!((sequence, decoded), (42, full.clone()));
        let encoded = encode(1, &full);
        assert!(decode(&encoded[..encoded.len() - 1]).is_err());
    }

    #[test]
    fn records_and_sequences_survive_reopening() {
        let dir = std::env::temp_dir().join(format!("sluice-sled-log-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        {
            let log = SledLog::open(&dir).unwrap();
            log.create_topic("t", 1).unwrap();
            log.append("t", 0, record("a", 1)).unwrap();
            log.append("t", 0, record("b", 2)).unwrap();
            log.flush().unwrap();
        }
        {
            let log = SledLog::open(&dir).unwrap();
            assert_eq!(log.topic("t").map(|t| t.partitions), Some(1));
            assert_eq!(log.append("t", 0, record("c", 3)).unwrap(), 2);
            let read = log.read("t", 0, 0, 10).unwrap();
            let values: Vec<_> = read.iter().map(|r| (r.record.value.clone(), r.sequence)).collect();
            assert_eq!(
                values,
                vec![(Some(b"a".to_vec()), 0), (Some(b"b".to_vec()), 1), (Some(b"c".to_vec()), 2)]
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

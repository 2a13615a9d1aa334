//! What a topic keeps: Kafka's `retention.ms`, `retention.bytes` and
//! `cleanup.policy=compact`, applied by [`crate::Log::clean`].

use std::collections::HashSet;

/// How a topic's old records are removed. The default keeps everything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cleanup {
    /// Records whose timestamp is older than this many milliseconds before
    /// "now" are removed.
    pub retention_ms: Option<i64>,
    /// The oldest records of a partition are removed while its records'
    /// keys and values take more than this many bytes.
    pub retention_bytes: Option<u64>,
    /// A record is removed once a later record of the partition has the
    /// same key (records without a key are kept).
    pub compact: bool,
}

impl Cleanup {
    pub fn keeps_everything(&self) -> bool {
        self.retention_ms.is_none() && self.retention_bytes.is_none() && !self.compact
    }
}

/// What cleanup needs to know of a stored record.
pub(crate) struct Kept<'a> {
    pub offset: u64,
    pub timestamp: i64,
    pub key: Option<&'a [u8]>,
    pub size: u64,
}

impl<'a> Kept<'a> {
    pub(crate) fn of(offset: u64, record: &'a crate::Record) -> Self {
        Kept { offset, timestamp: record.timestamp, key: record.key.as_deref(), size: record.size() }
    }
}

/// The offsets of one partition's records (given in offset order) that
/// `cleanup` removes at `now_ms`. The last record always stays, as Kafka's
/// active segment does: it holds the partition's end offset.
pub(crate) fn removable(records: &[Kept<'_>], cleanup: &Cleanup, now_ms: i64) -> Vec<u64> {
    let Some((_, older)) = records.split_last() else { return Vec::new() };
    let mut removed: HashSet<u64> = HashSet::new();
    if let Some(retention) = cleanup.retention_ms {
        let oldest_kept = now_ms.saturating_sub(retention);
        removed.extend(older.iter().filter(|r| r.timestamp < oldest_kept).map(|r| r.offset));
    }
    if cleanup.compact {
        let mut seen: HashSet<&[u8]> = HashSet::new();
        for record in records.iter().rev() {
            if let Some(key) = record.key {
                if !seen.insert(key) {
                    removed.insert(record.offset);
                }
            }
        }
    }
    if let Some(limit) = cleanup.retention_bytes {
        let mut size: u64 = records.iter().filter(|r| !removed.contains(&r.offset)).map(|r| r.size).sum();
        for record in older {
            if size <= limit {
                break;
            }
            if removed.insert(record.offset) {
                size -= record.size;
            }
        }
    }
    let mut offsets: Vec<u64> = removed.into_iter().collect();
    offsets.sort_unstable();
    offsets
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(offset: u64, timestamp: i64, key: &'static [u8]) -> Kept<'static> {
        Kept { offset, timestamp, key: Some(key), size: 10 }
    }

    #[test]
    fn time_retention_keeps_recent_records_and_the_last() {
        let records = [kept(0, 100, b"a"), kept(1, 900, b"b"), kept(2, 50, b"c")];
        let cleanup = Cleanup { retention_ms: Some(500), ..Cleanup::default() };
        assert_eq!(removable(&records, &cleanup, 1000), vec![0]);
    }

    #[test]
    fn compaction_keeps_the_latest_record_per_key() {
        let records = [kept(0, 0, b"a"), kept(1, 0, b"b"), kept(2, 0, b"a"), kept(3, 0, b"a")];
        let cleanup = Cleanup { compact: true, ..Cleanup::default() };
        assert_eq!(removable(&records, &cleanup, 0), vec![0, 2]);
        let keyless = [
            Kept { offset: 0, timestamp: 0, key: None, size: 1 },
            Kept { offset: 1, timestamp: 0, key: None, size: 1 },
        ];
        assert!(removable(&keyless, &cleanup, 0).is_empty());
    }

    #[test]
    fn size_retention_removes_the_oldest_first() {
        let records = [kept(0, 0, b"a"), kept(1, 0, b"b"), kept(2, 0, b"c"), kept(3, 0, b"d")];
        let cleanup = Cleanup { retention_bytes: Some(25), ..Cleanup::default() };
        assert_eq!(removable(&records, &cleanup, 0), vec![0, 1]);
        assert!(removable(&records, &Cleanup::default(), i64::MAX).is_empty());
        assert!(removable(&[], &cleanup, 0).is_empty());
    }
}

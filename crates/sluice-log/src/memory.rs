use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use crate::cleanup::{removable, Kept};
use crate::{Cleanup, Log, LogError, Record, Result, StoredRecord, TopicInfo};

/// A log held in memory: nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryLog {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Each partition's records in offset order; cleanup leaves gaps in the
    /// offsets, but never removes a partition's last record.
    topics: BTreeMap<String, Vec<Vec<StoredRecord>>>,
    next_sequence: u64,
}

/// The offset the next record of `records` gets.
fn end_of(records: &[StoredRecord]) -> u64 {
    records.last().map_or(0, |r| r.offset + 1)
}

impl MemoryLog {
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-written record
        // (every change is a single push), so a poisoned lock is still sound.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl MemoryLog {
    /// Drops the records of a partition before `offset`, but never its last
    /// record (which holds the partition's end offset): a reader that has
    /// read them and is the only one frees their memory.
    pub fn trim_before(&self, topic: &str, partition: u32, offset: u64) -> Result<()> {
        let mut state = self.state();
        let records = state.partition(topic, partition)?;
        let keep_from = records.partition_point(|r| r.offset < offset).min(records.len().saturating_sub(1));
        records.drain(..keep_from);
        Ok(())
    }
}

impl State {
    fn partition(&mut self, topic: &str, partition: u32) -> Result<&mut Vec<StoredRecord>> {
        let partitions =
            self.topics.get_mut(topic).ok_or_else(|| LogError::UnknownTopic(topic.to_string()))?;
        partitions
            .get_mut(partition as usize)
            .ok_or_else(|| LogError::UnknownPartition { topic: topic.to_string(), partition })
    }
}

impl Log for MemoryLog {
    fn create_topic(&self, name: &str, partitions: u32) -> Result<bool> {
        if partitions == 0 {
            return Err(LogError::NoPartitions);
        }
        let mut state = self.state();
        if let Some(existing) = state.topics.get(name) {
            let existing = existing.len() as u32;
            return if existing == partitions {
                Ok(false)
            } else {
                Err(LogError::PartitionMismatch { topic: name.to_string(), existing, requested: partitions })
            };
        }
        state.topics.insert(name.to_string(), vec![Vec::new(); partitions as usize]);
        Ok(true)
    }

    fn delete_topic(&self, name: &str) -> Result<()> {
        self.state().topics.remove(name).map(|_| ()).ok_or_else(|| LogError::UnknownTopic(name.to_string()))
    }

    fn topic(&self, name: &str) -> Option<TopicInfo> {
        self.state()
            .topics
            .get(name)
            .map(|p| TopicInfo { name: name.to_string(), partitions: p.len() as u32 })
    }

    fn topics(&self) -> Vec<TopicInfo> {
        let state = self.state();
        state
            .topics
            .iter()
            .map(|(name, p)| TopicInfo { name: name.clone(), partitions: p.len() as u32 })
            .collect()
    }

    fn append(&self, topic: &str, partition: u32, record: Record) -> Result<u64> {
        let mut state = self.state();
        let sequence = state.next_sequence;
        let records = state.partition(topic, partition)?;
        let offset = end_of(records);
        records.push(StoredRecord { record, partition, offset, sequence });
        state.next_sequence += 1;
        Ok(offset)
    }

    fn append_all(&self, topic: &str, partition: u32, records: Vec<Record>) -> Result<u64> {
        let mut state = self.state();
        let mut sequence = state.next_sequence;
        let stored = state.partition(topic, partition)?;
        let first = end_of(stored);
        for (i, record) in records.into_iter().enumerate() {
            stored.push(StoredRecord { record, partition, offset: first + i as u64, sequence });
            sequence += 1;
        }
        state.next_sequence = sequence;
        Ok(first)
    }

    fn read(&self, topic: &str, partition: u32, offset: u64, max: usize) -> Result<Vec<StoredRecord>> {
        let mut state = self.state();
        let records = state.partition(topic, partition)?;
        let start = records.partition_point(|r| r.offset < offset);
        let end = start.saturating_add(max).min(records.len());
        Ok(records[start..end].to_vec())
    }

    fn end_offset(&self, topic: &str, partition: u32) -> Result<u64> {
        Ok(end_of(self.state().partition(topic, partition)?))
    }

    fn clean(&self, topic: &str, cleanup: &Cleanup, now_ms: i64) -> Result<u64> {
        let mut state = self.state();
        let partitions =
            state.topics.get_mut(topic).ok_or_else(|| LogError::UnknownTopic(topic.to_string()))?;
        let mut removed = 0;
        for records in partitions.iter_mut() {
            let kept: Vec<Kept<'_>> = records.iter().map(|r| Kept::of(r.offset, &r.record)).collect();
            let gone = removable(&kept, cleanup, now_ms);
            if gone.is_empty() {
                continue;
            }
            removed += gone.len() as u64;
            records.retain(|r| gone.binary_search(&r.offset).is_err());
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(value: &str, timestamp: i64) -> Record {
        Record { value: Some(value.as_bytes().to_vec()), timestamp, ..Record::default() }
    }

    #[test]
    fn trimming_keeps_the_last_record_and_the_end() {
        let log = MemoryLog::new();
        log.create_topic("t", 1).unwrap();
        for i in 0..3 {
            log.append("t", 0, record("v", i)).unwrap();
        }
        log.trim_before("t", 0, 2).unwrap();
        assert_eq!(log.read("t", 0, 0, 10).unwrap().iter().map(|r| r.offset).collect::<Vec<_>>(), vec![2]);
        log.trim_before("t", 0, 10).unwrap();
        assert_eq!(log.end_offset("t", 0).unwrap(), 3);
        assert_eq!(log.append("t", 0, record("w", 3)).unwrap(), 3);
    }

    #[test]
    fn cleaned_offsets_are_skipped_and_the_end_stays() {
        let log = MemoryLog::new();
        log.create_topic("t", 1).unwrap();
        for (i, key) in ["a", "b", "a", "a"].iter().enumerate() {
            let record = Record { key: Some(key.as_bytes().to_vec()), ..record("v", i as i64) };
            log.append("t", 0, record).unwrap();
        }
        let compact = Cleanup { compact: true, ..Cleanup::default() };
        assert_eq!(log.clean("t", &compact, 0).unwrap(), 2);
        let offsets: Vec<u64> = log.read("t", 0, 0, 10).unwrap().iter().map(|r| r.offset).collect();
        assert_eq!(offsets, vec![1, 3]);
        assert_eq!(log.read("t", 0, 2, 10).unwrap()[0].offset, 3);
        assert_eq!(log.end_offset("t", 0).unwrap(), 4);
        assert_eq!(log.append("t", 0, record("w", 9)).unwrap(), 4);
    }

    #[test]
    fn append_and_read_back_in_order() {
        let log = MemoryLog::new();
        assert!(log.create_topic("a", 2).unwrap());
        assert!(!log.create_topic("a", 2).unwrap());
        assert!(log.create_topic("a", 3).is_err());
        log.create_topic("b", 1).unwrap();
        assert_eq!(log.append("a", 0, record("x", 1)).unwrap(), 0);
        assert_eq!(log.append("b", 0, record("y", 2)).unwrap(), 0);
        assert_eq!(log.append("a", 0, record("z", 3)).unwrap(), 1);
        let read = log.read("a", 0, 0, 10).unwrap();
        assert_eq!(read.iter().map(|r| (r.offset, r.sequence)).collect::<Vec<_>>(), vec![(0, 0), (1, 2)]);
        assert_eq!(log.read("a", 0, 1, 10).unwrap().len(), 1);
        assert_eq!(log.read("a", 0, 5, 10).unwrap().len(), 0);
        assert_eq!(log.end_offset("a", 0).unwrap(), 2);
        assert!(log.append("a", 7, record("x", 1)).is_err());
        assert!(log.append("nope", 0, record("x", 1)).is_err());
        assert_eq!(log.topics().len(), 2);
        log.delete_topic("b").unwrap();
        assert!(log.topic("b").is_none());
    }
}

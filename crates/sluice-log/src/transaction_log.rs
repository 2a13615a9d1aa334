//! A log whose appends go into a transaction: what an exactly-once query
//! runs over, so that its operators and sink write as they always do while
//! the output stays invisible until the transaction commits.

use crate::{Cleanup, GroupMember, Log, Record, Result, StoredRecord, TopicInfo, TopicSpec, Transaction};

/// `log` for everything but appends, which go to `transaction`.
pub struct TransactionLog<'a> {
    log: &'a dyn Log,
    transaction: &'a dyn Transaction,
}

impl<'a> TransactionLog<'a> {
    pub fn new(log: &'a dyn Log, transaction: &'a dyn Transaction) -> Self {
        TransactionLog { log, transaction }
    }
}

impl Log for TransactionLog<'_> {
    fn create_topic(&self, name: &str, partitions: u32) -> Result<bool> {
        self.log.create_topic(name, partitions)
    }

    fn create_topic_as(&self, name: &str, spec: &TopicSpec) -> Result<bool> {
        self.log.create_topic_as(name, spec)
    }

    fn delete_topic(&self, name: &str) -> Result<()> {
        self.log.delete_topic(name)
    }

    fn topic(&self, name: &str) -> Option<TopicInfo> {
        self.log.topic(name)
    }

    fn topics(&self) -> Vec<TopicInfo> {
        self.log.topics()
    }

    fn append(&self, topic: &str, partition: u32, record: Record) -> Result<u64> {
        self.transaction.append_all(topic, partition, vec![record])
    }

    fn append_all(&self, topic: &str, partition: u32, records: Vec<Record>) -> Result<u64> {
        self.transaction.append_all(topic, partition, records)
    }

    fn read(&self, topic: &str, partition: u32, offset: u64, max: usize) -> Result<Vec<StoredRecord>> {
        self.log.read(topic, partition, offset, max)
    }

    fn end_offset(&self, topic: &str, partition: u32) -> Result<u64> {
        self.log.end_offset(topic, partition)
    }

    fn clean(&self, topic: &str, cleanup: &Cleanup, now_ms: i64) -> Result<u64> {
        self.log.clean(topic, cleanup, now_ms)
    }

    /// The transaction's appends are made durable by its commit.
    fn flush(&self) -> Result<()> {
        Ok(())
    }

    fn join_group(
        &self,
        group: &str,
        topics: &[String],
        guarantee: crate::Guarantee,
    ) -> Result<Option<Box<dyn GroupMember>>> {
        self.log.join_group(group, topics, guarantee)
    }
}

//! Topics of records, split into partitions and addressed by offset.
//!
//! [`Log`] is what queries read from and write to. [`MemoryLog`] keeps
//! everything in memory: the conformance runner and tests use it.
//! [`SledLog`] keeps topics on local disk in a sled database. [`KafkaLog`]
//! keeps them in a Kafka cluster.

mod cleanup;
mod group;
mod kafka_group;
mod kafka_log;
mod kafka_reader;
mod kafka_transaction;
mod kafka_writer;
mod memory;
mod partitioner;
mod record;
mod sled_log;
mod transaction_log;

pub use cleanup::Cleanup;
pub use group::{GroupMember, Guarantee, TopicPartition, Transaction};
pub use kafka_log::KafkaLog;
pub use memory::MemoryLog;
pub use partitioner::key_partition;
pub use record::{Header, Record, StoredRecord};
pub use sled_log::SledLog;
pub use transaction_log::TransactionLog;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    #[error("Topic '{0}' does not exist")]
    UnknownTopic(String),
    #[error("Topic '{topic}' has no partition {partition}")]
    UnknownPartition { topic: String, partition: u32 },
    #[error("Topic '{topic}' already exists with {existing} partitions, not {requested}")]
    PartitionMismatch { topic: String, existing: u32, requested: u32 },
    #[error("A topic needs at least one partition")]
    NoPartitions,
    /// The embedded log's storage failed, or holds something it did not
    /// write; or the Kafka cluster failed or refused a request.
    #[error("The log's storage failed: {0}")]
    Storage(String),
    /// An exactly-once member's transaction was aborted: what it appended
    /// since its last commit is gone, and the offsets were not committed.
    #[error("The transaction was aborted: {0}")]
    Aborted(String),
}

pub type Result<T> = std::result::Result<T, LogError>;

/// A topic's name and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicInfo {
    pub name: String,
    pub partitions: u32,
}

/// How a topic is made when it does not exist yet: what Kafka's
/// CreateTopics takes from a statement's PARTITIONS, REPLICAS and
/// RETENTION_MS, and a table sink's compaction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TopicSpec {
    pub partitions: u32,
    /// Replicas of each partition; None is the log's default.
    pub replicas: Option<u32>,
    /// What the topic keeps from its creation on.
    pub cleanup: Cleanup,
}

/// Where topics live.
pub trait Log: Send + Sync {
    /// Creates the topic, or checks that an existing one has `partitions`.
    /// Returns whether it was created.
    fn create_topic(&self, name: &str, partitions: u32) -> Result<bool>;

    /// [`Log::create_topic`] with the replicas and cleanup of `spec`, for a
    /// log that keeps them with the topic (Kafka). The embedded logs keep
    /// only the partitions: their cleanup is applied by [`Log::clean`].
    fn create_topic_as(&self, name: &str, spec: &TopicSpec) -> Result<bool> {
        self.create_topic(name, spec.partitions)
    }

    fn delete_topic(&self, name: &str) -> Result<()>;

    fn topic(&self, name: &str) -> Option<TopicInfo>;

    /// Every topic, ordered by name.
    fn topics(&self) -> Vec<TopicInfo>;

    /// Appends a record and returns its offset.
    fn append(&self, topic: &str, partition: u32, record: Record) -> Result<u64>;

    /// Appends records in order, as one write where the log can (one lock,
    /// one storage batch). Returns the offset of the first.
    fn append_all(&self, topic: &str, partition: u32, records: Vec<Record>) -> Result<u64> {
        let mut first = None;
        for record in records {
            let offset = self.append(topic, partition, record)?;
            first.get_or_insert(offset);
        }
        match first {
            Some(offset) => Ok(offset),
            None => self.end_offset(topic, partition),
        }
    }

    /// Up to `max` records of one partition from `offset` on. A log over
    /// a broker ([`KafkaLog`]) returns what arrives within a short wait:
    /// fewer than `max` does not mean that nothing follows, and nothing new
    /// gives an empty Vec.
    fn read(&self, topic: &str, partition: u32, offset: u64, max: usize) -> Result<Vec<StoredRecord>>;

    /// The offset the next appended record of the partition will get.
    fn end_offset(&self, topic: &str, partition: u32) -> Result<u64>;

    /// Removes the records of `topic` that `cleanup` no longer keeps at
    /// `now_ms` (milliseconds since the epoch). Offsets do not change: a
    /// read from a removed offset starts at the next record kept. Returns
    /// the number of records removed by this call; a broker that cleans by
    /// itself reports 0 ([`KafkaLog`] sets the topic's retention and
    /// cleanup policy instead, and the broker removes records later).
    fn clean(&self, topic: &str, cleanup: &Cleanup, now_ms: i64) -> Result<u64>;

    /// Makes every record appended so far survive a crash of the process.
    /// Logs that keep nothing, or that write through, have nothing to do.
    fn flush(&self) -> Result<()> {
        Ok(())
    }

    /// Joins the group `group` of processes sharing the partitions of
    /// `topics` (see [`GroupMember`]), as a member that commits with
    /// `guarantee`. None when this process owns every partition: the
    /// embedded logs belong to one process.
    fn join_group(
        &self,
        _group: &str,
        _topics: &[String],
        _guarantee: Guarantee,
    ) -> Result<Option<Box<dyn GroupMember>>> {
        Ok(None)
    }
}

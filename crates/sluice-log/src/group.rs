//! Sharing a query's partitions between processes: a consumer group.
//!
//! Several servers with one service id run the same persistent queries.
//! Each query's servers form a group; the group spreads the partitions of
//! the query's input topics over its live members and keeps the offsets
//! they commit, so that a partition moved to another server (one joined,
//! or one died) goes on from where its last owner committed.

use std::collections::{BTreeMap, BTreeSet};

use crate::{Record, Result};

/// A partition of a topic.
pub type TopicPartition = (String, u32);

/// What a query's output and its committed offsets promise when a
/// partition moves or a server dies: ksqlDB's `processing.guarantee`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Guarantee {
    /// Offsets are committed after the output is durable: output written
    /// after the last commit may be written again by the next owner.
    #[default]
    AtLeastOnce,
    /// The output since the last commit is appended in a transaction that
    /// commits together with the offsets, or not at all (Kafka's
    /// transactions; readers see only committed output).
    ExactlyOnce,
}

/// One process's place in a group.
pub trait GroupMember: Send {
    /// Serves the group (joins, rebalances) and returns the partitions
    /// this member owns now. Empty while the group is (re)assigning, and
    /// when the group has more members than partitions.
    ///
    /// `processed`: how far the member's query has processed the
    /// partitions it owned, its output durable (the Kafka log's appends
    /// are acknowledged before they return). At least once, the member
    /// commits these for the partitions the group takes away during the
    /// call, so that their next owner does not process that part again; an
    /// exactly-once member ignores them (its offsets go with its
    /// transaction).
    fn assignment(&mut self, processed: &BTreeMap<TopicPartition, u64>) -> Result<BTreeSet<TopicPartition>>;

    /// The offsets committed to the group for `partitions`: the next
    /// offset to read. A partition nobody committed is left out.
    fn committed(&self, partitions: &BTreeSet<TopicPartition>) -> Result<BTreeMap<TopicPartition, u64>>;

    /// Commits the next offset to read of each partition. At least once,
    /// the caller makes sure what it wrote for records before them is
    /// durable first. Exactly once, this commits the member's transaction
    /// with the offsets in it; when that fails the transaction is aborted
    /// and the error is [`crate::LogError::Aborted`] (a storage error when
    /// the member could not even start a new producer).
    fn commit(&self, offsets: &BTreeMap<TopicPartition, u64>) -> Result<()>;

    /// Where the member's query appends its output, for a member that
    /// processes exactly once; None when the query appends to the log.
    fn transaction(&self) -> Option<&dyn Transaction> {
        None
    }
}

/// The open transaction of an exactly-once [`GroupMember`]: appends that
/// become visible to readers only when the member commits its offsets.
pub trait Transaction: Send + Sync {
    /// Appends `records` in order to one partition, within the open
    /// transaction (starting one when none is open), and returns the
    /// offset of the first.
    fn append_all(&self, topic: &str, partition: u32, records: Vec<Record>) -> Result<u64>;

    /// Drops everything appended since the last commit. After a failed
    /// append the caller aborts, and goes on from the committed offsets.
    fn abort(&self) -> Result<()>;
}

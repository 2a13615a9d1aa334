//! Sharing a query's partitions between processes: a consumer group.
//!
//! Several servers with one service id run the same persistent queries.
//! Each query's servers form a group; the group spreads the partitions of
//! the query's input topics over its live members and keeps the offsets
//! they commit, so that a partition moved to another server (one joined,
//! or one died) goes on from where its last owner committed.

use std::collections::{BTreeMap, BTreeSet};

use crate::Result;

/// A partition of a topic.
pub type TopicPartition = (String, u32);

/// One process's place in a group.
pub trait GroupMember: Send {
    /// Serves the group (joins, rebalances) and returns the partitions
    /// this member owns now. Empty while the group is (re)assigning, and
    /// when the group has more members than partitions.
    fn assignment(&mut self) -> Result<BTreeSet<TopicPartition>>;

    /// The offsets committed to the group for `partitions`: the next
    /// offset to read. A partition nobody committed is left out.
    fn committed(&self, partitions: &BTreeSet<TopicPartition>) -> Result<BTreeMap<TopicPartition, u64>>;

    /// Commits the next offset to read of each partition. The caller
    /// makes sure what it wrote for records before them is durable first.
    fn commit(&self, offsets: &BTreeMap<TopicPartition, u64>) -> Result<()>;
}

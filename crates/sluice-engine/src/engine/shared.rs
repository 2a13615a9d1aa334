//! Persistent queries whose partitions are shared with the other servers
//! of the service, when the log is shared (Kafka).
//!
//! Each query's servers form a group of the log (a Kafka consumer group
//! named as ksqlDB names its queries' groups), which spreads the query's
//! input partitions over the servers alive and keeps the offsets they
//! commit. A server reads only the partitions it owns:
//!
//! - A query whose partitions can be processed apart
//!   ([`QueryPlan::partition_local`]: stateless, or grouped by the source's
//!   key) is split by partition.
//! - Any other query (a join, an aggregation that would need its input
//!   repartitioned) runs whole on one server: the owner of its first
//!   input's partition 0.
//!
//! When a server gains partitions, a stateless query goes on from the
//! offset committed for them. A query with state builds its state again
//! from the start of the partitions it now owns, writing nothing up to the
//! committed offsets (the previous owner wrote that output), then goes on
//! as usual.
//!
//! Offsets are committed at the runner's checkpoints. At least once
//! ([`Guarantee::AtLeastOnce`]), after the output is flushed: output
//! written since the last commit is written again by a partition's next
//! owner. Exactly once, the query's output goes into its member's
//! transaction, which commits together with the offsets: a partition's
//! next owner goes on from exactly where the committed output ends.
//! Either way, a query whose processing or commit failed rolls back to its
//! last commit (its state rebuilt, its offsets those committed).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use sluice_log::{GroupMember, Log, TopicPartition, Transaction};
use sluice_planner::QueryPlan;
use sluice_runtime::RunningQuery;

use super::{retry, Engine, EngineConfig};
use crate::error::{EngineError, Result};

/// A persistent query's place in its group.
pub(super) struct SharedQuery {
    member: Box<dyn GroupMember>,
    /// Split by partition, rather than run whole by one server.
    split: bool,
    /// The offsets last committed, so that an idle query commits nothing.
    committed: BTreeMap<TopicPartition, u64>,
    /// The partitions whose records the query's state holds.
    state_of: BTreeSet<TopicPartition>,
}

/// The group of a query, named as ksqlDB names them.
fn group_name(service_id: &str, query_id: &str) -> String {
    format!("_confluent-ksql-{service_id}query_{query_id}")
}

/// Joins `query` to its group when `log` is shared, and then makes it
/// read nothing until the group assigns it partitions.
pub(super) fn join(
    log: &dyn Log,
    config: &EngineConfig,
    query: &mut RunningQuery,
    plan: &QueryPlan,
) -> Result<Option<SharedQuery>> {
    let mut topics: Vec<String> = query.partitions().into_iter().map(|(topic, _)| topic).collect();
    topics.dedup();
    let group = group_name(&config.service_id, query.id());
    let Some(member) = log.join_group(&group, &topics, config.guarantee)? else {
        return Ok(None);
    };
    query.set_owned(&|_, _| false);
    Ok(Some(SharedQuery {
        member,
        split: plan.partition_local(),
        committed: BTreeMap::new(),
        state_of: BTreeSet::new(),
    }))
}

/// How far `query` has read each partition it owns: the next offset.
fn read_offsets(query: &RunningQuery) -> BTreeMap<TopicPartition, u64> {
    query
        .owned_partitions()
        .into_iter()
        .filter_map(|(topic, partition)| {
            let offset = query.offset(&topic, partition)?;
            Some(((topic, partition), offset))
        })
        .collect()
}

impl SharedQuery {
    /// Where the query appends its output, when it processes exactly once.
    pub(super) fn transaction(&self) -> Option<&dyn Transaction> {
        self.member.transaction()
    }

    /// Forgets what `query` did since its last commit, which may be gone
    /// from the log (an aborted transaction) or half written (a failed
    /// append): it owns nothing until [`Engine::share_partitions`] takes
    /// its partitions again, from the committed offsets, rebuilding its
    /// state.
    pub(super) fn roll_back(&mut self, query: &mut RunningQuery) -> Result<()> {
        if let Some(transaction) = self.member.transaction() {
            transaction.abort()?;
        }
        for (topic, partition) in query.owned_partitions() {
            query.set_offset(&topic, partition, 0);
        }
        query.set_owned(&|_, _| false);
        self.state_of.clear();
        self.committed.clear();
        Ok(())
    }

    /// Asks the group which partitions are this server's now (telling it
    /// how far the query has read, for those it takes away), and takes over
    /// the partitions it gained.
    fn take_partitions(&mut self, query: &mut RunningQuery, log: &dyn Log) -> Result<()> {
        let assigned = self.member.assignment(&read_offsets(query))?;
        let partitions = query.partitions();
        let owned: BTreeSet<TopicPartition> = if self.split {
            partitions.into_iter().filter(|p| assigned.contains(p)).collect()
        } else if partitions.first().is_some_and(|p| assigned.contains(p)) {
            partitions.into_iter().collect()
        } else {
            BTreeSet::new()
        };
        if owned == query.owned_partitions().into_iter().collect() {
            return Ok(());
        }
        let transactional = self.member.transaction().is_some();
        if transactional {
            // The open transaction holds output of the partitions owned so
            // far: committed with the offsets of another set it would be
            // written twice (a partition lost) or its offsets taken from
            // the wrong place. Everything goes back to the last commit.
            self.roll_back(query)?;
        }
        query.set_owned(&|topic, partition| owned.contains(&(topic.to_string(), partition)));
        if owned.is_empty() {
            return Ok(());
        }
        // Everything before the committed offset was processed by the
        // partition's last owner, and (at least once) everything before this
        // server's own offset by this server. Exactly once, only what was
        // committed counts.
        let committed = self.member.committed(&owned)?;
        let next: BTreeMap<TopicPartition, u64> = owned
            .iter()
            .map(|tp| {
                let mine = if transactional { 0 } else { query.offset(&tp.0, tp.1).unwrap_or(0) };
                (tp.clone(), committed.get(tp).copied().unwrap_or(0).max(mine))
            })
            .collect();
        if !query.resumable() && owned != self.state_of {
            let until =
                |topic: &str, partition: u32| next.get(&(topic.to_string(), partition)).copied().unwrap_or(0);
            query.rebuild(log, &until)?;
            self.state_of = owned;
        } else {
            for ((topic, partition), offset) in &next {
                query.set_offset(topic, *partition, *offset);
            }
        }
        Ok(())
    }
}

impl Engine {
    /// Asks each shared query's group which partitions are this server's
    /// now, and takes over the partitions it gained. A query whose group
    /// does not answer (the broker is away) owns nothing until it does,
    /// and fails as a query does (see retry.rs). Returns the first such
    /// failure.
    pub(super) fn share_partitions(&mut self) -> Option<EngineError> {
        let mut first_failure = None;
        for query in &mut self.queries {
            let Some(shared) = self.shared.get_mut(query.id()) else { continue };
            let now = Instant::now();
            if retry::waiting(&self.failing, query.id(), now) {
                continue;
            }
            if let Err(error) = shared.take_partitions(query, self.log.as_ref()) {
                // It owns nothing until the group answers. Exactly once,
                // the open transaction goes too: committed later without
                // these partitions' offsets, its output would be written
                // twice.
                if shared.transaction().is_some() {
                    // A failed abort leaves the transaction to time out.
                    let _ = shared.roll_back(query);
                }
                query.set_owned(&|_, _| false);
                retry::record(&mut self.failing, query.id(), error.to_string(), now);
                first_failure.get_or_insert(error);
            }
        }
        first_failure
    }

    /// Commits, to each shared query's group, how far it has read the
    /// partitions it owns, when that changed since its last commit (with
    /// its transaction, exactly once). Call it after flushing the log, so
    /// that no commit covers output that could still be lost. A query
    /// whose transaction failed to commit rolls back to its last commit;
    /// the others still commit, and the first failure is returned.
    pub fn commit_shared_offsets(&mut self) -> Result<()> {
        let mut failed = None;
        for query in &mut self.queries {
            let Some(shared) = self.shared.get_mut(query.id()) else { continue };
            let offsets = read_offsets(query);
            if offsets != shared.committed {
                match shared.member.commit(&offsets) {
                    Ok(()) => shared.committed = offsets,
                    // Exactly once, a failed commit leaves no transaction:
                    // what it held is gone.
                    Err(error) if shared.transaction().is_some() => {
                        shared.roll_back(query)?;
                        failed.get_or_insert(error);
                    }
                    Err(error) => return Err(error.into()),
                }
            }
        }
        failed.map_or(Ok(()), |error| Err(error.into()))
    }
}

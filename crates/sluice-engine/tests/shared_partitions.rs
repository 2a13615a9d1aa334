//! Persistent queries whose partitions are shared with other servers
//! (engine/shared.rs), over an in-memory log whose group is played by the
//! test: it decides which partitions this engine owns and what the group
//! has committed, and, exactly once, keeps each member's transaction.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use sluice_engine::{Engine, EngineConfig};
use sluice_log::{
    key_partition, Cleanup, GroupMember, Guarantee, Log, LogError, MemoryLog, Record, StoredRecord,
    TopicInfo, TopicPartition, Transaction,
};
use sluice_sql::parse_script;

/// What the group says, as the test sets it.
#[derive(Default)]
struct Group {
    assigned: BTreeSet<TopicPartition>,
    committed: BTreeMap<TopicPartition, u64>,
    /// Commits of transactions fail with this (the broker aborts them, or
    /// the producer is gone).
    fail_commits: Option<LogError>,
    /// Appends to this topic fail (the broker is away).
    fail_appends_to: Option<String>,
    /// The group does not answer.
    unreachable: bool,
}

struct Member {
    group: Arc<Mutex<Group>>,
    log: Arc<MemoryLog>,
    /// Exactly once: the records appended in the open transaction, which
    /// reach the log when it commits.
    transaction: Option<Mutex<Vec<(String, u32, Record)>>>,
}

impl GroupMember for Member {
    fn assignment(
        &mut self,
        _processed: &BTreeMap<TopicPartition, u64>,
    ) -> sluice_log::Result<BTreeSet<TopicPartition>> {
        let group = self.group.lock().unwrap();
        if group.unreachable {
            return Err(LogError::Storage("the test's group does not answer".into()));
        }
        Ok(group.assigned.clone())
    }

    fn committed(
        &self,
        partitions: &BTreeSet<TopicPartition>,
    ) -> sluice_log::Result<BTreeMap<TopicPartition, u64>> {
        let group = self.group.lock().unwrap();
        Ok(group
            .committed
            .iter()
            .filter(|(tp, _)| partitions.contains(*tp))
            .map(|(tp, o)| (tp.clone(), *o))
            .collect())
    }

    fn commit(&self, offsets: &BTreeMap<TopicPartition, u64>) -> sluice_log::Result<()> {
        let mut group = self.group.lock().unwrap();
        if let Some(transaction) = &self.transaction {
            let staged = std::mem::take(&mut *transaction.lock().unwrap());
            if let Some(error) = &group.fail_commits {
                return Err(error.clone());
            }
            for (topic, partition, record) in staged {
                self.log.append(&topic, partition, record)?;
            }
        }
        group.committed.extend(offsets.iter().map(|(tp, o)| (tp.clone(), *o)));
        Ok(())
    }

    fn transaction(&self) -> Option<&dyn Transaction> {
        self.transaction.as_ref().map(|_| self as &dyn Transaction)
    }
}

impl Transaction for Member {
    fn append_all(&self, topic: &str, partition: u32, records: Vec<Record>) -> sluice_log::Result<u64> {
        let mut staged = self.transaction.as_ref().expect("exactly once").lock().unwrap();
        let before = staged.iter().filter(|(t, p, _)| t == topic && *p == partition).count() as u64;
        let first = self.log.end_offset(topic, partition)? + before;
        staged.extend(records.into_iter().map(|r| (topic.to_string(), partition, r)));
        Ok(first)
    }

    fn abort(&self) -> sluice_log::Result<()> {
        self.transaction.as_ref().expect("exactly once").lock().unwrap().clear();
        Ok(())
    }
}

/// A memory log that says it is shared: every query joins the one group.
struct SharedLog {
    log: Arc<MemoryLog>,
    group: Arc<Mutex<Group>>,
}

impl Log for SharedLog {
    fn create_topic(&self, name: &str, partitions: u32) -> sluice_log::Result<bool> {
        self.log.create_topic(name, partitions)
    }
    fn delete_topic(&self, name: &str) -> sluice_log::Result<()> {
        self.log.delete_topic(name)
    }
    fn topic(&self, name: &str) -> Option<TopicInfo> {
        self.log.topic(name)
    }
    fn topics(&self) -> Vec<TopicInfo> {
        self.log.topics()
    }
    fn append(&self, topic: &str, partition: u32, record: Record) -> sluice_log::Result<u64> {
        if self.group.lock().unwrap().fail_appends_to.as_deref() == Some(topic) {
            return Err(LogError::Storage("the test's broker is away".into()));
        }
        self.log.append(topic, partition, record)
    }
    fn read(
        &self,
        topic: &str,
        partition: u32,
        offset: u64,
        max: usize,
    ) -> sluice_log::Result<Vec<StoredRecord>> {
        self.log.read(topic, partition, offset, max)
    }
    fn end_offset(&self, topic: &str, partition: u32) -> sluice_log::Result<u64> {
        self.log.end_offset(topic, partition)
    }
    fn clean(&self, topic: &str, cleanup: &Cleanup, now_ms: i64) -> sluice_log::Result<u64> {
        self.log.clean(topic, cleanup, now_ms)
    }
    fn join_group(
        &self,
        _group: &str,
        _topics: &[String],
        guarantee: Guarantee,
    ) -> sluice_log::Result<Option<Box<dyn GroupMember>>> {
        Ok(Some(Box::new(Member {
            group: Arc::clone(&self.group),
            log: Arc::clone(&self.log),
            transaction: (guarantee == Guarantee::ExactlyOnce).then(Mutex::default),
        })))
    }
}

fn partition(tp: u32) -> TopicPartition {
    ("ev".to_string(), tp)
}

/// Appends a record of key `id` to its partition of `ev`.
fn produce(log: &SharedLog, id: i64, v: i64) -> u32 {
    let key = id.to_be_bytes().to_vec();
    let p = key_partition(&key, 2);
    let value = format!("{{\"V\":{v}}}").into_bytes();
    log.append("ev", p, Record { key: Some(key), value: Some(value), timestamp: v, headers: Vec::new() })
        .expect("append");
    p
}

/// The sink's records as (key, value) text, every partition.
fn sink(log: &SharedLog, topic: &str) -> Vec<(i64, String)> {
    let partitions = log.topic(topic).expect("the sink exists").partitions;
    (0..partitions)
        .flat_map(|p| log.read(topic, p, 0, usize::MAX).expect("read"))
        .map(|r| {
            let key = r.record.key.expect("a key");
            let id = i64::from_be_bytes(key[..8].try_into().expect("a BIGINT key"));
            (id, String::from_utf8_lossy(&r.record.value.unwrap_or_default()).into_owned())
        })
        .collect()
}

/// An engine over a shared memory log, running a stateful and a
/// stateless query over the two partitions of `ev`.
fn engine(group: &Arc<Mutex<Group>>, guarantee: Guarantee) -> (Arc<SharedLog>, Engine) {
    let log = Arc::new(SharedLog { log: Arc::new(MemoryLog::new()), group: Arc::clone(group) });
    let mut engine = Engine::new(log.clone(), EngineConfig { guarantee, ..EngineConfig::default() });
    let sql = "CREATE STREAM ev (id BIGINT KEY, v BIGINT) WITH (kafka_topic='ev', value_format='JSON', partitions=2);
               CREATE TABLE counts AS SELECT id, COUNT(*) AS c FROM ev GROUP BY id;
               CREATE STREAM big AS SELECT * FROM ev WHERE v > 0;";
    for statement in parse_script(sql, &mut Default::default()) {
        engine.execute(&statement.expect("parses").statement).expect("executes");
    }
    (log, engine)
}

/// [`engine`] with a group of its own that assigns it both partitions.
fn owning_both(guarantee: Guarantee) -> (Arc<Mutex<Group>>, Arc<SharedLog>, Engine) {
    let group = Arc::new(Mutex::new(Group::default()));
    let (log, engine) = engine(&group, guarantee);
    group.lock().unwrap().assigned = [partition(0), partition(1)].into();
    (group, log, engine)
}

#[test]
fn a_server_reads_its_partitions_and_rebuilds_state_quietly_when_it_gains_some() {
    let group = Arc::new(Mutex::new(Group::default()));
    let (log, mut engine) = engine(&group, Guarantee::AtLeastOnce);
    // Keys 1 and 0 are in different partitions of two.
    let (one, two) = (produce(&log, 1, 1), produce(&log, 0, 2));
    assert_ne!(one, two);

    // Nothing assigned yet: nothing read.
    engine.run_until_idle().expect("runs");
    assert!(sink(&log, "COUNTS").is_empty());
    assert!(engine.query_metrics().iter().all(|(_, m)| m.records_read == 0 && m.partitions_owned == 0));

    // Only key 0's partition: only its records.
    group.lock().unwrap().assigned = [partition(two)].into();
    engine.run_until_idle().expect("runs");
    assert_eq!(sink(&log, "COUNTS"), [(0, r#"{"C":1}"#.to_string())]);
    assert_eq!(sink(&log, "BIG").len(), 1);

    // Key 1's partition comes over with a commit past its first record
    // (its previous owner wrote that output); a second record follows.
    produce(&log, 1, 3);
    {
        let mut group = group.lock().unwrap();
        group.committed.insert(partition(one), 1);
        group.assigned = [partition(one), partition(two)].into();
    }
    engine.run_until_idle().expect("runs");
    let counts = sink(&log, "COUNTS");
    // Key 1's count includes the record before the commit, which is not
    // written again; key 0 is not written again either.
    let expected = [(0, r#"{"C":1}"#.to_string()), (1, r#"{"C":2}"#.to_string())];
    assert_eq!(counts.iter().collect::<BTreeSet<_>>(), expected.iter().collect());
    assert_eq!(counts.len(), 2);
    let big: BTreeSet<String> = sink(&log, "BIG").into_iter().map(|(_, v)| v).collect();
    assert_eq!(big, [r#"{"V":2}"#.to_string(), r#"{"V":3}"#.to_string()].into());
    assert_eq!(sink(&log, "BIG").len(), 2, "nothing written twice");

    // The offsets read are committed to the group.
    engine.commit_shared_offsets().expect("commits");
    let committed = group.lock().unwrap().committed.clone();
    assert_eq!(committed.get(&partition(one)), Some(&2));
    assert_eq!(committed.get(&partition(two)), Some(&1));
}

#[test]
fn exactly_once_output_shows_with_its_commit_and_an_aborted_one_is_processed_again() {
    let (group, log, mut engine) = owning_both(Guarantee::ExactlyOnce);
    let one = produce(&log, 1, 1);
    produce(&log, 0, 2);

    // Processed, but nothing is visible before the commit.
    engine.run_until_idle().expect("runs");
    assert!(sink(&log, "COUNTS").is_empty());
    assert!(sink(&log, "BIG").is_empty());
    engine.commit_shared_offsets().expect("commits");
    assert_eq!(sink(&log, "COUNTS").len(), 2);
    assert_eq!(sink(&log, "BIG").len(), 2);
    assert_eq!(group.lock().unwrap().committed.get(&partition(one)), Some(&1));

    // The next transaction is aborted: its output never shows, and the
    // queries go on from the committed offsets, their state rebuilt.
    produce(&log, 1, 3);
    engine.run_until_idle().expect("runs");
    group.lock().unwrap().fail_commits = Some(LogError::Aborted("the test aborted it".into()));
    let failed = engine.commit_shared_offsets();
    group.lock().unwrap().fail_commits = None;
    assert!(failed.is_err(), "the abort is reported: {failed:?}");
    assert_eq!(sink(&log, "COUNTS").len(), 2);
    assert_eq!(sink(&log, "BIG").len(), 2);
    assert_eq!(group.lock().unwrap().committed.get(&partition(one)), Some(&1));

    engine.run_until_idle().expect("runs");
    engine.commit_shared_offsets().expect("commits");
    let counts = sink(&log, "COUNTS");
    assert_eq!(counts.len(), 3, "one more update, not a replay of the first two: {counts:?}");
    assert!(counts.contains(&(1, r#"{"C":2}"#.to_string())), "the rebuilt count goes on from 1: {counts:?}");
    let big: Vec<String> = sink(&log, "BIG").into_iter().map(|(_, v)| v).collect();
    assert_eq!(big.len(), 3, "each record once: {big:?}");
    assert_eq!(group.lock().unwrap().committed.get(&partition(one)), Some(&2));

    // A commit that fails otherwise (the producer is gone) loses the
    // transaction just the same: processed again, once.
    produce(&log, 1, 4);
    engine.run_until_idle().expect("runs");
    group.lock().unwrap().fail_commits = Some(LogError::Storage("the test's producer is gone".into()));
    assert!(engine.commit_shared_offsets().is_err());
    group.lock().unwrap().fail_commits = None;
    engine.run_until_idle().expect("runs");
    engine.commit_shared_offsets().expect("commits");
    assert_eq!(sink(&log, "BIG").len(), 4, "each record once");
    assert!(sink(&log, "COUNTS").contains(&(1, r#"{"C":3}"#.to_string())));
    assert_eq!(group.lock().unwrap().committed.get(&partition(one)), Some(&3));
}

#[test]
fn a_query_whose_appends_fail_is_retried_later_from_its_last_commit_while_the_others_go_on() {
    let (group, log, mut engine) = owning_both(Guarantee::AtLeastOnce);
    produce(&log, 1, 1);
    produce(&log, 0, 2);
    group.lock().unwrap().fail_appends_to = Some("BIG".into());

    let failed = engine.run_until_idle();
    assert!(failed.is_err(), "the failure is reported: {failed:?}");
    assert_eq!(sink(&log, "COUNTS").len(), 2, "the other query went on");
    assert!(sink(&log, "BIG").is_empty());
    let big = engine
        .query_metrics()
        .into_iter()
        .find(|(id, _)| id.contains("BIG"))
        .map(|(id, metrics)| {
            assert!(metrics.failing);
            id
        })
        .expect("the query is still there");
    let failure = engine.query_failure(&big).expect("its failure is kept");
    assert!(failure.message.contains("broker is away"), "{}", failure.message);

    // Back, but the query waits out its backoff first; then it goes on
    // from its last commit (nothing was committed), each record once.
    group.lock().unwrap().fail_appends_to = None;
    engine.run_until_idle().expect("runs");
    assert!(sink(&log, "BIG").is_empty(), "tried again only after its backoff");
    std::thread::sleep(std::time::Duration::from_millis(600));
    engine.run_until_idle().expect("runs");
    assert_eq!(sink(&log, "BIG").len(), 2);
    assert!(engine.query_failure(&big).is_none());
    assert_eq!(sink(&log, "COUNTS").len(), 2, "nothing written twice");
}

#[test]
fn exactly_once_a_partition_lost_takes_its_uncommitted_output_with_it() {
    let (group, log, mut engine) = owning_both(Guarantee::ExactlyOnce);
    let one = produce(&log, 1, 1);
    let other = produce(&log, 0, 2);
    engine.run_until_idle().expect("runs");

    // The group takes a partition away before the commit: the output of
    // both was in the transaction, and the lost partition's must not be
    // committed without its offset (its next owner writes it).
    group.lock().unwrap().assigned = [partition(one)].into();
    engine.run_until_idle().expect("runs");
    engine.commit_shared_offsets().expect("commits");
    let big: Vec<String> = sink(&log, "BIG").into_iter().map(|(_, v)| v).collect();
    assert_eq!(big, [r#"{"V":1}"#.to_string()], "only the kept partition's output");
    let committed = group.lock().unwrap().committed.clone();
    assert_eq!(committed.get(&partition(one)), Some(&1));
    assert_eq!(committed.get(&partition(other)), None);
    assert_eq!(sink(&log, "COUNTS"), [(1, r#"{"C":1}"#.to_string())]);
}

#[test]
fn exactly_once_a_group_that_does_not_answer_takes_the_open_transaction_with_it() {
    let (group, log, mut engine) = owning_both(Guarantee::ExactlyOnce);
    produce(&log, 1, 1);
    produce(&log, 0, 2);
    engine.run_until_idle().expect("runs");
    engine.commit_shared_offsets().expect("commits");
    produce(&log, 1, 3);
    produce(&log, 0, 4);
    engine.run_until_idle().expect("runs");

    // The group fails before the next commit: the query owns nothing, and
    // the output it had written since must not commit without its offsets.
    group.lock().unwrap().unreachable = true;
    assert!(engine.run_until_idle().is_err());
    let _ = engine.commit_shared_offsets();
    assert_eq!(sink(&log, "BIG").len(), 2);

    // Back (after the query's backoff): processed again, each record once.
    group.lock().unwrap().unreachable = false;
    std::thread::sleep(std::time::Duration::from_millis(600));
    engine.run_until_idle().expect("runs");
    engine.commit_shared_offsets().expect("commits");
    assert_eq!(sink(&log, "BIG").len(), 4);
    assert_eq!(sink(&log, "COUNTS").len(), 4);
}

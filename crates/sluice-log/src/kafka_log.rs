//! Topics kept in a Kafka cluster, through librdkafka (rdkafka).
//!
//! One admin client creates, deletes and configures topics and answers
//! metadata; one idempotent producer (`KafkaWriter`) appends, waiting for
//! delivery so that offsets are the broker's; one consumer per partition
//! read (`PartitionReader`), assigned by hand, reads.
//!
//! Where Kafka differs from the embedded logs:
//! - [`StoredRecord::sequence`] is not an append order (Kafka has none
//!   across partitions): it is the largest timestamp seen so far in the
//!   same read (see `kafka_reader::number`).
//! - A record appended with timestamp 0 reads back with the time it was
//!   appended: librdkafka takes 0 to mean "now" and cannot send 0.
//! - [`Log::clean`] removes nothing itself: it sets the topic's
//!   `retention.ms`, `retention.bytes` and `cleanup.policy`, and the
//!   broker's cleaner applies them to whole segments, in its own time.
//! - `read` returns what arrives within a short wait, not necessarily
//!   every record up to `max`.
//! - librdkafka is built with what rdkafka's features add and no more:
//!   lz4 and snappy are built in, but neither zlib nor zstd (records that
//!   another producer compressed with gzip or zstd cannot be read), nor TLS
//!   or SASL (`ssl` and `sasl` features, for secured clusters).

use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use rdkafka::admin::{
    AdminClient, AdminOptions, AlterConfig, ConfigResource, ConfigSource, NewTopic, ResourceSpecifier,
    TopicReplication,
};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::metadata::MetadataTopic;
use rdkafka::ClientConfig;

use crate::kafka_group::KafkaGroupMember;
use crate::kafka_reader::{PartitionReader, METADATA_TIMEOUT};
use crate::kafka_transaction::KafkaTransactionalMember;
use crate::kafka_writer::{kafka_error, KafkaWriter};
use crate::{
    Cleanup, GroupMember, Guarantee, Log, LogError, Record, Result, StoredRecord, TopicInfo, TopicSpec,
};

/// How long the broker may take over an admin request (create, delete,
/// describe or alter), unless [`KafkaLog::with_admin_timeout`] says.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(30);

/// How often a new topic's metadata is looked up until it shows.
const METADATA_RETRY: Duration = Duration::from_millis(20);

pub struct KafkaLog {
    admin: AdminClient<DefaultClientContext>,
    writer: KafkaWriter,
    /// The configuration each partition's consumer starts from.
    consumer_config: ClientConfig,
    /// The replication factor of created topics; -1 is the broker's
    /// `default.replication.factor`.
    replication: i32,
    admin_timeout: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Partition counts of the topics seen, so that appends and reads do
    /// not ask the broker each time. Refreshed when a partition is missing.
    partitions: HashMap<String, u32>,
    /// One past the last offset this process appended to each partition:
    /// a read below it knows records exist and waits for them.
    appended: HashMap<(String, u32), u64>,
    readers: HashMap<(String, u32), Arc<Mutex<PartitionReader>>>,
}

impl KafkaLog {
    /// Connects to the cluster at `bootstrap` (`host:port[,host:port]`),
    /// with extra librdkafka client properties (security, timeouts, ...)
    /// for every client, and checks that the cluster answers.
    pub fn connect(bootstrap: &str, config: &[(String, String)]) -> Result<Self> {
        let mut base = ClientConfig::new();
        base.set("bootstrap.servers", bootstrap)
            // Topics are created on purpose, never as a side effect of a
            // metadata request or of an append to a missing topic.
            .set("allow.auto.create.topics", "false");
        for (key, value) in config {
            base.set(key, value);
        }
        let admin: AdminClient<DefaultClientContext> = base.create().map_err(kafka_error)?;
        // librdkafka connects lazily: ask once, so that a wrong address
        // fails here rather than at the first query.
        admin
            .inner()
            .fetch_metadata(None, METADATA_TIMEOUT)
            .map_err(|error| LogError::Storage(format!("Kafka at {bootstrap} does not answer: {error}")))?;
        let writer = KafkaWriter::new(&base)?;
        Ok(KafkaLog {
            admin,
            writer,
            consumer_config: base,
            replication: -1,
            admin_timeout: ADMIN_TIMEOUT,
            state: Mutex::default(),
        })
    }

    /// Created topics get `replication` replicas instead of the broker's
    /// default.
    pub fn with_replication(mut self, replication: u16) -> Self {
        self.replication = i32::from(replication);
        self
    }

    /// Admin requests (create, delete, describe, alter) give up after
    /// `timeout`. A broker that does not implement one lets it run out.
    pub fn with_admin_timeout(mut self, timeout: Duration) -> Self {
        self.admin_timeout = timeout;
        self
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Every change to the state is a single map insert or removal, so
        // a panic while holding the lock cannot leave it half-changed.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The topic's partition count as the broker says now, or None when
    /// it does not exist.
    fn lookup(&self, name: &str) -> Result<Option<u32>> {
        let metadata =
            self.admin.inner().fetch_metadata(Some(name), METADATA_TIMEOUT).map_err(kafka_error)?;
        let found = metadata.topics().iter().find(|t| t.name() == name).map(partition_count).transpose();
        let mut state = self.state();
        match found {
            Ok(Some(partitions)) => {
                state.partitions.insert(name.to_string(), partitions);
                Ok(Some(partitions))
            }
            Ok(None) | Err(RDKafkaErrorCode::UnknownTopicOrPartition | RDKafkaErrorCode::UnknownTopic) => {
                state.partitions.remove(name);
                Ok(None)
            }
            Err(error) => Err(kafka_error(format!("metadata of topic '{name}': {error}"))),
        }
    }

    /// Fails unless the topic exists and has the partition.
    fn check(&self, topic: &str, partition: u32) -> Result<()> {
        let cached = self.state().partitions.get(topic).copied();
        let partitions = match cached {
            Some(partitions) if partition < partitions => return Ok(()),
            // Partitions may have been added since.
            _ => self.lookup(topic)?.ok_or_else(|| LogError::UnknownTopic(topic.to_string()))?,
        };
        if partition < partitions {
            Ok(())
        } else {
            Err(LogError::UnknownPartition { topic: topic.to_string(), partition })
        }
    }

    /// Waits (a little) until the broker's metadata shows a topic just
    /// created: right after creation, brokers other than the controller
    /// may not know it yet.
    fn await_topic(&self, name: &str) -> Result<()> {
        let deadline = Instant::now() + METADATA_TIMEOUT;
        while self.lookup(name)?.is_none() && Instant::now() < deadline {
            thread::sleep(METADATA_RETRY);
        }
        Ok(())
    }

    fn options(&self) -> AdminOptions {
        AdminOptions::new()
            .request_timeout(Some(self.admin_timeout))
            .operation_timeout(Some(self.admin_timeout))
    }

    /// The topic's configuration as the broker describes it.
    fn describe(&self, topic: &str) -> Result<ConfigResource> {
        let results =
            block_on(self.admin.describe_configs([&ResourceSpecifier::Topic(topic)], &self.options()))
                .map_err(kafka_error)?;
        match results.into_iter().next() {
            Some(Ok(resource)) => Ok(resource),
            Some(Err(RDKafkaErrorCode::UnknownTopicOrPartition)) => {
                Err(LogError::UnknownTopic(topic.to_string()))
            }
            Some(Err(error)) => Err(kafka_error(format!("configuration of topic '{topic}': {error}"))),
            None => Err(kafka_error(format!("no configuration returned for topic '{topic}'"))),
        }
    }
}

/// A topic's partition count, or the error the broker gave for it.
fn partition_count(topic: &MetadataTopic) -> std::result::Result<u32, RDKafkaErrorCode> {
    match topic.error() {
        Some(error) => Err(RDKafkaErrorCode::from(error)),
        None => Ok(topic.partitions().len() as u32),
    }
}

/// Kafka's own topics (`__consumer_offsets`, `__transaction_state`, ...)
/// start with two underscores; librdkafka's metadata does not carry the
/// protocol's "internal" flag.
fn is_internal(name: &str) -> bool {
    name.starts_with("__")
}

/// The topic configuration that keeps what `cleanup` keeps: `-1` is
/// Kafka's "no limit". Compaction with a retention limit is
/// `compact,delete`, as both remove records in [`Cleanup`].
pub(crate) fn topic_configs(cleanup: &Cleanup) -> [(&'static str, String); 3] {
    let retention_ms = cleanup.retention_ms.unwrap_or(-1);
    // Kafka reads retention.bytes as a signed long.
    let retention_bytes =
        cleanup.retention_bytes.map_or(-1, |bytes| i64::try_from(bytes).unwrap_or(i64::MAX));
    let limited = cleanup.retention_ms.is_some() || cleanup.retention_bytes.is_some();
    let policy = match (cleanup.compact, limited) {
        (true, true) => "compact,delete",
        (true, false) => "compact",
        (false, _) => "delete",
    };
    [
        ("retention.ms", retention_ms.to_string()),
        ("retention.bytes", retention_bytes.to_string()),
        ("cleanup.policy", policy.to_string()),
    ]
}

/// Whether a configuration value differs from the wanted one; policies
/// are lists whose order does not matter.
pub(crate) fn differs(name: &str, current: Option<&str>, wanted: &str) -> bool {
    let Some(current) = current else { return true };
    if name == "cleanup.policy" {
        let set = |s: &str| {
            let mut parts: Vec<String> = s.split(',').map(|p| p.trim().to_ascii_lowercase()).collect();
            parts.sort();
            parts
        };
        return set(current) != set(wanted);
    }
    current.trim() != wanted
}

impl Log for KafkaLog {
    fn create_topic(&self, name: &str, partitions: u32) -> Result<bool> {
        self.create_topic_as(name, &TopicSpec { partitions, ..TopicSpec::default() })
    }

    fn create_topic_as(&self, name: &str, spec: &TopicSpec) -> Result<bool> {
        let partitions = spec.partitions;
        if partitions == 0 {
            return Err(LogError::NoPartitions);
        }
        let existing_or_mismatch = |existing: u32| {
            if existing == partitions {
                Ok(false)
            } else {
                Err(LogError::PartitionMismatch { topic: name.to_string(), existing, requested: partitions })
            }
        };
        if let Some(existing) = self.lookup(name)? {
            return existing_or_mismatch(existing);
        }
        let count = i32::try_from(partitions)
            .map_err(|_| LogError::Storage(format!("Kafka: {partitions} partitions are too many")))?;
        let replication = match spec.replicas {
            Some(replicas) => i32::try_from(replicas)
                .map_err(|_| LogError::Storage(format!("Kafka: {replicas} replicas are too many")))?,
            None => self.replication,
        };
        let configs = topic_configs(&spec.cleanup);
        let mut topic = NewTopic::new(name, count, TopicReplication::Fixed(replication));
        if !spec.cleanup.keeps_everything() {
            for (key, value) in &configs {
                topic = topic.set(key, value);
            }
        }
        let results = block_on(self.admin.create_topics([&topic], &self.options())).map_err(kafka_error)?;
        match results.into_iter().next() {
            Some(Ok(_)) => {}
            // Created meanwhile by someone else: check it as above.
            Some(Err((_, RDKafkaErrorCode::TopicAlreadyExists))) => {
                return match self.lookup(name)? {
                    Some(existing) => existing_or_mismatch(existing),
                    None => Err(kafka_error(format!("topic '{name}' exists but has no metadata"))),
                };
            }
            Some(Err((_, error))) => return Err(kafka_error(format!("creating topic '{name}': {error}"))),
            None => return Err(kafka_error(format!("no answer to creating topic '{name}'"))),
        }
        self.state().partitions.insert(name.to_string(), partitions);
        self.await_topic(name)?;
        // The metadata lookup may have found nothing in time; the topic
        // exists all the same.
        self.state().partitions.insert(name.to_string(), partitions);
        Ok(true)
    }

    fn delete_topic(&self, name: &str) -> Result<()> {
        if self.lookup(name)?.is_none() {
            return Err(LogError::UnknownTopic(name.to_string()));
        }
        // Consumers of the topic go first. Dropped after the deletion, one
        // of them could still be refreshing the deleted topic's metadata,
        // and librdkafka crashed there (in its metadata cache, against tansu:
        // 2 runs in 4 of the server's real-broker test; none in 5 since).
        // Readers are made again if the topic is.
        self.state().readers.retain(|(topic, _), _| topic != name);
        let results = block_on(self.admin.delete_topics(&[name], &self.options())).map_err(kafka_error)?;
        let outcome = match results.into_iter().next() {
            Some(Ok(_)) => Ok(()),
            Some(Err((_, RDKafkaErrorCode::UnknownTopicOrPartition))) => {
                Err(LogError::UnknownTopic(name.to_string()))
            }
            Some(Err((_, error))) => Err(kafka_error(format!("deleting topic '{name}': {error}"))),
            None => Err(kafka_error(format!("no answer to deleting topic '{name}'"))),
        };
        if outcome.is_ok() {
            // Consumers of a deleted topic have nothing more to read.
            let mut state = self.state();
            state.partitions.remove(name);
            state.appended.retain(|(topic, _), _| topic != name);
        }
        outcome
    }

    fn topic(&self, name: &str) -> Option<TopicInfo> {
        // A failure to ask the broker reads as "no such topic": the
        // caller then fails on its next read or append, which reports it.
        let partitions = self.lookup(name).ok().flatten()?;
        Some(TopicInfo { name: name.to_string(), partitions })
    }

    /// Every topic but Kafka's internal ones, ordered by name. A failure to
    /// ask the broker gives no topics.
    fn topics(&self) -> Vec<TopicInfo> {
        let Ok(metadata) = self.admin.inner().fetch_metadata(None, METADATA_TIMEOUT) else {
            return Vec::new();
        };
        let mut topics: Vec<TopicInfo> = metadata
            .topics()
            .iter()
            .filter(|t| !is_internal(t.name()))
            .filter_map(|t| {
                Some(TopicInfo { name: t.name().to_string(), partitions: partition_count(t).ok()? })
            })
            .collect();
        topics.sort_by(|a, b| a.name.cmp(&b.name));
        let mut state = self.state();
        for topic in &topics {
            state.partitions.insert(topic.name.clone(), topic.partitions);
        }
        topics
    }

    fn append(&self, topic: &str, partition: u32, record: Record) -> Result<u64> {
        self.append_all(topic, partition, vec![record])
    }

    fn append_all(&self, topic: &str, partition: u32, records: Vec<Record>) -> Result<u64> {
        self.check(topic, partition)?;
        let offsets = self.writer.append(topic, partition, &records)?;
        let (Some(first), Some(last)) = (offsets.first(), offsets.iter().max()) else {
            return self.end_offset(topic, partition);
        };
        let mut state = self.state();
        let end = state.appended.entry((topic.to_string(), partition)).or_insert(0);
        *end = (*end).max(last + 1);
        Ok(*first)
    }

    fn read(&self, topic: &str, partition: u32, offset: u64, max: usize) -> Result<Vec<StoredRecord>> {
        self.check(topic, partition)?;
        let key = (topic.to_string(), partition);
        let (reader, known_end) = {
            let mut state = self.state();
            let known_end = state.appended.get(&key).copied().unwrap_or(0);
            let reader = match state.readers.get(&key) {
                Some(reader) => Arc::clone(reader),
                None => {
                    let reader =
                        Arc::new(Mutex::new(PartitionReader::new(&self.consumer_config, topic, partition)?));
                    state.readers.insert(key, Arc::clone(&reader));
                    reader
                }
            };
            (reader, known_end)
        };
        // Reads of one partition take turns on its consumer; reads of
        // other partitions go on meanwhile.
        let mut reader = reader.lock().unwrap_or_else(|poisoned| {
            // A read that panicked may have left the consumer anywhere:
            // the next read seeks again.
            let mut reader = poisoned.into_inner();
            reader.forget_position();
            reader
        });
        reader.read(offset, max, known_end)
    }

    fn end_offset(&self, topic: &str, partition: u32) -> Result<u64> {
        self.check(topic, partition)?;
        let kafka_partition = i32::try_from(partition)
            .map_err(|_| LogError::UnknownPartition { topic: topic.to_string(), partition })?;
        let (_, high) = self
            .admin
            .inner()
            .fetch_watermarks(topic, kafka_partition, METADATA_TIMEOUT)
            .map_err(kafka_error)?;
        // An empty partition may report -1.
        Ok(u64::try_from(high).unwrap_or(0))
    }

    /// Kafka cleans its own logs: this sets the topic's `retention.ms`,
    /// `retention.bytes` and `cleanup.policy` to what `cleanup` keeps (when
    /// they differ), and the broker's log cleaner removes records later,
    /// by whole segments. Returns 0: this call removes nothing itself.
    /// `now_ms` is not used: the broker measures retention by its clock.
    fn clean(&self, topic: &str, cleanup: &Cleanup, _now_ms: i64) -> Result<u64> {
        if self.lookup(topic)?.is_none() {
            return Err(LogError::UnknownTopic(topic.to_string()));
        }
        let current = self.describe(topic)?;
        let wanted = topic_configs(cleanup);
        let value = |name: &str| current.get(name).and_then(|entry| entry.value.as_deref());
        if !wanted.iter().any(|(name, wanted)| differs(name, value(name), wanted)) {
            return Ok(0);
        }
        // AlterConfigs (the only alter rdkafka offers) replaces the whole
        // topic configuration: carry over what was set on the topic.
        let mut alter = AlterConfig::new(ResourceSpecifier::Topic(topic));
        for entry in &current.entries {
            let ours = wanted.iter().any(|(name, _)| *name == entry.name);
            if let (false, ConfigSource::DynamicTopic, Some(value)) = (ours, &entry.source, &entry.value) {
                alter = alter.set(&entry.name, value);
            }
        }
        for (name, value) in &wanted {
            alter = alter.set(name, value);
        }
        let results = block_on(self.admin.alter_configs([&alter], &self.options())).map_err(kafka_error)?;
        match results.into_iter().next() {
            Some(Ok(_)) => Ok(0),
            Some(Err((_, RDKafkaErrorCode::UnknownTopicOrPartition))) => {
                Err(LogError::UnknownTopic(topic.to_string()))
            }
            Some(Err((_, error))) => Err(kafka_error(format!("configuring topic '{topic}': {error}"))),
            None => Err(kafka_error(format!("no answer to configuring topic '{topic}'"))),
        }
    }

    fn flush(&self) -> Result<()> {
        self.writer.flush()
    }

    fn join_group(
        &self,
        group: &str,
        topics: &[String],
        guarantee: Guarantee,
    ) -> Result<Option<Box<dyn GroupMember>>> {
        Ok(Some(match guarantee {
            Guarantee::AtLeastOnce => Box::new(KafkaGroupMember::join(&self.consumer_config, group, topics)?),
            Guarantee::ExactlyOnce => {
                Box::new(KafkaTransactionalMember::join(&self.consumer_config, group, topics)?)
            }
        }))
    }
}

/// Runs a future of rdkafka's admin client to completion on this thread.
/// Those futures are completed by the admin client's own thread, so no
/// async runtime is needed, and this works inside one as well (it blocks
/// the calling thread, as every method of the [`Log`] trait does).
fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        // A wake before this park makes it return at once.
        thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configs(cleanup: Cleanup) -> Vec<(&'static str, String)> {
        topic_configs(&cleanup).to_vec()
    }

    #[test]
    fn cleanup_becomes_kafka_topic_configs() {
        let pairs = |ms: &str, bytes: &str, policy: &str| {
            vec![
                ("retention.ms", ms.to_string()),
                ("retention.bytes", bytes.to_string()),
                ("cleanup.policy", policy.to_string()),
            ]
        };
        assert_eq!(configs(Cleanup::default()), pairs("-1", "-1", "delete"));
        assert_eq!(
            configs(Cleanup { retention_ms: Some(500), ..Cleanup::default() }),
            pairs("500", "-1", "delete")
        );
        assert_eq!(configs(Cleanup { compact: true, ..Cleanup::default() }), pairs("-1", "-1", "compact"));
        assert_eq!(
            configs(Cleanup { compact: true, retention_bytes: Some(u64::MAX), ..Cleanup::default() }),
            pairs("-1", &i64::MAX.to_string(), "compact,delete")
        );
    }

    #[test]
    fn only_real_differences_count() {
        assert!(!differs("cleanup.policy", Some("delete, compact"), "compact,delete"));
        assert!(differs("cleanup.policy", Some("delete"), "compact"));
        assert!(!differs("retention.ms", Some("604800000"), "604800000"));
        assert!(differs("retention.ms", Some("604800000"), "-1"));
        assert!(differs("retention.bytes", None, "-1"));
    }

    #[test]
    fn internal_topics_are_kafkas_own() {
        assert!(is_internal("__consumer_offsets"));
        assert!(!is_internal("_confluent-ksql-default__command_topic"));
        assert!(!is_internal("orders"));
    }

    #[test]
    fn block_on_waits_for_a_wake_from_another_thread() {
        struct Later(bool);
        impl Future for Later {
            type Output = u32;
            fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
                if self.0 {
                    return Poll::Ready(7);
                }
                self.0 = true;
                let waker = cx.waker().clone();
                thread::spawn(move || waker.wake());
                Poll::Pending
            }
        }
        assert_eq!(block_on(Later(false)), 7);
    }
}

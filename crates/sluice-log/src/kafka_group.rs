//! [`GroupMember`] over a Kafka consumer group, for [`crate::KafkaLog`].
//!
//! The member subscribes to the query's input topics only to take part in
//! the group: Kafka's group coordinator hands out the partitions and keeps
//! the committed offsets. The records themselves are read through the
//! log's partition readers, at the offsets the engine keeps, so the
//! member's own fetching is paused as soon as partitions are assigned.
//!
//! When the group takes partitions away (a server joined or left), the
//! member commits how far its query processed them before letting them go,
//! as Kafka Streams does, so that their next owner does not process again
//! what was processed since the last regular commit.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer, ConsumerContext, ConsumerGroupMetadata, Rebalance,
};
use rdkafka::{ClientConfig, ClientContext, Offset, TopicPartitionList};

use crate::group::{GroupMember, TopicPartition};
use crate::kafka_writer::kafka_error;
use crate::{LogError, Result};

/// How long asking the coordinator for committed offsets may take.
const COMMITTED_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a member may go without heartbeats before the group gives its
/// partitions to the others (a killed server's partitions move after
/// this), unless the client configuration says otherwise.
const SESSION_TIMEOUT_MS: &str = "10000";

pub(crate) struct KafkaGroupMember {
    consumer: BaseConsumer<CommitOnRevoke>,
    /// The partitions assigned at the last look, all paused.
    paused: BTreeSet<TopicPartition>,
}

/// The consumer's context: how far the query processed each partition (as
/// given to [`GroupMember::assignment`]), committed when the group revokes
/// it during that call.
#[derive(Default)]
struct CommitOnRevoke {
    processed: Mutex<BTreeMap<TopicPartition, u64>>,
}

impl CommitOnRevoke {
    fn processed(&self) -> MutexGuard<'_, BTreeMap<TopicPartition, u64>> {
        // Every change is one whole map: a panic cannot leave it half-made.
        self.processed.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl ClientContext for CommitOnRevoke {}

impl ConsumerContext for CommitOnRevoke {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Revoke(revoked) = rebalance else { return };
        let processed = self.processed();
        let offsets: BTreeMap<TopicPartition, u64> = revoked
            .elements()
            .iter()
            .filter_map(|e| {
                let partition = (e.topic().to_string(), u32::try_from(e.partition()).ok()?);
                let offset = *processed.get(&partition)?;
                Some((partition, offset))
            })
            .collect();
        drop(processed);
        // Best effort: if this commit fails, the last regular one stands and
        // the partitions' next owner processes the rest again (at least
        // once, as without it).
        if offsets.is_empty() {
            return;
        }
        if let Ok(list) = offset_list(&offsets) {
            let _ = consumer.commit(&list, CommitMode::Sync);
        }
    }
}

impl KafkaGroupMember {
    pub fn join(config: &ClientConfig, group: &str, topics: &[String]) -> Result<Self> {
        let mut config = config.clone();
        config.set("group.id", group);
        if config.get("session.timeout.ms").is_none() {
            config.set("session.timeout.ms", SESSION_TIMEOUT_MS);
        }
        config
            // The engine commits after its output is durable.
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest");
        let consumer: BaseConsumer<CommitOnRevoke> =
            config.create_with_context(CommitOnRevoke::default()).map_err(kafka_error)?;
        let names: Vec<&str> = topics.iter().map(String::as_str).collect();
        consumer.subscribe(&names).map_err(kafka_error)?;
        Ok(KafkaGroupMember { consumer, paused: BTreeSet::new() })
    }

    /// The member's place in the group now (its generation), which a
    /// transaction's offsets are committed under: the broker refuses them
    /// from a member the group has since replaced.
    pub fn group_metadata(&self) -> Result<ConsumerGroupMetadata> {
        self.consumer
            .group_metadata()
            .ok_or_else(|| LogError::Storage("Kafka: the consumer group has no metadata yet".into()))
    }
}

impl GroupMember for KafkaGroupMember {
    fn assignment(&mut self, processed: &BTreeMap<TopicPartition, u64>) -> Result<BTreeSet<TopicPartition>> {
        // Revocations happen within the poll below.
        self.consumer.context().processed().clone_from(processed);
        // A poll serves the group protocol (rebalance callbacks run in it).
        // Records fetched before a partition was paused are dropped: the
        // log's readers read them. Every queued event is taken, so that
        // errors queued while the broker was away do not outlast it; the
        // last one is reported.
        let mut failed = None;
        while let Some(event) = self.consumer.poll(Duration::ZERO) {
            if let Err(error) = event {
                failed = Some(error);
            }
        }
        if let Some(error) = failed {
            return Err(kafka_error(format!("consumer group: {error}")));
        }
        let assigned = self.consumer.assignment().map_err(kafka_error)?;
        let owned: BTreeSet<TopicPartition> = assigned
            .elements()
            .iter()
            .filter_map(|e| Some((e.topic().to_string(), u32::try_from(e.partition()).ok()?)))
            .collect();
        let fresh: BTreeSet<TopicPartition> = owned.difference(&self.paused).cloned().collect();
        if !fresh.is_empty() {
            self.consumer.pause(&partition_list(&fresh, |_| Ok(Offset::Invalid))?).map_err(kafka_error)?;
        }
        self.paused = owned.clone();
        Ok(owned)
    }

    fn committed(&self, partitions: &BTreeSet<TopicPartition>) -> Result<BTreeMap<TopicPartition, u64>> {
        if partitions.is_empty() {
            return Ok(BTreeMap::new());
        }
        let asked = partition_list(partitions, |_| Ok(Offset::Invalid))?;
        let answer = self.consumer.committed_offsets(asked, COMMITTED_TIMEOUT).map_err(kafka_error)?;
        Ok(answer
            .elements()
            .iter()
            .filter_map(|e| match e.offset() {
                Offset::Offset(offset) => Some((
                    (e.topic().to_string(), u32::try_from(e.partition()).ok()?),
                    u64::try_from(offset).ok()?,
                )),
                _ => None,
            })
            .collect())
    }

    fn commit(&self, offsets: &BTreeMap<TopicPartition, u64>) -> Result<()> {
        if offsets.is_empty() {
            return Ok(());
        }
        self.consumer.commit(&offset_list(offsets)?, CommitMode::Sync).map_err(kafka_error)
    }
}

/// `offsets` as Kafka's partition list.
pub(crate) fn offset_list(offsets: &BTreeMap<TopicPartition, u64>) -> Result<TopicPartitionList> {
    partition_list(offsets.keys(), |tp| {
        let offset = offsets.get(tp).copied().unwrap_or(0);
        i64::try_from(offset).map(Offset::Offset).map_err(|_| {
            LogError::Storage(format!("Kafka: offset {offset} is beyond what Kafka can address"))
        })
    })
}

fn partition_list<'a>(
    partitions: impl IntoIterator<Item = &'a TopicPartition>,
    offset: impl Fn(&TopicPartition) -> Result<Offset>,
) -> Result<TopicPartitionList> {
    let mut list = TopicPartitionList::new();
    for tp in partitions {
        let partition = i32::try_from(tp.1)
            .map_err(|_| LogError::UnknownPartition { topic: tp.0.clone(), partition: tp.1 })?;
        list.add_partition_offset(&tp.0, partition, offset(tp)?).map_err(kafka_error)?;
    }
    Ok(list)
}

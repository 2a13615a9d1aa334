//! An exactly-once [`GroupMember`] for [`crate::KafkaLog`]: the group's
//! consumer, and a transactional producer the member's query appends its
//! output through. Its commit sends the offsets into the transaction and
//! commits both at once (Kafka's read-process-write, as Kafka Streams'
//! `exactly_once_v2`): readers on `read_committed` (librdkafka's default,
//! and the log's own readers) never see output whose input offsets were
//! not committed with it, and a member the group has replaced can no
//! longer commit (the broker checks the group generation the offsets are
//! sent with).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rdkafka::error::KafkaError;
use rdkafka::producer::Producer;
use rdkafka::ClientConfig;

use crate::group::{GroupMember, TopicPartition, Transaction};
use crate::kafka_group::{offset_list, KafkaGroupMember};
use crate::kafka_writer::{kafka_error, KafkaWriter};
use crate::{LogError, Record, Result};

/// How long a transaction call (init, offsets, commit, abort) may take.
const TRANSACTION_CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the broker keeps a transaction open without its producer
/// finishing it, unless the client configuration says otherwise: a
/// killed server's open transaction is aborted after this, and readers
/// of its output topics wait for that (Kafka Streams' value for
/// exactly-once).
const TRANSACTION_TIMEOUT_MS: &str = "10000";

pub(crate) struct KafkaTransactionalMember {
    member: KafkaGroupMember,
    /// The producer's configuration, transactional id included, to start
    /// it again after a fatal error.
    producer_config: ClientConfig,
    transactional_id: String,
    producing: Mutex<Producing>,
}

struct Producing {
    writer: KafkaWriter,
    /// A transaction was begun and is neither committed nor aborted yet.
    open: bool,
}

impl KafkaTransactionalMember {
    pub fn join(config: &ClientConfig, group: &str, topics: &[String]) -> Result<Self> {
        let member = KafkaGroupMember::join(config, group, topics)?;
        let mut producer_config = config.clone();
        if producer_config.get("transaction.timeout.ms").is_none() {
            producer_config.set("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS);
        }
        // One id per member and start: a server that restarts does not
        // take its previous run's place (that one's open transaction runs
        // out instead), and zombies are fenced by the group generation.
        let transactional_id = format!("{group}-{}", start_id());
        let writer =
            KafkaWriter::transactional(&producer_config, &transactional_id, TRANSACTION_CALL_TIMEOUT)?;
        Ok(KafkaTransactionalMember {
            member,
            producer_config,
            transactional_id,
            producing: Mutex::new(Producing { writer, open: false }),
        })
    }

    fn producing(&self) -> MutexGuard<'_, Producing> {
        // Every change under the lock is a flag or a whole writer, so a
        // panic while holding it cannot leave it half-changed.
        self.producing.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Ends the open transaction without its writes, after `error`, and
    /// returns what the caller reports. A producer that cannot abort (a
    /// fatal error, or fenced) is replaced by a new one with the same id,
    /// which aborts the old one's transaction as it starts. The error is
    /// `Storage` rather than `Aborted` when even that fails: the member
    /// then has no working producer.
    fn abort_after(&self, producing: &mut Producing, error: KafkaError) -> LogError {
        let fatal = matches!(&error, KafkaError::Transaction(e) if e.is_fatal());
        let aborted = !fatal
            && (!producing.open
                || producing.writer.producer().abort_transaction(TRANSACTION_CALL_TIMEOUT).is_ok());
        producing.open = false;
        if !aborted {
            match KafkaWriter::transactional(
                &self.producer_config,
                &self.transactional_id,
                TRANSACTION_CALL_TIMEOUT,
            ) {
                Ok(writer) => producing.writer = writer,
                Err(restart) => {
                    return LogError::Storage(format!(
                        "Kafka: {error}; the transactional producer could not be restarted: {restart}"
                    ))
                }
            }
        }
        LogError::Aborted(format!("Kafka: {error}"))
    }

    /// Aborts the open transaction; a producer that cannot is replaced
    /// (see [`Self::abort_after`]).
    fn abort_open(&self, producing: &mut Producing) -> Result<()> {
        match producing.writer.producer().abort_transaction(TRANSACTION_CALL_TIMEOUT) {
            Ok(()) => {
                producing.open = false;
                Ok(())
            }
            Err(error) => Err(self.abort_after(producing, error)),
        }
    }

    fn begin(&self, producing: &mut Producing) -> Result<()> {
        if !producing.open {
            if let Err(error) = producing.writer.producer().begin_transaction() {
                return Err(self.abort_after(producing, error));
            }
            producing.open = true;
        }
        Ok(())
    }
}

/// Tells this process's members apart from those of earlier runs and of
/// other servers: the process id and the start time.
fn start_id() -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{}-{nanos:x}", std::process::id())
}

impl GroupMember for KafkaTransactionalMember {
    fn assignment(&mut self, _processed: &BTreeMap<TopicPartition, u64>) -> Result<BTreeSet<TopicPartition>> {
        // Its offsets go with its transaction, never on their own.
        self.member.assignment(&BTreeMap::new())
    }

    fn committed(&self, partitions: &BTreeSet<TopicPartition>) -> Result<BTreeMap<TopicPartition, u64>> {
        self.member.committed(partitions)
    }

    fn commit(&self, offsets: &BTreeMap<TopicPartition, u64>) -> Result<()> {
        let mut producing = self.producing();
        if offsets.is_empty() {
            if !producing.open {
                return Ok(());
            }
            // Output without the offsets it answers for must not commit.
            self.abort_open(&mut producing)?;
            return Err(LogError::Aborted("Kafka: a transaction with output but no offsets".into()));
        }
        let list = offset_list(offsets)?;
        let metadata = self.member.group_metadata()?;
        self.begin(&mut producing)?;
        let producer = producing.writer.producer();
        let committed = producer
            .send_offsets_to_transaction(&list, &metadata, TRANSACTION_CALL_TIMEOUT)
            .and_then(|()| producer.commit_transaction(TRANSACTION_CALL_TIMEOUT));
        match committed {
            Ok(()) => {
                producing.open = false;
                Ok(())
            }
            Err(error) => Err(self.abort_after(&mut producing, error)),
        }
    }

    fn transaction(&self) -> Option<&dyn Transaction> {
        Some(self)
    }
}

impl Transaction for KafkaTransactionalMember {
    fn append_all(&self, topic: &str, partition: u32, records: Vec<Record>) -> Result<u64> {
        let mut producing = self.producing();
        self.begin(&mut producing)?;
        let offsets = producing.writer.append(topic, partition, &records)?;
        offsets.first().copied().ok_or_else(|| kafka_error("a transaction was given no records to append"))
    }

    fn abort(&self) -> Result<()> {
        let mut producing = self.producing();
        if !producing.open {
            return Ok(());
        }
        match self.abort_open(&mut producing) {
            // Restarted: the new producer aborted the old transaction.
            Err(LogError::Aborted(_)) => Ok(()),
            other => other,
        }
    }
}

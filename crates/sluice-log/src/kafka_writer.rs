//! Appends to Kafka for [`crate::KafkaLog`]: an idempotent producer that
//! waits for each record's delivery report, so an append returns the
//! offsets the broker gave. An exactly-once group member appends through
//! a transactional one (`crate::kafka_transaction`).

use std::sync::mpsc;
use std::time::Duration;

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header as KafkaHeader, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::{ClientConfig, ClientContext, Message};

use crate::{LogError, Record, Result};

/// How long `flush` waits for records still in flight. Appends wait for
/// their own delivery reports, so in practice there is nothing left.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a send waits for room when librdkafka's queue is full.
const QUEUE_FULL_WAIT: Duration = Duration::from_millis(10);

pub(crate) struct KafkaWriter {
    /// A producer with its own thread serving delivery reports: an append
    /// only waits on its channel, whichever thread appends.
    producer: ThreadedProducer<Deliveries>,
}

type Delivered = (usize, std::result::Result<i64, KafkaError>);

/// Where a record's delivery report goes: the record's place in its
/// append, and the channel the appending thread waits on.
pub(crate) struct Pending {
    index: usize,
    done: mpsc::Sender<Delivered>,
}

pub(crate) struct Deliveries;

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = Box<Pending>;

    fn delivery(&self, result: &DeliveryResult<'_>, pending: Box<Pending>) {
        let outcome = match result {
            Ok(message) => Ok(message.offset()),
            Err((error, _)) => Err(error.clone()),
        };
        // The appender stops waiting at its first failed record: nobody
        // listens for the reports of the records after it then.
        let _ = pending.done.send((pending.index, outcome));
    }
}

pub(crate) fn kafka_error(error: impl std::fmt::Display) -> LogError {
    LogError::Storage(format!("Kafka: {error}"))
}

impl KafkaWriter {
    /// A producer for the cluster `config` reaches.
    pub fn new(config: &ClientConfig) -> Result<Self> {
        let mut config = config.clone();
        // Retries never duplicate or reorder a partition's records, so the
        // offsets handed back are the records' only offsets.
        config.set("enable.idempotence", "true");
        let producer = config.create_with_context(Deliveries).map_err(kafka_error)?;
        Ok(KafkaWriter { producer })
    }

    /// A transactional producer with the id `transactional_id`, ready for
    /// its first transaction. Starting it fences any earlier producer with
    /// the same id: that one's open transaction is aborted.
    pub fn transactional(config: &ClientConfig, transactional_id: &str, timeout: Duration) -> Result<Self> {
        let mut config = config.clone();
        config.set("transactional.id", transactional_id);
        let writer = KafkaWriter::new(&config)?;
        writer.producer.init_transactions(timeout).map_err(kafka_error)?;
        Ok(writer)
    }

    pub fn producer(&self) -> &ThreadedProducer<Deliveries> {
        &self.producer
    }

    /// Appends `records` in order to one partition and returns their
    /// offsets, once the broker has acknowledged every one of them.
    pub fn append(&self, topic: &str, partition: u32, records: &[Record]) -> Result<Vec<u64>> {
        let unknown_partition = || LogError::UnknownPartition { topic: topic.to_string(), partition };
        let kafka_partition = i32::try_from(partition).map_err(|_| unknown_partition())?;
        let (done, delivered) = mpsc::channel::<Delivered>();
        for (index, record) in records.iter().enumerate() {
            let mut headers = OwnedHeaders::new_with_capacity(record.headers.len());
            for header in &record.headers {
                headers = headers.insert(KafkaHeader { key: &header.key, value: header.value.as_deref() });
            }
            let pending = Box::new(Pending { index, done: done.clone() });
            let mut message: BaseRecord<'_, [u8], [u8], Box<Pending>> =
                BaseRecord::with_opaque_to(topic, pending)
                    .partition(kafka_partition)
                    // librdkafka stamps a record whose timestamp is 0 with
                    // the current time: 0 does not round-trip (see KafkaLog).
                    .timestamp(record.timestamp)
                    .headers(headers);
            if let Some(key) = &record.key {
                message = message.key(key.as_slice());
            }
            if let Some(value) = &record.value {
                message = message.payload(value.as_slice());
            }
            loop {
                match self.producer.send(message) {
                    Ok(()) => break,
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                        // The queue drains as the broker acknowledges.
                        self.producer.poll(QUEUE_FULL_WAIT);
                        message = back;
                    }
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::UnknownPartition), _)) => {
                        return Err(unknown_partition());
                    }
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::UnknownTopic), _)) => {
                        return Err(LogError::UnknownTopic(topic.to_string()));
                    }
                    Err((error, _)) => return Err(kafka_error(error)),
                }
            }
        }
        // Only the records in flight hold senders now: once every report
        // is in (or a record is dropped unreported), the channel closes.
        drop(done);
        let mut offsets: Vec<Option<u64>> = vec![None; records.len()];
        for _ in 0..records.len() {
            let (index, outcome) = delivered
                .recv()
                .map_err(|_| LogError::Storage("Kafka: a record's delivery report was lost".into()))?;
            let offset = outcome.map_err(|error| match error.rdkafka_error_code() {
                Some(RDKafkaErrorCode::UnknownTopicOrPartition | RDKafkaErrorCode::UnknownTopic) => {
                    LogError::UnknownTopic(topic.to_string())
                }
                _ => kafka_error(error),
            })?;
            // An acknowledged record has an offset (acks=all, which
            // idempotence implies); a negative one would be a broker bug.
            let offset = u64::try_from(offset).map_err(|_| {
                LogError::Storage(format!("Kafka acknowledged a record without an offset ({offset})"))
            })?;
            if let Some(slot) = offsets.get_mut(index) {
                *slot = Some(offset);
            }
        }
        offsets
            .into_iter()
            .map(|offset| {
                offset.ok_or_else(|| LogError::Storage("Kafka: a delivery report is missing".into()))
            })
            .collect()
    }

    pub fn flush(&self) -> Result<()> {
        self.producer.flush(FLUSH_TIMEOUT).map_err(kafka_error)
    }
}

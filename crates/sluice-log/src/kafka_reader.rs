//! Reads one partition of a Kafka topic for [`crate::KafkaLog`].
//!
//! Each partition read gets its own consumer, assigned by hand: no
//! consumer group and no committed offsets, since the engine keeps its own
//! offsets. A consumer stays positioned after the last record it returned,
//! so the usual read, from where the previous one stopped, costs no seek;
//! librdkafka meanwhile fetches ahead in the background.

use std::ffi::CStr;
use std::ptr;
use std::time::{Duration, Instant};

use rdkafka::bindings;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::BorrowedMessage;
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};

use crate::kafka_writer::kafka_error;
use crate::{Header, LogError, Record, Result, StoredRecord};

/// How long a read waits for a record when none is known to exist yet.
/// The consumer fetches ahead in the background, so a short wait is
/// enough to pick up what has just arrived without stalling a caller that
/// polls many idle partitions.
const IDLE_WAIT: Duration = Duration::from_millis(10);

/// How long a read waits for the first record when records are known to
/// exist at its offset (a fresh consumer connects and fetches first). It
/// returns as soon as a record arrives.
const DATA_WAIT: Duration = Duration::from_secs(5);

/// How long asking the broker for a partition's watermarks may take.
pub(crate) const METADATA_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) struct PartitionReader {
    consumer: BaseConsumer,
    topic: String,
    partition: u32,
    /// The offset the consumer returns next, when it is positioned.
    next: Option<u64>,
}

impl PartitionReader {
    pub fn new(config: &ClientConfig, topic: &str, partition: u32) -> Result<Self> {
        let mut config = config.clone();
        if config.get("group.id").is_none() {
            // librdkafka assigns partitions only to a consumer with a
            // group; the group is never joined (no subscription) and no
            // offset is committed to it.
            config.set("group.id", "sluice");
        }
        config
            // The engine keeps offsets: nothing is committed or stored.
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            // A read from an offset cleanup removed starts at the next
            // record kept, as the trait says.
            .set("auto.offset.reset", "earliest")
            // Reaching the end ends a read at once instead of at its wait.
            .set("enable.partition.eof", "true");
        let consumer: BaseConsumer = config.create().map_err(kafka_error)?;
        Ok(PartitionReader { consumer, topic: topic.to_string(), partition, next: None })
    }

    /// Up to `max` records from `offset` on: those that arrive within a
    /// short wait, or within [`DATA_WAIT`] when `known_end` (one past the
    /// last offset this process knows to be written) says some exist.
    pub fn read(&mut self, offset: u64, max: usize, known_end: u64) -> Result<Vec<StoredRecord>> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let mut end = known_end;
        if self.next != Some(offset) {
            let high = self.position(offset)?;
            let Some(high) = high else { return Ok(Vec::new()) };
            end = end.max(high);
        }
        let start = Instant::now();
        let mut records: Vec<StoredRecord> = Vec::new();
        while records.len() < max {
            // Wait while records are known to exist past those read;
            // otherwise briefly for a first record, or not at all.
            let next = records.last().map_or(offset, |r| r.offset + 1);
            let deadline = if next < end {
                start + DATA_WAIT
            } else if records.is_empty() {
                start + IDLE_WAIT
            } else {
                start
            };
            match self.consumer.poll(deadline.saturating_duration_since(Instant::now())) {
                None if Instant::now() < deadline => continue,
                // An end reached before the records known to exist came
                // (the consumer tells each end once, maybe after a while).
                Some(Err(KafkaError::PartitionEOF(_))) if next < end => continue,
                None | Some(Err(KafkaError::PartitionEOF(_))) => break,
                // librdkafka reconnects by itself and keeps its position:
                // a lost connection is no reason to fail the read.
                Some(Err(error)) if transient(&error) => continue,
                Some(Err(error)) => {
                    // The consumer's position is no longer known.
                    self.next = None;
                    return Err(kafka_error(error));
                }
                Some(Ok(message)) => {
                    let stored = match stored_record(&message, self.partition) {
                        Ok(stored) => stored,
                        Err(error) => {
                            self.next = None;
                            return Err(error);
                        }
                    };
                    // A record from before the position asked for can only
                    // be left over from an earlier position: skip it.
                    if stored.offset >= offset {
                        records.push(stored);
                    }
                }
            }
        }
        if let Some(last) = records.last() {
            self.next = Some(last.offset + 1);
        }
        number(&mut records);
        Ok(records)
    }

    /// Makes the next read seek, wherever the consumer is.
    pub fn forget_position(&mut self) {
        self.next = None;
    }

    /// Points the consumer at `offset` and returns the partition's high
    /// watermark, or None (leaving the consumer where it was) when
    /// `offset` lies beyond it: the consumer would reset to the earliest
    /// record there, and a read past the end has nothing to return.
    fn position(&mut self, offset: u64) -> Result<Option<u64>> {
        let partition = self.kafka_partition()?;
        let (_, high) =
            self.consumer.fetch_watermarks(&self.topic, partition, METADATA_TIMEOUT).map_err(kafka_error)?;
        // An empty partition may report -1: nothing is written there.
        let high = u64::try_from(high).unwrap_or(0);
        if offset > high {
            return Ok(None);
        }
        let start = i64::try_from(offset).map_err(|_| {
            LogError::Storage(format!("Kafka: offset {offset} is beyond what Kafka can address"))
        })?;
        let mut assignment = TopicPartitionList::new();
        assignment
            .add_partition_offset(&self.topic, partition, Offset::Offset(start))
            .map_err(kafka_error)?;
        // Assigning again drops whatever was fetched for the old position.
        self.consumer.assign(&assignment).map_err(kafka_error)?;
        self.next = Some(offset);
        Ok(Some(high))
    }

    fn kafka_partition(&self) -> Result<i32> {
        i32::try_from(self.partition)
            .map_err(|_| LogError::UnknownPartition { topic: self.topic.clone(), partition: self.partition })
    }
}

/// Whether a consumer error is librdkafka telling of a connection it is
/// already re-establishing.
fn transient(error: &KafkaError) -> bool {
    matches!(
        error.rdkafka_error_code(),
        Some(
            RDKafkaErrorCode::BrokerTransportFailure
                | RDKafkaErrorCode::AllBrokersDown
                | RDKafkaErrorCode::OperationTimedOut
                | RDKafkaErrorCode::RequestTimedOut
        )
    )
}

/// Gives the records of one read their [`StoredRecord::sequence`]: the
/// largest timestamp among the records up to and including each one, in
/// an unsigned order (`i64::MIN` is 0). It never decreases along a read,
/// so a stable sort by sequence keeps each partition's order while it
/// interleaves partitions and topics by time.
pub(crate) fn number(records: &mut [StoredRecord]) {
    let mut latest = i64::MIN;
    for record in records {
        latest = latest.max(record.record.timestamp);
        record.sequence = (latest as u64) ^ (1 << 63);
    }
}

/// A fetched message as a stored record; its sequence is set by [`number`].
fn stored_record(message: &BorrowedMessage<'_>, partition: u32) -> Result<StoredRecord> {
    let offset = u64::try_from(message.offset())
        .map_err(|_| LogError::Storage(format!("Kafka returned a record at offset {}", message.offset())))?;
    let record = Record {
        key: message.key().map(<[u8]>::to_vec),
        value: message.payload().map(<[u8]>::to_vec),
        // Kafka's "no timestamp" is -1, as the Java client reports it.
        timestamp: message.timestamp().to_millis().unwrap_or(-1),
        headers: headers(message),
    };
    Ok(StoredRecord { record, partition, offset, sequence: 0 })
}

/// The headers of a fetched message. rdkafka's own accessor unwraps the
/// UTF-8 decoding of each header key, so a key that is not UTF-8 (another
/// producer may write any bytes) would panic there; here it is decoded
/// with replacement characters, as Kafka's Java client decodes it.
fn headers(message: &BorrowedMessage<'_>) -> Vec<Header> {
    let mut headers = Vec::new();
    let mut native: *mut bindings::rd_kafka_headers_t = ptr::null_mut();
    // SAFETY: `message.ptr()` is a valid message while `message` is
    // borrowed; on success librdkafka points `native` at headers the
    // message owns, which live as long as the message.
    let found = unsafe { bindings::rd_kafka_message_headers(message.ptr(), &mut native) };
    if found != bindings::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR || native.is_null() {
        // NOENT: the message has no headers.
        return headers;
    }
    // SAFETY: `native` is the message's valid header list (see above).
    let count = unsafe { bindings::rd_kafka_header_cnt(native) };
    for index in 0..count {
        let mut name: *const std::os::raw::c_char = ptr::null();
        let mut value: *const std::os::raw::c_void = ptr::null();
        let mut size: usize = 0;
        // SAFETY: `index` is below the count; librdkafka points `name` at
        // a NUL-terminated string and `value` at `size` bytes (or null for
        // a null value), both owned by the headers.
        let got =
            unsafe { bindings::rd_kafka_header_get_all(native, index, &mut name, &mut value, &mut size) };
        if got != bindings::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR || name.is_null() {
            continue;
        }
        // SAFETY: as above; the bytes are copied before the message goes.
        let key = unsafe { CStr::from_ptr(name) }.to_string_lossy().into_owned();
        let value = (!value.is_null())
            .then(|| unsafe { std::slice::from_raw_parts(value.cast::<u8>(), size) }.to_vec());
        headers.push(Header { key, value });
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(timestamp: i64) -> StoredRecord {
        StoredRecord {
            record: Record { timestamp, ..Record::default() },
            partition: 0,
            offset: 0,
            sequence: 0,
        }
    }

    #[test]
    fn sequences_follow_the_latest_timestamp_and_never_decrease() {
        let mut records = vec![at(-5), at(10), at(3), at(12), at(i64::MIN)];
        number(&mut records);
        let sequences: Vec<u64> = records.iter().map(|r| r.sequence).collect();
        let ten = 10u64 ^ (1 << 63);
        assert_eq!(
            sequences,
            vec![(-5i64 as u64) ^ (1 << 63), ten, ten, 12u64 ^ (1 << 63), 12u64 ^ (1 << 63)]
        );
        // Negative timestamps order before positive ones.
        assert!(sequences[0] < sequences[1]);
        let mut oldest = vec![at(i64::MIN)];
        number(&mut oldest);
        assert_eq!(oldest[0].sequence, 0);
    }
}

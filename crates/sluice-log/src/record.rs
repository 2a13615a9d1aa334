/// A Kafka-style header: a key and an optional value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub key: String,
    pub value: Option<Vec<u8>>,
}

/// A record as producers write it: serialized key and value (None is
/// null; a null value is a tombstone in a table's topic), timestamp in
/// milliseconds since the epoch, and headers in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub timestamp: i64,
    pub headers: Vec<Header>,
}

impl Record {
    /// The bytes of its key, value and headers: what size retention counts.
    pub fn size(&self) -> u64 {
        let bytes = |b: &Option<Vec<u8>>| b.as_ref().map_or(0, Vec::len) as u64;
        bytes(&self.key)
            + bytes(&self.value)
            + self.headers.iter().map(|h| h.key.len() as u64 + bytes(&h.value)).sum::<u64>()
    }
}

/// A record in a topic, with its address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub record: Record,
    pub partition: u32,
    pub offset: u64,
    /// The order of appends across every topic of the log: reading several
    /// topics by sequence replays them as they were written.
    ///
    /// That holds for [`crate::MemoryLog`] and [`crate::SledLog`], which
    /// number every append in turn. Kafka keeps no order across
    /// partitions, so for [`crate::KafkaLog`] the sequence is the largest
    /// record timestamp among the records of the same `read` call up to
    /// and including this one (as an unsigned number: `i64::MIN` is 0). It
    /// never decreases along one read, so a stable sort by sequence of
    /// records from several reads keeps each partition's order and
    /// interleaves partitions and topics by time (as Kafka Streams picks
    /// its next record by timestamp), not by append order. It belongs to
    /// the read, not to the record: the same record read from another
    /// offset may get another number, so compare only records of reads
    /// made together.
    pub sequence: u64,
}

//! Kafka's default partitioner for records with a key.

/// The partition Kafka's default partitioner gives a record with these key
/// bytes: murmur2 of the key, made non-negative, modulo the partition count.
/// ksqlDB's state stores are split the same way, so a table's rows are
/// found per partition in this order.
pub fn key_partition(key: &[u8], partitions: u32) -> u32 {
    (murmur2::murmur2(key, murmur2::KAFKA_SEED) & 0x7fff_ffff) % partitions.max(1)
}

#[cfg(test)]
mod tests {
    use super::key_partition;

    /// Partitions Kafka's Java client gives these keys on a 4-partition topic.
    #[test]
    fn matches_kafka() {
        assert_eq!(key_partition(&0i64.to_be_bytes(), 4), 3);
        assert_eq!(key_partition(&1i64.to_be_bytes(), 4), 0);
        assert_eq!(key_partition(&2i64.to_be_bytes(), 4), 0);
        assert_eq!(key_partition(b"10", 4), 2);
        assert_eq!(key_partition(b"11", 4), 0);
        assert_eq!(key_partition(b"12", 4), 2);
    }
}

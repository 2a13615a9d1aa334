//! Two `sluice server` processes with one service id share a query's
//! partitions through Kafka consumer groups, and one takes over when the
//! other is killed (issue 8's acceptance).
//!
//! 200,000 records go to a 6-partition topic from a producer of this test
//! (not through Sluice). Both servers run the same queries file, as a
//! headless deployment does: a windowed count per key (CTAS) and a filter
//! (CSAS). Half-way through, one server is killed with SIGKILL. At the end
//! the CTAS topic's latest count per window must equal the counts computed
//! here, and the CSAS topic must hold every record the filter keeps; the
//! duplicates are counted and reported.
//!
//! The test runs twice: at least once, and exactly once (Kafka
//! transactions). The mock cluster takes transactions but neither keeps
//! the offsets committed in them nor hides aborted records, so exactly once
//! runs the transactional path end to end here without being able to show
//! that nothing is duplicated: the survivor finds no committed offsets for
//! the killed server's partitions and processes them from the start (the
//! engine's side of exactly once is tested in sluice-engine's
//! shared_partitions test).
//!
//! The broker is librdkafka's mock cluster, run by this test process and
//! reached by the servers over TCP. tansu 0.6, the broker `.ci/run` starts,
//! splits partitions between live members but, once a member dies, gives
//! the survivor only the partitions it had: the dead member's are never
//! reassigned (seen with confluent-kafka's own consumer too), so a
//! takeover cannot be tested against it.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{free_port, request, Server, TempDir};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};

const RECORDS: i64 = 200_000;
const KEYS: i64 = 1_000;
const PARTITIONS: i32 = 6;
const COUNTS_PARTITIONS: i32 = 24;
/// Event time of record 0; each record is 5 ms after the one before, so
/// the records span 1,000 s: 100 windows of 10 s.
const START_MS: i64 = 1_700_000_000_000;
const WINDOW_MS: i64 = 10_000;
const READ: &str = "sluice_query_records_read_total";
const OWNED: &str = "sluice_query_partitions_owned";

fn client(bootstrap: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", bootstrap);
    config
}

/// Record `seq`: its key, amount and event time.
fn record(seq: i64) -> (i64, i64, i64) {
    (seq % KEYS, (seq * 7_919) % 1_000, START_MS + seq * 5)
}

fn produce(producer: &ThreadedProducer<DefaultProducerContext>, topic: &str, range: std::ops::Range<i64>) {
    for seq in range {
        let (id, amount, ts) = record(seq);
        let key = id.to_be_bytes();
        let value = format!("{{\"SEQ\":{seq},\"AMOUNT\":{amount}}}");
        let mut pending = BaseRecord::to(topic).key(&key[..]).payload(&value).timestamp(ts);
        loop {
            match producer.send(pending) {
                Ok(()) => break,
                Err((_, back)) => {
                    // The queue is full: let deliveries drain.
                    pending = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        }
    }
    producer.flush(Duration::from_secs(60)).expect("every record delivered");
}

/// Every record of `topic`, as (key, value), read from its start.
fn read_all(bootstrap: &str, topic: &str) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
    let mut config = client(bootstrap);
    config.set("group.id", "kafka-shared-test-reader").set("enable.auto.commit", "false");
    let consumer: BaseConsumer = config.create().expect("a consumer");
    let metadata = consumer.fetch_metadata(Some(topic), Duration::from_secs(10)).expect("metadata");
    let partitions = metadata.topics().first().map_or(0, |t| t.partitions().len() as i32);
    let mut list = TopicPartitionList::new();
    let mut ends = BTreeMap::new();
    for p in 0..partitions {
        let (_, high) = consumer.fetch_watermarks(topic, p, Duration::from_secs(10)).expect("watermarks");
        if high > 0 {
            ends.insert(p, high);
            list.add_partition_offset(topic, p, Offset::Beginning).expect("a partition");
        }
    }
    let mut out = Vec::new();
    if ends.is_empty() {
        return out;
    }
    consumer.assign(&list).expect("assign");
    let mut done: BTreeSet<i32> = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while done.len() < ends.len() && Instant::now() < deadline {
        let Some(message) = consumer.poll(Duration::from_millis(200)) else { continue };
        let message = message.expect("a record");
        out.push((message.key().unwrap_or_default().to_vec(), message.payload().map(<[u8]>::to_vec)));
        if message.offset() + 1 >= ends[&message.partition()] {
            done.insert(message.partition());
        }
    }
    out
}

/// A metric of a server's /metrics, per query.
fn metric(port: u16, name: &str) -> BTreeMap<String, u64> {
    let Some((200, text)) = request(port, "GET", "/metrics", "") else { return BTreeMap::new() };
    let prefix = format!("{name}{{query=\"");
    text.lines()
        .filter_map(|line| line.strip_prefix(prefix.as_str()))
        .filter_map(|rest| {
            let (query, count) = rest.split_once("\"} ")?;
            Some((query.to_string(), count.trim().parse().ok()?))
        })
        .collect()
}

/// The two runs take both cores each: one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn start_server(
    port: u16,
    bootstrap: &str,
    service: &str,
    file: &std::path::Path,
    config: &std::path::Path,
) -> Server {
    Server::serve(
        port,
        [
            OsStr::new("--config"),
            config.as_os_str(),
            OsStr::new("--kafka-bootstrap"),
            OsStr::new(bootstrap),
            OsStr::new("--service-id"),
            OsStr::new(service),
            OsStr::new("--queries-file"),
            file.as_os_str(),
        ],
    )
}

#[test]
fn two_servers_share_partitions_and_one_takes_over_when_the_other_is_killed() {
    two_servers_share_partitions("at_least_once");
}

#[test]
fn the_same_with_exactly_once_transactions() {
    two_servers_share_partitions("exactly_once_v2");
}

fn two_servers_share_partitions(guarantee: &str) {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let cluster: MockCluster<'static, DefaultProducerContext> = MockCluster::new(1).expect("a mock cluster");
    let bootstrap = cluster.bootstrap_servers();
    let run = std::process::id().to_string();
    let run = format!("{run}_{guarantee}");
    let (input, counts, big) =
        (format!("shared_events_{run}"), format!("shared_counts_{run}"), format!("shared_big_{run}"));
    let service = format!("shared_{run}_");
    // The mock has no admin API: the topics are made through it. It keeps
    // at most 5 MB per partition (dropping the oldest records beyond), so
    // the CTAS topic, which gets an update per input record and more
    // after a takeover, has more partitions than the input.
    cluster.create_topic(&input, PARTITIONS, 1).expect("a topic");
    cluster.create_topic(&counts, COUNTS_PARTITIONS, 1).expect("a topic");
    cluster.create_topic(&big, PARTITIONS, 1).expect("a topic");

    let dir = TempDir(std::env::temp_dir().join(format!("sluice-kafka-shared-{run}")));
    std::fs::create_dir_all(&dir.0).expect("a directory");
    let file = dir.0.join("app.sql");
    std::fs::write(
        &file,
        format!(
            "CREATE STREAM events (id BIGINT KEY, seq BIGINT, amount BIGINT) \
               WITH (kafka_topic='{input}', value_format='JSON');\n\
             CREATE TABLE counts WITH (kafka_topic='{counts}', partitions={COUNTS_PARTITIONS}) AS \
               SELECT id, COUNT(*) AS cnt FROM events WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY id EMIT CHANGES;\n\
             CREATE STREAM big WITH (kafka_topic='{big}', partitions=6) AS \
               SELECT id, seq, amount FROM events WHERE amount >= 500 EMIT CHANGES;\n"
        ),
    )
    .expect("the queries file");
    let config = dir.0.join("server.properties");
    std::fs::write(&config, format!("processing.guarantee={guarantee}\n")).expect("the config file");

    let (port_a, port_b) = (free_port(), free_port());
    let mut server_a = start_server(port_a, &bootstrap, &service, &file, &config);
    let server_b = start_server(port_b, &bootstrap, &service, &file, &config);

    // Both servers joined both queries' groups: each owns some partitions.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (a, b) = (metric(port_a, OWNED), metric(port_b, OWNED));
        let split = a.len() == 2
            && a.iter().all(|(q, owned)| {
                let theirs = b.get(q).copied().unwrap_or(0);
                *owned > 0 && theirs > 0 && owned + theirs == PARTITIONS as u64
            });
        if split {
            break;
        }
        assert!(Instant::now() < deadline, "the servers did not split the partitions: {a:?} {b:?}");
        std::thread::sleep(Duration::from_millis(200));
    }

    let mut producer_config = client(&bootstrap);
    // Kafka's Java partitioner, as ksqlDB's producers use.
    producer_config.set("partitioner", "murmur2_random").set("linger.ms", "5");
    let producer: ThreadedProducer<DefaultProducerContext> = producer_config.create().expect("a producer");
    produce(&producer, &input, 0..RECORDS / 2);

    // Both servers take part before one is killed: each has read some of
    // the first half, and together they have read all of it (per query).
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let (a, b) = (metric(port_a, READ), metric(port_b, READ));
        let queries: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        let shared = queries.len() == 2
            && queries.iter().all(|q| {
                let (ra, rb) = (a.get(*q).copied().unwrap_or(0), b.get(*q).copied().unwrap_or(0));
                ra > 0 && rb > 0 && ra + rb >= (RECORDS / 2) as u64
            });
        if shared {
            break;
        }
        assert!(Instant::now() < deadline, "the servers did not share the first half: {a:?} {b:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
    server_a.0.kill().expect("SIGKILL");
    let _ = server_a.0.wait();
    produce(&producer, &input, RECORDS / 2..RECORDS);

    // What the queries should give, computed here.
    let mut expected_counts: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    let mut expected_big: BTreeSet<i64> = BTreeSet::new();
    for seq in 0..RECORDS {
        let (id, amount, ts) = record(seq);
        *expected_counts.entry((id, ts - ts.rem_euclid(WINDOW_MS))).or_default() += 1;
        if amount >= 500 {
            expected_big.insert(seq);
        }
    }

    // The surviving server takes over the killed one's partitions (after
    // the group's session timeout) and finishes both queries.
    let deadline = Instant::now() + Duration::from_secs(300);
    let (latest, seen) = loop {
        let mut latest: BTreeMap<(i64, i64), i64> = BTreeMap::new();
        for (key, value) in read_all(&bootstrap, &counts) {
            let id = i64::from_be_bytes(key[..8].try_into().expect("a BIGINT key"));
            let start = i64::from_be_bytes(key[8..16].try_into().expect("a window start"));
            let value: serde_json::Value = serde_json::from_slice(&value.expect("a count")).expect("JSON");
            latest.insert((id, start), value["CNT"].as_i64().expect("CNT"));
        }
        let mut seen: BTreeMap<i64, u32> = BTreeMap::new();
        for (_, value) in read_all(&bootstrap, &big) {
            let value: serde_json::Value = serde_json::from_slice(&value.expect("a row")).expect("JSON");
            *seen.entry(value["SEQ"].as_i64().expect("SEQ")).or_default() += 1;
        }
        let complete = latest == expected_counts && expected_big.iter().all(|s| seen.contains_key(s));
        if complete || Instant::now() > deadline {
            break (latest, seen);
        }
        std::thread::sleep(Duration::from_secs(2));
    };
    let wrong: Vec<_> = expected_counts
        .iter()
        .filter(|(k, v)| latest.get(k) != Some(v))
        .take(5)
        .map(|(k, v)| (k, v, latest.get(k)))
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {} windows differ, e.g. ((key, window), expected, found): {wrong:?}; server B: {:?}",
        expected_counts.iter().filter(|(k, v)| latest.get(k) != Some(v)).count(),
        expected_counts.len(),
        metric(port_b, READ)
    );
    assert_eq!(latest.len(), expected_counts.len(), "no window the input does not have");
    let missing = expected_big.iter().filter(|s| !seen.contains_key(s)).count();
    assert_eq!(missing, 0, "the filtered stream misses records");
    assert!(seen.keys().all(|s| expected_big.contains(s)), "the filtered stream has records it should not");
    let duplicates: u32 = seen.values().map(|n| n - 1).sum();
    println!(
        "filtered stream ({guarantee}): {} records expected, {} written, {duplicates} duplicates",
        expected_big.len(),
        expected_big.len() as u32 + duplicates
    );
    drop(server_b);
}

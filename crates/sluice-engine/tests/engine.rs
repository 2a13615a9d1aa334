//! The engine end to end, through SQL and the in-memory log.

use std::sync::Arc;

use sluice_engine::{Engine, EngineConfig};
use sluice_log::{Log, MemoryLog, Record};
use sluice_sql::parse_script;

fn engine(sql: &str) -> (Engine, Arc<MemoryLog>) {
    let log = Arc::new(MemoryLog::new());
    let mut engine = Engine::new(log.clone(), EngineConfig::default());
    let mut variables = Default::default();
    for statement in parse_script(sql, &mut variables) {
        let statement = statement.expect("test SQL parses").statement;
        engine.execute(&statement).unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    (engine, log)
}

/// An engine over an existing log that has the clicks stream declared.
fn engine_over(log: Arc<MemoryLog>, sql: &str) -> (Engine, Arc<MemoryLog>) {
    let mut engine = Engine::new(log.clone(), EngineConfig::default());
    let mut variables = Default::default();
    let declare = "CREATE STREAM clicks (user STRING KEY, page STRING) WITH (kafka_topic='clicks', value_format='JSON');";
    for statement in parse_script(&format!("{declare}\n{sql}"), &mut variables) {
        let statement = statement.expect("test SQL parses").statement;
        engine.execute(&statement).unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    (engine, log)
}

fn value(json: &str, timestamp: i64) -> Record {
    Record { key: None, value: Some(json.as_bytes().to_vec()), timestamp, headers: Vec::new() }
}

fn values(log: &MemoryLog, topic: &str) -> Vec<String> {
    log.read(topic, 0, 0, usize::MAX)
        .expect("the topic exists")
        .into_iter()
        .map(|r| String::from_utf8_lossy(&r.record.value.unwrap_or_default()).into_owned())
        .collect()
}

#[test]
fn an_undecodable_record_is_logged_and_skipped() {
    let (mut engine, log) = engine(
        "CREATE STREAM s (id INT, amount BIGINT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
         CREATE STREAM big AS SELECT id, amount * 2 AS doubled FROM s WHERE amount > 10;",
    );
    log.append("s", 0, value(r#"{"id": 1, "amount": 20}"#, 1)).unwrap();
    log.append("s", 0, value("{not json", 2)).unwrap();
    log.append("s", 0, value(r#"{"id": 3, "amount": "lots"}"#, 3)).unwrap();
    log.append("s", 0, value(r#"{"id": 4, "amount": 30}"#, 4)).unwrap();
    engine.run_until_idle().unwrap();

    assert_eq!(values(&log, "BIG"), [r#"{"ID":1,"DOUBLED":40}"#, r#"{"ID":4,"DOUBLED":60}"#]);
    let errors = engine.queries()[0].processing_log();
    assert_eq!(errors.total(), 2);
    assert_eq!(errors.entries()[0].offset, 1);
    assert!(errors.entries()[1].message.contains("AMOUNT"), "{:?}", errors.entries()[1]);
}

#[test]
fn a_backlog_is_processed_in_order_with_its_errors_in_order() {
    // Several read chunks at once: the query reads and decodes on a second
    // thread while its operators run, and must give what one thread gives.
    let (mut engine, log) = engine(
        "CREATE STREAM s (id INT, amount BIGINT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
         CREATE STREAM big AS SELECT id, amount * 2 AS doubled FROM s WHERE amount > 10;",
    );
    let records: Vec<Record> = (0..5_000)
        .map(|i| match i % 1_000 {
            999 => value("{not json", i),
            _ => value(&format!(r#"{{"id": {i}, "amount": {}}}"#, i % 20), i),
        })
        .collect();
    log.append_all("s", 0, records).unwrap();
    assert_eq!(engine.run_until_idle().unwrap(), 5_000);

    let expected: Vec<String> = (0..5_000)
        .filter(|i| i % 1_000 != 999 && i % 20 > 10)
        .map(|i| format!(r#"{{"ID":{i},"DOUBLED":{}}}"#, (i % 20) * 2))
        .collect();
    assert_eq!(values(&log, "BIG"), expected);
    let errors = engine.queries()[0].processing_log();
    assert_eq!(errors.total(), 5);
    let offsets: Vec<u64> = errors.entries().iter().map(|e| e.offset).collect();
    assert_eq!(offsets, [999, 1_999, 2_999, 3_999, 4_999]);
    assert_eq!(engine.queries()[0].metrics(log.as_ref()).lag, 0);
    // Nothing new: the next poll reads nothing.
    assert_eq!(engine.run_until_idle().unwrap(), 0);
}

#[test]
fn late_records_are_dropped_and_counted() {
    let (mut engine, log) = engine(
        "CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
         CREATE TABLE t AS SELECT id, COUNT(*) AS n FROM s
           WINDOW TUMBLING (SIZE 10 MILLISECONDS, GRACE PERIOD 5 MILLISECONDS) GROUP BY id;",
    );
    let keyed = |ts: i64| Record { key: Some(7i32.to_be_bytes().to_vec()), ..value(r#"{"v": 1}"#, ts) };
    for ts in [1, 12, 15, 3, 30, 14] {
        log.append("s", 0, keyed(ts)).unwrap();
    }
    engine.run_until_idle().unwrap();
    // At ts 15 the window [0, 10) closes (10 + 5 <= 15): ts 3 is late; at 30
    // the window [10, 20) closes too: ts 14 is late.
    assert_eq!(engine.queries()[0].late_records(), 2);
    assert_eq!(values(&log, "T").len(), 4);
}

#[test]
fn tumbling_window_state_stays_bounded() {
    let (mut engine, log) = engine(
        "CREATE STREAM events (id INT KEY, amount BIGINT) WITH (kafka_topic='events', value_format='JSON', partitions=1);
         CREATE TABLE totals AS SELECT id, COUNT(*) AS n, SUM(amount) AS total FROM events
           WINDOW TUMBLING (SIZE 10 MILLISECONDS, GRACE PERIOD 5 MILLISECONDS) GROUP BY id EMIT FINAL;",
    );
    let keys: i32 = 100;
    let total: i32 = 1_000_000;
    let mut max_state = 0;
    for chunk in 0..(total / 10_000) {
        for i in 0..10_000 {
            let n = chunk * 10_000 + i;
            let record = Record {
                key: Some((n % keys).to_be_bytes().to_vec()),
                value: Some(format!(r#"{{"amount": {n}}}"#).into_bytes()),
                // Event time moves on 1 ms every 10 records.
                timestamp: (n / 10) as i64,
                headers: Vec::new(),
            };
            log.append("events", 0, record).unwrap();
        }
        engine.run_until_idle().unwrap();
        max_state = max_state.max(engine.queries()[0].state_size());
    }
    // Open windows: the current one and those still within their grace,
    // for each of the 100 keys; 100,000 windows closed along the way.
    assert!(max_state <= 3 * keys as usize, "state grew to {max_state} entries");
    let emitted = log.end_offset("TOTALS", 0).unwrap();
    assert!(emitted >= 99_000 * 10, "only {emitted} window results were emitted");
}

#[test]
fn an_expression_that_fails_on_a_row_is_logged_and_the_query_goes_on() {
    let (mut engine, log) = engine(
        "CREATE STREAM s (id INT, txt STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
         CREATE STREAM casted AS SELECT id, CAST(txt AS INT) AS n FROM s;
         CREATE STREAM filtered AS SELECT id FROM s WHERE CAST(txt AS INT) > 1;",
    );
    for (ts, json) in
        [(1, r#"{"id": 1, "txt": "5"}"#), (2, r#"{"id": 2, "txt": "five"}"#), (3, r#"{"id": 3, "txt": "7"}"#)]
    {
        log.append("s", 0, value(json, ts)).unwrap();
    }
    engine.run_until_idle().unwrap();

    // The failing row's column is null in a projection, and the row does not pass a filter.
    assert_eq!(values(&log, "CASTED"), [r#"{"ID":1,"N":5}"#, r#"{"ID":2,"N":null}"#, r#"{"ID":3,"N":7}"#]);
    assert_eq!(values(&log, "FILTERED"), [r#"{"ID":1}"#, r#"{"ID":3}"#]);
    for query in engine.queries() {
        let errors = query.processing_log();
        assert_eq!(errors.total(), 1, "{:?}", errors.entries());
        assert_eq!(errors.entries()[0].offset, 1);
        assert!(errors.entries()[0].message.contains("five"), "{:?}", errors.entries()[0]);
    }
}

#[test]
fn retention_and_compaction_clean_topics_as_kafka_would() {
    let (mut engine, log) = engine(
        "CREATE STREAM clicks (user STRING KEY, page STRING) \
           WITH (kafka_topic='clicks', value_format='JSON', partitions=1, retention_ms=1000);
         CREATE TABLE last_page AS SELECT user, LATEST_BY_OFFSET(page) AS page FROM clicks GROUP BY user;",
    );
    let click = |user: &str, page: &str, ts: i64| Record {
        key: Some(user.as_bytes().to_vec()),
        ..value(&format!(r#"{{"PAGE": "{page}"}}"#), ts)
    };
    for (user, page, ts) in [("ann", "a", 0), ("bob", "b", 10), ("ann", "c", 2000), ("ann", "d", 2500)] {
        log.append("clicks", 0, click(user, page, ts)).unwrap();
    }
    engine.run_until_idle().unwrap();
    let table_before = values(&log, "LAST_PAGE");
    assert_eq!(table_before.len(), 4);

    // At 3000 the stream keeps records from 2000 on; the table's topic keeps
    // the latest record per user.
    let removed = engine.clean_log(3000).unwrap();
    assert_eq!(removed, 2 + 2);
    assert_eq!(values(&log, "clicks").len(), 2);
    assert_eq!(values(&log, "LAST_PAGE"), [r#"{"PAGE":"b"}"#, r#"{"PAGE":"d"}"#]);
    // The queries go on from where they were: the next record is read once
    // (offsets now have gaps).
    log.append("clicks", 0, click("bob", "e", 3000)).unwrap();
    assert_eq!(engine.run_until_idle().unwrap(), 1);
    assert_eq!(values(&log, "LAST_PAGE").last().map(String::as_str), Some(r#"{"PAGE":"e"}"#));
    // A query started now reads what is left, each record once.
    let (mut fresh, _) = engine_over(log.clone(), "CREATE STREAM again AS SELECT * FROM clicks;");
    assert_eq!(fresh.run_until_idle().unwrap(), 3);
}

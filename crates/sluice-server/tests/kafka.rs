//! The server with its topics in Kafka (`ServerConfig::kafka_bootstrap`),
//! against librdkafka's mock cluster. The mock has no admin API, so the
//! topics are made through the mock before the statements that use them
//! (`CREATE .. AS SELECT` writes into an existing topic).

use std::time::{Duration, Instant};

use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use serde_json::{json, Value};
use sluice_log::{KafkaLog, Log};
use sluice_server::ServerConfig;

async fn post(http: &reqwest::Client, url: &str, body: Value) -> (u16, String) {
    let response = http.post(url).json(&body).send().await.expect("the server answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

/// A server (in memory but for its topics) over the Kafka cluster at
/// `bootstrap`, its base URL, and a client.
async fn start_over(bootstrap: &str) -> (sluice_server::RunningServer, String, reqwest::Client) {
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        kafka_bootstrap: Some(bootstrap.to_string()),
        ..ServerConfig::default()
    };
    let server = sluice_server::start(config).await.expect("the server starts over Kafka");
    let base = format!("http://{}", server.local_addr());
    (server, base, reqwest::Client::new())
}

/// A mock cluster with one-partition `topics` and the default service's
/// command topic (the mock has no admin API to create them).
fn mock_cluster(topics: &[&str]) -> MockCluster<'static, DefaultProducerContext> {
    let cluster = MockCluster::new(1).expect("mock cluster");
    for topic in topics.iter().chain([&COMMAND_TOPIC]) {
        cluster.create_topic(topic, 1, 1).expect("mock topic");
    }
    cluster
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statements_inserts_and_queries_run_over_kafka_topics() {
    let cluster = mock_cluster(&["users", "ADULTS"]);
    let bootstrap = cluster.bootstrap_servers();
    let (server, base, http) = start_over(&bootstrap).await;
    // A second server of the same service, which is sent no statement.
    let (other, other_base, _) = start_over(&bootstrap).await;

    let (status, answer) = post(
        &http,
        &format!("{base}/ksql"),
        json!({ "ksql": "CREATE STREAM users (id INT KEY, name STRING, age INT) \
                           WITH (kafka_topic='users', value_format='JSON'); \
                         CREATE STREAM adults AS SELECT * FROM users WHERE age >= 18;" }),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let rows = "{\"target\":\"users\"}\n{\"id\":1,\"name\":\"ann\",\"age\":31}\n\
                {\"id\":2,\"name\":\"bo\",\"age\":12}\n{\"id\":3,\"name\":\"cy\",\"age\":18}\n";
    let acks = http.post(format!("{base}/inserts-stream")).body(rows).send().await.expect("insert");
    assert_eq!(acks.text().await.expect("acks").matches("\"ok\"").count(), 3);

    // The persistent query reads the users topic from Kafka and writes its
    // sink there; a pull query reads the sink back.
    let deadline = Instant::now() + Duration::from_secs(30);
    let adults = loop {
        let (status, answer) =
            post(&http, &format!("{base}/query"), json!({ "ksql": "SELECT id, name FROM adults;" })).await;
        assert_eq!(status, 200, "{answer}");
        let rows: Vec<Value> = serde_json::from_str::<Vec<Value>>(&answer)
            .expect("a JSON array")
            .into_iter()
            .filter_map(|item| item.get("row").map(|row| row["columns"].clone()))
            .collect();
        if rows.len() == 2 || Instant::now() > deadline {
            break rows;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(adults, [json!([1, "ann"]), json!([3, "cy"])]);

    // The records are in Kafka, where any Kafka client finds them.
    let kafka = KafkaLog::connect(&bootstrap, &[]).expect("connect");
    let sink = kafka.read("ADULTS", 0, 0, 10).expect("read the sink topic");
    let values: Vec<String> = sink
        .iter()
        .map(|r| String::from_utf8_lossy(r.record.value.as_deref().unwrap_or_default()).into())
        .collect();
    assert_eq!(values, [r#"{"NAME":"ann","AGE":31}"#, r#"{"NAME":"cy","AGE":18}"#]);

    // The other server ran the same statements from the command topic: it
    // has the stream and the query, with the same id.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, answer) =
            post(&http, &format!("{other_base}/ksql"), json!({ "ksql": "SHOW QUERIES;" })).await;
        assert_eq!(status, 200, "{answer}");
        if answer.contains("CSAS_ADULTS_0") {
            break;
        }
        assert!(Instant::now() < deadline, "the other server never ran the statements: {answer}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A third, started now, replays the command topic at start-up.
    let (third, third_base, _) = start_over(&bootstrap).await;
    let (status, answer) =
        post(&http, &format!("{third_base}/ksql"), json!({ "ksql": "SHOW STREAMS;" })).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("ADULTS") && answer.contains("USERS"), "{answer}");
    third.stop().await.expect("stops");
    other.stop().await.expect("stops");
    server.stop().await.expect("stops");
}

/// The command topic of the default service id.
const COMMAND_TOPIC: &str = "_confluent-ksql-default__command_topic";

/// The values of a topic's partition 0, waiting until there are `count`.
async fn values(kafka: &KafkaLog, topic: &str, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let values: Vec<String> = kafka
            .read(topic, 0, 0, 100)
            .unwrap_or_default()
            .iter()
            .map(|r| String::from_utf8_lossy(r.record.value.as_deref().unwrap_or_default()).into())
            .collect();
        if values.len() >= count || Instant::now() > deadline {
            return values;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The broker goes away for a while and comes back: the persistent query
/// goes on where it was, nothing lost or written twice, and is RUNNING.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_go_on_after_the_broker_was_away() {
    let cluster = mock_cluster(&["clicks", "LONG_CLICKS"]);
    let bootstrap = cluster.bootstrap_servers();
    let (server, base, http) = start_over(&bootstrap).await;
    let (status, answer) = post(
        &http,
        &format!("{base}/ksql"),
        json!({ "ksql": "CREATE STREAM clicks (id INT KEY, ms INT) WITH (kafka_topic='clicks', value_format='JSON'); \
                         CREATE STREAM long_clicks AS SELECT * FROM clicks WHERE ms > 100;" }),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let insert = |rows: &'static str| {
        let http = http.clone();
        let url = format!("{base}/inserts-stream");
        async move {
            let acks = http.post(url).body(rows).send().await.expect("insert");
            assert_eq!(acks.text().await.expect("acks").matches("\"ok\"").count(), 2);
        }
    };
    insert("{\"target\":\"clicks\"}\n{\"id\":1,\"ms\":500}\n{\"id\":2,\"ms\":50}\n").await;
    let kafka = KafkaLog::connect(&bootstrap, &[]).expect("connect");
    assert_eq!(values(&kafka, "LONG_CLICKS", 1).await.len(), 1);

    cluster.broker_down(1).expect("the broker goes down");
    tokio::time::sleep(Duration::from_secs(3)).await;
    cluster.broker_up(1).expect("the broker comes back");

    insert("{\"target\":\"clicks\"}\n{\"id\":3,\"ms\":700}\n{\"id\":4,\"ms\":900}\n").await;
    let long = values(&kafka, "LONG_CLICKS", 3).await;
    assert_eq!(long, [r#"{"MS":500}"#, r#"{"MS":700}"#, r#"{"MS":900}"#]);
    let (status, answer) = post(&http, &format!("{base}/ksql"), json!({ "ksql": "SHOW QUERIES;" })).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("\"state\":\"RUNNING\""), "{answer}");
    server.stop().await.expect("stops");
}

/// Against a real broker: the statements create their topics (the mock
/// cluster cannot), and DROP .. DELETE TOPIC deletes them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Kafka broker: set SLUICE_KAFKA_BOOTSTRAP=host:port and run with --ignored"]
async fn a_real_broker_gets_the_topics_statements_create() {
    let bootstrap = std::env::var("SLUICE_KAFKA_BOOTSTRAP").expect("SLUICE_KAFKA_BOOTSTRAP");
    let suffix =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
    let (source, sink) = (format!("orders_{suffix}"), format!("BIG_{suffix}"));
    let (server, base, http) = start_over(&bootstrap).await;
    let statements = format!(
        "CREATE STREAM orders (id INT KEY, amount INT) WITH (kafka_topic='{source}', value_format='JSON', partitions=2); \
         CREATE STREAM big WITH (kafka_topic='{sink}') AS SELECT * FROM orders WHERE amount > 10;"
    );
    let (status, answer) = post(&http, &format!("{base}/ksql"), json!({ "ksql": statements })).await;
    assert_eq!(status, 200, "{answer}");
    let kafka = KafkaLog::connect(&bootstrap, &[]).expect("connect");
    assert_eq!(kafka.topic(&source).map(|t| t.partitions), Some(2));
    assert!(kafka.topic(&sink).is_some(), "the sink topic was created");

    let inserts =
        "INSERT INTO orders (id, amount) VALUES (1, 5); INSERT INTO orders (id, amount) VALUES (2, 50);";
    let (status, answer) = post(&http, &format!("{base}/ksql"), json!({ "ksql": inserts })).await;
    assert_eq!(status, 200, "{answer}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, answer) =
            post(&http, &format!("{base}/query"), json!({ "ksql": "SELECT id, amount FROM big;" })).await;
        if answer.contains("[2,50]") {
            break;
        }
        assert!(Instant::now() < deadline, "the sink never got the row: {answer}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let drop = "TERMINATE ALL; DROP STREAM big DELETE TOPIC; DROP STREAM orders DELETE TOPIC;";
    let (status, answer) = post(&http, &format!("{base}/ksql"), json!({ "ksql": drop })).await;
    assert_eq!(status, 200, "{answer}");
    // Kafka deletes topics in the background.
    let deadline = Instant::now() + Duration::from_secs(30);
    while kafka.topic(&sink).is_some() || kafka.topic(&source).is_some() {
        assert!(Instant::now() < deadline, "the topics were not deleted");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    server.stop().await.expect("stops");
}

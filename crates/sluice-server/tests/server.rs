//! The server over real HTTP: each test starts one on an ephemeral port of
//! 127.0.0.1 and talks to it with an HTTP client.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};
use sluice_server::{RunningServer, ServerConfig};

struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    async fn ksql(&self, ksql: &str) -> (StatusCode, Value) {
        self.post_json("/ksql", &json!({ "ksql": ksql, "streamsProperties": {} })).await
    }

    async fn post_json(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let response =
            self.http.post(format!("{}{path}", self.base)).json(body).send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}")))
    }

    /// A POST whose answer may be empty.
    async fn post_raw(&self, path: &str, body: &Value) -> (StatusCode, String) {
        let response =
            self.http.post(format!("{}{path}", self.base)).json(body).send().await.expect("request");
        let status = response.status();
        (status, response.text().await.expect("body"))
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self.http.get(format!("{}{path}", self.base)).send().await.expect("request");
        let status = response.status();
        (status, response.json().await.expect("JSON body"))
    }

    /// A /query request, answered in full.
    async fn query(&self, ksql: &str, offset_reset: &str) -> (StatusCode, Value) {
        let body = json!({ "ksql": ksql, "streamsProperties": { "auto.offset.reset": offset_reset } });
        self.post_json("/query", &body).await
    }

    /// Runs statements that must all succeed.
    async fn run(&self, ksql: &str) -> Value {
        let (status, body) = self.ksql(ksql).await;
        assert_eq!(status, StatusCode::OK, "{ksql}\n{body:#}");
        body
    }
}

async fn start() -> (RunningServer, Client) {
    start_with(ServerConfig { listen: "127.0.0.1:0".parse().expect("address"), ..ServerConfig::default() })
        .await
}

/// A fresh data directory for a test, and a server config using it.
fn on_disk(test: &str) -> (std::path::PathBuf, ServerConfig) {
    let dir = std::env::temp_dir().join(format!("sluice-server-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        data_dir: Some(dir.clone()),
        ..ServerConfig::default()
    };
    (dir, config)
}

async fn start_with(config: ServerConfig) -> (RunningServer, Client) {
    let server = sluice_server::start(config).await.expect("server starts");
    let client = Client { base: format!("http://{}", server.local_addr()), http: reqwest::Client::new() };
    (server, client)
}

const PAGEVIEWS: &str = "CREATE STREAM pageviews (id INT KEY, page STRING, ms BIGINT) \
                         WITH (kafka_topic='pageviews', value_format='JSON', partitions=1);";

/// The items of a /query answer after its header.
fn rest(answer: &Value) -> Vec<Value> {
    answer.as_array().map(|items| items[1..].to_vec()).unwrap_or_else(|| panic!("an array: {answer:#}"))
}

/// The `name`s of a listing's items.
fn names(items: &Value) -> Vec<&str> {
    items.as_array().expect("array").iter().filter_map(|i| i["name"].as_str()).collect()
}

#[tokio::test]
async fn info_and_healthcheck_describe_the_server() {
    let (_server, client) = start().await;
    let (status, info) = client.get("/info").await;
    assert_eq!(status, StatusCode::OK);
    let info = &info["KsqlServerInfo"];
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["ksqlServiceId"], "default_");
    assert_eq!(info["serverStatus"], "RUNNING");
    assert!(info["kafkaClusterId"].is_string());
    let (status, health) = client.get("/healthcheck").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["isHealthy"], true);
    assert_eq!(health["details"]["metastore"]["isHealthy"], true);
}

#[tokio::test]
async fn unknown_endpoints_are_404_and_wrong_methods_405() {
    let (_server, client) = start().await;
    for path in ["/nope", "/clusterStatus", "/heartbeat"] {
        let response = client.http.post(format!("{}{path}", client.base)).send().await.expect("request");
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["error_code"], 40400, "{path}");
        assert_eq!(body["@type"], "generic_error");
    }
    for (method, path) in [(reqwest::Method::POST, "/ws/query"), (reqwest::Method::GET, "/ksql/terminate")] {
        let response = client
            .http
            .request(method.clone(), format!("{}{path}", client.base))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(
            (body["@type"].as_str(), body["error_code"].as_i64()),
            (Some("generic_error"), Some(40500))
        );
    }
}

#[tokio::test]
async fn ddl_csas_and_listings() {
    let (_server, client) = start().await;
    let created = client.run(PAGEVIEWS).await;
    assert_eq!(created.as_array().map(Vec::len), Some(1));
    let status = &created[0];
    assert_eq!(status["@type"], "currentStatus");
    assert_eq!(status["commandId"], "stream/PAGEVIEWS/create");
    assert_eq!(status["commandStatus"]["status"], "SUCCESS");
    assert_eq!(status["commandStatus"]["message"], "Stream created");
    let first_sequence = status["commandSequenceNumber"].as_i64().expect("sequence number");

    let csas = client.run("CREATE STREAM home AS SELECT id, ms FROM pageviews WHERE page = 'home';").await;
    let query_id = csas[0]["commandStatus"]["queryId"].as_str().expect("query id").to_string();
    assert!(query_id.starts_with("CSAS_HOME_"), "{query_id}");
    assert_eq!(csas[0]["commandStatus"]["message"], format!("Created query with ID {query_id}"));
    assert_eq!(csas[0]["commandSequenceNumber"].as_i64(), Some(first_sequence + 1));

    let listed = client.run("SHOW STREAMS; LIST TABLES; SHOW QUERIES; SHOW TOPICS; DESCRIBE home;").await;
    let [streams, tables, queries, topics, describe] = listed.as_array().expect("array").as_slice() else {
        panic!("five entities: {listed:#}")
    };
    assert_eq!(streams["@type"], "streams");
    assert_eq!(names(&streams["streams"]), ["HOME", "PAGEVIEWS"]);
    assert_eq!(streams["streams"][1]["valueFormat"], "JSON");
    assert_eq!(streams["streams"][1]["topic"], "pageviews");
    assert_eq!(tables["@type"], "tables");
    assert_eq!(tables["tables"], json!([]));
    assert_eq!(queries["@type"], "queries");
    assert_eq!(queries["queries"][0]["id"], query_id.as_str());
    assert_eq!(queries["queries"][0]["sinks"], json!(["HOME"]));
    assert_eq!(queries["queries"][0]["state"], "RUNNING");
    assert_eq!(topics["@type"], "kafka_topics");
    assert_eq!(names(&topics["topics"]), ["HOME", "pageviews"]);
    assert_eq!(describe["@type"], "sourceDescription");
    let description = &describe["sourceDescription"];
    assert_eq!(description["name"], "HOME");
    assert_eq!(description["type"], "STREAM");
    assert_eq!(description["writeQueries"][0]["id"], query_id.as_str());
    let (status, statuses) = client.get("/status").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        statuses,
        json!({ "commandStatuses": { "stream/HOME/create": "SUCCESS", "stream/PAGEVIEWS/create": "SUCCESS" } })
    );
    let (_, one) = client.get("/status/stream/HOME/create").await;
    assert_eq!(
        one,
        json!({ "status": "SUCCESS", "message": format!("Created query with ID {query_id}"), "queryId": query_id })
    );
    let (status, _) = client.get("/status/stream/NOPE/create").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        description["fields"],
        json!([
            { "name": "ID", "schema": { "type": "INTEGER", "fields": null, "memberSchema": null }, "type": "KEY" },
            { "name": "MS", "schema": { "type": "BIGINT", "fields": null, "memberSchema": null } },
        ])
    );
}

#[tokio::test]
async fn a_syntax_error_is_a_400_naming_line_and_column_and_runs_nothing() {
    let (_server, client) = start().await;
    let ksql = format!("{PAGEVIEWS}\nCREATE STREAM x AS SELECT * FRM pageviews;");
    let (status, error) = client.ksql(&ksql).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["@type"], "statement_error");
    assert_eq!(error["error_code"], 40001);
    let message = error["message"].as_str().expect("message");
    assert!(message.starts_with("line 2:"), "{message}");
    assert!(message.contains('^'), "a caret under the error: {message}");
    assert_eq!(error["statementText"], "CREATE STREAM x AS SELECT * FRM pageviews;");
    // Nothing ran: the first statement was valid but the request was refused whole.
    let streams = client.run("SHOW STREAMS;").await;
    assert_eq!(streams[0]["streams"], json!([]));
}

#[tokio::test]
async fn a_failing_statement_keeps_the_earlier_ones_and_lists_them() {
    let (_server, client) = start().await;
    let (status, error) = client.ksql(&format!("{PAGEVIEWS} DROP STREAM nope;")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error_code"], 40001);
    assert_eq!(error["message"], "Stream NOPE does not exist.");
    assert_eq!(error["statementText"], "DROP STREAM nope;");
    assert_eq!(error["entities"][0]["commandStatus"]["message"], "Stream created");
    let streams = client.run("SHOW STREAMS;").await;
    assert_eq!(names(&streams[0]["streams"]), ["PAGEVIEWS"]);
}

#[tokio::test]
async fn queries_sent_to_ksql_are_refused_with_40002() {
    let (_server, client) = start().await;
    client.run(PAGEVIEWS).await;
    let (status, error) = client.ksql("SELECT * FROM pageviews EMIT CHANGES;").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error_code"], 40002);
}

#[tokio::test]
async fn content_types_and_malformed_requests() {
    let (_server, client) = start().await;
    let url = format!("{}/ksql", client.base);
    let body = r#"{"ksql":"SHOW STREAMS;"}"#;
    let send = |content_type: &'static str, accept: &'static str, body: &'static str| {
        client.http.post(&url).header("Content-Type", content_type).header("Accept", accept).body(body).send()
    };
    let ok =
        send("application/vnd.ksql.v1+json", "application/vnd.ksql.v1+json", body).await.expect("request");
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.headers()["content-type"], "application/vnd.ksql.v1+json");
    let json = send("application/json", "application/json", body).await.expect("request");
    assert_eq!(json.headers()["content-type"], "application/json");
    let unsupported = send("text/plain", "*/*", body).await.expect("request");
    assert_eq!(unsupported.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let unacceptable = send("application/json", "text/html", body).await.expect("request");
    assert_eq!(unacceptable.status(), StatusCode::NOT_ACCEPTABLE);
    let malformed = send("application/json", "*/*", "{\"ksql\": ").await.expect("request");
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let error: Value = malformed.json().await.expect("JSON");
    assert_eq!((error["@type"].as_str(), error["error_code"].as_i64()), (Some("generic_error"), Some(40000)));
}

#[tokio::test]
async fn a_push_query_with_limit_returns_inserted_rows() {
    let (server, client) = start().await;
    client.run(PAGEVIEWS).await;
    client.run("CREATE STREAM home AS SELECT id, ms FROM pageviews WHERE page = 'home';").await;
    let inserted = client
        .run(
            "INSERT INTO pageviews (id, page, ms) VALUES (1, 'home', 10);
             INSERT INTO pageviews (id, page, ms) VALUES (2, 'about', 20);
             INSERT INTO pageviews (id, page, ms) VALUES (3, 'home', 30);
             INSERT INTO pageviews (id, page, ms) VALUES (4, 'home', 40);",
        )
        .await;
    assert_eq!(inserted, json!([]), "INSERT VALUES answers no entity");
    let (status, answer) = client.query("SELECT * FROM home EMIT CHANGES LIMIT 2;", "earliest").await;
    assert_eq!(status, StatusCode::OK, "{answer:#}");
    let items = answer.as_array().expect("array");
    assert_eq!(items.len(), 4, "{answer:#}");
    assert!(items[0]["header"]["queryId"].as_str().is_some_and(|id| id.starts_with("transient_HOME_")));
    assert_eq!(items[0]["header"]["schema"], "`ID` INTEGER, `MS` BIGINT");
    assert_eq!(items[1], json!({ "row": { "columns": [1, 10] } }));
    assert_eq!(items[2], json!({ "row": { "columns": [3, 30] } }));
    assert_eq!(items[3], json!({ "finalMessage": "Limit Reached" }));
    eventually_no_transient_queries(&server).await;
}

#[tokio::test]
async fn query_columns_follow_the_select_order_and_may_be_keys_only() {
    let (_server, client) = start().await;
    client.run(PAGEVIEWS).await;
    client.run("INSERT INTO pageviews (ROWTIME, id, page, ms) VALUES (12345, 1, 'a', 10);").await;
    let (_, answer) =
        client.query("SELECT ROWTIME, page, id FROM pageviews EMIT CHANGES LIMIT 1;", "earliest").await;
    assert_eq!(answer[0]["header"]["schema"], "`ROWTIME` BIGINT, `PAGE` STRING, `ID` INTEGER", "{answer:#}");
    assert_eq!(answer[1], json!({ "row": { "columns": [12345, "a", 1] } }));
    let (_, keys_only) = client.query("SELECT id FROM pageviews EMIT CHANGES LIMIT 1;", "earliest").await;
    assert_eq!(keys_only[0]["header"]["schema"], "`ID` INTEGER");
    assert_eq!(keys_only[1], json!({ "row": { "columns": [1] } }));
    let (_, pull) = client.query("SELECT page, id FROM pageviews;", "earliest").await;
    assert_eq!(pull[0]["header"]["schema"], "`PAGE` STRING, `ID` INTEGER");
    assert_eq!(
        rest(&pull),
        [json!({ "row": { "columns": ["a", 1] } }), json!({ "finalMessage": "Query Completed" })]
    );
}

#[tokio::test]
async fn a_push_query_from_latest_sees_only_new_rows_as_they_arrive() {
    let (server, client) = start().await;
    client.run(PAGEVIEWS).await;
    client.run("INSERT INTO pageviews (id, page, ms) VALUES (1, 'old', 10);").await;
    let body = json!({ "ksql": "SELECT page FROM pageviews EMIT CHANGES LIMIT 2;" });
    let mut response =
        client.http.post(format!("{}/query", client.base)).json(&body).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    // The header comes first, before any row exists.
    let mut received = String::new();
    while !received.contains("header") {
        let chunk = response.chunk().await.expect("chunk").expect("more");
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    let lines =
        "{\"target\":\"pageviews\"}\n{\"id\":2,\"page\":\"new\",\"ms\":20}\n{\"ID\":3,\"PAGE\":\"newer\"}\n";
    let acks = client
        .http
        .post(format!("{}/inserts-stream", client.base))
        .body(lines)
        .send()
        .await
        .expect("insert")
        .text()
        .await
        .expect("acks");
    let acks: Vec<Value> = acks.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    assert_eq!(acks, [json!({ "status": "ok", "seq": 0 }), json!({ "status": "ok", "seq": 1 })]);
    while let Some(chunk) = response.chunk().await.expect("chunk") {
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    let answer: Value = serde_json::from_str(&received).unwrap_or_else(|e| panic!("{e}: {received}"));
    assert_eq!(
        answer.as_array().map(|items| items[1..].to_vec()),
        Some(vec![
            json!({ "row": { "columns": ["new"] } }),
            json!({ "row": { "columns": ["newer"] } }),
            json!({ "finalMessage": "Limit Reached" }),
        ])
    );
    eventually_no_transient_queries(&server).await;
}

#[tokio::test]
async fn a_push_query_stops_when_the_client_goes_away() {
    let (server, client) = start().await;
    client.run(PAGEVIEWS).await;
    let body = json!({ "ksql": "SELECT * FROM pageviews EMIT CHANGES;" });
    let mut response =
        client.http.post(format!("{}/query", client.base)).json(&body).send().await.expect("request");
    let first = response.chunk().await.expect("chunk").expect("header");
    assert!(String::from_utf8_lossy(&first).contains("header"));
    assert_eq!(server.transient_query_ids().await.len(), 1);
    drop(response);
    eventually_no_transient_queries(&server).await;
}

#[tokio::test]
async fn pull_queries_scan_materialized_tables_and_streams() {
    let (_server, client) = start().await;
    client
        .run(
            "CREATE TABLE users (id BIGINT PRIMARY KEY, name STRING, region STRING) \
               WITH (kafka_topic='users', value_format='JSON', partitions=1);
             CREATE TABLE queryable_users AS SELECT * FROM users;
             INSERT INTO users (id, name, region) VALUES (1, 'ann', 'w');
             INSERT INTO users (id, name, region) VALUES (2, 'bob', 'e');
             INSERT INTO users (id, name, region) VALUES (1, 'anna', 'n');",
        )
        .await;
    let (status, scan) = client.query("SELECT * FROM queryable_users;", "earliest").await;
    assert_eq!(status, StatusCode::OK, "{scan:#}");
    assert_eq!(
        scan,
        json!([
            { "header": { "queryId": scan[0]["header"]["queryId"], "schema": "`ID` BIGINT KEY, `NAME` STRING, `REGION` STRING" } },
            { "row": { "columns": [1, "anna", "n"] } },
            { "row": { "columns": [2, "bob", "e"] } },
        ])
    );
    let (_, lookup) = client.query("SELECT name FROM queryable_users WHERE id = 2;", "earliest").await;
    assert_eq!(rest(&lookup), [json!({ "row": { "columns": ["bob"] } })]);

    let (status, refused) = client.query("SELECT * FROM users;", "earliest").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(refused["message"].as_str().is_some_and(|m| m.contains("isn't queryable")), "{refused:#}");

    client.run(PAGEVIEWS).await;
    client.run("INSERT INTO pageviews (id, page) VALUES (7, 'a'); INSERT INTO pageviews (id, page) VALUES (8, 'b');").await;
    let (_, stream) = client.query("SELECT page FROM pageviews LIMIT 1;", "earliest").await;
    assert_eq!(
        rest(&stream),
        [json!({ "row": { "columns": ["a"] } }), json!({ "finalMessage": "Query Completed" })]
    );
    let (status, grouped) =
        client.query("SELECT page, COUNT(*) FROM pageviews GROUP BY page;", "earliest").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(grouped["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("Pull queries don't support GROUP BY")));
}

#[tokio::test]
async fn inserts_stream_acknowledges_each_row_and_reports_bad_ones() {
    let (_server, client) = start().await;
    client.run(PAGEVIEWS).await;
    let lines = "{\"target\":\"PAGEVIEWS\"}\n{\"id\":1,\"page\":\"a\"}\n{\"nope\":1}\nnot json\n{\"id\":2,\"page\":\"b\"}\n";
    let acks = client
        .http
        .post(format!("{}/inserts-stream", client.base))
        .body(lines)
        .send()
        .await
        .expect("insert")
        .text()
        .await
        .expect("acks");
    let acks: Vec<Value> = acks.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    let statuses: Vec<(&str, i64)> =
        acks.iter().map(|a| (a["status"].as_str().unwrap_or(""), a["seq"].as_i64().unwrap_or(-1))).collect();
    assert_eq!(statuses, [("ok", 0), ("error", 1), ("error", 2), ("ok", 3)]);
    assert_eq!(acks[1]["message"], "Column name NOPE does not exist.");
    let (_, rows) = client.query("SELECT id, page FROM pageviews;", "earliest").await;
    assert_eq!(
        rest(&rows)[..2],
        [json!({ "row": { "columns": [1, "a"] } }), json!({ "row": { "columns": [2, "b"] } })]
    );

    let unknown = client
        .http
        .post(format!("{}/inserts-stream", client.base))
        .body("{\"target\":\"missing\"}\n{\"id\":1}\n")
        .send()
        .await
        .expect("insert");
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
}

/// Push queries are stopped within a few seconds of ending.
async fn eventually_no_transient_queries(server: &RunningServer) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let running = server.transient_query_ids().await;
        if running.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "still running: {running:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The rows of a pull query, without header and final message.
async fn pull_rows(client: &Client, ksql: &str) -> Vec<Value> {
    let (status, answer) = client.query(ksql, "earliest").await;
    assert_eq!(status, StatusCode::OK, "{ksql}: {answer:#}");
    rest(&answer).into_iter().filter(|item| item.get("row").is_some()).collect()
}

#[tokio::test]
async fn a_restart_on_the_same_data_dir_brings_back_sources_queries_and_rows() {
    let (dir, config) = on_disk("restart");
    let (server, client) = start_with(config.clone()).await;
    client
        .run(&format!(
            "{PAGEVIEWS}
             CREATE STREAM home AS SELECT id, ms FROM pageviews WHERE page = 'home';
             CREATE TABLE counts AS SELECT page, COUNT(*) AS n FROM pageviews GROUP BY page;"
        ))
        .await;
    let lines = "{\"target\":\"pageviews\"}\n{\"id\":1,\"page\":\"home\",\"ms\":1}\n\
                 {\"id\":2,\"page\":\"about\",\"ms\":2}\n{\"id\":3,\"page\":\"home\",\"ms\":3}\n";
    let acks =
        client.http.post(format!("{}/inserts-stream", client.base)).body(lines).send().await.expect("insert");
    assert_eq!(acks.text().await.expect("acks").lines().count(), 3);
    let queries = client.run("SHOW QUERIES;").await;
    let home = pull_rows(&client, "SELECT * FROM home;").await;
    assert_eq!(home.len(), 2);
    let counts = pull_rows(&client, "SELECT * FROM counts;").await;
    // A table scan reads keys in the order of their serialized bytes.
    assert_eq!(
        counts,
        [json!({ "row": { "columns": ["about", 1] } }), json!({ "row": { "columns": ["home", 2] } })]
    );
    server.stop().await.expect("stops");

    let (server, client) = start_with(config.clone()).await;
    assert_eq!(server.replay_errors(), [] as [String; 0]);
    assert_eq!(client.run("SHOW QUERIES;").await, queries, "the same queries, with the same ids");
    let (_, status) = client.get("/status/table/COUNTS/create").await;
    assert_eq!(status["status"], "SUCCESS", "replayed commands have their status: {status}");
    assert_eq!(pull_rows(&client, "SELECT * FROM pageviews;").await.len(), 3);
    // The sinks hold what they held, not doubled: the stateless query went
    // on from its checkpoint (it has read nothing since), the aggregation
    // computed its table again from the stream.
    assert_eq!(pull_rows(&client, "SELECT * FROM home;").await, home);
    assert_eq!(pull_rows(&client, "SELECT * FROM counts;").await, counts);
    let metrics = client.http.get(format!("{}/metrics", client.base)).send().await.expect("metrics");
    let metrics = metrics.text().await.expect("text");
    assert!(metrics.contains("sluice_query_records_read_total{query=\"CSAS_HOME_0\"} 0\n"), "{metrics}");
    assert!(metrics.contains("sluice_query_records_read_total{query=\"CTAS_COUNTS_1\"} 3\n"), "{metrics}");
    // The queries run on: a new row reaches both sinks.
    client.run("INSERT INTO pageviews (id, page, ms) VALUES (4, 'home', 4);").await;
    assert_eq!(pull_rows(&client, "SELECT * FROM home;").await.len(), 3);
    let counts = pull_rows(&client, "SELECT * FROM counts;").await;
    assert_eq!(counts[1], json!({ "row": { "columns": ["home", 3] } }));
    // Sequence numbers go on from the replayed ones (3 commands before).
    let created = client
        .run("CREATE STREAM other (v INT) WITH (kafka_topic='other', value_format='JSON', partitions=1);")
        .await;
    assert_eq!(created[0]["commandSequenceNumber"], 4);
    server.stop().await.expect("stops");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[tokio::test]
async fn query_stream_answers_delimited_rows_or_one_json_array() {
    let (server, client) = start().await;
    client.run(PAGEVIEWS).await;
    client.run("INSERT INTO pageviews (id, page, ms) VALUES (1, 'a', 10); INSERT INTO pageviews (id, page) VALUES (2, 'b');").await;
    let url = format!("{}/query-stream", client.base);
    let push = json!({ "sql": "SELECT * FROM pageviews EMIT CHANGES LIMIT 2;", "properties": { "auto.offset.reset": "earliest" } });
    let response = client.http.post(&url).json(&push).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/vnd.ksqlapi.delimited.v1");
    let text = response.text().await.expect("body");
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0]["queryId"].as_str().is_some_and(|id| id.starts_with("transient_PAGEVIEWS_")));
    assert_eq!(lines[0]["columnNames"], json!(["ID", "PAGE", "MS"]));
    assert_eq!(lines[0]["columnTypes"], json!(["INTEGER", "STRING", "BIGINT"]));
    assert_eq!(lines[1..], [json!([1, "a", 10]), json!([2, "b", null])]);

    let pull = json!({ "sql": "SELECT page FROM pageviews;" });
    let response = client
        .http
        .post(&url)
        .header("Accept", "application/json")
        .json(&pull)
        .send()
        .await
        .expect("request");
    assert_eq!(response.headers()["content-type"], "application/json");
    let answer: Value = response.json().await.expect("one JSON array");
    assert_eq!(answer[0]["columnNames"], json!(["PAGE"]));
    assert_eq!(rest(&answer), [json!(["a"]), json!(["b"])]);

    let missing = client.http.post(&url).json(&json!({ "properties": {} })).send().await.expect("request");
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    eventually_no_transient_queries(&server).await;
}

#[tokio::test]
async fn close_query_ends_a_push_query_stream() {
    let (server, client) = start().await;
    client.run(PAGEVIEWS).await;
    let push = json!({ "sql": "SELECT * FROM pageviews EMIT CHANGES;" });
    let mut response =
        client.http.post(format!("{}/query-stream", client.base)).json(&push).send().await.expect("request");
    let mut received = String::new();
    while !received.contains('\n') {
        let chunk = response.chunk().await.expect("chunk").expect("the header");
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    let header: Value = serde_json::from_str(received.trim()).expect("the header line");
    let id = header["queryId"].as_str().expect("queryId").to_string();
    let (status, _) = client.post_raw("/close-query", &json!({ "queryId": id })).await;
    assert_eq!(status, StatusCode::OK);
    // The stream ends, with nothing after the header.
    let rest = tokio::time::timeout(Duration::from_secs(10), response.text()).await.expect("the stream ends");
    assert_eq!(rest.expect("body"), "");
    eventually_no_transient_queries(&server).await;
    let (status, error) = client.post_raw("/close-query", &json!({ "queryId": id })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
}

#[tokio::test]
async fn pull_queries_on_windowed_tables_show_the_window_bounds() {
    let (_server, client) = start().await;
    client
        .run(
            "CREATE STREAM input (id STRING KEY, ignored INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
             CREATE TABLE aggregate AS SELECT id, COUNT(1) AS count FROM input WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY id;
             INSERT INTO input (ROWTIME, id, ignored) VALUES (12346, '11', 1);
             INSERT INTO input (ROWTIME, id, ignored) VALUES (12345, '10', 2);
             INSERT INTO input (ROWTIME, id, ignored) VALUES (12999, '10', 3);
             INSERT INTO input (ROWTIME, id, ignored) VALUES (13000, '10', 4);",
        )
        .await;
    let (status, answer) = client.query("SELECT * FROM aggregate WHERE id = '10';", "earliest").await;
    assert_eq!(status, StatusCode::OK, "{answer:#}");
    assert_eq!(
        answer[0]["header"]["schema"],
        "`ID` STRING KEY, `WINDOWSTART` BIGINT KEY, `WINDOWEND` BIGINT KEY, `COUNT` BIGINT"
    );
    assert_eq!(
        rest(&answer),
        [
            json!({ "row": { "columns": ["10", 12000, 13000, 2] } }),
            json!({ "row": { "columns": ["10", 13000, 14000, 1] } })
        ]
    );
    let (_, bounded) =
        client.query("SELECT id, count FROM aggregate WHERE WINDOWSTART >= 13000;", "earliest").await;
    // Only `SELECT *` adds the window bounds to what was selected.
    assert_eq!(bounded[0]["header"]["schema"], "`ID` STRING KEY, `COUNT` BIGINT");
    assert_eq!(rest(&bounded), [json!({ "row": { "columns": ["10", 1] } })]);
    let (_, selected) = client
        .query("SELECT id, WINDOWSTART, WINDOWEND, count FROM aggregate WHERE id = '10' AND WindowStart = 12000;", "earliest")
        .await;
    assert_eq!(
        selected[0]["header"]["schema"],
        "`ID` STRING KEY, `WINDOWSTART` BIGINT KEY, `WINDOWEND` BIGINT KEY, `COUNT` BIGINT"
    );
    assert_eq!(rest(&selected), [json!({ "row": { "columns": ["10", 12000, 13000, 2] } })]);
}

#[tokio::test]
async fn headless_mode_runs_a_queries_file_and_takes_no_statements() {
    let dir = std::env::temp_dir().join(format!("sluice-headless-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let app = dir.join("app.sql");
    std::fs::write(
        &app,
        format!("{PAGEVIEWS}\nCREATE STREAM home AS SELECT id, ms FROM pageviews WHERE page = 'home';\n"),
    )
    .expect("queries file");
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        queries_file: Some(app.clone()),
        ..ServerConfig::default()
    };
    let (_server, client) = start_with(config.clone()).await;
    let (status, home) = client.get("/status/stream/HOME/create").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home["queryId"].as_str().is_some_and(|id| id.starts_with("CSAS_HOME_")), "{home}");
    assert_eq!(client.get("/info").await.0, StatusCode::OK);
    for path in [
        "/ksql",
        "/query",
        "/query-stream",
        "/inserts-stream",
        "/close-query",
        "/ksql/terminate",
        "/ws/query",
    ] {
        let (status, _) = client.post_raw(path, &json!({ "ksql": "SHOW STREAMS;" })).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(client.get("/is_valid_property/auto.offset.reset").await, (StatusCode::OK, json!(true)));

    std::fs::write(&app, format!("{PAGEVIEWS}\nCREATE STREAM bad AS SELECT nope FROM pageviews;\n"))
        .expect("file");
    let error = sluice_server::start(config).await.err().expect("a bad file stops the start");
    assert!(error.to_string().contains("line 2:1:"), "{error}");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[tokio::test]
async fn http2_cleartext_serves_inserts_and_query_stream() {
    let (_server, client) = start().await;
    client.run(PAGEVIEWS).await;
    let h2 = reqwest::Client::builder().http2_prior_knowledge().build().expect("an HTTP/2 client");
    let inserted = h2
        .post(format!("{}/inserts-stream", client.base))
        .body("{\"target\":\"pageviews\"}\n{\"id\":1,\"page\":\"a\"}\n")
        .send()
        .await
        .expect("insert over HTTP/2");
    assert_eq!(inserted.version(), reqwest::Version::HTTP_2);
    let ack: Value = serde_json::from_str(inserted.text().await.expect("ack").trim()).expect("JSON ack");
    assert_eq!(ack, json!({ "status": "ok", "seq": 0 }));
    let pulled = h2
        .post(format!("{}/query-stream", client.base))
        .json(&json!({ "sql": "SELECT page FROM pageviews;" }))
        .send()
        .await
        .expect("query over HTTP/2");
    assert_eq!(pulled.version(), reqwest::Version::HTTP_2);
    let text = pulled.text().await.expect("rows");
    assert_eq!(text.lines().nth(1), Some("[\"a\"]"), "{text}");
}

#[tokio::test]
async fn is_valid_property_answers_true_or_a_400_and_requests_cannot_set_server_settings() {
    let (_server, client) = start().await;
    for property in
        ["auto.offset.reset", "ksql.streams.auto.offset.reset", "ksql.query.pull.table.scan.enabled"]
    {
        assert_eq!(
            client.get(&format!("/is_valid_property/{property}")).await,
            (StatusCode::OK, json!(true))
        );
    }
    let (status, denied) = client.get("/is_valid_property/ksql.service.id").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        denied,
        json!({
            "@type": "generic_error",
            "error_code": 40000,
            "message": "One or more properties overrides set locally are prohibited by the KSQL server \
                        (use UNSET to reset their default value): [ksql.service.id]",
        })
    );
    let (status, unknown) = client.get("/is_valid_property/no.such.property").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown["@type"], "generic_error");
    assert_eq!(
        unknown["message"],
        "Not recognizable as ksql, streams, consumer, or producer property: 'no.such.property'"
    );

    // What the endpoint denies, a request cannot set either.
    let (status, error) = client.ksql("SET 'ksql.service.id'='other'; SHOW STREAMS;").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["@type"], "statement_error");
    assert!(error["message"].as_str().is_some_and(|m| m.contains("[ksql.service.id]")), "{error}");
    let body = json!({ "ksql": "SHOW STREAMS;", "streamsProperties": { "listeners": "http://0.0.0.0:1" } });
    let (status, error) = client.post_json("/ksql", &body).await;
    assert_eq!((status, error["error_code"].as_i64()), (StatusCode::BAD_REQUEST, Some(40000)), "{error}");
    // Properties Sluice does not know are let through.
    let body =
        json!({ "ksql": "SHOW PROPERTIES;", "streamsProperties": { "ksql.streams.num.stream.threads": 4 } });
    let (status, shown) = client.post_json("/ksql", &body).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown[0]["overwrittenProperties"], json!(["ksql.streams.num.stream.threads"]));
}

#[tokio::test]
async fn terminate_drops_everything_deletes_matching_sink_topics_and_is_not_replayed() {
    let (dir, config) = on_disk("terminate");
    let (server, client) = start_with(config.clone()).await;
    client
        .run(&format!(
            "{PAGEVIEWS}
             CREATE TYPE address AS STRUCT<street STRING>;
             CREATE STREAM home AS SELECT id, ms FROM pageviews WHERE page = 'home';
             CREATE TABLE counts AS SELECT page, COUNT(*) AS n FROM pageviews GROUP BY page;
             INSERT INTO pageviews (id, page, ms) VALUES (1, 'home', 10);"
        ))
        .await;
    // A push query is running too: terminating ends it.
    let push = json!({ "sql": "SELECT * FROM pageviews EMIT CHANGES;" });
    let mut stream =
        client.http.post(format!("{}/query-stream", client.base)).json(&push).send().await.expect("request");
    assert!(stream.chunk().await.expect("chunk").is_some(), "the header");

    let (status, error) = client.post_json("/ksql/terminate", &json!({ "deleteTopicList": ["("] })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error,
        json!({ "@type": "generic_error", "error_code": 40000, "message": "Invalid pattern: (" })
    );
    assert_eq!(
        client.run("SHOW STREAMS;").await[0]["streams"].as_array().map(Vec::len),
        Some(2),
        "nothing done"
    );

    // `page.*` matches the source topic, which ksqlDB leaves alone.
    let body = json!({ "deleteTopicList": ["HOME", "COUNT.*", "page.*"] });
    let (status, answer) = client.post_json("/ksql/terminate", &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let terminated = &answer[0];
    assert_eq!(terminated["@type"], "currentStatus");
    assert_eq!(terminated["statementText"], "TERMINATE CLUSTER;");
    assert_eq!(terminated["commandId"], "cluster/TerminateCluster/terminate");
    assert_eq!(terminated["commandStatus"]["status"], "SUCCESS");
    assert_eq!(
        terminated["commandStatus"]["message"],
        "Cluster terminated: 2 persistent queries terminated, 3 streams and tables and 1 types dropped, \
         topics deleted: COUNTS, HOME."
    );
    assert_eq!(terminated["commandSequenceNumber"], 5, "four commands before: {terminated}");
    let rest =
        tokio::time::timeout(Duration::from_secs(10), stream.text()).await.expect("the push query ends");
    assert_eq!(rest.expect("body"), "");
    eventually_no_transient_queries(&server).await;

    let listed = client.run("SHOW STREAMS; SHOW TABLES; SHOW QUERIES; SHOW TYPES; SHOW TOPICS;").await;
    assert_eq!(listed[0]["streams"], json!([]));
    assert_eq!(listed[1]["tables"], json!([]));
    assert_eq!(listed[2]["queries"], json!([]));
    assert_eq!(listed[3]["types"], json!({}));
    assert_eq!(names(&listed[4]["topics"]), ["pageviews"]);
    let (_, statuses) = client.get("/status").await;
    assert_eq!(statuses, json!({ "commandStatuses": { "cluster/TerminateCluster/terminate": "SUCCESS" } }));
    // The server goes on, empty; and after a restart nothing comes back.
    client.run(PAGEVIEWS).await;
    client.post_json("/ksql/terminate", &json!({})).await;
    server.stop().await.expect("stops");
    let (server, client) = start_with(config).await;
    assert_eq!(client.run("SHOW STREAMS;").await[0]["streams"], json!([]));
    server.stop().await.expect("stops");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// `s` with everything but ASCII letters and digits percent-encoded.
fn url_encoded(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect()
}

type WebSocket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn ws_query(client: &Client, request: &Value) -> WebSocket {
    let address = client.base.replace("http://", "ws://");
    let url = format!("{address}/ws/query?request={}", url_encoded(&request.to_string()));
    let (socket, _) = tokio_tungstenite::connect_async(url).await.expect("a WebSocket");
    socket
}

/// What the server sends next: a text message as JSON, or the close frame's
/// code and reason.
async fn next_message(socket: &mut WebSocket) -> Result<Value, (u16, String)> {
    use tokio_stream::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message in time")
            .expect("the socket is open")
            .expect("a message");
        match message {
            Message::Text(text) => return Ok(serde_json::from_str(&text).expect("JSON")),
            Message::Close(frame) => {
                return Err(frame
                    .map(|f| (u16::from(f.code), f.reason.to_string()))
                    .unwrap_or((1005, String::new())))
            }
            _ => continue,
        }
    }
}

#[tokio::test]
async fn ws_query_sends_the_columns_then_rows_and_closes_when_the_query_ends() {
    let (server, client) = start().await;
    client.run(PAGEVIEWS).await;
    client.run("INSERT INTO pageviews (id, page, ms) VALUES (1, 'a', 10); INSERT INTO pageviews (id, page, ms) VALUES (2, 'b', 20);").await;
    let push = json!({
        "ksql": "SELECT id, page FROM pageviews EMIT CHANGES LIMIT 2;",
        "streamsProperties": { "auto.offset.reset": "earliest" },
    });
    let mut socket = ws_query(&client, &push).await;
    let string = json!({ "type": "STRING", "fields": null, "memberSchema": null });
    let integer = json!({ "type": "INTEGER", "fields": null, "memberSchema": null });
    assert_eq!(
        next_message(&mut socket).await,
        Ok(json!([{ "name": "ID", "schema": integer }, { "name": "PAGE", "schema": string }]))
    );
    assert_eq!(next_message(&mut socket).await, Ok(json!({ "row": { "columns": [1, "a"] } })));
    assert_eq!(next_message(&mut socket).await, Ok(json!({ "row": { "columns": [2, "b"] } })));
    assert_eq!(next_message(&mut socket).await, Err((1000, "done".to_string())));
    eventually_no_transient_queries(&server).await;

    let mut pull = ws_query(&client, &json!({ "ksql": "SELECT page FROM pageviews WHERE id = 2;" })).await;
    assert_eq!(next_message(&mut pull).await, Ok(json!([{ "name": "PAGE", "schema": string }])));
    assert_eq!(next_message(&mut pull).await, Ok(json!({ "row": { "columns": ["b"] } })));
    assert_eq!(next_message(&mut pull).await, Err((1000, "done".to_string())));

    let mut bad = ws_query(&client, &json!({ "ksql": "SELECT * FROM nope EMIT CHANGES;" })).await;
    let (code, reason) = next_message(&mut bad).await.expect_err("closed");
    assert_eq!(code, 1003);
    assert!(reason.contains("NOPE"), "{reason}");
    let mut denied =
        ws_query(&client, &json!({ "ksql": "SELECT * FROM pageviews EMIT CHANGES;", "streamsProperties": { "ksql.service.id": "x" } }))
            .await;
    assert_eq!(next_message(&mut denied).await.map_err(|(code, _)| code), Err(1003));

    // Not a WebSocket handshake: a ksqlDB-shaped error.
    let plain =
        client.http.get(format!("{}/ws/query?request=%7B%7D", client.base)).send().await.expect("request");
    assert!(plain.status().is_client_error(), "{}", plain.status());
    let error: Value = plain.json().await.expect("JSON");
    assert_eq!(error["@type"], "generic_error");
}

#[tokio::test]
async fn ws_query_stops_the_push_query_when_the_client_goes_away() {
    let (server, client) = start().await;
    client.run(PAGEVIEWS).await;
    let mut socket = ws_query(&client, &json!({ "ksql": "SELECT * FROM pageviews EMIT CHANGES;" })).await;
    assert!(next_message(&mut socket).await.is_ok_and(|columns| columns.is_array()));
    client.run("INSERT INTO pageviews (id, page, ms) VALUES (5, 'new', 50);").await;
    assert_eq!(next_message(&mut socket).await, Ok(json!({ "row": { "columns": [5, "new", 50] } })));
    assert_eq!(server.transient_query_ids().await.len(), 1);
    drop(socket);
    eventually_no_transient_queries(&server).await;
}

/// A PRINT over /query: status and body, read to the end.
async fn print(client: &Client, statement: &str) -> (StatusCode, String) {
    let (status, body) = client.post_raw("/query", &json!({ "ksql": statement })).await;
    (status, body)
}

#[tokio::test]
async fn print_shows_a_topics_records_with_their_formats_interval_and_limit() {
    let (_server, client) = start().await;
    client.run(PAGEVIEWS).await;
    client
        .run(
            "INSERT INTO pageviews (ROWTIME, id, page, ms) VALUES (12345, 1, 'a', 10);
             INSERT INTO pageviews (ROWTIME, id, page, ms) VALUES (12346, 2, 'b', 20);
             INSERT INTO pageviews (ROWTIME, id, page, ms) VALUES (12347, 3, 'c', 30);",
        )
        .await;
    let (status, body) = print(&client, "PRINT 'pageviews' FROM BEGINNING INTERVAL 2 LIMIT 2;").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let lines: Vec<&str> = body.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4, "{body}");
    assert_eq!(lines[0], "Key format: KAFKA_INT or KAFKA_STRING");
    assert_eq!(lines[1], "Value format: JSON or KAFKA_STRING");
    // Every second record, up to two.
    assert!(lines[2].starts_with("rowtime: 1970/01/01 00:00:12.345 Z, key: 1, value: {"), "{}", lines[2]);
    assert!(lines[2].contains("\"PAGE\":\"a\"") && lines[2].ends_with(", partition: 0"), "{}", lines[2]);
    assert!(lines[3].starts_with("rowtime: 1970/01/01 00:00:12.347 Z, key: 3, value: {"), "{}", lines[3]);

    // Without FROM BEGINNING, only records written after the PRINT started.
    let body = json!({ "ksql": "PRINT pageviews LIMIT 1;" });
    let response =
        client.http.post(format!("{}/query", client.base)).json(&body).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    client.run("INSERT INTO pageviews (ROWTIME, id, page, ms) VALUES (99000, 4, 'd', 40);").await;
    let text =
        tokio::time::timeout(Duration::from_secs(10), response.text()).await.expect("ends at its limit");
    let printed: Vec<String> =
        text.expect("body").lines().filter(|l| l.starts_with("rowtime")).map(String::from).collect();
    assert_eq!(printed.len(), 1, "{printed:?}");
    assert!(printed[0].starts_with("rowtime: 1970/01/01 00:01:39.000 Z, key: 4,"), "{}", printed[0]);

    let (status, error) = client.post_json("/query", &json!({ "ksql": "PRINT PAGEVIEWS;" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["@type"], "generic_error");
    let message = error["message"].as_str().expect("message");
    assert!(message.starts_with("Could not find topic 'PAGEVIEWS'"), "{message}");
    assert!(message.ends_with("Did you mean:\n\tprint pageviews;"), "{message}");
    let (status, error) =
        client.post_json("/query", &json!({ "ksql": "PRINT 'pageviews' INTERVAL 0;" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
}

#[tokio::test]
async fn metrics_count_each_querys_records_and_lag() {
    let (_server, client) = start().await;
    client
        .run(&format!("{PAGEVIEWS} CREATE STREAM home AS SELECT id, ms FROM pageviews WHERE page = 'home';"))
        .await;
    client
        .run(
            "INSERT INTO pageviews (id, page, ms) VALUES (1, 'home', 1);
             INSERT INTO pageviews (id, page, ms) VALUES (2, 'about', 2);
             INSERT INTO pageviews (id, page, ms) VALUES (3, 'home', 3);",
        )
        .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let text = loop {
        let response = client.http.get(format!("{}/metrics", client.base)).send().await.expect("request");
        assert_eq!(response.status(), StatusCode::OK);
        let text = response.text().await.expect("text");
        if text.contains("sluice_query_records_read_total{query=\"CSAS_HOME_0\"} 3")
            || Instant::now() > deadline
        {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    for line in [
        "sluice_query_records_read_total{query=\"CSAS_HOME_0\"} 3",
        "sluice_query_records_written_total{query=\"CSAS_HOME_0\"} 2",
        "sluice_query_processing_errors_total{query=\"CSAS_HOME_0\"} 0",
        "sluice_query_lag_records{query=\"CSAS_HOME_0\"} 0",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} missing from:\n{text}");
    }
    // DESCRIBE EXTENDED says the same of the sources.
    let source = client.run("DESCRIBE pageviews EXTENDED;").await;
    assert_eq!(
        source[0]["sourceDescription"]["statistics"],
        "consumer-total-messages: 3 consumer-lag-messages: 0 producer-total-messages: 0"
    );
    assert_eq!(source[0]["sourceDescription"]["errorStats"], "consumer-failed-messages: 0");
    let sink = client.run("DESCRIBE home EXTENDED;").await;
    assert!(sink[0]["sourceDescription"]["statistics"]
        .as_str()
        .is_some_and(|s| s.ends_with("producer-total-messages: 2")));
}

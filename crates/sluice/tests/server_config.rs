//! `sluice server --config FILE`: the real binary reads a ksqlDB-style
//! properties file, and flags given on the command line win over it.

mod common;

use common::{free_port, json_string, request, Server, TempDir};

#[test]
fn the_config_file_sets_the_listener_data_dir_and_request_defaults_and_flags_win() {
    let dir = TempDir(std::env::temp_dir().join(format!("sluice-server-config-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    std::fs::create_dir_all(&dir.0).expect("a temp dir");
    let data_dir = dir.0.join("data");
    let port = free_port();
    let file = dir.0.join("ksql-server.properties");
    std::fs::write(
        &file,
        format!(
            "# as ksqlDB's ksql-server.properties\n\
             listeners=http://127.0.0.1:{port}\n\
             ksql.service.id=from_file_\n\
             sluice.data.dir={}\n\
             auto.offset.reset=earliest\n",
            data_dir.display()
        ),
    )
    .expect("the config file");
    let _server = Server::start(
        port,
        [
            "server".as_ref(),
            "--config".as_ref(),
            file.as_os_str(),
            "--service-id".as_ref(),
            "from_flag_".as_ref(),
        ],
    );

    let (_, info) = request(port, "GET", "/info", "").expect("/info");
    assert!(info.contains("\"ksqlServiceId\":\"from_flag_\""), "the flag wins: {info}");
    assert!(
        data_dir.join("log").is_dir() && data_dir.join("commands").is_dir(),
        "the file's data dir is used"
    );

    let statements =
        "CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);\
                      INSERT INTO s (id, v) VALUES (1, 'before');";
    let (status, answer) =
        request(port, "POST", "/ksql", &format!("{{\"ksql\": {}}}", json_string(statements))).expect("/ksql");
    assert_eq!(status, 200, "{answer}");
    // No streamsProperties: the file's auto.offset.reset=earliest applies,
    // so the push query sees the row written before it started.
    let push = format!("{{\"ksql\": {}}}", json_string("SELECT v FROM s EMIT CHANGES LIMIT 1;"));
    let (status, answer) = request(port, "POST", "/query", &push).expect("/query");
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("{\"row\":{\"columns\":[\"before\"]}}"), "{answer}");
    assert!(answer.contains("Limit Reached"), "{answer}");
}

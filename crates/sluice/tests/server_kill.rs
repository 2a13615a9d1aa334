//! Runs the real `sluice server` binary, kills it with SIGKILL while rows are
//! being inserted, starts it again on the same data directory and checks
//! what came back. Plain HTTP/1.1 over std's TcpStream: the point is the
//! process, not the client.

mod common;

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{free_port, json_string, request, Server, TempDir};

/// Starts the server on `port` with its data in `data_dir`.
fn start(port: u16, data_dir: &Path) -> Server {
    Server::serve(port, [OsStr::new("--data-dir"), data_dir.as_os_str()])
}

fn ksql(port: u16, ksql: &str) -> String {
    let body = format!("{{\"ksql\": {}}}", json_string(ksql));
    let (status, answer) = request(port, "POST", "/ksql", &body).expect("the server answers");
    assert_eq!(status, 200, "{ksql}: {answer}");
    answer
}

/// The `"columns":[..]` arrays of a pull query's answer.
fn pull_rows(port: u16, query: &str) -> Vec<String> {
    let body = format!("{{\"ksql\": {}}}", json_string(query));
    let (status, answer) = request(port, "POST", "/query", &body).expect("the server answers");
    assert_eq!(status, 200, "{query}: {answer}");
    answer
        .split("{\"row\":{\"columns\":[")
        .skip(1)
        .map(|row| row.split(']').next().unwrap_or_default().to_string())
        .collect()
}

/// The query ids `SHOW QUERIES` lists.
fn query_ids(port: u16) -> Vec<String> {
    let answer = ksql(port, "SHOW QUERIES;");
    let mut ids: Vec<String> = answer
        .split("\"id\":\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap_or_default().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn acknowledged_inserts_and_queries_survive_sigkill() {
    let dir = TempDir(std::env::temp_dir().join(format!("sluice-server-kill-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    let port = free_port();
    let mut server = start(port, &dir.0);
    ksql(
        port,
        "CREATE STREAM users (id INT KEY, name STRING) WITH (kafka_topic='users', value_format='JSON', partitions=1);
         CREATE TABLE names AS SELECT name, COUNT(*) AS n FROM users GROUP BY name;
         CREATE TABLE per_minute AS SELECT name, COUNT(*) AS n FROM users WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY name;",
    );
    let queries = query_ids(port);
    assert_eq!(queries.len(), 2, "{queries:?}");

    // Rows go in on one connection; acknowledgements are counted as they arrive.
    let acked = Arc::new(AtomicUsize::new(0));
    let inserter = {
        let acked = Arc::clone(&acked);
        thread::spawn(move || {
            let mut body = String::from("{\"target\":\"users\"}\n");
            for id in 0..200_000 {
                body.push_str(&format!("{{\"id\":{id},\"name\":\"n{}\"}}\n", id % 7));
            }
            let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return };
            let head = format!(
                "POST /inserts-stream HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let Ok(mut reader) = stream.try_clone() else { return };
            let writer = thread::spawn(move || {
                let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body.as_bytes()));
            });
            let mut received = Vec::new();
            let mut buffer = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                received.extend_from_slice(&buffer[..n]);
                let text = String::from_utf8_lossy(&received);
                acked.store(text.matches("\"status\":\"ok\"").count(), Ordering::SeqCst);
            }
            let _ = writer.join();
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.load(Ordering::SeqCst) < 300 {
        assert!(Instant::now() < deadline, "no acknowledgements");
        thread::sleep(Duration::from_millis(5));
    }
    server.0.kill().expect("SIGKILL");
    server.0.wait().expect("the server is gone");
    inserter.join().expect("the inserter ends");
    let acked = acked.load(Ordering::SeqCst);
    assert!(acked < 200_000, "the kill came before the end of the inserts");

    let port = free_port();
    let server = start(port, &dir.0);
    assert_eq!(query_ids(port), queries, "the same persistent queries, with the same ids");
    let rows = pull_rows(port, "SELECT id FROM users;");
    // Acknowledgement n is for the row with id n: every one is there.
    let ids: std::collections::HashSet<u64> = rows.iter().filter_map(|r| r.parse().ok()).collect();
    assert!((0..acked as u64).all(|id| ids.contains(&id)), "{acked} acknowledged, {} present", ids.len());
    // The table was computed again from every row that is in the stream.
    let counted: u64 = pull_rows(port, "SELECT * FROM names;")
        .iter()
        .filter_map(|r| r.rsplit(',').next().and_then(|n| n.parse::<u64>().ok()))
        .sum();
    assert_eq!(counted, rows.len() as u64);
    // The windowed table holds what a run without the kill computes from the
    // same rows: the count per name and minute.
    let mut expected: std::collections::BTreeMap<(String, i64), u64> = Default::default();
    for row in pull_rows(port, "SELECT name, ROWTIME FROM users;") {
        let (name, rowtime) = row.split_once(',').expect("name, rowtime");
        let rowtime: i64 = rowtime.parse().expect("a ROWTIME");
        *expected.entry((name.trim_matches('"').to_string(), rowtime - rowtime % 60_000)).or_default() += 1;
    }
    let windowed: std::collections::BTreeMap<(String, i64), u64> =
        pull_rows(port, "SELECT name, WINDOWSTART, n FROM per_minute;")
            .iter()
            .map(|row| {
                let parts: Vec<&str> = row.split(',').collect();
                let [name, start, n] = parts[..] else { panic!("name, WINDOWSTART, n: {row}") };
                (
                    (name.trim_matches('"').to_string(), start.parse().expect("a start")),
                    n.parse().expect("a count"),
                )
            })
            .collect();
    assert_eq!(windowed, expected, "the windowed table after the restart");
    drop(server);
}

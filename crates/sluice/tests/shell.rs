//! `sluice shell` driven through a pseudo-terminal, as a user would type,
//! against a server started in this process on an ephemeral port (or, for
//! `--embedded`, the one the shell starts itself). Every wait has a
//! timeout: `expect` fails the test when its text does not come.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::TempDir;
use expectrl::{ControlCode, Eof, Session};
use sluice_server::{RunningServer, ServerConfig};

const TIMEOUT: Duration = Duration::from_secs(60);
const PROMPT: &str = "sluice> ";
const CONTINUATION: &str = "     >> ";

/// A server in this process; the runtime must outlive it.
struct Server {
    runtime: tokio::runtime::Runtime,
    server: RunningServer,
}

impl Server {
    fn start() -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let config =
            ServerConfig { listen: "127.0.0.1:0".parse().expect("address"), ..ServerConfig::default() };
        let server = runtime.block_on(sluice_server::start(config)).expect("server starts");
        Server { runtime, server }
    }

    fn url(&self) -> String {
        format!("http://{}", self.server.local_addr())
    }

    fn transient_queries(&self) -> Vec<String> {
        self.runtime.block_on(self.server.transient_query_ids())
    }
}

/// A fresh directory for one test, removed when it ends.
fn scratch(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("sluice-shell-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    TempDir(dir)
}

/// `sluice shell ARGS` on a 120-column pseudo-terminal, its history in
/// `dir`, once it shows its first prompt.
fn shell(dir: &std::path::Path, args: &[&str]) -> Session {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sluice"));
    // TERM: CI may have none, and the line editor needs a terminal type.
    command
        .arg("shell")
        .args(args)
        .env("SLUICE_HISTORY", dir.join("history"))
        .env("TERM", "xterm")
        .current_dir(dir);
    let mut session = Session::spawn(command).expect("the shell starts");
    session.get_process_mut().set_window_size(120, 40).expect("window size");
    session.set_expect_timeout(Some(TIMEOUT));
    session.expect(PROMPT).expect("the first prompt");
    session
}

#[track_caller]
fn expect(session: &mut Session, text: &str) -> String {
    match session.expect(text) {
        Ok(found) => String::from_utf8_lossy(found.before()).into_owned(),
        Err(e) => panic!("waiting for {text:?}: {e}"),
    }
}

/// Leaves with `exit` and checks the process ends well.
fn leave(mut session: Session) {
    session.send_line("exit").expect("send");
    session.expect(Eof).expect("the shell ends");
    let status = session.get_process().wait().expect("exit status");
    assert!(matches!(status, expectrl::WaitStatus::Exited(_, 0)), "{status:?}");
}

const USERS: &str = "CREATE STREAM users (id INT KEY, name STRING) WITH (kafka_topic='users', value_format='JSON', partitions=1);";

#[test]
fn a_statement_over_several_lines_runs_at_its_semicolon_and_goes_into_history() {
    let server = Server::start();
    let dir = scratch("multiline");
    let mut session = shell(&dir, &["--server", &server.url()]);
    session.send_line("CREATE STREAM users (id INT KEY, -- the key").expect("send");
    expect(&mut session, CONTINUATION);
    session.send_line("  name STRING)").expect("send");
    expect(&mut session, CONTINUATION);
    session.send_line("  WITH (kafka_topic='users', value_format='JSON', partitions=1)").expect("send");
    expect(&mut session, CONTINUATION);
    session.send_line(";").expect("send");
    expect(&mut session, "| Stream created |");
    expect(&mut session, PROMPT);
    session.send_line("SHOW STREAMS;").expect("send");
    expect(&mut session, "| USERS       | users       | KAFKA      | JSON         | false    |");
    expect(&mut session, PROMPT);
    session.send_line("history").expect("send");
    expect(&mut session, "   2  SHOW STREAMS;");
    expect(&mut session, PROMPT);
    leave(session);
    let history = std::fs::read_to_string(dir.join("history")).expect("history file");
    assert!(history.contains("SHOW STREAMS;"), "{history}");
    assert!(history.contains("name STRING"), "{history}");
}

#[test]
fn tab_completes_keywords_and_stream_names() {
    let server = Server::start();
    let dir = scratch("completion");
    let mut session = shell(&dir, &["--server", &server.url()]);
    session.send_line(USERS).expect("send");
    expect(&mut session, "| Stream created |");
    expect(&mut session, PROMPT);
    // "DESCR" completes to the keyword, "use" to the stream created above.
    session.send("DESCR\t").expect("send");
    expect(&mut session, "DESCRIBE");
    session.send(" use\t").expect("send");
    expect(&mut session, "users");
    session.send(";\r").expect("send");
    expect(&mut session, "Name         : USERS");
    expect(&mut session, "| NAME  | STRING        |");
    expect(&mut session, PROMPT);
    // Column names complete too ("NA" is only NAME), as do functions.
    session.send("SELECT UCA\t").expect("send");
    expect(&mut session, "UCASE");
    session.send("(NA\t").expect("send");
    expect(&mut session, "NAME");
    session.send(") FROM users;\r").expect("send");
    expect(&mut session, "0 rows");
    expect(&mut session, PROMPT);
    leave(session);
}

#[test]
fn ctrl_c_cancels_a_push_query_on_the_server_and_returns_to_the_prompt() {
    let server = Server::start();
    let dir = scratch("ctrl-c");
    let mut session = shell(&dir, &["--server", &server.url()]);
    session.send_line(USERS).expect("send");
    expect(&mut session, PROMPT);
    session.send_line("INSERT INTO users (id, name) VALUES (1, 'alice');").expect("send");
    expect(&mut session, PROMPT);
    session.send_line("SET 'auto.offset.reset'='earliest';").expect("send");
    expect(&mut session, PROMPT);
    session.send_line("SELECT * FROM users EMIT CHANGES;").expect("send");
    expect(&mut session, "| 1           | alice");
    assert_eq!(server.transient_queries().len(), 1, "the push query runs on the server");
    session.send(ControlCode::EndOfText).expect("send Ctrl-C");
    expect(&mut session, "Query terminated");
    expect(&mut session, PROMPT);
    // The server stops the query when it is closed; that happens in the
    // background, so wait for it (with a deadline).
    let deadline = Instant::now() + TIMEOUT;
    while !server.transient_queries().is_empty() {
        assert!(Instant::now() < deadline, "the push query still runs: {:?}", server.transient_queries());
        std::thread::sleep(Duration::from_millis(50));
    }
    // The shell still works, and two Ctrl-C on an empty line leave it.
    session.send_line("SELECT * FROM users EMIT CHANGES LIMIT 1;").expect("send");
    expect(&mut session, "Limit Reached (1 rows)");
    expect(&mut session, PROMPT);
    session.send(ControlCode::EndOfText).expect("send Ctrl-C");
    expect(&mut session, "press Ctrl-C again");
    session.send(ControlCode::EndOfText).expect("send Ctrl-C");
    session.expect(Eof).expect("the shell ends");
}

#[test]
fn run_script_runs_a_file_with_its_variables() {
    let server = Server::start();
    let dir = scratch("run-script");
    let script = dir.join("setup.sql");
    std::fs::write(
        &script,
        "-- a script\nDEFINE name='orders';\nCREATE STREAM ${name} (id INT KEY, amount DOUBLE)\n  WITH (kafka_topic='${name}', value_format='JSON', partitions=1);\nINSERT INTO ${name} (id, amount) VALUES (7, 2.5);\n",
    )
    .expect("script");
    let mut session = shell(&dir, &["--server", &server.url()]);
    session.send_line(format!("RUN SCRIPT '{}';", script.display())).expect("send");
    expect(&mut session, "| Stream created |");
    expect(&mut session, PROMPT);
    session.send_line("SET 'auto.offset.reset'='earliest';").expect("send");
    expect(&mut session, PROMPT);
    session.send_line("SELECT * FROM orders;").expect("send");
    expect(&mut session, "| 7  | 2.5    |");
    expect(&mut session, "1 row");
    expect(&mut session, PROMPT);
    leave(session);
}

#[test]
fn a_syntax_error_shows_the_server_message_with_a_caret() {
    let server = Server::start();
    let dir = scratch("caret");
    let mut session = shell(&dir, &["--server", &server.url()]);
    session.send_line("CREATE STREAM x AS SELECT * FRM users;").expect("send");
    expect(&mut session, "line 1:29: expected FROM, found 'FRM'");
    expect(&mut session, "  CREATE STREAM x AS SELECT * FRM users;\r\n                              ^^^");
    expect(&mut session, PROMPT);
    session.send_line("DROP STREAM nope;").expect("send");
    expect(&mut session, "Stream NOPE does not exist.");
    expect(&mut session, PROMPT);
    // The shell's own commands need no ';'.
    session.send_line("version").expect("send");
    expect(&mut session, "Sluice shell ");
    expect(&mut session, "Server ");
    expect(&mut session, PROMPT);
    session.send_line("help").expect("send");
    expect(&mut session, "RUN SCRIPT 'file.sql';");
    expect(&mut session, PROMPT);
    leave(session);
}

#[test]
fn spool_copies_statements_and_output_into_a_file() {
    let server = Server::start();
    let dir = scratch("spool");
    let spool = dir.join("out.txt");
    let mut session = shell(&dir, &["--server", &server.url()]);
    session.send_line(format!("spool {}", spool.display())).expect("send");
    expect(&mut session, "Spooling to");
    expect(&mut session, PROMPT);
    session.send_line(USERS).expect("send");
    expect(&mut session, "| Stream created |");
    expect(&mut session, PROMPT);
    session.send_line("spool off").expect("send");
    expect(&mut session, "Stopped spooling");
    expect(&mut session, PROMPT);
    session.send_line("SHOW STREAMS;").expect("send");
    expect(&mut session, "| USERS ");
    expect(&mut session, PROMPT);
    leave(session);
    let copied = std::fs::read_to_string(&spool).expect("spool file");
    assert!(copied.contains(&format!("sluice> {USERS}")), "{copied}");
    assert!(copied.contains("| Stream created |"), "{copied}");
    assert!(!copied.contains("SHOW STREAMS"), "nothing after spool off: {copied}");
}

#[test]
fn an_unreachable_server_is_one_clear_line() {
    let dir = scratch("unreachable");
    // Port 9 (discard) is closed on test machines.
    let output = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(["shell", "--server", "http://127.0.0.1:9", "-e", "SHOW STREAMS;"])
        .current_dir(&*dir)
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("cannot reach the Sluice server at http://127.0.0.1:9: "), "{stderr}");
}

#[test]
fn execute_and_file_run_statements_and_leave() {
    let server = Server::start();
    let dir = scratch("execute");
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_sluice"))
            .arg("shell")
            .args(["--server", &server.url()])
            .args(args)
            .current_dir(&*dir)
            .output()
            .expect("runs");
        (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let (ok, out) = run(&["-e", USERS]);
    assert!(ok && out.contains("Stream created"), "{out}");
    std::fs::write(dir.join("q.sql"), "INSERT INTO users (id, name) VALUES (1, 'a');\nSET 'auto.offset.reset'='earliest';\nSELECT name FROM users;\n")
        .expect("file");
    let (ok, out) = run(&["--output", "json", "-f", "q.sql"]);
    assert!(ok, "{out}");
    assert!(out.contains("\"columnNames\":[\"NAME\"]") && out.contains("[\"a\"]"), "{out}");
    let (ok, _) = run(&["-e", "DROP STREAM nope;"]);
    assert!(!ok, "a failed statement makes the exit status 1");
}

#[test]
fn embedded_mode_runs_a_server_in_process_and_keeps_its_data() {
    let dir = scratch("embedded");
    let data = dir.join("data");
    let data_arg = data.display().to_string();
    let mut session = shell(&dir, &["--embedded", &data_arg]);
    session.send_line(USERS).expect("send");
    expect(&mut session, "| Stream created |");
    expect(&mut session, PROMPT);
    session.send_line("INSERT INTO users (id, name) VALUES (1, 'alice');").expect("send");
    expect(&mut session, PROMPT);
    leave(session);

    // A second run on the same directory finds the stream and its row.
    let mut session = shell(&dir, &["--embedded", &data_arg]);
    session.send_line("SET 'auto.offset.reset'='earliest';").expect("send");
    expect(&mut session, PROMPT);
    session.send_line("SELECT * FROM users;").expect("send");
    expect(&mut session, "| 1  | alice |");
    expect(&mut session, PROMPT);
    leave(session);
}

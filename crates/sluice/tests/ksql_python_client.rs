//! An existing ksqlDB client library drives a real `sluice server`:
//! ksql-python-ng from PyPI creates a stream and a table, inserts rows
//! (`/inserts-stream` over HTTP/2), runs a push query (`/query-stream` over
//! HTTP/2) and a pull query (`/query`), and the answers are checked here.
//!
//! The client is installed once into a virtualenv under Cargo's target
//! directory (`python3 -m venv`, then pip from PyPI), so the test needs
//! `python3` with its `venv` module and, the first time, PyPI.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The client's pinned version, and the httpx it works with (its HTTP/2
/// streaming breaks with httpx 0.28).
const CLIENT_PACKAGES: &[&str] = &["ksql-python-ng==0.29.0.1", "httpx[http2]<0.28"];

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// A python with the client installed, made on first use.
fn client_python() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ksql-python-client-venv");
    let python = venv.join("bin/python");
    let installed = |python: &Path| {
        Command::new(python).args(["-c", "import ksql, httpx"]).status().is_ok_and(|s| s.success())
    };
    if installed(&python) {
        return python;
    }
    let made = Command::new("python3").arg("-m").arg("venv").arg("--clear").arg(&venv).status();
    assert!(
        made.is_ok_and(|s| s.success()),
        "`python3 -m venv` failed: this test needs python3 with its venv module (Debian: python3-venv)"
    );
    let pip = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(CLIENT_PACKAGES)
        .status();
    assert!(pip.is_ok_and(|s| s.success()), "pip could not install {CLIENT_PACKAGES:?} from PyPI");
    assert!(installed(&python), "the client was installed but does not import");
    python
}

#[test]
fn ksql_python_client_creates_inserts_and_queries() {
    let python = client_python();
    let dir = std::env::temp_dir().join(format!("sluice-python-client-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = free_port();
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_sluice"))
            .args(["server", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the sluice binary starts"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/ksql_python.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(format!("http://127.0.0.1:{port}"))
        .output()
        .expect("python runs");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the client failed:\n{}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: serde_json::Value = serde_json::from_str(stdout.trim()).expect("the script prints JSON");

    assert_eq!(answers["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(answers["created"], serde_json::json!(["SUCCESS", "SUCCESS"]));
    assert_eq!(answers["acks"], serde_json::json!(["ok", "ok", "ok"]));
    assert_eq!(
        answers["push"],
        serde_json::json!([
            {"ID": 1, "NAME": "ann", "KM": 2.5},
            {"ID": 2, "NAME": "bob", "KM": 4.0},
            {"ID": 3, "NAME": "ann", "KM": 1.5}
        ])
    );
    assert_eq!(answers["pull_header"], "`NAME` STRING KEY, `TOTAL` DOUBLE, `RIDES` BIGINT");
    assert_eq!(answers["pull"], serde_json::json!([["ann", 4.0, 2]]));
}

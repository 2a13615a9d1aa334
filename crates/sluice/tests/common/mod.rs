//! What the tests that run the real `sluice` binary share: a server
//! process, and plain HTTP/1.1 over std's TcpStream.

// Each test file uses its own part of this module.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    // The port is free once the listener is dropped; the server binds it
    // right after (another process taking it in between is unlikely here).
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// A server process, killed when dropped so that a failing test leaves
/// none behind.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Server {
    /// Runs the sluice binary with `args` and waits until it answers /info
    /// on `port`.
    pub fn start<I, S>(port: u16, args: I) -> Server
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let child = Command::new(env!("CARGO_BIN_EXE_sluice"))
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the sluice binary starts");
        let mut server = Server(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while request(port, "GET", "/info", "").is_none() {
            let exited = server.0.try_wait().ok().flatten();
            assert!(exited.is_none(), "the server stopped: {exited:?}");
            assert!(Instant::now() < deadline, "the server did not answer /info");
            thread::sleep(Duration::from_millis(100));
        }
        server
    }
}

impl Server {
    /// `sluice server --listen 127.0.0.1:PORT` with `args` after, once it
    /// answers.
    pub fn serve<'a>(port: u16, args: impl IntoIterator<Item = &'a OsStr>) -> Server {
        let mut all: Vec<std::ffi::OsString> =
            vec!["server".into(), "--listen".into(), format!("127.0.0.1:{port}").into()];
        all.extend(args.into_iter().map(OsStr::to_os_string));
        Server::start(port, all)
    }
}

/// One request with `Connection: close`; the status and the (de-chunked)
/// body, or None when the server cannot be reached.
pub fn request(port: u16, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body.as_bytes()).ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    let answer = String::from_utf8(answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    Some((status, if chunked { dechunk(body) } else { body.to_string() }))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

pub fn json_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n"))
}

pub struct TempDir(pub PathBuf);

impl std::ops::Deref for TempDir {
    type Target = std::path::Path;

    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

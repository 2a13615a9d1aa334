//! `sluice bench latency`: end-to-end latency of W3 through the server.
//!
//! A server runs in this process (its log on disk, in a temporary data
//! directory, as `sluice server` keeps it). A client subscribes to W3's
//! output with a push query (`/query-stream`), then a paced producer sends
//! events at a fixed rate through `/inserts-stream`, over one HTTP/1.1
//! connection each, as external clients would. W3 (tumbling windows, EMIT
//! CHANGES) emits exactly one update per event, in event order, because the
//! events' time only rises: the k-th row the push query receives is the
//! answer to the k-th event. Its latency is the time from the k-th
//! acknowledgement (the insert is durable) to the k-th row's arrival; the
//! time from sending the k-th event to its row is reported too.
//!
//! The HTTP is spoken by hand over `std::net::TcpStream` (chunked bodies
//! both ways): the producer must write its body while acknowledgements
//! come back on the same connection.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::bench::Workload;

pub struct Options {
    /// Events per second the producer sends.
    pub rate: u64,
    /// How long the producer sends.
    pub seconds: u64,
}

/// How long to wait for the last rows once the producer is done.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

pub fn run(options: &Options) -> ExitCode {
    match measure(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn measure(options: &Options) -> Result<(), String> {
    let events = options.rate.saturating_mul(options.seconds) as usize;
    if events == 0 {
        return Err("--rate and --seconds must be positive".into());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let data_dir = std::env::temp_dir().join(format!("sluice-bench-latency-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let config = sluice_server::ServerConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: Some(data_dir.clone()),
        ..sluice_server::ServerConfig::default()
    };
    let server = runtime.block_on(sluice_server::start(config)).map_err(|e| e.to_string())?;
    let addr = server.local_addr();
    let outcome = measure_against(addr, options, events);
    let _ = runtime.block_on(server.stop());
    let _ = std::fs::remove_dir_all(&data_dir);
    outcome
}

fn measure_against(addr: SocketAddr, options: &Options, events: usize) -> Result<(), String> {
    let statements = Workload::W3.sql();
    let (status, answer) = post(addr, "/ksql", &serde_json::json!({ "ksql": statements }).to_string())?;
    if status != 200 {
        return Err(format!("the workload's statements failed ({status}): {answer}"));
    }
    println!("workload: W3 ({})", statements.lines().last().unwrap_or_default());
    println!("events: {events} at {} events/s through /inserts-stream", options.rate);

    let rows = Arc::new(Mutex::new(Vec::with_capacity(events)));
    let reader = subscribe(addr, Arc::clone(&rows))?;
    let acks = Arc::new(Mutex::new(Vec::with_capacity(events)));
    let producing = Instant::now();
    let sends = produce(addr, options.rate, events, Arc::clone(&acks))?;
    let produced_in = producing.elapsed();
    let deadline = Instant::now() + DRAIN_TIMEOUT;
    while lock(&rows).len() < events && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    drop(reader);

    let acks = lock(&acks).clone();
    let rows = lock(&rows).clone();
    println!(
        "acknowledged: {} in {:.2} s ({} events/s)",
        acks.len(),
        produced_in.as_secs_f64(),
        (acks.len() as f64 / produced_in.as_secs_f64().max(1e-9)).round()
    );
    println!("rows received: {}", rows.len());
    if rows.len() < events || acks.len() < events {
        return Err(format!("only {} rows for {} acknowledged events", rows.len(), acks.len()));
    }
    let sorted = |from: &[Instant]| {
        let mut latencies: Vec<Duration> =
            from.iter().zip(&rows).map(|(start, seen)| seen.saturating_duration_since(*start)).collect();
        latencies.sort_unstable();
        latencies
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let percentile =
        |latencies: &[Duration], p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
    let report = |from: &str, latencies: &[Duration]| {
        println!(
            "latency from {from} to row: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            ms(percentile(latencies, 0.5)),
            ms(percentile(latencies, 0.99)),
            ms(percentile(latencies, 1.0))
        )
    };
    report("sending", &sorted(&sends));
    let latencies = sorted(&acks);
    report("acknowledgement", &latencies);
    if let Some(peak) = peak_memory_mb() {
        println!("peak memory: {peak} MB (the whole process: server, producer and client)");
    }
    println!("p99 latency: {:.2} ms", ms(percentile(&latencies, 0.99)));
    Ok(())
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Starts a push query on W3's output and records when each row arrives.
/// Returns once the query runs (its header has arrived); the connection
/// closes when the returned stream is dropped.
fn subscribe(addr: SocketAddr, rows: Arc<Mutex<Vec<Instant>>>) -> Result<TcpStream, String> {
    let body = serde_json::json!({
        "sql": "SELECT * FROM OUT EMIT CHANGES;",
        "properties": { "auto.offset.reset": "latest" }
    })
    .to_string();
    let mut stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    write!(
        stream,
        "POST /query-stream HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Accept: application/vnd.ksqlapi.delimited.v1\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| e.to_string())?;
    let mut chunks = ChunkedLines::new(stream.try_clone().map_err(|e| e.to_string())?)?;
    let header = chunks.next_line().ok_or("the push query sent no header")?;
    if !header.starts_with('{') || !header.contains("columnNames") {
        return Err(format!("the push query failed: {header}"));
    }
    thread::spawn(move || {
        while let Some(line) = chunks.next_line() {
            if line.starts_with('[') {
                lock(&rows).push(Instant::now());
            }
        }
    });
    Ok(stream)
}

/// Sends `events` events at `rate` per second on one `/inserts-stream`
/// request and records when each acknowledgement arrives. Returns when the
/// last is acknowledged, with the time each event was sent.
fn produce(
    addr: SocketAddr,
    rate: u64,
    events: usize,
    acks: Arc<Mutex<Vec<Instant>>>,
) -> Result<Vec<Instant>, String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    write!(
        stream,
        "POST /inserts-stream HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    write_chunk(&mut stream, b"{\"target\":\"EVENTS\"}\n")?;
    let mut responses = ChunkedLines::new(stream.try_clone().map_err(|e| e.to_string())?)?;
    let ack_reader = {
        let acks = Arc::clone(&acks);
        thread::spawn(move || -> Result<(), String> {
            while let Some(line) = responses.next_line() {
                if line.contains("\"status\":\"ok\"") {
                    let mut acks = lock(&acks);
                    acks.push(Instant::now());
                    if acks.len() == events {
                        return Ok(());
                    }
                } else if line.starts_with('{') {
                    return Err(format!("an insert failed: {line}"));
                }
            }
            Err("the server closed the inserts stream".into())
        })
    };

    // Every millisecond, the events due by then go out as one chunk.
    let started = Instant::now();
    let mut sends: Vec<Instant> = Vec::with_capacity(events);
    let mut sent = 0usize;
    let mut chunk = Vec::new();
    let mut rng: u64 = 0x2545_f491_4f6c_dd1d;
    while sent < events {
        let due = ((started.elapsed().as_secs_f64() * rate as f64) as usize).min(events);
        if due > sent {
            chunk.clear();
            let ts = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
            for _ in sent..due {
                // xorshift: ids and amounts spread like gen.py's.
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                let (id, amount) = (rng % 1000, rng / 1000 % 10_000 + 1);
                writeln!(chunk, r#"{{"id":{id},"amount":{amount},"ts":{ts}}}"#).map_err(|e| e.to_string())?;
            }
            write_chunk(&mut stream, &chunk)?;
            sends.resize(due, Instant::now());
            sent = due;
        }
        thread::sleep(Duration::from_micros(500));
    }
    let acked = ack_reader.join().map_err(|_| "the acknowledgement reader panicked".to_string())?;
    // Ends the request body.
    let _ = stream.write_all(b"0\r\n\r\n");
    acked.map(|()| sends)
}

fn write_chunk(stream: &mut TcpStream, data: &[u8]) -> Result<(), String> {
    write!(stream, "{:x}\r\n", data.len()).map_err(|e| e.to_string())?;
    stream.write_all(data).map_err(|e| e.to_string())?;
    stream.write_all(b"\r\n").map_err(|e| e.to_string())
}

/// The lines of an HTTP/1.1 response with a chunked body.
struct ChunkedLines {
    reader: BufReader<TcpStream>,
    pending: Vec<u8>,
}

impl ChunkedLines {
    /// Reads the status line and headers; fails unless the status is 200.
    fn new(stream: TcpStream) -> Result<Self, String> {
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).map_err(|e| e.to_string())?;
        if !line.starts_with("HTTP/1.1 200") {
            return Err(format!("the server answered {}", line.trim()));
        }
        loop {
            line.clear();
            reader.read_line(&mut line).map_err(|e| e.to_string())?;
            if line.trim().is_empty() {
                break;
            }
        }
        Ok(ChunkedLines { reader, pending: Vec::new() })
    }

    /// The next complete line of the body, None at its end.
    fn next_line(&mut self) -> Option<String> {
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=end).collect();
                let text = String::from_utf8_lossy(&line).trim().to_string();
                if text.is_empty() {
                    continue;
                }
                return Some(text);
            }
            let mut size = String::new();
            self.reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim(), 16).ok()?;
            if size == 0 {
                return None;
            }
            let start = self.pending.len();
            self.pending.resize(start + size, 0);
            self.reader.read_exact(&mut self.pending[start..]).ok()?;
            let mut crlf = [0u8; 2];
            self.reader.read_exact(&mut crlf).ok()?;
        }
    }
}

/// A plain request with a JSON body; the status and the body.
fn post(addr: SocketAddr, path: &str, body: &str) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| e.to_string())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).map_err(|e| e.to_string())?;
    let status = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok((status, answer))
}

/// The process's peak resident memory, from /proc/self/status.
fn peak_memory_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024)
}

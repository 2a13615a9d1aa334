//! `sluice bench`: the workloads of the benchmark (issue 9) over an NDJSON file.
//!
//! The file's lines (`{"id":..,"amount":..,"ts":..}`, from
//! `../shared/bench/gen.py`) are appended as record values to the topic of an
//! input stream, then the workload's persistent query runs over the topic to
//! the end (`Engine::run_until_idle`). Loading and querying are timed
//! separately. The log is the embedded one the server keeps (`SledLog`), in a
//! temporary directory removed at the end: the input and the output live on
//! disk, and the peak memory reported is the process's (sled's page cache
//! included) as a server's would be.
//!
//! `--check` (W2) recomputes every window's COUNT, SUM and MAX straight from
//! the file, as DuckDB's `GROUP BY id, ts // 10000` does (`duck.py`), and
//! compares Sluice's output with it.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sluice_engine::{Engine, EngineConfig};
use sluice_log::{Log, Record, SledLog};
use sluice_sql::parse_script;

/// The benchmark's workloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Workload {
    /// Stateless filter and projection.
    W1,
    /// 10-second tumbling windows per id, COUNT/SUM/MAX, 1 s grace, EMIT FINAL.
    W2,
    /// W2 with EMIT CHANGES.
    W3,
    /// Session windows per id with a 2-second gap, COUNT and MAX.
    W4,
}

const TOPIC: &str = "events";
/// Lines appended to the input topic at a time while loading.
const LOAD_BATCH: usize = 10_000;
const OUTPUT: &str = "OUT";
/// The tumbling window of W2 and W3.
const WINDOW_MS: i64 = 10_000;

impl Workload {
    /// The input stream and the workload's persistent query.
    pub fn sql(self) -> String {
        // Windowed workloads run on event time (`ts`); W1 does not need it.
        let timestamp = if self == Workload::W1 { "" } else { ", timestamp='ts'" };
        let source = format!(
            "CREATE STREAM events (id BIGINT, amount BIGINT, ts BIGINT) \
             WITH (kafka_topic='{TOPIC}', value_format='JSON', partitions=1{timestamp});"
        );
        // RETENTION: without it, EMIT FINAL follows Kafka Streams' retention
        // quirk (see sluice-runtime's ops/aggregate/mod.rs): a window is only
        // retained while its end >= the close time, so when stream time jumps
        // over a window's end (this input is up to 500 ms out of order, so
        // stream time advances in steps of several ms) the window is dropped
        // unemitted; with this file about 9 windows in 10 were lost. A
        // retention longer than size + grace + the disorder keeps every window
        // until it is emitted, which gives the result Flink and DuckDB give.
        let tumbling = |emit: &str| {
            format!(
                "CREATE TABLE {OUTPUT} AS SELECT id, COUNT(*) AS cnt, SUM(amount) AS s, MAX(amount) AS m \
                 FROM events WINDOW TUMBLING (SIZE 10 SECONDS, RETENTION 1 MINUTE, GRACE PERIOD 1 SECOND) \
                 GROUP BY id EMIT {emit};"
            )
        };
        let query = match self {
            Workload::W1 => format!(
                "CREATE STREAM {OUTPUT} AS SELECT id, amount * 2 AS doubled FROM events \
                 WHERE amount > 5000 EMIT CHANGES;"
            ),
            Workload::W2 => tumbling("FINAL"),
            Workload::W3 => tumbling("CHANGES"),
            Workload::W4 => format!(
                "CREATE TABLE {OUTPUT} AS SELECT id, COUNT(*) AS cnt, MAX(amount) AS m \
                 FROM events WINDOW SESSION (2 SECONDS) GROUP BY id EMIT CHANGES;"
            ),
        };
        format!("{source}\n{query}")
    }
}

pub struct Options {
    pub workload: Workload,
    pub input: PathBuf,
    pub check: bool,
}

pub fn run(options: &Options) -> ExitCode {
    match bench(options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the benchmark; `Ok(false)` when `--check` found a difference.
fn bench(options: &Options) -> Result<bool, String> {
    // The embedded log, as the server keeps it, in a directory of its own:
    // one per run, since runs in one process (tests) may overlap, and two
    // cannot share a sled database.
    let started =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("sluice-bench-{}-{started}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let outcome =
        SledLog::open(&dir).map_err(|e| e.to_string()).and_then(|log| bench_on(options, Arc::new(log)));
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

fn bench_on(options: &Options, log: Arc<SledLog>) -> Result<bool, String> {
    let mut engine = Engine::new(log.clone(), EngineConfig::default());
    let mut variables = Default::default();
    let sql = options.workload.sql();
    for statement in parse_script(&sql, &mut variables) {
        let statement = statement.map_err(|e| e.to_string())?.statement;
        engine.execute(&statement).map_err(|e| format!("{statement}: {e}"))?;
    }
    println!("workload: {:?} ({})", options.workload, sql.lines().last().unwrap_or_default());

    // Ingest: every line becomes a record value, stamped with the load time
    // as a producer would (the windowed workloads read event time from `ts`).
    let started = Instant::now();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let events = load(&options.input, log.as_ref(), now)?;
    let ingest = started.elapsed();
    println!("events: {events}");
    println!(
        "ingest: {:.3} s, {} events/s (into the embedded sled log, flushed every {LOAD_BATCH} events)",
        ingest.as_secs_f64(),
        per_second(events, ingest)
    );

    let memory_before = Memory::read();
    let cpu_before = cpu_time();
    let started = Instant::now();
    let read = engine.run_until_idle().map_err(|e| e.to_string())?;
    let elapsed = started.elapsed();
    let cpu = cpu_time().saturating_sub(cpu_before);
    let memory = Memory::read();
    if read != events {
        return Err(format!("the query read {read} records of {events}"));
    }
    let query = &engine.queries()[0];
    let output = log.end_offset(OUTPUT, 0).map_err(|e| e.to_string())?;
    println!(
        "output records: {output}, late records: {}, processing log entries: {}, state entries at end: {}",
        query.late_records(),
        query.processing_log().total(),
        query.state_size()
    );
    println!("query time: {:.3} s", elapsed.as_secs_f64());
    println!(
        "cpu time: {:.3} s ({:.0}% of one core)",
        cpu.as_secs_f64(),
        100.0 * cpu.as_secs_f64() / elapsed.as_secs_f64().max(1e-9)
    );
    if let (Some(before), Some(after)) = (memory_before, memory) {
        println!(
            "peak memory: {} MB (VmHWM; rss {} MB after loading the log, {} MB at the end)",
            after.peak_kb / 1024,
            before.rss_kb / 1024,
            after.rss_kb / 1024
        );
        println!(
            "query memory: {} MB above the memory after loading (VmHWM - rss after loading)",
            after.peak_kb.saturating_sub(before.rss_kb) / 1024
        );
    }

    let mut ok = true;
    if options.check {
        ok = match options.workload {
            Workload::W2 => check_w2(&options.input, log.as_ref())?,
            other => return Err(format!("--check is implemented for W2 only, not {other:?}")),
        };
    }
    println!("throughput: {} events/s", per_second(events, elapsed));
    Ok(ok)
}

fn per_second(events: usize, elapsed: Duration) -> u64 {
    (events as f64 / elapsed.as_secs_f64().max(1e-9)).round() as u64
}

/// Appends every non-empty line of `path` to the input topic.
fn load(path: &Path, log: &dyn Log, timestamp: i64) -> Result<usize, String> {
    let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut line = Vec::new();
    let mut events = 0;
    let mut batch = Vec::with_capacity(LOAD_BATCH);
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(|e| format!("{}: {e}", path.display()))?;
        if n == 0 {
            if !batch.is_empty() {
                log.append_all(TOPIC, 0, batch).map_err(|e| e.to_string())?;
                log.flush().map_err(|e| e.to_string())?;
            }
            return Ok(events);
        }
        while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            line.pop();
        }
        if line.is_empty() {
            continue;
        }
        batch.push(Record { key: None, value: Some(line.clone()), timestamp, headers: Vec::new() });
        events += 1;
        if batch.len() == LOAD_BATCH {
            log.append_all(TOPIC, 0, std::mem::take(&mut batch)).map_err(|e| e.to_string())?;
            // On disk before the next batch, as the server's insert path
            // acknowledges a batch only once it is. Without it sled holds
            // what it has not written yet in memory, as much as the
            // background writer falls behind (200-350 MB more for 10M
            // events when the machine was busy).
            log.flush().map_err(|e| e.to_string())?;
        }
    }
}

/// One window's aggregates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    count: i64,
    sum: i64,
    max: i64,
}

/// Aggregates by `(id, window number)`, the window number being `ts // 10000`.
type Windows = BTreeMap<(i64, i64), Window>;

/// W2 computed straight from the file: per `(id, ts // 10000)`, COUNT, SUM and
/// MAX of amount (DuckDB's query in `duck.py`), and the largest `ts`.
fn reference(path: &Path) -> Result<(Windows, i64), String> {
    let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut windows = Windows::new();
    let mut max_ts = i64::MIN;
    for line in BufReader::new(file).lines() {
        let line = line.map_err(|e| e.to_string())?;
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(&line).map_err(|e| format!("{line}: {e}"))?;
        let field = |name: &str| {
            value.get(name).and_then(|v| v.as_i64()).ok_or_else(|| format!("{line}: no BIGINT {name}"))
        };
        let (id, amount, ts) = (field("id")?, field("amount")?, field("ts")?);
        max_ts = max_ts.max(ts);
        let window = windows.entry((id, ts.div_euclid(WINDOW_MS))).or_insert(Window {
            count: 0,
            sum: 0,
            max: i64::MIN,
        });
        window.count += 1;
        window.sum += amount;
        window.max = window.max.max(amount);
    }
    Ok((windows, max_ts))
}

/// Compares W2's output with [`reference`]. EMIT FINAL emits a window once
/// stream time passes its end plus the grace period, so the windows still
/// open at the end of the file are not in the output: every other window must
/// be there exactly once, with the same numbers.
fn check_w2(path: &Path, log: &dyn Log) -> Result<bool, String> {
    let started = Instant::now();
    let (expected, max_ts) = reference(path)?;
    let checksum = |windows: &mut dyn Iterator<Item = &Window>| {
        windows.fold((0u64, 0i64, 0i64, 0i64), |(rows, c, s, m), w| {
            (rows + 1, c + w.count, s + w.sum, m + w.max)
        })
    };
    let (rows, cnt, sum, max) = checksum(&mut expected.values());
    println!("CHECK reference (= duck.py) rows={rows} sum_cnt={cnt} sum_sum={sum} sum_max={max}");

    let mut actual = Windows::new();
    let mut problems = Vec::new();
    let end = log.end_offset(OUTPUT, 0).map_err(|e| e.to_string())?;
    for stored in log.read(OUTPUT, 0, 0, end as usize).map_err(|e| e.to_string())? {
        // The key is Kafka Streams' time-windowed key: the BIGINT id
        // (KAFKA format, big-endian), then the window start.
        let key = stored.record.key.unwrap_or_default();
        let bytes = |range: std::ops::Range<usize>| key.get(range).and_then(|b| <[u8; 8]>::try_from(b).ok());
        let (Some(id), Some(start), 16) = (bytes(0..8), bytes(8..16), key.len()) else {
            problems.push(format!("offset {}: unexpected key {key:?}", stored.offset));
            continue;
        };
        let (id, start) = (i64::from_be_bytes(id), i64::from_be_bytes(start));
        let value: serde_json::Value = serde_json::from_slice(&stored.record.value.unwrap_or_default())
            .map_err(|e| format!("offset {}: {e}", stored.offset))?;
        let field = |name: &str| value.get(name).and_then(|v| v.as_i64()).unwrap_or(i64::MIN);
        let window = Window { count: field("CNT"), sum: field("S"), max: field("M") };
        if start.rem_euclid(WINDOW_MS) != 0 {
            problems.push(format!("id {id}: window start {start} is not aligned"));
        }
        if actual.insert((id, start.div_euclid(WINDOW_MS)), window).is_some() {
            problems.push(format!("id {id}, window {start}: emitted twice"));
        }
    }
    // Stream time ends at the largest ts: windows with end + grace > it are open.
    let open = |w: i64| (w + 1) * WINDOW_MS + 1_000 > max_ts;
    let mut still_open = 0;
    for (key, want) in &expected {
        match actual.get(key) {
            Some(got) if got == want => {}
            Some(got) => problems.push(format!("id {}, window {}: {got:?}, expected {want:?}", key.0, key.1)),
            None if open(key.1) => still_open += 1,
            None => problems.push(format!("id {}, window {}: missing (expected {want:?})", key.0, key.1)),
        }
    }
    for key in actual.keys().filter(|k| !expected.contains_key(k)) {
        problems.push(format!("id {}, window {}: not in the input", key.0, key.1));
    }
    let (rows, cnt, sum, max) = checksum(&mut actual.values());
    println!("CHECK sluice rows={rows} sum_cnt={cnt} sum_sum={sum} sum_max={max}");
    println!(
        "check: {} windows emitted, {still_open} still open at the end of the input (end + grace > last ts, \
         not emitted by EMIT FINAL), {} differences ({:.1} s)",
        actual.len(),
        problems.len(),
        started.elapsed().as_secs_f64()
    );
    for problem in problems.iter().take(20) {
        println!("  {problem}");
    }
    println!("check: {}", if problems.is_empty() { "PASS" } else { "FAIL" });
    Ok(problems.is_empty())
}

/// CPU time of the process so far (user + system), by getrusage.
fn cpu_time() -> Duration {
    // SAFETY: getrusage fills the struct it is given; a zeroed rusage is valid.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// Resident memory from /proc/self/status, in kB.
struct Memory {
    rss_kb: u64,
    peak_kb: u64,
}

impl Memory {
    fn read() -> Option<Memory> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        };
        Some(Memory { rss_kb: field("VmRSS:")?, peak_kb: field("VmHWM:")? })
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A small input shaped like gen.py's: 50 ids, ts rising 1 ms per event
    /// with up to 500 ms of disorder (a fixed linear congruential sequence).
    fn input(name: &str, events: u64) -> PathBuf {
        let path = std::env::temp_dir().join(format!("sluice-bench-{name}-{}.ndjson", std::process::id()));
        let mut file = std::io::BufWriter::new(File::create(&path).expect("temp file"));
        let mut state: u64 = 42;
        let mut next = |m: u64| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        for i in 0..events {
            let (id, amount, delay) = (next(50), next(10_000) + 1, next(501));
            let ts = 1_700_000_000_000 + i - delay;
            writeln!(file, r#"{{"id":{id},"amount":{amount},"ts":{ts}}}"#).expect("write");
        }
        path
    }

    #[test]
    fn w2_output_matches_the_computation_from_the_file() {
        let path = input("w2", 30_000);
        let result = bench(&Options { workload: Workload::W2, input: path.clone(), check: true });
        let _ = std::fs::remove_file(&path);
        assert_eq!(result, Ok(true));
    }

    #[test]
    fn every_workload_reads_every_event() {
        let path = input("all", 5_000);
        for workload in [Workload::W1, Workload::W3, Workload::W4] {
            let result = bench(&Options { workload, input: path.clone(), check: false });
            assert_eq!(result, Ok(true), "{workload:?}");
        }
        let _ = std::fs::remove_file(&path);
    }
}

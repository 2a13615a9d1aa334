//! The `sluice` binary.
//!
//! `server` serves ksqlDB's REST API; `shell` is the interactive SQL
//! shell that talks to it; `check` parses SQL scripts and reports every
//! statement's kind or syntax error; `test qtt` runs ksqlDB's query-validation
//! cases; `bench` runs the benchmark workloads over an NDJSON file.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod allocator;
mod bench;
mod bench_latency;
mod check;
mod server;
mod test_qtt;

#[derive(Debug, Parser)]
#[command(name = "sluice", version, about = "A streaming SQL engine compatible with ksqlDB")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve ksqlDB's REST API (/info, /healthcheck, /status, /ksql,
    /// /ksql/terminate, /query, /query-stream, /ws/query, /close-query,
    /// /inserts-stream, /is_valid_property, /metrics).
    ///
    /// Topics live in an embedded log under --data-dir, and accepted
    /// statements in a command log there that is replayed at start-up.
    /// Settings come from the flags, then from --config, then from the
    /// defaults shown.
    Server {
        /// A ksqlDB-style properties file (ksql-server.properties):
        /// `listeners=http://HOST:PORT`, `ksql.service.id`,
        /// `sluice.data.dir`, `ksql.queries.file`; every other key is a
        /// default for the properties of requests.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The address to listen on [default: 127.0.0.1:8088].
        #[arg(long, value_name = "HOST:PORT")]
        listen: Option<SocketAddr>,
        /// Where topics and the command log are kept [default: ./sluice-data].
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// ksqlDB's ksql.service.id [default: default_].
        #[arg(long, value_name = "ID")]
        service_id: Option<String>,
        /// Headless mode: run this file's statements at start-up and serve
        /// only /info, /healthcheck, /status, /is_valid_property and /metrics.
        #[arg(long, value_name = "FILE")]
        queries_file: Option<PathBuf>,
        /// Keep topics in Kafka (its bootstrap servers) instead of the
        /// embedded log; the command log is then the service's command
        /// topic. In a config file: `bootstrap.servers`.
        #[arg(long, value_name = "HOST:PORT")]
        kafka_bootstrap: Option<String>,
    },
    /// The interactive SQL shell: a client of a server's REST API.
    ///
    /// With -e or -f it runs statements and leaves (status 1 if one failed).
    Shell {
        /// The server to talk to.
        #[arg(long, default_value = "http://localhost:8088", value_name = "URL")]
        server: String,
        /// Start a server in this process (on 127.0.0.1, a free port) with
        /// its data in DIR, and talk to it.
        #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = "./sluice-data")]
        embedded: Option<PathBuf>,
        /// Run these statements and leave.
        #[arg(short = 'e', long, value_name = "STATEMENTS", conflicts_with = "file")]
        execute: Option<String>,
        /// Run the statements of this file and leave.
        #[arg(short = 'f', long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// How results are printed.
        #[arg(long, value_enum, default_value = "tabular")]
        output: Output,
        /// Define a variable for ${name} (repeatable).
        #[arg(short = 'd', long = "define", value_name = "NAME=VALUE", value_parser = parse_define)]
        defines: Vec<(String, String)>,
    },
    /// Parse SQL scripts and report each statement's kind or syntax error.
    ///
    /// Exits with status 1 if any file cannot be read or any statement fails
    /// to parse.
    Check {
        /// The script files to check.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Run conformance cases.
    #[command(subcommand)]
    Test(TestCommand),
    /// Run a benchmark workload over an NDJSON file of events, or measure
    /// latency through the server.
    ///
    /// w1..w4 load the file into a topic of the in-memory log, run the
    /// workload's persistent query to the end and report ingest and query
    /// throughput, CPU time and peak memory; the last line is
    /// `throughput: N events/s`. `latency` runs a server in process, sends
    /// events at --rate through /inserts-stream into W3 and reports the
    /// time from each acknowledgement to the push query's row (p50, p99,
    /// max); the last line is `p99 latency: N ms`.
    Bench {
        /// w1: filter/projection; w2: tumbling EMIT FINAL; w3: tumbling EMIT
        /// CHANGES; w4: session windows; latency: W3 through the server.
        #[arg(value_enum)]
        workload: BenchTarget,
        /// Events, one JSON object per line (`../shared/bench/gen.py`); for
        /// w1..w4.
        #[arg(long, value_name = "FILE")]
        input: Option<PathBuf>,
        /// Verify the output against the same computation done directly on
        /// the file (W2 only). Exits with status 1 on a difference.
        #[arg(long)]
        check: bool,
        /// latency: events per second the producer sends.
        #[arg(long, value_name = "N")]
        rate: Option<u64>,
        /// latency: how long the producer sends.
        #[arg(long, value_name = "SECONDS", default_value_t = 10)]
        seconds: u64,
    },
}

/// What `sluice bench` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum BenchTarget {
    W1,
    W2,
    W3,
    W4,
    Latency,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Output {
    Tabular,
    Json,
}

fn parse_define(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.trim().to_string(), value.to_string())),
        _ => Err(format!("expected NAME=VALUE, found '{text}'")),
    }
}

#[derive(Debug, Subcommand)]
enum TestCommand {
    /// Run ksqlDB query-validation (QTT) cases: files or directories of them.
    ///
    /// Prints `PASS name` or `FAIL name: reason` per case and ends with
    /// `N passed, M failed`. Exits with status 1 if any case failed, or with
    /// --ratchet, only if a case listed in that file failed.
    Qtt(SuiteArgs),
    /// Run ksqlDB REST query-validation (RQTT) cases against a real server
    /// over HTTP: files or directories of them.
    ///
    /// Each case gets a fresh in-memory server on a free local port. The
    /// output and exit status are those of `test qtt`.
    Rqtt(SuiteArgs),
}

/// What `test qtt` and `test rqtt` take.
#[derive(Debug, clap::Args)]
struct SuiteArgs {
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// A file of case names that must pass (one per line).
    #[arg(long, value_name = "FILE")]
    ratchet: Option<PathBuf>,
    /// Write the names of the passing cases to this file.
    #[arg(long, value_name = "FILE")]
    write_ratchet: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Server { config, listen, data_dir, service_id, queries_file, kafka_bootstrap } => {
            let flags = server::Flags { listen, data_dir, service_id, queries_file, kafka_bootstrap };
            server::run(config.as_deref(), flags)
        }
        Command::Shell { server, embedded, execute, file, output, defines } => {
            let output = match output {
                Output::Tabular => sluice_shell::OutputFormat::Tabular,
                Output::Json => sluice_shell::OutputFormat::Json,
            };
            sluice_shell::run(sluice_shell::Options { server, embedded, execute, file, output, defines })
        }
        Command::Check { files } => check::run(&files),
        Command::Test(test) => {
            let (suite, SuiteArgs { paths, ratchet, write_ratchet }) = match test {
                TestCommand::Qtt(args) => (test_qtt::Suite::Qtt, args),
                TestCommand::Rqtt(args) => (test_qtt::Suite::Rqtt, args),
            };
            test_qtt::run(&test_qtt::Options { paths, ratchet, write_ratchet }, suite)
        }
        Command::Bench { workload, input, check, rate, seconds } => {
            let workload = match workload {
                BenchTarget::Latency => {
                    let rate = rate.unwrap_or(100_000);
                    return bench_latency::run(&bench_latency::Options { rate, seconds });
                }
                BenchTarget::W1 => bench::Workload::W1,
                BenchTarget::W2 => bench::Workload::W2,
                BenchTarget::W3 => bench::Workload::W3,
                BenchTarget::W4 => bench::Workload::W4,
            };
            match input {
                Some(input) => bench::run(&bench::Options { workload, input, check }),
                None => {
                    eprintln!("error: sluice bench {workload:?} needs --input FILE");
                    ExitCode::from(2)
                }
            }
        }
    }
}

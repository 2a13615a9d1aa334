//! The `sluice` binary.
//!
//! `check` parses SQL scripts and reports every statement's kind or syntax
//! error; `test qtt` runs ksqlDB's query-validation cases; `bench` runs the
//! benchmark workloads over an NDJSON file.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
mod check;
mod test_qtt;

#[derive(Debug, Parser)]
#[command(name = "sluice", version, about = "A streaming SQL engine compatible with ksqlDB")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
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
    /// Run a benchmark workload over an NDJSON file of events.
    ///
    /// Loads the file into a topic of the in-memory log, runs the workload's
    /// persistent query to the end and reports ingest and query throughput,
    /// CPU time and peak memory. The last line is `throughput: N events/s`.
    Bench {
        /// w1: filter/projection; w2: tumbling EMIT FINAL; w3: tumbling EMIT
        /// CHANGES; w4: session windows.
        #[arg(value_enum)]
        workload: bench::Workload,
        /// Events, one JSON object per line (`../shared/bench/gen.py`).
        #[arg(long, value_name = "FILE")]
        input: PathBuf,
        /// Verify the output against the same computation done directly on
        /// the file (W2 only). Exits with status 1 on a difference.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Debug, Subcommand)]
enum TestCommand {
    /// Run ksqlDB query-validation (QTT) cases: files or directories of them.
    ///
    /// Prints `PASS name` or `FAIL name: reason` per case and ends with
    /// `N passed, M failed`. Exits with status 1 if any case failed, or with
    /// --ratchet, only if a case listed in that file failed.
    Qtt {
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// A file of case names that must pass (one per line).
        #[arg(long, value_name = "FILE")]
        ratchet: Option<PathBuf>,
        /// Write the names of the passing cases to this file.
        #[arg(long, value_name = "FILE")]
        write_ratchet: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { files } => check::run(&files),
        Command::Test(TestCommand::Qtt { paths, ratchet, write_ratchet }) => {
            test_qtt::run(&test_qtt::Options { paths, ratchet, write_ratchet })
        }
        Command::Bench { workload, input, check } => bench::run(&bench::Options { workload, input, check }),
    }
}

//! The `sluice` binary.
//!
//! For now it has one subcommand, `check`, which parses SQL scripts and
//! reports every statement's kind or syntax error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod check;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { files } => check::run(&files),
    }
}

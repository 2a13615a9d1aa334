//! `sluice test qtt PATH...`: run ksqlDB query-validation cases.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use sluice_testkit::{
    load_qtt, message_summary, ratchet_regressions, read_ratchet, run_case, write_ratchet, CaseResult,
    Summary,
};

pub struct Options {
    pub paths: Vec<PathBuf>,
    /// Fail only when a case listed here does not pass.
    pub ratchet: Option<PathBuf>,
    /// Write the names of the passing cases here.
    pub write_ratchet: Option<PathBuf>,
}

pub fn run(options: &Options) -> ExitCode {
    let loaded = match load_qtt(&options.paths) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let results: Vec<CaseResult> = loaded.cases.iter().map(run_case).collect();
    let mut out = io::stdout().lock();
    // A closed stdout is no reason to panic; the exit status still tells.
    for result in &results {
        let _ = writeln!(out, "{}", result.line());
    }
    if let Some(messages) = message_summary(&results) {
        let _ = writeln!(out, "{messages}");
    }
    let _ = writeln!(out, "{}", Summary::of(&results, loaded.skipped.len()));
    let _ = out.flush();

    if let Some(path) = &options.write_ratchet {
        let passing: BTreeSet<&str> =
            results.iter().filter(|r| r.passed()).map(|r| r.name.as_str()).collect();
        if let Err(e) = write_ratchet(path, passing) {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
    match &options.ratchet {
        Some(path) => match read_ratchet(path) {
            Ok(listed) => {
                let regressions = ratchet_regressions(&listed, &results);
                for name in &regressions {
                    eprintln!("REGRESSION {name}");
                }
                if regressions.is_empty() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        None if results.iter().all(CaseResult::passed) => ExitCode::SUCCESS,
        None => ExitCode::FAILURE,
    }
}

//! `sluice test qtt PATH...` and `sluice test rqtt PATH...`: run ksqlDB's
//! query-validation cases, in process (QTT) or against a server over HTTP
//! (RQTT), with one report and ratchet format for both.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use sluice_testkit::{
    load_qtt, load_rqtt, message_summary, ratchet_regressions, read_ratchet, run_case, run_rqtt_case,
    write_ratchet, CaseResult, Summary,
};

pub struct Options {
    pub paths: Vec<PathBuf>,
    /// Fail only when a case listed here does not pass.
    pub ratchet: Option<PathBuf>,
    /// Write the names of the passing cases here.
    pub write_ratchet: Option<PathBuf>,
}

/// Which suite the paths hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    Qtt,
    Rqtt,
}

pub fn run(options: &Options, suite: Suite) -> ExitCode {
    let outcome = match suite {
        Suite::Qtt => load_qtt(&options.paths)
            .map(|loaded| (loaded.cases.iter().map(run_case).collect::<Vec<_>>(), loaded.skipped.len())),
        Suite::Rqtt => load_rqtt(&options.paths).map(|(cases, skipped)| {
            // Each case starts a server on this runtime.
            let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
                Ok(runtime) => runtime,
                Err(e) => {
                    let failed = |case: &sluice_testkit::RqttCase| {
                        CaseResult::fail(&case.case.name, format!("cannot start the async runtime: {e}"))
                    };
                    return (cases.iter().map(failed).collect(), skipped.len());
                }
            };
            (cases.iter().map(|case| runtime.block_on(run_rqtt_case(case))).collect(), skipped.len())
        }),
    };
    let (results, skipped): (Vec<CaseResult>, usize) = match outcome {
        Ok(done) => done,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut out = io::stdout().lock();
    // A closed stdout is no reason to panic; the exit status still tells.
    for result in &results {
        let _ = writeln!(out, "{}", result.line());
    }
    if let Some(messages) = message_summary(&results) {
        let _ = writeln!(out, "{messages}");
    }
    let _ = writeln!(out, "{}", Summary::of(&results, skipped));
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

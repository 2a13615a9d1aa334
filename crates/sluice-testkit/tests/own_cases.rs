//! Sluice's own cases in ksqlDB's QTT format (`sql-tests/qtt/`): all pass.

use std::path::PathBuf;

use sluice_testkit::{load_qtt, run_case, CaseResult};

#[test]
fn own_qtt_cases_pass() {
    let dir = manifest_dir().join("../../sql-tests/qtt");
    let loaded = load_qtt(&[dir]).expect("sql-tests/qtt loads");
    assert!(!loaded.cases.is_empty());
    let failures: Vec<String> =
        loaded.cases.iter().map(run_case).filter(|r| !r.passed()).map(|r: CaseResult| r.line()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// This crate's directory. Read when the test runs, not when it is compiled:
/// clones that share one target directory may reuse another clone's test binary.
fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}

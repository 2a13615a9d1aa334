//! The conformance ratchet: every case listed in
//! `sql-tests/conformance/qtt-passing.txt` must pass. The list only grows.

use std::path::PathBuf;

use sluice_testkit::{load_qtt, ratchet_failure, read_ratchet, run_case, CaseResult};

#[test]
fn listed_qtt_cases_still_pass() {
    let root = manifest_dir().join("../..");
    let listed = read_ratchet(&root.join("sql-tests/conformance/qtt-passing.txt")).expect("the ratchet list");
    assert!(!listed.is_empty(), "the ratchet list is empty");
    let loaded = load_qtt(&[root.join("../shared/conformance/qtt")]).expect("the public QTT cases");
    let results: Vec<CaseResult> =
        loaded.cases.iter().filter(|c| listed.contains(&c.name)).map(run_case).collect();
    if let Some(failure) = ratchet_failure(&listed, &results) {
        panic!("{failure}");
    }
}

/// This crate's directory. Read when the test runs, not when it is compiled:
/// clones that share one target directory may reuse another clone's test binary.
fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}

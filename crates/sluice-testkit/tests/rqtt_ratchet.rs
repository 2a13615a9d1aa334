//! The REST conformance ratchet: every case listed in
//! `sql-tests/conformance/rqtt-passing.txt` must pass against a real server
//! over HTTP. The list only grows.

use std::path::PathBuf;

use sluice_testkit::{load_rqtt, ratchet_failure, read_ratchet, run_rqtt_case, CaseResult};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listed_rqtt_cases_still_pass() {
    let root = manifest_dir().join("../..");
    let listed =
        read_ratchet(&root.join("sql-tests/conformance/rqtt-passing.txt")).expect("the ratchet list");
    assert!(!listed.is_empty(), "the ratchet list is empty");
    let (cases, _) = load_rqtt(&[root.join("../shared/conformance/rqtt")]).expect("the public RQTT cases");
    let mut results: Vec<CaseResult> = Vec::new();
    for case in cases.iter().filter(|c| listed.contains(&c.case.name)) {
        results.push(run_rqtt_case(case).await);
    }
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

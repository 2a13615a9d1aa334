//! Sluice's own cases in ksqlDB's QTT format (`sql-tests/qtt/`): all pass.

use std::path::Path;

use sluice_testkit::{load_qtt, run_case, CaseResult};

#[test]
fn own_qtt_cases_pass() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sql-tests/qtt");
    let loaded = load_qtt(&[dir]).expect("sql-tests/qtt loads");
    assert!(!loaded.cases.is_empty());
    let failures: Vec<String> =
        loaded.cases.iter().map(run_case).filter(|r| !r.passed()).map(|r: CaseResult| r.line()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

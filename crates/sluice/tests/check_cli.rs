//! Runs the real `sluice check` binary on the example scripts.

use std::path::PathBuf;
use std::process::Command;

fn sluice_check(file: &str) -> (bool, String) {
    let root = manifest_dir().join("../..");
    let output = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .current_dir(&root)
        .args(["check", file])
        .output()
        .expect("the sluice binary runs");
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn a_syntax_error_is_reported_with_its_position_and_a_caret() {
    let (ok, out) = sluice_check("sql-tests/examples/bad.sql");
    assert!(!ok, "a file with an error must fail:\n{out}");
    let expected = "sql-tests/examples/bad.sql:3:10: error: expected FROM, found 'FRM'\n\
                    \x20 SELECT * FRM pageviews EMIT CHANGES;\n\
                    \x20          ^^^\n";
    assert!(out.contains(expected), "got:\n{out}");
    assert!(out.ends_with("3 statements, 1 errors\n"), "got:\n{out}");
}

#[test]
fn the_example_script_parses() {
    let (ok, out) = sluice_check("sql-tests/examples/pageviews.sql");
    assert!(ok, "{out}");
    assert!(out.contains(": OK CREATE TABLE AS SELECT"), "{out}");
    assert!(out.ends_with("14 statements, 0 errors\n"), "{out}");
}

/// This crate's directory. Read when the test runs, not when it is compiled:
/// clones that share one target directory may reuse another clone's test binary.
fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}

//! docs/functions.md is generated from the function registry; this test
//! fails when it is stale, and with `SLUICE_WRITE_DOCS=1` writes it:
//!
//! ```sh
//! SLUICE_WRITE_DOCS=1 cargo test -p sluice-functions --test functions_doc
//! ```

use std::path::PathBuf;

/// docs/functions.md of the repository this test runs in. The crate's
/// directory is read when the test runs, not when it is compiled: worktrees
/// that share one target directory may run another worktree's test binary.
fn doc_path() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo test");
    PathBuf::from(manifest).join("../..").join("docs").join("functions.md")
}

#[test]
fn functions_md_is_up_to_date() {
    let path = doc_path();
    let generated = sluice_functions::functions_markdown();
    if std::env::var("SLUICE_WRITE_DOCS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "{} is stale: it is generated from the function registry in crates/sluice-functions. \
         Regenerate it with\n\n    SLUICE_WRITE_DOCS=1 cargo test -p sluice-functions --test functions_doc\n",
        path.display()
    );
}

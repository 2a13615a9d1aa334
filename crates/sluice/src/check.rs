//! `sluice check FILE...`: parse scripts and report every statement.
//!
//! Each statement gives one line, `file:line:col: OK <kind>`, or for a syntax
//! error `file:line:col: error: <message>` followed by the offending line of
//! the file with carets under the error. A summary line ends the output.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sluice_sql::ParseError;

/// Why `check` could not look at a file at all.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("{path}: error: cannot read file: {source}")]
    Read {
        path: String,
        #[source]
        source: io::Error,
    },
}

/// What checking some files found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub statements: usize,
    /// Statements that failed to parse, plus files that could not be read.
    pub errors: usize,
}

/// Check `files` in order, print the report on stdout, and give the exit
/// status: failure if any file could not be read or any statement failed.
pub fn run(files: &[PathBuf]) -> ExitCode {
    let mut tally = Tally::default();
    for path in files {
        let shown = path.display().to_string();
        let mut report = String::new();
        match read(path, &shown) {
            Ok(source) => check_source(&shown, &source, &mut report, &mut tally),
            Err(err) => {
                let _ = writeln!(report, "{err}");
                tally.errors += 1;
            }
        }
        print(&report);
    }
    print(&format!("{} statements, {} errors\n", tally.statements, tally.errors));
    if tally.errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Write to stdout. A closed stdout (e.g. `| head`) is not worth a panic,
/// and the exit status still tells the outcome.
fn print(text: &str) {
    let _ = io::stdout().lock().write_all(text.as_bytes());
}

fn read(path: &Path, shown: &str) -> Result<String, CheckError> {
    std::fs::read_to_string(path).map_err(|source| CheckError::Read { path: shown.to_string(), source })
}

/// Parse one script (with its own, initially empty, variables) and append a
/// line per statement to `out`.
pub fn check_source(name: &str, source: &str, out: &mut String, tally: &mut Tally) {
    let mut variables = HashMap::new();
    for result in sluice_sql::parse_script(source, &mut variables) {
        tally.statements += 1;
        match result {
            Ok(stmt) => {
                let _ = writeln!(out, "{name}:{}:{}: OK {}", stmt.line, stmt.column, stmt.statement.kind());
            }
            Err(err) => {
                tally.errors += 1;
                let _ = writeln!(out, "{}", render_error(name, source, &err));
            }
        }
    }
}

/// `file:line:col: error: message`, then the line of `source` with carets.
fn render_error(name: &str, source: &str, err: &ParseError) -> String {
    let mut text = format!("{name}:{}:{}: error: {}", err.line, err.column, err.message);
    if let Some(excerpt) = err.excerpt(source) {
        text.push('\n');
        text.push_str(&excerpt);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines_carry_the_file_name_and_a_caret_excerpt() {
        let err = ParseError::new(2, 10, "expected FROM, found 'FRM'").with_width(3);
        let src = "-- comment\nSELECT * FRM s;";
        assert_eq!(
            render_error("bad.sql", src, &err),
            "bad.sql:2:10: error: expected FROM, found 'FRM'\n  SELECT * FRM s;\n           ^^^"
        );
    }

    #[test]
    fn error_past_the_end_has_no_excerpt() {
        let err = ParseError::new(9, 1, "unexpected end of input");
        assert_eq!(render_error("f.sql", "SHOW", &err), "f.sql:9:1: error: unexpected end of input");
    }

    #[test]
    fn reports_every_statement_and_counts_errors() {
        let src = "SHOW STREAMS;\nSELECT * FRM s EMIT CHANGES;\nDESCRIBE s;\n";
        let mut out = String::new();
        let mut tally = Tally::default();
        check_source("x.sql", src, &mut out, &mut tally);
        assert_eq!(tally, Tally { statements: 3, errors: 1 });
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "x.sql:1:1: OK SHOW STREAMS");
        assert!(lines[1].starts_with("x.sql:2:"), "{out}");
        assert!(lines[1].contains(": error: "), "{out}");
        assert_eq!(lines[2], "  SELECT * FRM s EMIT CHANGES;");
        assert!(lines[3].trim_start().starts_with('^'), "{out}");
        assert_eq!(lines[4], "x.sql:3:1: OK DESCRIBE");
    }

    #[test]
    fn unreadable_file_is_an_error() {
        let missing = PathBuf::from("/nonexistent/sluice-check-test.sql");
        let err = read(&missing, "m.sql").expect_err("the file does not exist");
        assert!(err.to_string().starts_with("m.sql: error: cannot read file: "));
    }
}

//! The runner's output contract and the ratchet list.
//!
//! The runner prints one line per case, `PASS <name>` or
//! `FAIL <name>: <reason>`, then as its last line `N passed, M failed`
//! (followed by `, K skipped` when cases were skipped). The ratchet list
//! (`sql-tests/conformance/qtt-passing.txt`) holds the names of the cases
//! that pass, one per line, sorted; CI fails when a listed case does not pass.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use crate::TestkitError;

/// The outcome of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseResult {
    pub name: String,
    /// `None` when the case passed; otherwise a short reason.
    pub failure: Option<String>,
    /// For a case with an `expectedException` that the engine rejected:
    /// whether the engine's message contains ksqlDB's `message`. Reported
    /// separately; it does not decide the pass.
    pub message_matched: Option<bool>,
}

impl CaseResult {
    pub fn pass(name: impl Into<String>) -> Self {
        CaseResult { name: name.into(), failure: None, message_matched: None }
    }

    pub fn fail(name: impl Into<String>, reason: impl Into<String>) -> Self {
        CaseResult { name: name.into(), failure: Some(reason.into()), message_matched: None }
    }

    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }

    /// `PASS <name>` or `FAIL <name>: <reason>`, on one line (line breaks in
    /// the reason become spaces).
    pub fn line(&self) -> String {
        match &self.failure {
            None => format!("PASS {}", self.name),
            Some(reason) => format!("FAIL {}: {}", self.name, one_line(reason)),
        }
    }
}

/// Totals of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl Summary {
    pub fn of(results: &[CaseResult], skipped: usize) -> Summary {
        let passed = results.iter().filter(|r| r.passed()).count();
        Summary { passed, failed: results.len() - passed, skipped }
    }
}

impl std::fmt::Display for Summary {
    /// `N passed, M failed`, plus `, K skipped` when K > 0.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} passed, {} failed", self.passed, self.failed)?;
        if self.skipped > 0 {
            write!(f, ", {} skipped", self.skipped)?;
        }
        Ok(())
    }
}

/// Writes the result lines in the order given, then the summary line.
pub fn write_report(out: &mut dyn Write, results: &[CaseResult], skipped: usize) -> std::io::Result<()> {
    for result in results {
        writeln!(out, "{}", result.line())?;
    }
    writeln!(out, "{}", Summary::of(results, skipped))
}

/// `expected-exception messages: X of Y matched ksqlDB's`, or `None` when no
/// result reports a message check.
pub fn message_summary(results: &[CaseResult]) -> Option<String> {
    let checked: Vec<bool> = results.iter().filter_map(|r| r.message_matched).collect();
    if checked.is_empty() {
        return None;
    }
    let matched = checked.iter().filter(|m| **m).count();
    Some(format!("expected-exception messages: {matched} of {} matched ksqlDB's", checked.len()))
}

/// Parses a ratchet list: one case name per line; blank lines and lines
/// starting with `#` are ignored; names are kept exactly, trailing spaces included.
pub fn parse_ratchet(text: &str) -> BTreeSet<String> {
    // Case names may end in a space (ksqlDB has such a case), so lines are
    // taken as they are; only blank and `#` lines are skipped.
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Reads a ratchet list file. A missing file is an error (the caller decides
/// whether that means an empty list).
pub fn read_ratchet(path: &Path) -> Result<BTreeSet<String>, TestkitError> {
    let text = std::fs::read_to_string(path).map_err(|e| TestkitError::io(path, e))?;
    Ok(parse_ratchet(&text))
}

/// The text of a ratchet list: a comment header, then the names sorted and
/// without duplicates, one per line.
pub fn render_ratchet<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: BTreeSet<&str> = names.into_iter().collect();
    let mut text = String::from(
        "# Conformance cases that pass: one full case name per line, sorted.\n\
         # CI fails when a case listed here stops passing. Regenerate with the\n\
         # conformance runner; do not edit by hand except to remove a case.\n",
    );
    for name in names {
        text.push_str(name);
        text.push('\n');
    }
    text
}

/// Writes a ratchet list file (see [`render_ratchet`]).
pub fn write_ratchet<'a>(path: &Path, names: impl IntoIterator<Item = &'a str>) -> Result<(), TestkitError> {
    std::fs::write(path, render_ratchet(names)).map_err(|e| TestkitError::io(path, e))
}

/// The listed cases that did not pass, sorted: those that failed and those
/// with no result at all (renamed, removed, or not run).
pub fn ratchet_regressions(listed: &BTreeSet<String>, results: &[CaseResult]) -> Vec<String> {
    let passed: BTreeSet<&str> = results.iter().filter(|r| r.passed()).map(|r| r.name.as_str()).collect();
    listed.iter().filter(|name| !passed.contains(name.as_str())).cloned().collect()
}

/// For a ratchet test: None when every listed case passed, else what to
/// report (the failures, and the listed names the suite no longer has).
pub fn ratchet_failure(listed: &BTreeSet<String>, results: &[CaseResult]) -> Option<String> {
    let regressions = ratchet_regressions(listed, results);
    if regressions.is_empty() {
        return None;
    }
    let failures: Vec<String> = results.iter().filter(|r| !r.passed()).map(CaseResult::line).collect();
    let missing: Vec<&String> =
        regressions.iter().filter(|n| !results.iter().any(|r| &&r.name == n)).collect();
    Some(format!(
        "{} listed cases no longer pass:\n{}\n(missing from the suite: {missing:?})",
        regressions.len(),
        failures.join("\n")
    ))
}

/// The cases that passed but are not listed yet, sorted.
pub fn ratchet_additions(listed: &BTreeSet<String>, results: &[CaseResult]) -> Vec<String> {
    let passed: BTreeSet<&str> = results.iter().filter(|r| r.passed()).map(|r| r.name.as_str()).collect();
    passed.into_iter().filter(|name| !listed.contains(*name)).map(str::to_string).collect()
}

fn one_line(text: &str) -> String {
    text.split(['\n', '\r']).map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lines() {
        assert_eq!(CaseResult::pass("f - a").line(), "PASS f - a");
        assert_eq!(CaseResult::fail("f - b", "bad\n  thing\r\n").line(), "FAIL f - b: bad thing");
    }

    #[test]
    fn summary_line_mentions_skipped_only_when_some_were() {
        let results = vec![CaseResult::pass("a"), CaseResult::fail("b", "x"), CaseResult::pass("c")];
        assert_eq!(Summary::of(&results, 0).to_string(), "2 passed, 1 failed");
        assert_eq!(Summary::of(&results, 3).to_string(), "2 passed, 1 failed, 3 skipped");
        assert_eq!(Summary::of(&[], 0).to_string(), "0 passed, 0 failed");
    }

    #[test]
    fn report_ends_with_the_summary() {
        let mut out = Vec::new();
        write_report(&mut out, &[CaseResult::fail("b", "why"), CaseResult::pass("a")], 1).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "FAIL b: why\nPASS a\n1 passed, 1 failed, 1 skipped\n");
    }

    #[test]
    fn message_summary_counts_checked_cases() {
        let mut a = CaseResult::pass("a");
        a.message_matched = Some(true);
        let mut b = CaseResult::pass("b");
        b.message_matched = Some(false);
        assert_eq!(message_summary(&[CaseResult::pass("c")]), None);
        assert_eq!(
            message_summary(&[a, b, CaseResult::pass("c")]).as_deref(),
            Some("expected-exception messages: 1 of 2 matched ksqlDB's")
        );
    }

    #[test]
    fn ratchet_round_trip_sorted_with_comments() {
        let text = render_ratchet(["b - x - JSON", "a - y", "b - x - JSON"]);
        let body: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(body, ["a - y", "b - x - JSON"]);
        // A name keeps its trailing space: ksqlDB has a case named so.
        let parsed = parse_ratchet(&format!("{text}\n# comment\n\nc - z \n"));
        assert_eq!(parsed.into_iter().collect::<Vec<_>>(), ["a - y", "b - x - JSON", "c - z "]);
    }

    #[test]
    fn ratchet_file_io() {
        let path = std::env::temp_dir().join(format!("sluice-testkit-ratchet-{}.txt", std::process::id()));
        write_ratchet(&path, ["z", "a"]).unwrap();
        let read = read_ratchet(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(read.into_iter().collect::<Vec<_>>(), ["a", "z"]);
        let err = read_ratchet(&path).unwrap_err().to_string();
        assert!(err.contains("sluice-testkit-ratchet"), "{err}");
    }

    #[test]
    fn regressions_are_listed_cases_that_did_not_pass() {
        let listed = parse_ratchet("a\nb\nc\n");
        let results = vec![CaseResult::pass("a"), CaseResult::fail("b", "x"), CaseResult::pass("d")];
        assert_eq!(ratchet_regressions(&listed, &results), ["b", "c"]);
        assert_eq!(ratchet_additions(&listed, &results), ["d"]);
    }
}

//! Parses every statement of ksqlDB's public conformance cases (those that
//! ksqlDB itself accepts), and checks that each parsed statement prints to
//! text that parses back to the same tree.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::Value;
use sluice_sql::{parse_script, parse_statement};

/// Statements ksqlDB accepts that Sluice does not parse, with the reason.
/// Matched by a substring of the statement text.
const KNOWN_PARSE_FAILURES: &[(&str, &str)] = &[];

fn conformance_dir() -> PathBuf {
    manifest_dir().join("../../../shared/conformance")
}

/// Removes `//` comments (outside strings) so the file is plain JSON.
fn strip_line_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if c == '\\' {
                if let Some(escaped) = chars.next() {
                    out.push(escaped);
                }
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if c == '/' && chars.peek() == Some(&'/') {
            for skipped in chars.by_ref() {
                if skipped == '\n' {
                    out.push('\n');
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// (case name, statements) for every case that ksqlDB accepts (no
/// `expectedException` or `expectedError`), one
/// per entry of its `format` list.
fn accepted_cases() -> Vec<(String, Vec<String>)> {
    let mut cases = Vec::new();
    for suite in ["qtt", "rqtt"] {
        let dir = conformance_dir().join(suite);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .map(|entry| entry.expect("directory entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("readable case file");
            let json: Value = serde_json::from_str(&strip_line_comments(&text))
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
            for case in json["tests"].as_array().into_iter().flatten() {
                let rejected = case.get("expectedException").is_some() || case.get("expectedError").is_some();
                if rejected || case["enabled"] == Value::Bool(false) {
                    continue;
                }
                let name = format!("{stem} - {}", case["name"].as_str().unwrap_or("?"));
                let statements: Vec<String> = case["statements"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect();
                let formats: Vec<String> = case["format"]
                    .as_array()
                    .map(|f| f.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
                    .unwrap_or_default();
                if formats.is_empty() {
                    cases.push((name, statements));
                } else {
                    for format in formats {
                        let expanded = statements.iter().map(|s| s.replace("{FORMAT}", &format)).collect();
                        cases.push((format!("{name} - {format}"), expanded));
                    }
                }
            }
        }
    }
    cases
}

#[test]
fn conformance_statements_parse_and_round_trip() {
    let cases = accepted_cases();
    assert!(cases.len() > 1000, "expected the public conformance cases, found {}", cases.len());

    let mut total = 0;
    let mut unexpected_failures = Vec::new();
    let mut known_failures = 0;
    let mut round_trip_failures = Vec::new();
    for (case, statements) in &cases {
        let mut variables = HashMap::new();
        for text in statements {
            for parsed in parse_script(text, &mut variables) {
                total += 1;
                match parsed {
                    Ok(parsed) => {
                        let printed = parsed.statement.to_string();
                        match parse_statement(&printed) {
                            Ok(again) if again == parsed.statement => {}
                            Ok(_) => round_trip_failures
                                .push(format!("{case}\n  {text}\n  printed: {printed}\n  (different tree)")),
                            Err(e) => round_trip_failures
                                .push(format!("{case}\n  {text}\n  printed: {printed}\n  {e}")),
                        }
                    }
                    Err(e) if KNOWN_PARSE_FAILURES.iter().any(|(s, _)| text.contains(s)) => {
                        let _ = e;
                        known_failures += 1;
                    }
                    Err(e) => unexpected_failures.push(format!("{case}\n  {text}\n  {}", e.render(text))),
                }
            }
        }
    }
    let failed = unexpected_failures.len() + known_failures;
    println!("{total} statements, {failed} did not parse ({known_failures} known)");
    assert!(
        unexpected_failures.is_empty(),
        "{} statements failed to parse:\n{}",
        unexpected_failures.len(),
        unexpected_failures.join("\n")
    );
    assert!(failed * 100 <= total, "more than 1% of statements fail to parse");
    assert!(
        round_trip_failures.is_empty(),
        "{} statements did not round-trip:\n{}",
        round_trip_failures.len(),
        round_trip_failures.join("\n")
    );
}

/// This crate's directory. Read when the test runs, not when it is compiled:
/// clones that share one target directory may reuse another clone's test binary.
fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}

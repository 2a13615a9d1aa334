//! Loads every public QTT file and checks the shape of what comes out.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use sluice_testkit::{load_qtt, ActualRecord, ActualValue};

fn qtt_dir() -> PathBuf {
    manifest_dir().join("../../../shared/conformance/qtt")
}

#[test]
fn every_public_qtt_file_loads() {
    let dir = qtt_dir();
    let loaded = load_qtt(std::slice::from_ref(&dir)).unwrap_or_else(|e| panic!("{e}"));
    let cases = &loaded.cases;
    println!("{} cases, {} skipped", cases.len(), loaded.skipped.len());
    // About 1,660 after expansion (1,655 at the time of writing).
    assert!((1500..=1800).contains(&cases.len()), "{} cases", cases.len());
    assert_eq!(loaded.skipped.len(), 7, "{:?}", loaded.skipped);

    let names: HashSet<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), cases.len(), "case names are unique");
    for skipped in &loaded.skipped {
        assert!(!names.contains(skipped.as_str()), "{skipped}");
    }

    let files: HashSet<&str> = cases.iter().map(|c| c.file.as_str()).collect();
    let on_disk = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json")));
    assert_eq!(files.len(), on_disk.count(), "every file contributes cases");

    for case in cases {
        assert!(!case.statements.is_empty(), "{}", case.name);
        assert!(
            case.format.is_some() || !case.statements.iter().any(|s| s.contains("{FORMAT}")),
            "{}: unexpanded {{FORMAT}}",
            case.name
        );
        if let Some(format) = &case.format {
            assert!(case.name.contains(&format!(" - {format}")), "{}", case.name);
            assert!(!case.statements.iter().any(|s| s.contains("{FORMAT}")), "{}", case.name);
        }
        assert!(!case.properties.values().any(|v| v == "{CONFIG}"), "{}: unexpanded {{CONFIG}}", case.name);
        let stem = Path::new(&case.file).file_stem().unwrap().to_string_lossy().into_owned();
        assert!(case.name.starts_with(&format!("{stem} - ")), "{}", case.name);
    }

    // Spot checks of the expansion against the files.
    for name in [
        "formats - explicit key and optional value format - ksql.new.query.planner.enabled=true",
        "formats - explicit key and optional value format - ksql.new.query.planner.enabled=false",
    ] {
        let case = cases.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("missing {name}"));
        let planner = &case.properties["ksql.new.query.planner.enabled"];
        assert!(name.ends_with(&format!("={}", planner.as_str().unwrap())));
    }
    let windowed = cases.iter().flat_map(|c| &c.outputs).filter(|r| r.window.is_some()).count();
    assert!(windowed > 100, "{windowed} windowed outputs");
    let with_headers = cases.iter().flat_map(|c| &c.outputs).filter(|r| r.headers.is_some()).count();
    assert!(with_headers > 0);
    assert!(cases.iter().any(|c| c.expected_exception.is_some()));
    assert!(cases.iter().any(|c| c.post.as_ref().is_some_and(|p| p.topics.is_some())));
}

/// Every case's expected outputs match themselves, read back as ksqlDB
/// reads JSON records: the comparator accepts what the files contain.
#[test]
fn expected_outputs_match_themselves() {
    let loaded = load_qtt(&[qtt_dir()]).unwrap_or_else(|e| panic!("{e}"));
    for case in &loaded.cases {
        for (topic, records) in case.outputs_by_topic() {
            let actual: Vec<ActualRecord> = records
                .iter()
                .map(|r| ActualRecord {
                    key: r.key.as_ref().map(ActualValue::from),
                    value: ActualValue::from(&r.value),
                    timestamp: r.timestamp.unwrap_or(0),
                    window: r.window,
                    headers: r.headers.iter().flatten().map(|h| (h.key.clone(), h.bytes.clone())).collect(),
                })
                .collect();
            if let Err(e) = sluice_testkit::compare_topic(topic, &records, &actual) {
                panic!("{}: {e}", case.name);
            }
        }
    }
}

/// This crate's directory. Read when the test runs, not when it is compiled:
/// clones that share one target directory may reuse another clone's test binary.
fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}

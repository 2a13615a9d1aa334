//! Loading QTT files: comment stripping, `enabled`, and the `format` ×
//! `config` expansion with `{FORMAT}` / `{CONFIG}` substitution.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::model::QttCase;
use super::parse::{parse_test, test_name, ParsedTest};
use crate::jsonc::strip_comments;
use crate::TestkitError;

/// The placeholder in statements replaced by each `format` entry.
pub const FORMAT_PLACEHOLDER: &str = "{FORMAT}";
/// The property value replaced by each `config` entry.
pub const CONFIG_PLACEHOLDER: &str = "{CONFIG}";

/// The result of loading: the runnable cases, and the full names of the cases
/// skipped because their test says `"enabled": false` (these are not counted
/// as passed or failed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loaded {
    pub cases: Vec<QttCase>,
    pub skipped: Vec<String>,
}

/// Loads every case from `paths`, in order. Each path is a case file or a
/// directory, of which every `*.json` file is read, sorted by name (not
/// recursively).
///
/// Fails on the first unreadable or invalid file, on an invalid enabled test
/// (no name, no statements, nothing to check, a malformed record), and when
/// two cases expand to the same name.
pub fn load_qtt(paths: &[PathBuf]) -> Result<Loaded, TestkitError> {
    let mut loaded = Loaded::default();
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for file in case_files(paths)? {
        let one = load_qtt_file(&file)?;
        for case in &one.cases {
            if let Some(first) = seen.insert(case.name.clone(), file.clone()) {
                return Err(TestkitError::DuplicateName { name: case.name.clone(), first, second: file });
            }
        }
        loaded.cases.extend(one.cases);
        loaded.skipped.extend(one.skipped);
    }
    Ok(loaded)
}

/// The case files named by `paths`: files as given, directories expanded to
/// their `*.json` files sorted by name.
pub fn case_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, TestkitError> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| TestkitError::io(path, e))?;
        if !meta.is_dir() {
            files.push(path.clone());
            continue;
        }
        let mut inside = Vec::new();
        for entry in std::fs::read_dir(path).map_err(|e| TestkitError::io(path, e))? {
            let entry = entry.map_err(|e| TestkitError::io(path, e))?;
            let file = entry.path();
            if file.extension().is_some_and(|ext| ext == "json") && file.is_file() {
                inside.push(file);
            }
        }
        inside.sort();
        files.extend(inside);
    }
    Ok(files)
}

/// Loads one case file.
pub fn load_qtt_file(path: &Path) -> Result<Loaded, TestkitError> {
    let text = std::fs::read_to_string(path).map_err(|e| TestkitError::io(path, e))?;
    parse_qtt(path, &text)
}

/// Parses the text of a case file; `path` names the file in errors and
/// gives the case names their prefix (its stem).
pub fn parse_qtt(path: &Path, text: &str) -> Result<Loaded, TestkitError> {
    let json: Value = serde_json::from_str(&strip_comments(text)).map_err(|e| TestkitError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let invalid_file =
        |message: &str| TestkitError::InvalidFile { path: path.to_path_buf(), message: message.into() };
    let tests = match json.get("tests") {
        Some(Value::Array(tests)) => tests,
        Some(_) => return Err(invalid_file("'tests' must be a list")),
        None => return Err(invalid_file("expected an object with a 'tests' list")),
    };
    let file = path.display().to_string();
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();

    let mut loaded = Loaded::default();
    for (index, test) in tests.iter().enumerate() {
        let invalid = |message: String| TestkitError::InvalidCase {
            path: path.to_path_buf(),
            test: test_name(test).map_or_else(|| format!("#{index}"), str::to_string),
            message,
        };
        if test.get("enabled") == Some(&Value::Bool(false)) {
            loaded.skipped.extend(skipped_names(&stem, test));
            continue;
        }
        let parsed = parse_test(test).map_err(invalid)?;
        loaded.cases.extend(expand(&file, &stem, &parsed, test));
    }
    Ok(loaded)
}

/// One case per `format` entry × `config` entry (formats outer), or one case
/// when both lists are empty.
fn expand(file: &str, stem: &str, test: &ParsedTest, raw: &Value) -> Vec<QttCase> {
    let formats: Vec<Option<&str>> = options(&test.formats);
    let configs: Vec<Option<&str>> = options(&test.configs);
    let mut cases = Vec::with_capacity(formats.len() * configs.len());
    for format in &formats {
        for config in &configs {
            let statements = match format {
                Some(f) => test.statements.iter().map(|s| s.replace(FORMAT_PLACEHOLDER, f)).collect(),
                None => test.statements.clone(),
            };
            let properties = match config {
                Some(c) => substitute_config(&test.properties, c),
                None => test.properties.clone(),
            };
            cases.push(QttCase {
                file: file.to_string(),
                name: case_name(
                    stem,
                    &test.name,
                    *format,
                    config.map(|c| (config_property(&test.properties), c)),
                ),
                format: format.map(str::to_string),
                config: config.map(str::to_string),
                statements,
                properties,
                topics: test.topics.clone(),
                inputs: test.inputs.clone(),
                outputs: test.outputs.clone(),
                expected_exception: test.expected_exception.clone(),
                post: test.post.clone(),
                raw: raw.clone(),
            });
        }
    }
    cases
}

/// The full case name: `<file stem> - <name>[ - <FORMAT>][ - <prop>=<cfg>]`.
/// When no property holds `"{CONFIG}"` the config suffix is just ` - <cfg>`.
pub fn case_name(
    stem: &str,
    name: &str,
    format: Option<&str>,
    config: Option<(Option<&str>, &str)>,
) -> String {
    let mut full = format!("{stem} - {name}");
    if let Some(format) = format {
        full.push_str(" - ");
        full.push_str(format);
    }
    match config {
        Some((Some(property), value)) => full.push_str(&format!(" - {property}={value}")),
        Some((None, value)) => full.push_str(&format!(" - {value}")),
        None => {}
    }
    full
}

/// The property whose value is `"{CONFIG}"` (the first by name, should there
/// be several).
fn config_property(properties: &Map<String, Value>) -> Option<&str> {
    properties.iter().find(|(_, v)| v.as_str() == Some(CONFIG_PLACEHOLDER)).map(|(k, _)| k.as_str())
}

/// The properties with every `"{CONFIG}"` value replaced by `config`.
fn substitute_config(properties: &Map<String, Value>, config: &str) -> Map<String, Value> {
    properties
        .iter()
        .map(|(k, v)| {
            let v = if v.as_str() == Some(CONFIG_PLACEHOLDER) {
                Value::String(config.to_string())
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect()
}

fn options(list: &[String]) -> Vec<Option<&str>> {
    if list.is_empty() {
        vec![None]
    } else {
        list.iter().map(|s| Some(s.as_str())).collect()
    }
}

/// The names a disabled test would have had, read leniently (a disabled test
/// is not validated).
fn skipped_names(stem: &str, test: &Value) -> Vec<String> {
    let name = test_name(test).unwrap_or("?");
    let strings = |field: &str| -> Vec<String> {
        test.get(field)
            .and_then(Value::as_array)
            .map(|items| {
                items.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect()
            })
            .unwrap_or_default()
    };
    let formats = strings("format");
    let configs = strings("config");
    let empty = Map::new();
    let properties = test.get("properties").and_then(Value::as_object).unwrap_or(&empty);
    let property = config_property(properties);
    let mut names = Vec::new();
    for format in options(&formats) {
        for config in options(&configs) {
            names.push(case_name(stem, name, format, config.map(|c| (property, c))));
        }
    }
    names
}

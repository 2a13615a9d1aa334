use std::path::Path;

use serde_json::json;

use super::*;
use crate::TestkitError;

fn parse(text: &str) -> Loaded {
    parse_qtt(Path::new("dir/my-file.json"), text).unwrap_or_else(|e| panic!("{e}"))
}

fn parse_err(text: &str) -> String {
    parse_qtt(Path::new("dir/my-file.json"), text).expect_err("should fail").to_string()
}

fn names(loaded: &Loaded) -> Vec<&str> {
    loaded.cases.iter().map(|c| c.name.as_str()).collect()
}

const SIMPLE: &str = r#"{
  "comments": ["a file"],
  "tests": [
    {
      "name": "plain",
      "statements": ["CREATE STREAM S (ID INT) WITH (kafka_topic='t', value_format='JSON');"],
      "inputs": [{"topic": "t", "value": {"ID": 1}}],
      "outputs": [{"topic": "OUT", "key": null, "value": {"ID": 1}, "timestamp": 0}]
    }
  ]
}"#;

#[test]
fn names_a_plain_case_after_the_file_stem() {
    let loaded = parse(SIMPLE);
    assert_eq!(names(&loaded), ["my-file - plain"]);
    let case = &loaded.cases[0];
    assert_eq!(case.file, "dir/my-file.json");
    assert_eq!(case.format, None);
    assert_eq!(case.outputs[0].key, None);
    assert_eq!(case.outputs[0].timestamp, Some(0));
    assert_eq!(case.inputs[0].timestamp, None);
    assert_eq!(case.raw["name"], "plain");
}

#[test]
fn expands_formats_and_substitutes_statements() {
    let loaded = parse(
        r#"{"tests": [{
          "name": "fmt",
          // a comment, with a "quote" and // slashes
          "format": ["AVRO", "JSON"],
          "statements": ["CREATE STREAM S (ID INT) WITH (kafka_topic='http://x//y', value_format='{FORMAT}');",
                         "CREATE STREAM T WITH (value_format='{FORMAT}') AS SELECT * FROM S;"],
          "outputs": [{"topic": "T", "value": {"ID": 1}}]
        }]}"#,
    );
    assert_eq!(names(&loaded), ["my-file - fmt - AVRO", "my-file - fmt - JSON"]);
    assert_eq!(
        loaded.cases[1].statements,
        [
            "CREATE STREAM S (ID INT) WITH (kafka_topic='http://x//y', value_format='JSON');",
            "CREATE STREAM T WITH (value_format='JSON') AS SELECT * FROM S;"
        ]
    );
    assert_eq!(loaded.cases[0].format.as_deref(), Some("AVRO"));
}

#[test]
fn expands_format_cross_config_and_substitutes_the_config_property() {
    let loaded = parse(
        r#"{"tests": [{
          "name": "both",
          "format": ["JSON", "AVRO"],
          "config": ["true", "false"],
          "properties": {"ksql.new.query.planner.enabled": "{CONFIG}", "other": 5},
          "statements": ["CREATE STREAM S (ID INT) WITH (kafka_topic='t', value_format='{FORMAT}');"],
          "expectedException": {"type": "io.confluent.ksql.util.KsqlException", "message": "boom"}
        }]}"#,
    );
    assert_eq!(
        names(&loaded),
        [
            "my-file - both - JSON - ksql.new.query.planner.enabled=true",
            "my-file - both - JSON - ksql.new.query.planner.enabled=false",
            "my-file - both - AVRO - ksql.new.query.planner.enabled=true",
            "my-file - both - AVRO - ksql.new.query.planner.enabled=false",
        ]
    );
    let case = &loaded.cases[1];
    assert_eq!(case.properties["ksql.new.query.planner.enabled"], json!("false"));
    assert_eq!(case.properties["other"], json!(5));
    assert_eq!(case.config.as_deref(), Some("false"));
    let ee = case.expected_exception.as_ref().unwrap();
    assert_eq!(ee.type_name.as_deref(), Some("io.confluent.ksql.util.KsqlException"));
    assert_eq!(ee.message.as_deref(), Some("boom"));
    assert_eq!(ee.message_matches("it went boom!"), Some(true));
    assert_eq!(ee.message_matches("bang"), Some(false));
    // The raw JSON is as written.
    assert_eq!(case.raw["properties"]["ksql.new.query.planner.enabled"], "{CONFIG}");
}

#[test]
fn config_without_a_placeholder_property_names_the_value_only() {
    let loaded = parse(
        r#"{"tests": [{"name": "c", "config": ["x", true],
          "statements": ["SELECT 1;"], "outputs": [{"topic": "o", "value": 1}]}]}"#,
    );
    assert_eq!(names(&loaded), ["my-file - c - x", "my-file - c - true"]);
}

#[test]
fn skips_disabled_tests_and_names_them() {
    let loaded = parse(
        r#"{"tests": [
          {"name": "off", "enabled": false, "format": ["A", "B"], "statements": []},
          {"name": "on", "enabled": true, "statements": ["X;"], "inputs": [{"topic": "t", "value": null}]}
        ]}"#,
    );
    assert_eq!(names(&loaded), ["my-file - on"]);
    assert_eq!(loaded.skipped, ["my-file - off - A", "my-file - off - B"]);
    assert_eq!(loaded.cases[0].inputs[0].value, serde_json::Value::Null);
}

#[test]
fn reads_windows_headers_and_numbers() {
    let loaded = parse(
        r#"{"tests": [{"name": "w", "statements": ["X;"], "outputs": [
          {"topic": "o", "key": 1, "value": {"D": 10.50, "B": 12345678901234567890.123},
           "timestamp": 30000,
           "window": {"start": 0, "end": 30000, "type": "TIME"},
           "headers": [{"KEY": "a", "VALUE": "IQ=="}, {"KEY": "b", "VALUE": null}, {"KEY": "c", "VALUE": "AQ"}]},
          {"topic": "o", "value": "x", "window": {"start": 5, "end": 9, "type": "session"}}
        ]}]}"#,
    );
    let out = &loaded.cases[0].outputs;
    assert_eq!(out[0].window, Some(WindowSpec { start: 0, end: 30000, kind: WindowKind::Time }));
    assert_eq!(out[1].window.map(|w| w.kind), Some(WindowKind::Session));
    let headers = out[0].headers.as_ref().unwrap();
    assert_eq!(headers[0].value.as_deref(), Some("IQ=="));
    assert_eq!(headers[0].bytes.as_deref(), Some(&[0x21u8][..]));
    assert_eq!(headers[1].bytes, None);
    assert_eq!(headers[2].bytes.as_deref(), Some(&[1u8][..]));
    assert_eq!(out[1].headers, None);
    assert_eq!(out[0].value["D"].as_f64(), Some(10.5));
    assert!(out[0].value["B"].is_number());
}

#[test]
fn reads_topics_and_post_conditions() {
    let loaded = parse(
        r#"{"tests": [{"name": "p", "statements": ["X;"], "inputs": [{"topic": "t", "value": 1}],
          "topics": [
            {"name": "t", "keyFormat": "KAFKA", "valueFormat": "AVRO", "partitions": 4,
             "valueSchema": {"type": "record", "name": "r", "fields": []}, "valueSchemaId": 1},
            {"name": "u", "format": "JSON", "keySchema": "syntax = \"proto3\";"}
          ],
          "post": {
            "sources": [{"name": "S", "type": "stream", "schema": "`K` INTEGER KEY, `V` STRING",
                         "keyFormat": {"format": "KAFKA", "windowType": "SESSION", "windowSize": null},
                         "valueFormat": "JSON", "valueFeatures": ["WRAP_SINGLES"], "comment": "ignored"}],
            "topics": {"blacklist": ".*-repartition",
                       "topics": [{"name": "OUT", "keyFormat": {"format": "KAFKA", "features": []},
                                   "valueFormat": "JSON", "partitions": 1}]}
          }}]}"#,
    );
    let case = &loaded.cases[0];
    assert_eq!(case.topics[0].key_format.as_deref(), Some("KAFKA"));
    assert_eq!(case.topics[0].partitions, Some(4));
    assert_eq!(case.topics[0].value_schema_id, Some(1));
    assert_eq!(case.topics[1].value_format.as_deref(), Some("JSON"));
    assert_eq!(case.topics[1].key_schema, Some(json!("syntax = \"proto3\";")));
    assert_eq!(case.topics[1].raw["name"], "u");
    let post = case.post.as_ref().unwrap();
    let source = &post.sources[0];
    assert_eq!((source.name.as_str(), source.type_.as_str()), ("S", "stream"));
    let key_format = source.key_format.as_ref().unwrap();
    assert_eq!((key_format.window_type.as_deref(), key_format.window_size), (Some("SESSION"), None));
    assert_eq!(source.value_features.as_deref(), Some(&["WRAP_SINGLES".to_string()][..]));
    let topics = post.topics.as_ref().unwrap();
    assert_eq!(topics.blacklist.as_deref(), Some(".*-repartition"));
    assert_eq!(topics.topics[0].key_format.as_ref().unwrap().features.as_deref(), Some(&[][..]));
    assert_eq!(topics.topics[0].value_format.as_ref().unwrap().format, "JSON");
}

#[test]
fn outputs_group_by_topic_in_order_of_appearance() {
    let loaded = parse(
        r#"{"tests": [{"name": "g", "statements": ["X;"], "outputs": [
          {"topic": "B", "value": 1}, {"topic": "A", "value": 2}, {"topic": "B", "value": 3}]}]}"#,
    );
    let groups = loaded.cases[0].outputs_by_topic();
    let shape: Vec<(&str, Vec<String>)> =
        groups.iter().map(|(t, rs)| (*t, rs.iter().map(|r| r.value.to_string()).collect())).collect();
    assert_eq!(shape, [("B", vec!["1".to_string(), "3".to_string()]), ("A", vec!["2".to_string()])]);
    assert!(loaded.cases[0].ran_with_insert_statements());
}

#[test]
fn errors_name_the_file_and_the_test() {
    let err = parse_err("{\n  \"tests\": [\n  oops ]}");
    assert!(err.starts_with("dir/my-file.json:3:3: invalid JSON"), "{err}");

    let err = parse_err(r#"{"tests": [{"name": "n", "statements": ["X;"]}]}"#);
    assert_eq!(
        err,
        "dir/my-file.json: test 'n': no inputs, outputs, expectedException, responses or expectedError"
    );

    let err =
        parse_err(r#"{"tests": [{"name": "n", "statements": [], "outputs": [{"topic": "o", "value": 1}]}]}"#);
    assert!(err.contains("'statements' is missing or empty"), "{err}");

    let err = parse_err(r#"{"tests": [{"statements": ["X;"], "outputs": []}]}"#);
    assert_eq!(err, "dir/my-file.json: test '#0': missing or empty 'name'");

    let err = parse_err(r#"{"tests": [{"name": "n", "statements": ["X;"], "outputs": [{"topic": "o"}]}]}"#);
    assert!(err.contains("test 'n': outputs[0]: missing 'value'"), "{err}");

    let err = parse_err(
        r#"{"tests": [{"name": "n", "statements": ["X;"],
          "outputs": [{"topic": "o", "value": 1, "window": {"start": 0, "end": 1, "type": "hop"}}]}]}"#,
    );
    assert!(err.contains("outputs[0]: window type must be 'time' or 'session'"), "{err}");

    let err = parse_err(
        r#"{"tests": [{"name": "n", "statements": ["X;"],
          "inputs": [{"topic": "o", "value": 1, "headers": [{"KEY": "k", "VALUE": "!!"}]}]}]}"#,
    );
    assert!(err.contains("inputs[0]: headers[0]: header 'k': VALUE is not base64"), "{err}");

    let err = parse_err(r#"{"tests": [{"name": "n", "statements": "X;", "inputs": []}]}"#);
    assert!(err.starts_with("dir/my-file.json: test 'n': invalid type"), "{err}");

    let err = parse_err(r#"{"comments": []}"#);
    assert_eq!(err, "dir/my-file.json: expected an object with a 'tests' list");
}

#[test]
fn load_reads_directories_sorted_and_rejects_duplicate_names() {
    let dir = std::env::temp_dir().join(format!("sluice-testkit-load-{}", std::process::id()));
    let sub = dir.join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    let case = |name: &str| {
        format!(
            r#"{{"tests": [{{"name": "{name}", "statements": ["X;"], "inputs": [{{"topic": "t", "value": 1}}]}}]}}"#
        )
    };
    std::fs::write(dir.join("b.json"), case("one")).unwrap();
    std::fs::write(dir.join("a.json"), case("two")).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a case file").unwrap();
    std::fs::write(sub.join("a.json"), case("two")).unwrap();

    let loaded = load_qtt(std::slice::from_ref(&dir)).unwrap();
    assert_eq!(names(&loaded), ["a - two", "b - one"]);

    let err = load_qtt(&[dir.clone(), sub.join("a.json")]).unwrap_err();
    assert!(matches!(err, TestkitError::DuplicateName { ref name, .. } if name == "a - two"), "{err}");

    let missing = dir.join("missing.json");
    let err = load_qtt(&[missing]).unwrap_err().to_string();
    assert!(err.contains("missing.json"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

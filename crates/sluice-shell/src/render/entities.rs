//! What `/ksql` answers, as the user reads it: listings and descriptions
//! as tables, statuses as their message. An entity type the shell does not
//! know is shown as its JSON, so nothing the server says is lost.

use serde_json::Value;

use super::table::Table;
use super::value::cell;

/// The text to print for one entity in a terminal `width` wide.
pub fn render(entity: &Value, width: usize) -> String {
    let kind = entity.get("@type").and_then(Value::as_str).unwrap_or("");
    let mut out = match kind {
        "currentStatus" => {
            let message = text(&entity["commandStatus"]["message"]);
            table(&["Message"], vec![vec![message]], width)
        }
        "streams" => sources(&entity["streams"], "Stream Name", width),
        "tables" => sources(&entity["tables"], "Table Name", width),
        "queries" => {
            let rows = items(&entity["queries"])
                .map(|q| {
                    vec![
                        text(&q["id"]),
                        text(&q["queryType"]),
                        text(&q["state"]),
                        list(&q["sinks"]),
                        list(&q["sinkKafkaTopics"]),
                        text(&q["queryString"]),
                    ]
                })
                .collect();
            let headers =
                ["Query ID", "Query Type", "Status", "Sink Name", "Sink Kafka Topic", "Query String"];
            table(&headers, rows, width)
        }
        "kafka_topics" => {
            let rows = items(&entity["topics"])
                .map(|t| {
                    let replicas = items(&t["replicaInfo"]).map(text).collect::<Vec<_>>();
                    vec![text(&t["name"]), replicas.len().to_string(), replicas.join(" ")]
                })
                .collect();
            table(&["Kafka Topic", "Partitions", "Partition Replicas"], rows, width)
        }
        "properties" => {
            let rows = items(&entity["properties"])
                .map(|p| vec![text(&p["name"]), text(&p["scope"]), text(&p["level"]), text(&p["value"])])
                .collect();
            table(&["Property", "Scope", "Level", "Value"], rows, width)
        }
        "type_list" => {
            let rows = match &entity["types"] {
                Value::Object(types) => types.iter().map(|(n, s)| vec![n.clone(), schema(s)]).collect(),
                _ => Vec::new(),
            };
            table(&["Type Name", "Schema"], rows, width)
        }
        "variables" => {
            let rows =
                items(&entity["variables"]).map(|v| vec![text(&v["name"]), text(&v["value"])]).collect();
            table(&["Variable Name", "Value"], rows, width)
        }
        "sourceDescription" => description(&entity["sourceDescription"], width),
        "source_descriptions" => items(&entity["sourceDescriptions"])
            .map(|d| description(d, width))
            .collect::<Vec<_>>()
            .join("\n\n"),
        _ => serde_json::to_string_pretty(entity).unwrap_or_else(|_| entity.to_string()),
    };
    for warning in items(&entity["warnings"]) {
        out.push_str(&format!("\nWARNING: {}", text(&warning["message"])));
    }
    out
}

fn sources(list: &Value, name: &str, width: usize) -> String {
    let rows = items(list)
        .map(|s| {
            vec![
                text(&s["name"]),
                text(&s["topic"]),
                text(&s["keyFormat"]),
                text(&s["valueFormat"]),
                text(&s["isWindowed"]),
            ]
        })
        .collect();
    table(&[name, "Kafka Topic", "Key Format", "Value Format", "Windowed"], rows, width)
}

/// DESCRIBE: a few facts, then the columns; EXTENDED adds the topic, the
/// statement and the queries.
fn description(d: &Value, width: usize) -> String {
    let mut facts = vec![
        ("Name", text(&d["name"])),
        ("Type", text(&d["type"])),
        ("Key format", text(&d["keyFormat"])),
        ("Value format", text(&d["valueFormat"])),
    ];
    if let Some(timestamp) = d["timestamp"].as_str().filter(|t| !t.is_empty()) {
        facts.push(("Timestamp field", timestamp.to_string()));
    }
    if let Some(window) = d["windowType"].as_str() {
        facts.push(("Window type", window.to_string()));
    }
    let extended = d["extended"].as_bool().unwrap_or(false);
    if extended {
        facts.push((
            "Kafka topic",
            format!(
                "{} (partitions: {}, replication: {})",
                text(&d["topic"]),
                text(&d["partitions"]),
                text(&d["replication"])
            ),
        ));
        facts.push(("Statement", text(&d["statement"])));
    }
    let pad = facts.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out: Vec<String> = facts.iter().map(|(k, v)| format!("{k:<pad$} : {v}")).collect();
    let rows = items(&d["fields"])
        .map(|f| {
            let mut kind = schema(&f["schema"]);
            match f["type"].as_str() {
                Some("KEY") => kind.push_str(" (key)"),
                Some("HEADER") => kind.push_str(" (header)"),
                _ => {}
            }
            vec![text(&f["name"]), kind]
        })
        .collect();
    out.push(table(&["Field", "Type"], rows, width));
    if extended {
        for (title, key) in [
            ("Queries that read from this source", "readQueries"),
            ("Queries that write into this source", "writeQueries"),
        ] {
            let ids: Vec<String> = items(&d[key]).map(|q| text(&q["id"])).collect();
            if !ids.is_empty() {
                out.push(format!("{title}: {}", ids.join(", ")));
            }
        }
    }
    out.join("\n")
}

/// A column type from its `schema` object: `INTEGER`, `ARRAY<STRING>`,
/// `STRUCT<A INTEGER>`, `DECIMAL(4, 2)`.
pub fn schema(s: &Value) -> String {
    let name = text(&s["type"]);
    match name.as_str() {
        "ARRAY" => format!("ARRAY<{}>", schema(&s["memberSchema"])),
        "MAP" => format!("MAP<STRING, {}>", schema(&s["memberSchema"])),
        "STRUCT" => {
            let fields: Vec<String> = items(&s["fields"])
                .map(|f| format!("{} {}", text(&f["name"]), schema(&f["schema"])))
                .collect();
            format!("STRUCT<{}>", fields.join(", "))
        }
        "DECIMAL" => {
            format!("DECIMAL({}, {})", text(&s["parameters"]["precision"]), text(&s["parameters"]["scale"]))
        }
        _ => name,
    }
}

fn table(headers: &[&str], rows: Vec<Vec<String>>, width: usize) -> String {
    let headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    Table::fitted(&headers, &rows, width).render(&headers, &rows)
}

fn items(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

fn text(v: &Value) -> String {
    cell(v)
}

fn list(v: &Value) -> String {
    items(v).map(text).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_status_shows_its_message() {
        let status =
            json!({"@type": "currentStatus", "commandStatus": {"message": "Stream created"}, "warnings": []});
        assert!(render(&status, 80).contains("| Stream created |"));
    }

    #[test]
    fn nested_types_are_spelled_out() {
        let s = json!({"type": "ARRAY", "memberSchema": {"type": "STRUCT", "fields": [{"name": "A", "schema": {"type": "INTEGER"}}]}});
        assert_eq!(schema(&s), "ARRAY<STRUCT<A INTEGER>>");
    }
}

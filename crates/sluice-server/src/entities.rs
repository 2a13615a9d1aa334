//! SHOW, LIST and DESCRIBE, answered from the engine's catalog, queries
//! and log in the shapes of ksqlDB's `/ksql` entities. The engine does not
//! execute these statements: they only read.

use std::collections::HashMap;

use serde_json::{json, Map, Value};
use sluice_catalog::{Catalog, DataSource, Namespace, QueryInfo, SqlType, WindowType};
use sluice_engine::{Engine, TRANSIENT_TOPIC_PREFIX};
use sluice_runtime::QueryMetrics;
use sluice_sql::ast::{ShowTarget, SourceKind};

use crate::endpoints::property_text;
use crate::properties::{is_request_property, REQUEST_PROPERTIES, SERVICE_ID};

/// What a request carries that SHOW can list.
pub struct RequestView<'a> {
    /// `streamsProperties` and what SET changed in this request.
    pub properties: &'a Map<String, Value>,
    /// The server's defaults for request properties (from its config).
    pub defaults: &'a Map<String, Value>,
    pub variables: &'a HashMap<String, String>,
    pub service_id: &'a str,
}

/// Why a SHOW or DESCRIBE gives no entity.
#[derive(Debug, thiserror::Error)]
pub enum EntityError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0} is not supported yet")]
    NotSupportedYet(String),
}

/// `SHOW|LIST ...`
pub fn show(
    engine: &Engine,
    target: &ShowTarget,
    text: &str,
    request: &RequestView,
) -> Result<Value, EntityError> {
    let catalog = engine.catalog();
    Ok(match target {
        ShowTarget::Streams { extended: false } => json!({
            "@type": "streams",
            "statementText": text,
            "streams": sources(catalog, SourceKind::Stream).map(list_item).collect::<Vec<_>>(),
            "warnings": [],
        }),
        ShowTarget::Tables { extended: false } => json!({
            "@type": "tables",
            "statementText": text,
            "tables": sources(catalog, SourceKind::Table).map(list_item).collect::<Vec<_>>(),
            "warnings": [],
        }),
        ShowTarget::Streams { extended: true } | ShowTarget::Tables { extended: true } => {
            let kind = if matches!(target, ShowTarget::Streams { .. }) {
                SourceKind::Stream
            } else {
                SourceKind::Table
            };
            describe_all(engine, kind, true, text)
        }
        ShowTarget::Queries { extended: false } => json!({
            "@type": "queries",
            "statementText": text,
            "queries": catalog.queries().map(|q| query_item(engine, q)).collect::<Vec<_>>(),
            "warnings": [],
        }),
        ShowTarget::Topics { all: _, extended: false } => {
            // Transient queries' topics are an implementation detail.
            let topics: Vec<Value> = engine
                .log()
                .topics()
                .into_iter()
                .filter(|t| !t.name.starts_with(TRANSIENT_TOPIC_PREFIX))
                .map(|t| json!({ "name": t.name, "replicaInfo": vec![1; t.partitions as usize] }))
                .collect();
            json!({ "@type": "kafka_topics", "statementText": text, "topics": topics, "warnings": [] })
        }
        ShowTarget::Properties => properties(text, request),
        ShowTarget::Types => {
            let types: Map<String, Value> =
                catalog.custom_types().map(|(name, ty)| (name.clone(), schema_info(ty))).collect();
            json!({ "@type": "type_list", "statementText": text, "types": types, "warnings": [] })
        }
        ShowTarget::Variables => {
            let mut variables: Vec<(&String, &String)> = request.variables.iter().collect();
            variables.sort();
            let variables: Vec<Value> =
                variables.into_iter().map(|(name, value)| json!({ "name": name, "value": value })).collect();
            json!({ "@type": "variables", "statementText": text, "variables": variables, "warnings": [] })
        }
        ShowTarget::Queries { extended: true } => {
            return Err(EntityError::NotSupportedYet("SHOW QUERIES EXTENDED".into()))
        }
        ShowTarget::Topics { extended: true, .. } => {
            return Err(EntityError::NotSupportedYet("SHOW TOPICS EXTENDED".into()))
        }
        ShowTarget::Functions => crate::functions::show_functions(text),
        ShowTarget::Connectors { .. } | ShowTarget::ConnectorPlugins => {
            return Err(EntityError::NotSupportedYet("Connectors".into()))
        }
    })
}

/// `DESCRIBE name [EXTENDED]`
pub fn describe(engine: &Engine, name: &str, extended: bool, text: &str) -> Result<Value, EntityError> {
    let catalog = engine.catalog();
    let source = catalog.source(name).ok_or_else(|| {
        EntityError::Invalid(format!("Could not find STREAM/TABLE '{name}' in the Metastore"))
    })?;
    Ok(json!({
        "@type": "sourceDescription",
        "statementText": text,
        "sourceDescription": source_description(engine, source, extended, &engine.query_metrics()),
        "warnings": [],
    }))
}

/// `DESCRIBE STREAMS|TABLES [EXTENDED]`
pub fn describe_all(engine: &Engine, kind: SourceKind, extended: bool, text: &str) -> Value {
    let catalog = engine.catalog();
    let metrics = engine.query_metrics();
    let descriptions: Vec<Value> =
        sources(catalog, kind).map(|s| source_description(engine, s, extended, &metrics)).collect();
    json!({
        "@type": "source_descriptions",
        "statementText": text,
        "sourceDescriptions": descriptions,
        "warnings": [],
    })
}

fn sources(catalog: &Catalog, kind: SourceKind) -> impl Iterator<Item = &DataSource> {
    catalog.sources().filter(move |s| s.kind == kind)
}

fn type_name(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Stream => "STREAM",
        SourceKind::Table => "TABLE",
    }
}

/// An item of `SHOW STREAMS` / `SHOW TABLES`.
fn list_item(source: &DataSource) -> Value {
    json!({
        "type": type_name(source.kind),
        "name": source.name,
        "topic": source.topic,
        "keyFormat": source.key_format.name,
        "valueFormat": source.value_format.name,
        "isWindowed": source.window.is_some(),
    })
}

/// An item of `SHOW QUERIES` (ksqlDB's RunningQuery), as this server sees
/// it: `ERROR` while the query waits to be tried again after failing.
fn query_item(engine: &Engine, query: &QueryInfo) -> Value {
    let catalog = engine.catalog();
    let state = if engine.query_failure(&query.id).is_some() { "ERROR" } else { "RUNNING" };
    let sink = query.writes.as_deref().and_then(|name| catalog.source(name));
    // A CREATE .. AS SELECT is listed with its whole statement, as ksqlDB does.
    let created = sink.filter(|s| s.from_query && !query.id.starts_with("INSERTQUERY"));
    json!({
        "queryString": created.map(|s| s.sql.clone()).unwrap_or_else(|| query.sql.clone()),
        "sinks": query.writes.iter().collect::<Vec<_>>(),
        "sinkKafkaTopics": sink.map(|s| vec![s.topic.clone()]).unwrap_or_default(),
        "id": query.id,
        "statusCount": { state: 1 },
        "queryType": "PERSISTENT",
        "state": state,
    })
}

/// `DESCRIBE EXTENDED`'s `statistics` and `errorStats` of a source, from
/// the metrics of the queries that read it (consumer) and write it
/// (producer), in ksqlDB's `name: value` form.
fn statistics(
    catalog: &Catalog,
    source: &DataSource,
    metrics: &[(String, QueryMetrics)],
) -> (String, String) {
    let of = |wanted: &dyn Fn(&QueryInfo) -> bool| -> QueryMetrics {
        let ids: Vec<&str> = catalog.queries().filter(|q| wanted(q)).map(|q| q.id.as_str()).collect();
        metrics.iter().filter(|(id, _)| ids.contains(&id.as_str())).fold(
            QueryMetrics::default(),
            |sum, (_, m)| QueryMetrics {
                records_read: sum.records_read + m.records_read,
                records_written: sum.records_written + m.records_written,
                processing_errors: sum.processing_errors + m.processing_errors,
                lag: sum.lag + m.lag,
                ..sum
            },
        )
    };
    let consumer = of(&|q| q.reads.contains(&source.name));
    let producer = of(&|q| q.writes.as_deref() == Some(source.name.as_str()));
    (
        format!(
            "consumer-total-messages: {} consumer-lag-messages: {} producer-total-messages: {}",
            consumer.records_read, consumer.lag, producer.records_written
        ),
        format!("consumer-failed-messages: {}", consumer.processing_errors),
    )
}

fn source_description(
    engine: &Engine,
    source: &DataSource,
    extended: bool,
    metrics: &[(String, QueryMetrics)],
) -> Value {
    let catalog = engine.catalog();
    let queries = |wanted: &dyn Fn(&QueryInfo) -> bool| -> Vec<Value> {
        catalog.queries().filter(|q| wanted(q)).map(|q| query_item(engine, q)).collect()
    };
    let fields: Vec<Value> = source
        .schema
        .columns()
        .iter()
        .map(|c| {
            let mut field = json!({ "name": c.name, "schema": schema_info(&c.sql_type) });
            match c.namespace {
                Namespace::Key => field["type"] = json!("KEY"),
                Namespace::Header(_) => field["type"] = json!("HEADER"),
                Namespace::Value => {}
            }
            field
        })
        .collect();
    let (stats, error_stats) =
        if extended { statistics(catalog, source, metrics) } else { (String::new(), String::new()) };
    let window_type = source.window.map(|w| match w.window_type {
        WindowType::Tumbling => "TUMBLING",
        WindowType::Hopping => "HOPPING",
        WindowType::Session => "SESSION",
    });
    json!({
        "name": source.name,
        "windowType": window_type,
        "readQueries": queries(&|q| q.reads.contains(&source.name)),
        "writeQueries": queries(&|q| q.writes.as_deref() == Some(source.name.as_str())),
        "fields": fields,
        "type": type_name(source.kind),
        "timestamp": source.timestamp.as_ref().map(|t| t.column.clone()).unwrap_or_default(),
        "statistics": stats,
        "errorStats": error_stats,
        "extended": extended,
        "keyFormat": source.key_format.name,
        "valueFormat": source.value_format.name,
        "topic": source.topic,
        "partitions": source.partitions.unwrap_or(1),
        "replication": source.replicas.unwrap_or(1),
        "statement": source.sql,
        "queryOffsetSummaries": [],
        "sourceConstraints": [],
    })
}

/// ksqlDB's SchemaInfo: the base type, with struct fields, the element or
/// map value type, and a decimal's precision and scale.
pub fn schema_info(ty: &SqlType) -> Value {
    let (name, fields, member) = match ty {
        SqlType::Boolean => ("BOOLEAN", None, None),
        SqlType::Int => ("INTEGER", None, None),
        SqlType::Bigint => ("BIGINT", None, None),
        SqlType::Double => ("DOUBLE", None, None),
        SqlType::Decimal { .. } => ("DECIMAL", None, None),
        SqlType::String => ("STRING", None, None),
        SqlType::Bytes => ("BYTES", None, None),
        SqlType::Date => ("DATE", None, None),
        SqlType::Time => ("TIME", None, None),
        SqlType::Timestamp => ("TIMESTAMP", None, None),
        SqlType::Array(element) => ("ARRAY", None, Some(schema_info(element))),
        SqlType::Map(_, value) => ("MAP", None, Some(schema_info(value))),
        SqlType::Struct(members) => {
            let fields: Vec<Value> =
                members.iter().map(|(n, t)| json!({ "name": n, "schema": schema_info(t) })).collect();
            ("STRUCT", Some(fields), None)
        }
    };
    let mut info = json!({ "type": name, "fields": fields, "memberSchema": member });
    if let SqlType::Decimal { precision, scale } = ty {
        info["parameters"] = json!({ "precision": precision, "scale": scale });
    }
    info
}

/// `SHOW PROPERTIES`: the server's settings, the properties a request may
/// set with their server defaults (see [`crate::properties`]), and what
/// this request set over them.
fn properties(text: &str, request: &RequestView) -> Value {
    let item = |name: &str, value: String, editable: bool, level: &str| json!({ "name": name, "scope": "KSQL", "value": value, "editable": editable, "level": level });
    // The request's properties hold the server's defaults too.
    let overridden = |name: &str| {
        request.properties.get(name).is_some_and(|value| request.defaults.get(name) != Some(value))
    };
    let mut items = vec![item(SERVICE_ID, request.service_id.to_string(), false, "SERVER")];
    let defaults = REQUEST_PROPERTIES
        .iter()
        .map(|p| {
            (p.name.to_string(), request.defaults.get(p.name).map(property_text).unwrap_or(p.default.into()))
        })
        .chain(
            request
                .defaults
                .iter()
                .filter(|(name, _)| !is_request_property(name))
                .map(|(name, value)| (name.clone(), property_text(value))),
        );
    for (name, value) in defaults {
        if !overridden(&name) {
            items.push(item(&name, value, true, "SERVER"));
        }
    }
    let mut overwritten = Vec::new();
    for (name, value) in request.properties.iter().filter(|(name, _)| overridden(name)) {
        items.push(item(name, property_text(value), true, "QUERY"));
        overwritten.push(name.clone());
    }
    json!({
        "@type": "properties",
        "statementText": text,
        "properties": items,
        "overwrittenProperties": overwritten,
        "defaultProperties": [],
        "warnings": [],
    })
}

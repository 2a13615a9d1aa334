//! Runs a QTT case through the real engine, in process and deterministically:
//! the statements in order, then the input records in file order, then every
//! query until it has nothing left to read; then the output topics are read
//! back and compared with the expected records.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;
use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Field, Fields, Float64Type, Int32Type, Int64Type};
use serde_json::Value;
use sluice_catalog::{DataSource, FormatDefaults, LogicalSchema, Namespace, SqlType, WindowType};
use sluice_engine::{Engine, EngineConfig, QueryOptions};
use sluice_formats::registry::{subject, RegisteredSchema, SchemaReference, SchemaType};
use sluice_formats::{avro, protobuf};
use sluice_formats::{Decoder, Encoder, Format, MemorySchemaRegistry, Registry, SchemaSubject};
use sluice_log::{Header, Log, MemoryLog, Record, StoredRecord};
use sluice_runtime::{
    append_window, decoder, register_schemas, schema_subject, side_unwrapped, split_window, AggregateConfig,
};
use sluice_sql::ast::Statement;
use sluice_sql::parse_script;

use crate::compare::{compare_outputs, ActualRecord, ActualValue, NumberMode};
use crate::qtt::{PostConditions, QttCase, TestRecord, WindowKind, WindowSpec};
use crate::report::CaseResult;

/// Runs one case and says whether it passed.
pub fn run_case(case: &QttCase) -> CaseResult {
    // A panic is a bug in Sluice; report it as this case's failure and go
    // on with the other cases.
    match std::panic::catch_unwind(|| run(case)) {
        Ok(Ok(result)) => result,
        Ok(Err(reason)) => CaseResult::fail(&case.name, reason),
        Err(_) => CaseResult::fail(&case.name, "Sluice panicked (see the message above)"),
    }
}

fn run(case: &QttCase) -> Result<CaseResult, String> {
    let statements = match parse_statements(case) {
        Ok(statements) => statements,
        Err(message) => return Ok(rejected(case, &message, true)),
    };
    let log: Arc<MemoryLog> = Arc::new(MemoryLog::new());
    let registry = MemorySchemaRegistry::shared();
    register_statement_schemas(case, &statements, &registry);
    let topic_schemas = register_topic_schemas(case, &registry)?;
    let mut engine = Engine::with_registry(log.clone(), registry, config(case)?);
    create_topics(case, &statements, log.as_ref())?;

    let last = statements.len().saturating_sub(1);
    for (i, statement) in statements.iter().enumerate() {
        if let Err(error) = engine.execute(statement) {
            // Refusing what Sluice cannot do yet is no match for a case
            // where ksqlDB refuses the statement for a reason of its own.
            if error.is_not_supported_yet() {
                return Err(format!("statement failed: {error}"));
            }
            return Ok(rejected(case, &error.to_string(), i == last));
        }
    }
    for input in &case.inputs {
        let record = encode_input(input, &engine, &topic_schemas)?;
        if log.topic(&input.topic).is_none() {
            log.create_topic(&input.topic, 1).map_err(|e| e.to_string())?;
        }
        log.append(&input.topic, 0, record).map_err(|e| e.to_string())?;
    }
    if let Err(error) = engine.run_until_idle() {
        // ksqlDB's expected exceptions include errors raised while records
        // are processed.
        return Ok(match &case.expected_exception {
            Some(_) => rejected(case, &error.to_string(), true),
            None => CaseResult::fail(&case.name, format!("query failed: {error}")),
        });
    }

    if let Some(expected) = &case.expected_exception {
        return Ok(CaseResult::fail(
            &case.name,
            format!(
                "expected an error ({}), but every statement and record was processed",
                expected.message.as_deref().unwrap_or("?")
            ),
        ));
    }
    let mut actual: HashMap<String, Vec<ActualRecord>> = HashMap::new();
    for (topic, _) in case.outputs_by_topic() {
        actual.insert(topic.to_string(), read_topic(topic, &engine, number_mode(case))?);
    }
    compare_outputs(case, &actual)?;
    if let Some(post) = &case.post {
        check_post(post, &engine)?;
    }
    Ok(CaseResult::pass(&case.name))
}

/// `use.exact.numeric.comparison=false` compares numbers as doubles.
pub(crate) fn number_mode(case: &QttCase) -> NumberMode {
    let exact = case.properties.get("use.exact.numeric.comparison");
    let inexact = matches!(exact, Some(Value::Bool(false))) || exact.and_then(Value::as_str) == Some("false");
    if inexact {
        NumberMode::Double
    } else {
        NumberMode::Exact
    }
}

/// The outcome when a statement fails: a pass only if the case expects it
/// (of the last statement).
fn rejected(case: &QttCase, message: &str, was_last: bool) -> CaseResult {
    match &case.expected_exception {
        Some(expected) if was_last => {
            let mut result = CaseResult::pass(&case.name);
            result.message_matched = expected.message_matches(message);
            result
        }
        _ => CaseResult::fail(&case.name, format!("statement failed: {message}")),
    }
}

pub(crate) fn parse_statements(case: &QttCase) -> Result<Vec<Statement>, String> {
    let mut variables = HashMap::new();
    let mut statements = Vec::new();
    for text in &case.statements {
        for parsed in parse_script(text, &mut variables) {
            let parsed = parsed.map_err(|e| format!("{e}"))?;
            statements.push(parsed.statement);
        }
    }
    Ok(statements)
}

/// The `ksql.functions.*` properties of the case (numbers or strings).
fn aggregate_config(case: &QttCase) -> Result<AggregateConfig, String> {
    let texts: Vec<(&str, String)> = case
        .properties
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
        .collect();
    AggregateConfig::from_properties(texts.iter().map(|(k, v)| (*k, v.as_str())))
}

fn config(case: &QttCase) -> Result<EngineConfig, String> {
    let property = |name: &str| case.properties.get(name).and_then(Value::as_str).map(str::to_string);
    Ok(EngineConfig {
        formats: FormatDefaults {
            key: property("ksql.persistence.default.format.key").unwrap_or_else(|| "KAFKA".into()),
            value: property("ksql.persistence.default.format.value"),
            wrap_single_values: property("ksql.persistence.wrap.single.values").map(|v| v == "true"),
        },
        default_partitions: 1,
        first_query_number: 0,
        query_options: QueryOptions {
            fail_on_invalid_timestamp: property("ksql.timestamp.throw.on.invalid").as_deref() == Some("true"),
            aggregates: aggregate_config(case)?,
        },
        ..EngineConfig::default()
    })
}

/// The topics a case's sources read, as the test harness creates them
/// before any statement runs.
fn create_topics(case: &QttCase, statements: &[Statement], log: &dyn Log) -> Result<(), String> {
    let create = |name: &str, partitions: u32| -> Result<(), String> {
        if log.topic(name).is_none() {
            log.create_topic(name, partitions.max(1)).map_err(|e| e.to_string())?;
        }
        Ok(())
    };
    for topic in &case.topics {
        create(&topic.name, topic.partitions.unwrap_or(1))?;
    }
    for statement in statements {
        if let Statement::CreateSource(source) = statement {
            if let Some(sluice_sql::ast::Literal::String(topic)) = source.properties.get("KAFKA_TOPIC") {
                create(topic, 1)?;
            }
        }
    }
    for input in &case.inputs {
        create(&input.topic, 1)?;
    }
    Ok(())
}

/// ksqlDB's harness registers the schemas of the topics that CREATE STREAM/TABLE
/// statements declare (and the case does not) first, so their ids come before
/// those of the case's topics. A statement that does not hold up is left to fail
/// when it runs.
pub(crate) fn register_statement_schemas(case: &QttCase, statements: &[Statement], registry: &Registry) {
    let Ok(config) = config(case) else { return };
    for statement in statements {
        let Statement::CreateSource(create) = statement else { continue };
        let Ok(source) = DataSource::from_create(create, &|_| None, &config.formats) else { continue };
        if !case.topics.iter().any(|t| t.name == source.topic) {
            let _ = register_schemas(&source, registry);
        }
    }
}

/// The AVRO and PROTOBUF schemas the case's topics declare, registered as the test harness
/// does before any statement runs (under the ids given, if any). Returns the id
/// of each subject's schema: input records are written with it.
pub(crate) fn register_topic_schemas(
    case: &QttCase,
    registry: &Registry,
) -> Result<HashMap<String, u32>, String> {
    let mut ids = HashMap::new();
    for topic in &case.topics {
        let sides = [
            (true, &topic.key_format, &topic.key_schema, topic.key_schema_id),
            (false, &topic.value_format, &topic.value_schema, topic.value_schema_id),
        ];
        for (key, format, schema, id) in sides {
            let Some(schema) = schema else { continue };
            let schema_type = match format.as_deref().map(str::to_ascii_uppercase).as_deref() {
                Some("AVRO") => SchemaType::Avro,
                Some("PROTOBUF") => SchemaType::Protobuf,
                Some("JSON_SR" | "JSON") => SchemaType::Json,
                None if !schema.is_string() => SchemaType::Avro,
                _ => continue,
            };
            let text = match schema {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            let references = if key { &topic.key_schema_references } else { &topic.value_schema_references };
            let registered =
                RegisteredSchema { schema_type, text, references: schema_references(references) };
            let subject = subject(&topic.name, key);
            let id = match id.map(u32::try_from) {
                Some(Ok(id)) => {
                    registry.register_with_id(&subject, registered, id).map_err(|e| e.to_string())?;
                    id
                }
                Some(Err(_)) => return Err(format!("topic {}: invalid schema id", topic.name)),
                None => registry.register(&subject, registered).map_err(|e| e.to_string())?,
            };
            ids.insert(subject, id);
        }
    }
    Ok(ids)
}

/// A case's `keySchemaReferences`/`valueSchemaReferences`: the imported schemas
/// by name.
fn schema_references(references: &Option<Value>) -> Vec<SchemaReference> {
    let Some(Value::Array(references)) = references else { return Vec::new() };
    references
        .iter()
        .filter_map(|r| {
            let name = r.get("name")?.as_str()?.to_string();
            let text = r.get("schema")?.as_str()?.to_string();
            Some(SchemaReference { name, text })
        })
        .collect()
}

/// The source that describes a topic's records: the first one over it.
fn source_for_topic<'a>(engine: &'a Engine, topic: &str) -> Option<&'a DataSource> {
    engine.catalog().sources().find(|s| s.topic == topic)
}

fn format(spec: &sluice_catalog::FormatSpec) -> Result<Format, String> {
    Format::from_name(&spec.name, spec.delimiter.as_deref()).map_err(|e| e.to_string())
}

/// Serializes a test record the way the topic's source expects it (or, for
/// AVRO, with the schema the case gives the topic).
pub(crate) fn encode_input(
    input: &TestRecord,
    engine: &Engine,
    topic_schemas: &HashMap<String, u32>,
) -> Result<Record, String> {
    let encode = |value: Option<&Value>, source: &DataSource, namespace: Namespace| {
        let key = namespace == Namespace::Key;
        // JSON_SR payloads are JSON text whatever the schema: only AVRO and PROTOBUF
        // need the topic's schema to be written.
        let spec = if key { &source.key_format } else { &source.value_format };
        let given = topic_schemas
            .get(&subject(&input.topic, key))
            .filter(|_| matches!(spec.name.as_str(), "AVRO" | "PROTOBUF"));
        match (given, value.filter(|v| !v.is_null())) {
            (Some(id), Some(value)) => {
                // The message the source names, when it reads this schema.
                let name = spec.schema_name.as_deref().filter(|_| spec.schema_id == Some(*id));
                encode_with_schema(value, *id, name, engine.registry(), key)
            }
            _ => encode_side(value, source, namespace, engine.registry()),
        }
    };
    let source = source_for_topic(engine, &input.topic);
    let (key, value) = match source {
        Some(source) => {
            let mut key = encode(input.key.as_ref(), source, Namespace::Key)?;
            if let (Some(info), Some(window)) = (&source.window, &input.window) {
                let mut bytes = key.unwrap_or_default();
                append_window(&mut bytes, info, window.start, window.end);
                key = Some(bytes);
            }
            (key, encode(Some(&input.value), source, Namespace::Value)?)
        }
        // A topic no source reads: write the JSON as it is.
        None => {
            (input.key.as_ref().map(json_bytes), Some(&input.value).filter(|v| !v.is_null()).map(json_bytes))
        }
    };
    let headers = match &input.headers {
        Some(headers) => {
            headers.iter().map(|h| Header { key: h.key.clone(), value: h.bytes.clone() }).collect()
        }
        None => Vec::new(),
    };
    Ok(Record { key, value, timestamp: input.timestamp.unwrap_or(0), headers })
}

/// Writes a JSON test value as a payload of the registered schema `id`: read
/// into the schema's own type, then written with it.
fn encode_with_schema(
    value: &Value,
    id: u32,
    name: Option<&str>,
    registry: &Registry,
    key: bool,
) -> Result<Option<Vec<u8>>, String> {
    let schema = registry.schema(id).ok_or_else(|| format!("schema {id} is not registered"))?;
    let (format, dt) = match schema.schema_type {
        SchemaType::Avro => (Format::Avro, avro::infer_type(&schema.text)),
        SchemaType::Protobuf => (Format::Protobuf, protobuf::infer_type(&schema, name)),
        SchemaType::Json => return Err("JSON schemas are not supported yet".into()),
    };
    let dt = dt.map_err(|e| e.to_string())?;
    // A PROTOBUF message is its fields: the test value is an object of them.
    let (fields, unwrapped) = match (format, dt) {
        (Format::Protobuf, DataType::Struct(fields)) => (fields, false),
        (_, dt) => (Fields::from(vec![Field::new("ROOT", dt, true)]), true),
    };
    let decoded = Decoder::new(&Format::Json, fields.clone(), unwrapped, None)
        .map_err(|e| e.to_string())?
        .decode(&[Some(value.to_string().as_bytes())]);
    if let Some((_, error)) = decoded.errors.first() {
        return Err(format!("cannot write test record {value}: {error}"));
    }
    let subject = SchemaSubject {
        registry: registry.clone(),
        subject: String::new(),
        schema_id: Some(id),
        full_name: name.map(str::to_string),
        key,
        protobuf_nulls: Default::default(),
    };
    let encoder = Encoder::new(&format, fields, unwrapped, Some(&subject)).map_err(|e| e.to_string())?;
    encoder.encode(&decoded.columns, 1).into_iter().next().unwrap_or(Ok(None)).map_err(|e| e.to_string())
}

fn json_bytes(value: &Value) -> Vec<u8> {
    match value {
        Value::String(s) => s.as_bytes().to_vec(),
        other => other.to_string().into_bytes(),
    }
}

fn side_fields(schema: &LogicalSchema, namespace: Namespace) -> datafusion::arrow::datatypes::Fields {
    match namespace {
        Namespace::Key => schema.key_fields(),
        _ => schema.value_fields(),
    }
}

fn encode_side(
    value: Option<&Value>,
    source: &DataSource,
    namespace: Namespace,
    registry: &Registry,
) -> Result<Option<Vec<u8>>, String> {
    let Some(value) = value.filter(|v| !v.is_null()) else { return Ok(None) };
    // A keyless source ignores whatever key the record has: write it as given.
    if side_fields(&source.schema, namespace.clone()).is_empty() {
        return Ok(Some(json_bytes(value)));
    }
    let spec = if namespace == Namespace::Key { &source.key_format } else { &source.value_format };
    match format(spec)? {
        Format::None => Ok(None),
        Format::Json => Ok(Some(value.to_string().into_bytes())),
        Format::JsonSr => {
            let mut framed = vec![0];
            framed.extend_from_slice(&sluice_formats::JSON_SR_SCHEMA_ID.to_be_bytes());
            framed.extend_from_slice(value.to_string().as_bytes());
            Ok(Some(framed))
        }
        Format::Delimited { .. } => Ok(Some(json_bytes(value))),
        kafka @ Format::Kafka => {
            // Read the JSON form into the column's type, then write it as KAFKA.
            let fields = side_fields(&source.schema, namespace);
            let decoded = Decoder::new(&Format::Json, fields.clone(), true, None)
                .map_err(|e| e.to_string())?
                .decode(&[Some(value.to_string().as_bytes())]);
            if let Some((_, error)) = decoded.errors.first() {
                return Err(format!("cannot write test record {value}: {error}"));
            }
            let encoded = Encoder::new(&kafka, fields, true, None)
                .map_err(|e| e.to_string())?
                .encode(&decoded.columns, 1);
            encoded.into_iter().next().unwrap_or(Ok(None)).map_err(|e| e.to_string())
        }
        avro_or_protobuf @ (Format::Avro | Format::Protobuf | Format::ProtobufNoSr) => {
            // Read the JSON form into the columns, then write them with the
            // source's schema.
            let key = namespace == Namespace::Key;
            let fields = side_fields(&source.schema, namespace);
            let unwrapped = side_unwrapped(source, key);
            let decoded = Decoder::new(&Format::Json, fields.clone(), unwrapped, None)
                .map_err(|e| e.to_string())?
                .decode(&[Some(value.to_string().as_bytes())]);
            if let Some((_, error)) = decoded.errors.first() {
                return Err(format!("cannot write test record {value}: {error}"));
            }
            let subject = schema_subject(source, registry, key);
            let encoder = Encoder::new(&avro_or_protobuf, fields, unwrapped, Some(&subject))
                .map_err(|e| e.to_string())?;
            let encoded = encoder.encode(&decoded.columns, 1);
            encoded.into_iter().next().unwrap_or(Ok(None)).map_err(|e| e.to_string())
        }
    }
}

/// Reads a topic back as the records the comparison expects.
pub(crate) fn read_topic(
    topic: &str,
    engine: &Engine,
    numbers: NumberMode,
) -> Result<Vec<ActualRecord>, String> {
    let log = engine.log();
    let Some(info) = log.topic(topic) else { return Ok(Vec::new()) };
    let mut records: Vec<StoredRecord> = Vec::new();
    for partition in 0..info.partitions {
        records.extend(log.read(topic, partition, 0, usize::MAX).map_err(|e| e.to_string())?);
    }
    records.sort_by_key(|r| r.sequence);
    let source = source_for_topic(engine, topic);
    records
        .iter()
        .map(|r| {
            let (key_bytes, window) = match source {
                Some(s) => split_windowed_key(r.record.key.as_deref(), s),
                None => (r.record.key.as_deref(), None),
            };
            Ok(ActualRecord {
                key: match source {
                    Some(s) => decode_side(key_bytes, s, Namespace::Key, numbers, engine.registry())?,
                    None => key_bytes.map(|k| raw_value(k, numbers)),
                },
                value: match source {
                    Some(s) => decode_side(
                        r.record.value.as_deref(),
                        s,
                        Namespace::Value,
                        numbers,
                        engine.registry(),
                    )?
                    .unwrap_or(ActualValue::Null),
                    None => {
                        r.record.value.as_deref().map(|v| raw_value(v, numbers)).unwrap_or(ActualValue::Null)
                    }
                },
                timestamp: r.record.timestamp,
                window,
                headers: r.record.headers.iter().map(|h| (h.key.clone(), h.value.clone())).collect(),
            })
        })
        .collect()
}

/// A windowed source's key: the inner key bytes and the window.
fn split_windowed_key<'a>(
    key: Option<&'a [u8]>,
    source: &DataSource,
) -> (Option<&'a [u8]>, Option<WindowSpec>) {
    let (Some(key), Some(info)) = (key, &source.window) else { return (key, None) };
    match split_window(key, info) {
        Some((inner, start, end)) => {
            let kind =
                if info.window_type == WindowType::Session { WindowKind::Session } else { WindowKind::Time };
            (Some(inner), Some(WindowSpec { start, end, kind }))
        }
        None => (Some(key), None),
    }
}

/// Bytes of unknown format: JSON if they parse, else text.
fn raw_value(bytes: &[u8], numbers: NumberMode) -> ActualValue {
    serde_json::from_slice::<Value>(bytes)
        .map(|v| ActualValue::from_json(&v, numbers))
        .unwrap_or_else(|_| ActualValue::String(String::from_utf8_lossy(bytes).into_owned()))
}

fn decode_side(
    payload: Option<&[u8]>,
    source: &DataSource,
    namespace: Namespace,
    numbers: NumberMode,
    registry: &Registry,
) -> Result<Option<ActualValue>, String> {
    let Some(payload) = payload else { return Ok(None) };
    let spec = if namespace == Namespace::Key { &source.key_format } else { &source.value_format };
    match format(spec)? {
        Format::None => Ok(None),
        Format::Json => Ok(Some(raw_value(payload, numbers))),
        // The schema registry's prefix: a magic byte 0 and a schema id.
        Format::JsonSr => {
            let value = raw_value(payload.get(5..).unwrap_or_default(), numbers);
            Ok(Some(typed(value, source, namespace)))
        }
        Format::Delimited { .. } => {
            Ok(Some(ActualValue::String(String::from_utf8_lossy(payload).into_owned())))
        }
        kafka @ Format::Kafka => {
            let fields = side_fields(&source.schema, namespace);
            let decoded =
                Decoder::new(&kafka, fields, true, None).map_err(|e| e.to_string())?.decode(&[Some(payload)]);
            if let Some((_, error)) = decoded.errors.first() {
                return Ok(Some(ActualValue::String(format!("<undecodable: {error}>"))));
            }
            Ok(decoded.columns.first().map(|c| arrow_value(c, 0)))
        }
        Format::Avro | Format::Protobuf | Format::ProtobufNoSr => {
            // Read the columns, then compare their JSON form.
            let key = namespace == Namespace::Key;
            let decoded = decoder(source, registry, key).map_err(|e| e.to_string())?.decode(&[Some(payload)]);
            if let Some((_, error)) = decoded.errors.first() {
                return Ok(Some(ActualValue::String(format!("<undecodable: {error}>"))));
            }
            let fields = side_fields(&source.schema, namespace.clone());
            let json = Encoder::new(&Format::Json, fields, side_unwrapped(source, key), None)
                .map_err(|e| e.to_string())?
                .encode(&decoded.columns, 1);
            match json.into_iter().next() {
                Some(Ok(Some(bytes))) => Ok(Some(typed(raw_value(&bytes, numbers), source, namespace))),
                Some(Ok(None)) | None => Ok(Some(ActualValue::Null)),
                Some(Err(error)) => Ok(Some(ActualValue::String(format!("<unwritable: {error}>")))),
            }
        }
    }
}

/// A value read by a schema-aware deserializer, typed as ksqlDB's harness
/// sees it: the numbers of DOUBLE columns (and fields and elements) are
/// Java `Double`s, whatever their JSON text (`0.0` then matches an expected
/// `0`), where plain JSON reads them as `BigDecimal`s.
fn typed(value: ActualValue, source: &DataSource, namespace: Namespace) -> ActualValue {
    let key = namespace == Namespace::Key;
    let fields = side_fields(&source.schema, namespace);
    if side_unwrapped(source, key) {
        return match fields.first() {
            Some(field) => as_type(value, field.data_type()),
            None => value,
        };
    }
    let columns = DataType::Struct(fields);
    as_type(value, &columns)
}

fn as_type(value: ActualValue, data_type: &DataType) -> ActualValue {
    match (value, data_type) {
        (ActualValue::Decimal(text), DataType::Float64) => {
            text.parse().map(ActualValue::Double).unwrap_or(ActualValue::Decimal(text))
        }
        (ActualValue::Int(i), DataType::Float64) => ActualValue::Double(i as f64),
        (ActualValue::Array(items), DataType::List(element)) => {
            ActualValue::Array(items.into_iter().map(|item| as_type(item, element.data_type())).collect())
        }
        (ActualValue::Map(entries), DataType::Struct(fields)) => ActualValue::Map(
            entries
                .into_iter()
                .map(|(name, v)| {
                    let field = fields.iter().find(|f| f.name() == &name);
                    let v = match field {
                        Some(field) => as_type(v, field.data_type()),
                        None => v,
                    };
                    (name, v)
                })
                .collect(),
        ),
        (ActualValue::Map(entries), DataType::Map(entry, _)) => match entry.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => ActualValue::Map(
                entries.into_iter().map(|(k, v)| (k, as_type(v, kv[1].data_type()))).collect(),
            ),
            _ => ActualValue::Map(entries),
        },
        (other, _) => other,
    }
}

/// One value of a KAFKA-format column, typed as ksqlDB's test serdes type it.
fn arrow_value(array: &ArrayRef, row: usize) -> ActualValue {
    if array.is_null(row) {
        return ActualValue::Null;
    }
    match array.data_type() {
        DataType::Int32 => ActualValue::Int(array.as_primitive::<Int32Type>().value(row) as i64),
        DataType::Int64 => ActualValue::Int(array.as_primitive::<Int64Type>().value(row)),
        DataType::Float64 => ActualValue::Double(array.as_primitive::<Float64Type>().value(row)),
        DataType::Utf8 => ActualValue::String(array.as_string::<i32>().value(row).to_string()),
        DataType::Binary => ActualValue::String(
            base64::engine::general_purpose::STANDARD.encode(array.as_binary::<i32>().value(row)),
        ),
        other => ActualValue::String(format!("<{other}>")),
    }
}

/// `post.sources` and `post.topics`: the catalog and the topics after the run.
fn check_post(post: &PostConditions, engine: &Engine) -> Result<(), String> {
    for expected in &post.sources {
        let source = engine
            .catalog()
            .source(&expected.name)
            .ok_or_else(|| format!("post: source {} does not exist", expected.name))?;
        let kind = source.kind_name().to_lowercase();
        if !expected.type_.eq_ignore_ascii_case(&kind) {
            return Err(format!("post: {} is a {kind}, expected a {}", expected.name, expected.type_));
        }
        if let Some(schema) = &expected.schema {
            let wanted = parse_schema(schema)?;
            if wanted != source.schema {
                return Err(format!(
                    "post: {} has schema {}, expected {}",
                    expected.name, source.schema, wanted
                ));
            }
        }
        if let Some(key_format) = &expected.key_format {
            if !key_format.format.eq_ignore_ascii_case(&source.key_format.name) {
                return Err(format!(
                    "post: {} has key format {}, expected {}",
                    expected.name, source.key_format.name, key_format.format
                ));
            }
        }
        if let Some(value_format) = &expected.value_format {
            if !value_format.eq_ignore_ascii_case(&source.value_format.name) {
                return Err(format!(
                    "post: {} has value format {}, expected {value_format}",
                    expected.name, source.value_format.name
                ));
            }
        }
    }
    if let Some(topics) = &post.topics {
        if let Some(blacklist) = &topics.blacklist {
            let pattern = regex::Regex::new(&format!("^(?:{blacklist})$")).map_err(|e| e.to_string())?;
            if let Some(topic) = engine.log().topics().into_iter().find(|t| pattern.is_match(&t.name)) {
                return Err(format!("post: topic {} should not exist", topic.name));
            }
        }
        for expected in &topics.topics {
            if engine.log().topic(&expected.name).is_none() {
                return Err(format!("post: topic {} does not exist", expected.name));
            }
        }
    }
    Ok(())
}

/// A schema as QTT files write it (`ID INT KEY, V STRING`), read by
/// declaring a stream with those columns.
fn parse_schema(schema: &str) -> Result<LogicalSchema, String> {
    let sql = format!("CREATE STREAM X ({schema}) WITH (KAFKA_TOPIC='x', VALUE_FORMAT='JSON');");
    let Ok(Statement::CreateSource(create)) = sluice_sql::parse_statement(&sql) else {
        return Err(format!("post: cannot read schema {schema}"));
    };
    let columns = create
        .columns
        .iter()
        .map(|c| {
            let sql_type = SqlType::resolve(&c.data_type, &|_| None).map_err(|e| e.to_string())?;
            let namespace = match &c.constraint {
                sluice_sql::ast::ColumnConstraint::Key | sluice_sql::ast::ColumnConstraint::PrimaryKey => {
                    Namespace::Key
                }
                sluice_sql::ast::ColumnConstraint::Headers => Namespace::Header(None),
                sluice_sql::ast::ColumnConstraint::Header(k) => Namespace::Header(Some(k.clone())),
                sluice_sql::ast::ColumnConstraint::None => Namespace::Value,
            };
            Ok(sluice_catalog::Column { name: c.name.0.clone(), sql_type, namespace })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(LogicalSchema::new(columns))
}

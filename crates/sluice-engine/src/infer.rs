//! Schema inference: a CREATE STREAM/TABLE over a topic whose schemas are in the
//! schema registry may leave out its key or value columns; they are read from the
//! registered schema (the one named by `KEY_SCHEMA_ID` / `VALUE_SCHEMA_ID`, else the
//! subject's latest), and the statement is completed with them, as ksqlDB does:
//!
//! - the key is one column, `ROWKEY`, of the whole schema's type (keys are never
//!   wrapped, so a record key is a STRUCT);
//! - a record value gives one column per field; any other value schema, or a record
//!   with `WRAP_SINGLE_VALUE=false`, gives the one column `ROWVAL`;
//! - names are upper-cased, nested STRUCT fields' too, unless the schema is named by
//!   id: then the columns must be the schema's own fields, to write it back.

use std::borrow::Cow;

use sluice_catalog::{Column, DataSource, FormatDefaults, SqlType, WithClause};
use sluice_formats::registry::{subject, RegisteredSchema, SchemaType};
use sluice_formats::Registry;
use sluice_formats::{avro, json_schema, protobuf};
use sluice_sql::ast::{ColumnConstraint, ColumnDef, CreateSource, Ident, Literal, Property, SourceKind};

use crate::error::{EngineError, Result};

/// The name of an inferred key that is not a record.
const ROWKEY: &str = "ROWKEY";
/// The name of an inferred value that is not a record.
const ROWVAL: &str = "ROWVAL";

/// `create`, with the key and value columns it leaves out read from the registry
/// when its formats keep schemas there.
pub fn with_inferred_columns<'a>(
    create: &'a CreateSource,
    registry: &Registry,
    defaults: &FormatDefaults,
) -> Result<Cow<'a, CreateSource>> {
    let with = WithClause::new(&create.properties)?;
    let Some(topic) = with.string("KAFKA_TOPIC") else { return Ok(Cow::Borrowed(create)) };
    let format = with.string("FORMAT");
    let value_format =
        format.clone().or_else(|| with.string("VALUE_FORMAT")).or_else(|| defaults.value.clone());
    let key_format = format.or_else(|| with.string("KEY_FORMAT"));
    let has_key = create.columns.iter().any(|c| c.constraint != ColumnConstraint::None);
    if with.contains("KEY_SCHEMA_ID") {
        let format = key_format.as_deref().unwrap_or(&defaults.key).to_ascii_uppercase();
        if !inferable(&format) {
            return Err(EngineError::Invalid(format!(
                "KEY_FORMAT should support schema inference when KEY_SCHEMA_ID is provided. Current format is {format}."
            )));
        }
        if has_key {
            return Err(EngineError::Invalid(
                "Table elements and KEY_SCHEMA_ID cannot both exist for create statement.".into(),
            ));
        }
    }
    let has_value = create.columns.iter().any(|c| c.constraint == ColumnConstraint::None);

    let mut columns: Vec<ColumnDef> = Vec::new();
    let key_constraint = match create.kind {
        SourceKind::Stream => ColumnConstraint::Key,
        SourceKind::Table => ColumnConstraint::PrimaryKey,
    };
    // The key: only when the statement names a key format that has schemas, and a
    // schema is there (a keyless stream over such a topic stays keyless).
    if let Some(name) = key_format.as_deref().filter(|_| !has_key) {
        let id = with.integer("KEY_SCHEMA_ID")?;
        if inferable(name) {
            if let Some(schema) = registered(registry, &topic, true, id)? {
                let name = with.string("KEY_SCHEMA_FULL_NAME");
                match schema_type(&schema, name.as_deref(), id.is_none())? {
                    // A PROTOBUF key is a message: its fields are the key columns.
                    SqlType::Struct(fields) if schema.schema_type == SchemaType::Protobuf => columns.extend(
                        fields.into_iter().map(|(name, ty)| column(&name, ty, key_constraint.clone())),
                    ),
                    whole => columns.push(column(ROWKEY, whole, key_constraint)),
                }
            }
        }
    }
    columns.extend(create.columns.iter().filter(|c| c.constraint != ColumnConstraint::None).cloned());
    let mut unwrapped_value = false;
    if let Some(name) = value_format.as_deref().filter(|_| !has_value) {
        let id = with.integer("VALUE_SCHEMA_ID")?;
        if inferable(name) {
            let schema = registered(registry, &topic, false, id)?.ok_or_else(|| {
                EngineError::Invalid(format!(
                    "Schema for message values on topic '{topic}' does not exist in the Schema Registry.\
                     Subject: {}",
                    subject(&topic, false)
                ))
            })?;
            let name =
                with.string("VALUE_SCHEMA_FULL_NAME").or_else(|| with.string("VALUE_AVRO_SCHEMA_FULL_NAME"));
            match schema_type(&schema, name.as_deref(), id.is_none())? {
                SqlType::Struct(fields) if with.boolean("WRAP_SINGLE_VALUE")? != Some(false) => columns
                    .extend(fields.into_iter().map(|(name, ty)| column(&name, ty, ColumnConstraint::None))),
                whole => {
                    unwrapped_value = true;
                    columns.push(column(ROWVAL, whole, ColumnConstraint::None));
                }
            }
        }
    }
    columns.extend(create.columns.iter().filter(|c| c.constraint == ColumnConstraint::None).cloned());
    if columns.len() == create.columns.len() {
        return Ok(Cow::Borrowed(create));
    }
    let mut completed = create.clone();
    completed.columns = columns;
    // A value schema that is not a record is the value itself, not a wrapper of it.
    if unwrapped_value && !with.contains("WRAP_SINGLE_VALUE") {
        completed
            .properties
            .0
            .push(Property { name: Ident::new("WRAP_SINGLE_VALUE"), value: Literal::Boolean(false) });
    }
    Ok(Cow::Owned(completed))
}

/// Whether the columns of format `name` can be read from the registry.
fn inferable(name: &str) -> bool {
    matches!(name.to_ascii_uppercase().as_str(), "AVRO" | "PROTOBUF" | "JSON_SR")
}

/// The schema with `id`, or the latest of the topic's key or value subject.
fn registered(
    registry: &Registry,
    topic: &str,
    key: bool,
    id: Option<i64>,
) -> Result<Option<RegisteredSchema>> {
    match id {
        Some(id) => {
            let schema = u32::try_from(id).ok().and_then(|id| registry.schema(id));
            schema.map(Some).ok_or_else(|| {
                EngineError::Invalid(format!("Schema with id {id} does not exist in the Schema Registry"))
            })
        }
        None => Ok(registry.latest(&subject(topic, key)).map(|(_, schema)| schema)),
    }
}

/// The SQL type of a registered schema (of its message `name`, for PROTOBUF), with
/// ksqlDB's upper-case names if `upper`.
fn schema_type(schema: &RegisteredSchema, name: Option<&str>, upper: bool) -> Result<SqlType> {
    let arrow = match schema.schema_type {
        SchemaType::Avro => avro::infer_type(&schema.text)?,
        SchemaType::Protobuf => protobuf::infer_type(schema, name)?,
        SchemaType::Json => json_schema::infer_type(&schema.text)?,
    };
    let sql_type = SqlType::from_arrow(&arrow)
        .ok_or_else(|| EngineError::Invalid(format!("The schema's type {arrow} has no SQL type")))?;
    Ok(if upper { upper_case_names(sql_type) } else { sql_type })
}

fn upper_case_names(ty: SqlType) -> SqlType {
    match ty {
        SqlType::Struct(fields) => SqlType::Struct(
            fields.into_iter().map(|(n, t)| (n.to_uppercase(), upper_case_names(t))).collect(),
        ),
        SqlType::Array(element) => SqlType::Array(Box::new(upper_case_names(*element))),
        SqlType::Map(key, value) => SqlType::Map(key, Box::new(upper_case_names(*value))),
        other => other,
    }
}

fn column(name: &str, ty: SqlType, constraint: ColumnConstraint) -> ColumnDef {
    ColumnDef { name: Ident::new(name), data_type: ty.to_ast(), constraint }
}

/// Checks that a sink written with a registered schema (`KEY_SCHEMA_ID` /
/// `VALUE_SCHEMA_ID`) can be: its columns must be the schema's first fields, in
/// order, with the same types (the schema may have more, optional, fields).
pub fn check_registered_schemas(sink: &DataSource, registry: &Registry) -> Result<()> {
    for key in [true, false] {
        let spec = if key { &sink.key_format } else { &sink.value_format };
        let Some(id) = spec.schema_id.filter(|_| matches!(spec.name.as_str(), "AVRO" | "PROTOBUF")) else {
            continue;
        };
        let schema = registered(registry, &sink.topic, key, Some(i64::from(id)))?
            .ok_or_else(|| EngineError::Invalid(format!("Schema with id {id} does not exist")))?;
        let columns: Vec<&Column> =
            if key { sink.schema.key_columns().collect() } else { sink.schema.value_columns().collect() };
        let registered: Vec<(String, SqlType)> =
            match schema_type(&schema, spec.schema_name.as_deref(), false)? {
                SqlType::Struct(fields)
                    if !(key && columns.len() == 1) || schema.schema_type == SchemaType::Protobuf =>
                {
                    fields
                }
                whole => vec![(columns.first().map(|c| c.name.clone()).unwrap_or_default(), whole)],
            };
        let changed: Vec<String> = columns
            .iter()
            .enumerate()
            .filter(|(i, c)| registered.get(*i).is_none_or(|(name, ty)| *name != c.name || *ty != c.sql_type))
            .map(|(_, c)| format!("`{}` {}", c.name, c.sql_type))
            .collect();
        if !changed.is_empty() {
            let side = if key { "key" } else { "value" };
            let found: Vec<String> = registered.iter().map(|(name, ty)| format!("`{name}` {ty}")).collect();
            return Err(EngineError::Invalid(format!(
                "The following {side} columns are changed, missing or reordered: [{}]. Schema from schema \
                 registry is [{}]",
                changed.join(", "),
                found.join(", ")
            )));
        }
    }
    Ok(())
}

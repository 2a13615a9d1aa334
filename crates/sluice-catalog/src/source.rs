//! Streams and tables: what a CREATE statement declares, checked.

use sluice_sql::ast::{ColumnConstraint, CreateSource, SourceKind};

use crate::error::{CatalogError, Result};
use crate::properties::WithClause;
use crate::schema::{is_reserved_column_name, Column, LogicalSchema, Namespace};
use crate::sql_type::SqlType;

/// Formats ksqlDB knows by name. Whether Sluice can read and write one is
/// decided where records are serialized.
const FORMAT_NAMES: &[&str] =
    &["KAFKA", "JSON", "DELIMITED", "NONE", "AVRO", "PROTOBUF", "PROTOBUF_NOSR", "JSON_SR"];

/// A key or value format with its options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FormatSpec {
    /// Upper-case format name, e.g. `JSON`.
    pub name: String,
    /// The DELIMITED format's delimiter as written (a character, `TAB` or `SPACE`).
    pub delimiter: Option<String>,
    /// `KEY_SCHEMA_ID` / `VALUE_SCHEMA_ID`: the registered schema this side is
    /// written with and its columns come from.
    pub schema_id: Option<u32>,
    /// `KEY_SCHEMA_FULL_NAME` / `VALUE_SCHEMA_FULL_NAME`: the name of the schema
    /// registered for this side.
    pub schema_name: Option<String>,
    /// `KEY_PROTOBUF_NULLABLE_REPRESENTATION` / `VALUE_..`: `OPTIONAL` or `WRAPPER`
    /// fields, so that PROTOBUF can carry nulls.
    pub protobuf_nullable: Option<String>,
}

impl FormatSpec {
    fn named(name: &str) -> Result<Self> {
        let upper = name.to_ascii_uppercase();
        if !FORMAT_NAMES.contains(&upper.as_str()) {
            return Err(CatalogError::invalid(format!("Unknown format: {upper}")));
        }
        Ok(FormatSpec { name: upper, ..FormatSpec::default() })
    }

    /// Reads the schema id and schema name properties of one side (`key` or value).
    pub fn with_schema_properties(mut self, with: &WithClause, key: bool) -> Result<Self> {
        let nullable = if key {
            "KEY_PROTOBUF_NULLABLE_REPRESENTATION"
        } else {
            "VALUE_PROTOBUF_NULLABLE_REPRESENTATION"
        };
        if let Some(representation) = with.string(nullable) {
            let upper = representation.to_ascii_uppercase();
            if !matches!(upper.as_str(), "OPTIONAL" | "WRAPPER") {
                return Err(CatalogError::invalid(format!(
                    "Invalid value {representation} for property {nullable}: expected OPTIONAL or WRAPPER"
                )));
            }
            self.protobuf_nullable = Some(upper);
        }
        let (id_property, name) = if key {
            ("KEY_SCHEMA_ID", with.string("KEY_SCHEMA_FULL_NAME"))
        } else {
            let name =
                with.string("VALUE_SCHEMA_FULL_NAME").or_else(|| with.string("VALUE_AVRO_SCHEMA_FULL_NAME"));
            ("VALUE_SCHEMA_ID", name)
        };
        if let Some(id) = with.integer(id_property)? {
            let id = u32::try_from(id).map_err(|_| {
                CatalogError::invalid(format!("Invalid value {id} for property {id_property}"))
            })?;
            self.schema_id = Some(id);
        }
        if name.is_some() && !matches!(self.name.as_str(), "AVRO" | "PROTOBUF" | "PROTOBUF_NOSR") {
            return Err(CatalogError::invalid(format!(
                "{} does not support the following configs: [fullSchemaName]",
                self.name
            )));
        }
        self.schema_name = name.or(self.schema_name);
        Ok(self)
    }
}

/// The format settings that apply when a statement names none
/// (`ksql.persistence.default.format.key` / `.value`,
/// `ksql.persistence.wrap.single.values`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatDefaults {
    pub key: String,
    pub value: Option<String>,
    pub wrap_single_values: Option<bool>,
}

impl Default for FormatDefaults {
    fn default() -> Self {
        FormatDefaults { key: "KAFKA".into(), value: None, wrap_single_values: None }
    }
}

impl FormatDefaults {
    /// WRAP_SINGLE_VALUE as a statement gives it, else the configured default
    /// where it applies: one value column, in a format that can both wrap and not.
    pub fn wrapping(
        &self,
        given: Option<bool>,
        value_columns: usize,
        value_format: &FormatSpec,
    ) -> Option<bool> {
        let both = matches!(value_format.name.as_str(), "JSON" | "JSON_SR" | "AVRO");
        given.or(self.wrap_single_values.filter(|_| value_columns == 1 && both))
    }
}

/// The column that gives records their event time, instead of the Kafka
/// record timestamp.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TimestampColumn {
    pub column: String,
    /// A `java.time` pattern for STRING columns.
    pub format: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WindowType {
    Tumbling,
    Hopping,
    Session,
}

/// How the keys of a windowed source are windowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WindowInfo {
    pub window_type: WindowType,
    /// The window size in milliseconds; None for session windows.
    pub size_ms: Option<u64>,
}

/// A stream or table in the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSource {
    pub name: String,
    pub kind: SourceKind,
    pub schema: LogicalSchema,
    pub topic: String,
    pub key_format: FormatSpec,
    pub value_format: FormatSpec,
    /// WRAP_SINGLE_VALUE as given; None means the format's default.
    pub wrap_single_value: Option<bool>,
    pub timestamp: Option<TimestampColumn>,
    pub window: Option<WindowInfo>,
    /// Declared with CREATE SOURCE: read-only.
    pub is_source: bool,
    /// The sink of CREATE .. AS SELECT: its columns come from the query.
    pub from_query: bool,
    pub partitions: Option<u32>,
    pub replicas: Option<u32>,
    /// RETENTION_MS: how long the topic keeps records (-1: forever).
    pub retention_ms: Option<i64>,
    /// The statement that created the source, as canonical SQL.
    pub sql: String,
}

impl DataSource {
    /// Checks a CREATE STREAM/TABLE statement and builds the source it
    /// declares. `lookup` resolves custom type names.
    pub fn from_create(
        create: &CreateSource,
        lookup: &dyn Fn(&str) -> Option<SqlType>,
        defaults: &FormatDefaults,
    ) -> Result<DataSource> {
        let with = WithClause::new(&create.properties)?;
        let topic = with.string("KAFKA_TOPIC").ok_or_else(|| {
            CatalogError::invalid("Missing required property \"KAFKA_TOPIC\" which has no default value.")
        })?;
        let schema = build_schema(create, lookup)?;
        let (key_format, value_format) = formats(&with, &schema, defaults)?;
        let wrap_single_value = with.boolean("WRAP_SINGLE_VALUE")?;
        check_wrapping(wrap_single_value, &schema, &value_format)?;
        let wrap_single_value =
            defaults.wrapping(wrap_single_value, schema.value_columns().count(), &value_format);
        let timestamp = timestamp_column(&with, &schema)?;
        let window = window_info(&with)?;
        Ok(DataSource {
            name: create.name.0.clone(),
            kind: create.kind,
            schema,
            topic,
            key_format,
            value_format,
            wrap_single_value,
            timestamp,
            window,
            is_source: create.is_source,
            from_query: false,
            partitions: count(&with, "PARTITIONS")?,
            replicas: count(&with, "REPLICAS")?,
            retention_ms: with.integer("RETENTION_MS")?,
            sql: sluice_sql::ast::Statement::CreateSource(create.clone()).to_string(),
        })
    }

    pub fn kind_name(&self) -> &'static str {
        kind_name(self.kind)
    }
}

/// `Stream` or `Table`, as ksqlDB's messages write the kind.
pub fn kind_name(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Stream => "Stream",
        SourceKind::Table => "Table",
    }
}

fn build_schema(create: &CreateSource, lookup: &dyn Fn(&str) -> Option<SqlType>) -> Result<LogicalSchema> {
    if create.columns.is_empty() {
        // Without a schema registry there is nothing to infer columns from.
        return Err(CatalogError::invalid("The statement does not define any columns."));
    }
    let mut columns: Vec<Column> = Vec::with_capacity(create.columns.len());
    for def in &create.columns {
        let name = def.name.0.clone();
        if is_reserved_column_name(&name) {
            return Err(CatalogError::invalid(format!(
                "'{name}' is a reserved column name. You cannot use it as a name for a column."
            )));
        }
        let sql_type = SqlType::resolve(&def.data_type, lookup)?;
        let namespace = match (&def.constraint, create.kind) {
            (ColumnConstraint::None, _) => Namespace::Value,
            (ColumnConstraint::Key, SourceKind::Stream)
            | (ColumnConstraint::PrimaryKey, SourceKind::Table) => Namespace::Key,
            (ColumnConstraint::Key, SourceKind::Table) => {
                return Err(CatalogError::invalid(format!(
                    "Column `{name}` is a 'KEY' column: please use 'PRIMARY KEY' for tables.\n\
                     Tables have PRIMARY KEYs, which are unique and NON NULL.\n\
                     Streams have KEYs, which have no uniqueness or NULL constraints."
                )))
            }
            (ColumnConstraint::PrimaryKey, SourceKind::Stream) => {
                return Err(CatalogError::invalid(format!(
                    "Column `{name}` is a 'PRIMARY KEY' column: please use 'KEY' for streams.\n\
                     Tables have PRIMARY KEYs, which are unique and NON NULL.\n\
                     Streams have KEYs, which have no uniqueness or NULL constraints."
                )))
            }
            (ColumnConstraint::Headers, _) => {
                check_headers_type(&name, &sql_type)?;
                Namespace::Header(None)
            }
            (ColumnConstraint::Header(key), _) => {
                if sql_type != SqlType::Bytes {
                    return Err(CatalogError::invalid(format!(
                        "Invalid type for HEADER('{key}') column: expected BYTES, got {sql_type}"
                    )));
                }
                Namespace::Header(Some(key.clone()))
            }
        };
        if namespace == Namespace::Key && sql_type.contains_map() {
            return Err(CatalogError::invalid(format!(
                "Map keys, including types that contain maps, are not supported as they may lead to unexpected \
                 behavior due to inconsistent serialization. Key column name: `{name}`. Column type: {sql_type}. \
                 See https://github.com/confluentinc/ksql/issues/6621 for more."
            )));
        }
        if let Some(existing) = columns.iter().find(|c| c.name == name) {
            let which = if existing.namespace == Namespace::Key { "key" } else { "value" };
            return Err(CatalogError::invalid(format!(
                "Duplicate {which} columns found in schema: `{name}` {}",
                existing.sql_type
            )));
        }
        columns.push(Column { name, sql_type, namespace });
    }
    if columns.iter().filter(|c| c.namespace == Namespace::Header(None)).count() > 1 {
        return Err(CatalogError::invalid("Schema already contains a HEADERS column."));
    }
    let schema = LogicalSchema::new(columns);
    if create.kind == SourceKind::Table && schema.key_columns().next().is_none() {
        return Err(CatalogError::invalid("Tables require a PRIMARY KEY. Please define the PRIMARY KEY."));
    }
    Ok(schema)
}

/// A HEADERS column holds every header: `ARRAY<STRUCT<KEY STRING, VALUE BYTES>>`.
fn check_headers_type(name: &str, sql_type: &SqlType) -> Result<()> {
    let expected = SqlType::Array(Box::new(SqlType::Struct(vec![
        ("KEY".into(), SqlType::String),
        ("VALUE".into(), SqlType::Bytes),
    ])));
    if *sql_type == expected {
        Ok(())
    } else {
        Err(CatalogError::invalid(format!(
            "Invalid type for HEADERS column `{name}`: expected {expected}, got {sql_type}"
        )))
    }
}

fn formats(
    with: &WithClause,
    schema: &LogicalSchema,
    defaults: &FormatDefaults,
) -> Result<(FormatSpec, FormatSpec)> {
    let format = with.string("FORMAT");
    if format.is_some() {
        for side in ["KEY_FORMAT", "VALUE_FORMAT"] {
            if with.contains(side) {
                return Err(CatalogError::invalid(format!(
                    "Cannot supply both '{side}' and 'FORMAT' properties, as 'FORMAT' sets both key and value \
                     formats. Either use just 'FORMAT', or use 'KEY_FORMAT' and 'VALUE_FORMAT'."
                )));
            }
        }
    }
    let value_name =
        format.clone().or_else(|| with.string("VALUE_FORMAT")).or_else(|| defaults.value.clone());
    let Some(value_name) = value_name else {
        return Err(CatalogError::invalid(
            "Statement is missing the 'VALUE_FORMAT' property from the WITH clause. Either provide one or set a \
             default via the 'ksql.persistence.default.format.value' config.",
        ));
    };
    let has_key_columns = schema.key_columns().next().is_some();
    let key_name = match format.or_else(|| with.string("KEY_FORMAT")) {
        Some(name) => name,
        // A source without key columns has no key to read.
        None if !has_key_columns => "NONE".into(),
        None => defaults.key.clone(),
    };
    let mut key = FormatSpec::named(&key_name)?.with_schema_properties(with, true)?;
    let mut value = FormatSpec::named(&value_name)?.with_schema_properties(with, false)?;
    key.delimiter = delimiter(with, "KEY_DELIMITER", &key)?;
    value.delimiter = delimiter(with, "VALUE_DELIMITER", &value)?;
    if key.name == "NONE" && has_key_columns {
        let keys: Vec<String> =
            schema.key_columns().map(|c| format!("`{}` {} KEY", c.name, c.sql_type)).collect();
        return Err(CatalogError::invalid(format!(
            "The 'NONE' format can only be used when no columns are defined. Got: [{}]",
            keys.join(", ")
        )));
    }
    Ok((key, value))
}

fn delimiter(with: &WithClause, property: &str, format: &FormatSpec) -> Result<Option<String>> {
    let Some(delimiter) = with.string(property) else { return Ok(None) };
    if format.name != "DELIMITED" {
        return Err(CatalogError::invalid(format!(
            "{} does not support the following configs: [delimiter]",
            format.name
        )));
    }
    if delimiter.is_empty() {
        return Err(CatalogError::invalid(format!(
            "Configuration {property} is invalid: Delimiter cannot be empty, if you meant to have a tab or space \
             for delimiter, please use the special values 'TAB' or 'SPACE'\nExample valid value: ';'"
        )));
    }
    Ok(Some(delimiter))
}

fn check_wrapping(wrap: Option<bool>, schema: &LogicalSchema, value_format: &FormatSpec) -> Result<()> {
    let Some(wrap) = wrap else { return Ok(()) };
    if schema.value_columns().count() != 1 {
        return Err(CatalogError::invalid(
            "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas",
        ));
    }
    // KAFKA and DELIMITED values are never wrapped; the schema-registry
    // formats always are.
    let fixed = match value_format.name.as_str() {
        "KAFKA" | "DELIMITED" => Some(false),
        "PROTOBUF" | "PROTOBUF_NOSR" => Some(true),
        _ => None,
    };
    match fixed {
        Some(allowed) if allowed != wrap => Err(CatalogError::invalid(format!(
            "Format '{}' does not support 'WRAP_SINGLE_VALUE' set to '{wrap}'.",
            value_format.name
        ))),
        _ => Ok(()),
    }
}

fn timestamp_column(with: &WithClause, schema: &LogicalSchema) -> Result<Option<TimestampColumn>> {
    let Some(name) = with.string("TIMESTAMP") else { return Ok(None) };
    let name = name.to_ascii_uppercase();
    let format = with.string("TIMESTAMP_FORMAT");
    let Some(column) = schema.find(&name) else {
        return Err(CatalogError::invalid(format!(
            "The TIMESTAMP column set in the WITH clause does not exist in the schema: '{name}'"
        )));
    };
    let usable = match column.sql_type {
        SqlType::Bigint | SqlType::Timestamp => true,
        SqlType::String => format.is_some(),
        _ => false,
    };
    if !usable {
        return Err(CatalogError::invalid(format!(
            "Timestamp column, `{name}`, should be LONG(INT64), TIMESTAMP, or a String with a timestamp_format \
             specified."
        )));
    }
    Ok(Some(TimestampColumn { column: name, format }))
}

fn window_info(with: &WithClause) -> Result<Option<WindowInfo>> {
    let Some(window_type) = with.string("WINDOW_TYPE") else {
        if with.contains("WINDOW_SIZE") {
            return Err(CatalogError::invalid(
                "'WINDOW_SIZE' should not be set when 'WINDOW_TYPE' is not set.",
            ));
        }
        return Ok(None);
    };
    let window_type = match window_type.to_ascii_uppercase().as_str() {
        "TUMBLING" => WindowType::Tumbling,
        "HOPPING" => WindowType::Hopping,
        "SESSION" => WindowType::Session,
        other => {
            return Err(CatalogError::invalid(format!(
                "Invalid value {other} for property WINDOW_TYPE: String must be one of: SESSION, HOPPING, TUMBLING"
            )))
        }
    };
    let size_ms = with.string("WINDOW_SIZE").map(|size| parse_window_size(&size)).transpose()?;
    match (window_type, size_ms) {
        (WindowType::Session, Some(_)) => {
            Err(CatalogError::invalid("'WINDOW_SIZE' should not be set for SESSION windows."))
        }
        (WindowType::Tumbling | WindowType::Hopping, None) => Err(CatalogError::invalid(
            "Tumbling and Hopping window types should set WINDOW_SIZE in the WITH clause.",
        )),
        _ => Ok(Some(WindowInfo { window_type, size_ms })),
    }
}

/// `'30 SECONDS'` as milliseconds.
fn parse_window_size(text: &str) -> Result<u64> {
    let invalid = |why: String| {
        CatalogError::invalid(format!(
            "Configuration WINDOW_SIZE is invalid: Invalid duration: '{text}'. {why}"
        ))
    };
    let mut parts = text.split_whitespace();
    let (Some(number), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid("Expected '<number> <unit>'".into()));
    };
    let number: u64 = number.parse().map_err(|_| invalid(format!("Not a number: '{number}'")))?;
    let unit_upper = unit.to_ascii_uppercase();
    let singular = unit_upper.strip_suffix('S').unwrap_or(&unit_upper);
    let millis: u64 = match singular {
        "MILLISECOND" => 1,
        "SECOND" => 1_000,
        "MINUTE" => 60_000,
        "HOUR" => 3_600_000,
        "DAY" => 86_400_000,
        _ => return Err(invalid(format!("Unknown time unit: '{unit_upper}'"))),
    };
    Ok(number.saturating_mul(millis))
}

fn count(with: &WithClause, name: &str) -> Result<Option<u32>> {
    match with.integer(name)? {
        None => Ok(None),
        Some(n) if n > 0 && n <= i64::from(u32::MAX) => Ok(Some(n as u32)),
        Some(n) => {
            Err(CatalogError::invalid(format!("Invalid value {n} for property {name}: must be positive")))
        }
    }
}

//! AVRO schemas: the ones Sluice writes for its columns (shaped as ksqlDB's, so the
//! two can read each other's topics), the columns a registered schema declares
//! (schema inference), and named-type lookup for schemas that reuse a type by name.

use std::collections::HashMap;
use std::sync::Arc;

use apache_avro::schema::{Name, Schema};
use arrow::datatypes::{DataType, Field, Fields, TimeUnit};
use serde_json::{json, Map, Value};

use crate::types::map_entries;
use crate::FormatError;

/// The name ksqlDB gives value schemas when the statement names none.
pub const DEFAULT_VALUE_NAME: &str = "io.confluent.ksql.avro_schemas.KsqlDataSourceSchema";
/// The name ksqlDB gives key schemas when the statement names none.
pub const DEFAULT_KEY_NAME: &str = "io.confluent.ksql.avro_schemas.KsqlDataSourceSchemaKey";

/// A parsed schema and the named types it defines, so `Schema::Ref`s resolve.
#[derive(Debug)]
pub(crate) struct ParsedSchema {
    pub schema: Schema,
    names: HashMap<String, Schema>,
}

impl ParsedSchema {
    pub fn parse(text: &str) -> Result<Arc<ParsedSchema>, FormatError> {
        let schema =
            Schema::parse_str(text).map_err(|e| FormatError::Schema(format!("Invalid AVRO schema: {e}")))?;
        let mut names = HashMap::new();
        collect_names(&schema, None, &mut names);
        Ok(Arc::new(ParsedSchema { schema, names }))
    }

    /// `schema`, or the named type it refers to.
    pub fn resolve<'a>(&'a self, schema: &'a Schema) -> Result<&'a Schema, String> {
        match schema {
            Schema::Ref { name } => {
                let full = name.fullname(None);
                self.names.get(&full).ok_or_else(|| format!("unknown AVRO type {full}"))
            }
            other => Ok(other),
        }
    }
}

fn collect_names(schema: &Schema, namespace: Option<&str>, names: &mut HashMap<String, Schema>) {
    let mut add = |name: &Name| {
        let ns = name.namespace.as_deref().or(namespace).map(str::to_string);
        names.insert(name.fullname(ns.clone()), schema.clone());
        ns
    };
    match schema {
        Schema::Record(record) => {
            let ns = add(&record.name);
            for field in &record.fields {
                collect_names(&field.schema, ns.as_deref(), names);
            }
        }
        Schema::Enum(e) => {
            add(&e.name);
        }
        Schema::Fixed(f) => {
            add(&f.name);
        }
        Schema::Array(a) => collect_names(&a.items, namespace, names),
        Schema::Map(m) => collect_names(&m.types, namespace, names),
        Schema::Union(u) => u.variants().iter().for_each(|v| collect_names(v, namespace, names)),
        _ => {}
    }
}

/// The schema Sluice registers for the columns `fields` of one side of a topic:
/// a record named `full_name` with one optional field per column, or, unwrapped, the
/// single column's own type. Every nested value is optional, as ksqlDB's are.
pub fn schema_for(fields: &Fields, unwrapped: bool, full_name: &str) -> Result<String, FormatError> {
    let schema = match (unwrapped, fields.first()) {
        (true, Some(field)) if fields.len() == 1 => avro_type(field.data_type(), full_name)?,
        _ => record(fields, full_name)?,
    };
    Ok(schema.to_string())
}

fn record(fields: &Fields, full_name: &str) -> Result<Value, FormatError> {
    let (namespace, name) = match full_name.rsplit_once('.') {
        Some((namespace, name)) => (Some(namespace), name),
        None => (None, full_name),
    };
    let members = fields
        .iter()
        .map(|f| {
            let ty = avro_type(f.data_type(), &format!("{full_name}_{}", f.name()))?;
            Ok(json!({"name": f.name(), "type": optional(ty), "default": null}))
        })
        .collect::<Result<Vec<_>, FormatError>>()?;
    let mut object = Map::new();
    object.insert("type".into(), json!("record"));
    object.insert("name".into(), json!(name));
    if let Some(namespace) = namespace {
        object.insert("namespace".into(), json!(namespace));
    }
    object.insert("fields".into(), Value::Array(members));
    object.insert("connect.name".into(), json!(full_name));
    Ok(Value::Object(object))
}

fn optional(ty: Value) -> Value {
    json!(["null", ty])
}

/// The AVRO type of a column; `name` names the record of a STRUCT.
fn avro_type(dt: &DataType, name: &str) -> Result<Value, FormatError> {
    Ok(match dt {
        DataType::Boolean => json!("boolean"),
        DataType::Int32 => json!("int"),
        DataType::Int64 => json!("long"),
        DataType::Float64 => json!("double"),
        DataType::Utf8 => json!("string"),
        DataType::Binary => json!("bytes"),
        DataType::Decimal128(precision, scale) => json!({
            "type": "bytes",
            "scale": scale,
            "precision": precision,
            "connect.version": 1,
            "connect.parameters": {"scale": scale.to_string(), "connect.decimal.precision": precision.to_string()},
            "connect.name": "org.apache.kafka.connect.data.Decimal",
            "logicalType": "decimal",
        }),
        DataType::Date32 => json!({
            "type": "int", "connect.version": 1,
            "connect.name": "org.apache.kafka.connect.data.Date", "logicalType": "date",
        }),
        DataType::Time32(TimeUnit::Millisecond) => json!({
            "type": "int", "connect.version": 1,
            "connect.name": "org.apache.kafka.connect.data.Time", "logicalType": "time-millis",
        }),
        DataType::Timestamp(TimeUnit::Millisecond, _) => json!({
            "type": "long", "connect.version": 1,
            "connect.name": "org.apache.kafka.connect.data.Timestamp", "logicalType": "timestamp-millis",
        }),
        DataType::List(item) => {
            json!({"type": "array", "items": optional(avro_type(item.data_type(), name)?)})
        }
        DataType::Map(entries, _) => {
            let (_, value) = map_entries(entries)
                .ok_or_else(|| FormatError::Schema(format!("cannot write {dt} as AVRO")))?;
            json!({"type": "map", "values": optional(avro_type(value.data_type(), name)?)})
        }
        DataType::Struct(fields) => record(fields, name)?,
        other => return Err(FormatError::Schema(format!("cannot write {other} as AVRO"))),
    })
}

/// The SQL (Arrow) type of a registered schema as a whole: a record is a STRUCT of
/// its fields. An optional union is its non-null branch; other unions have no type.
pub fn infer_type(text: &str) -> Result<DataType, FormatError> {
    let parsed = ParsedSchema::parse(text)?;
    arrow_type(&parsed, &parsed.schema)
        .map_err(|e| FormatError::Schema(format!("Unable to infer a schema: {e}")))
}

/// The type of `schema`, looking through the null branch of an optional union.
fn non_null<'a>(parsed: &'a ParsedSchema, schema: &'a Schema) -> Result<&'a Schema, String> {
    match parsed.resolve(schema)? {
        Schema::Union(union) => {
            let mut others = union.variants().iter().filter(|v| !matches!(v, Schema::Null));
            match (others.next(), others.next()) {
                (Some(only), None) => parsed.resolve(only),
                _ => Err("a union of several types has no SQL type".into()),
            }
        }
        other => Ok(other),
    }
}

fn arrow_type(parsed: &ParsedSchema, schema: &Schema) -> Result<DataType, String> {
    Ok(match non_null(parsed, schema)? {
        Schema::Boolean => DataType::Boolean,
        Schema::Int => DataType::Int32,
        Schema::Long => DataType::Int64,
        Schema::Float | Schema::Double => DataType::Float64,
        Schema::Bytes | Schema::Fixed(_) => DataType::Binary,
        Schema::String | Schema::Enum(_) | Schema::Uuid => DataType::Utf8,
        Schema::Decimal(d) => {
            let precision = u8::try_from(d.precision).map_err(|_| "DECIMAL precision out of range")?;
            let scale = i8::try_from(d.scale).map_err(|_| "DECIMAL scale out of range")?;
            DataType::Decimal128(precision, scale)
        }
        Schema::Date => DataType::Date32,
        Schema::TimeMillis => DataType::Time32(TimeUnit::Millisecond),
        Schema::TimestampMillis => DataType::Timestamp(TimeUnit::Millisecond, None),
        Schema::Array(array) => {
            DataType::List(Arc::new(Field::new("item", arrow_type(parsed, &array.items)?, true)))
        }
        Schema::Map(map) => {
            let entries = Fields::from(vec![
                Field::new("key", DataType::Utf8, false),
                Field::new("value", arrow_type(parsed, &map.types)?, true),
            ]);
            DataType::Map(Arc::new(Field::new("entries", DataType::Struct(entries), false)), false)
        }
        Schema::Record(record) => DataType::Struct(
            record
                .fields
                .iter()
                .map(|f| Ok(Field::new(&f.name, arrow_type(parsed, &f.schema)?, true)))
                .collect::<Result<Vec<_>, String>>()?
                .into(),
        ),
        other => return Err(format!("the AVRO type {other:?} has no SQL type")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_schemas_parse_and_infer_back() {
        let fields = Fields::from(vec![
            Field::new("ID", DataType::Int64, true),
            Field::new("PRICE", DataType::Decimal128(4, 2), true),
            Field::new(
                "ADDRESS",
                DataType::Struct(Fields::from(vec![Field::new("CITY", DataType::Utf8, true)])),
                true,
            ),
            Field::new("TAGS", DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))), true),
            Field::new("AT", DataType::Timestamp(TimeUnit::Millisecond, None), true),
        ]);
        let text = schema_for(&fields, false, DEFAULT_VALUE_NAME).unwrap();
        assert!(text.contains("KsqlDataSourceSchema_ADDRESS"), "{text}");
        assert_eq!(infer_type(&text).unwrap(), DataType::Struct(fields));
    }

    #[test]
    fn unwrapped_and_primitive_schemas() {
        let fields = Fields::from(vec![Field::new("K", DataType::Utf8, true)]);
        assert_eq!(schema_for(&fields, true, DEFAULT_KEY_NAME).unwrap(), "\"string\"");
        assert_eq!(infer_type("\"int\"").unwrap(), DataType::Int32);
        assert_eq!(infer_type("[\"null\", \"long\"]").unwrap(), DataType::Int64);
        assert!(infer_type("[\"int\", \"string\"]").is_err());
    }
}

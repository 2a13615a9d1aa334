//! PROTOBUF schemas: compiling `.proto` text (with the well-known and Confluent
//! types ksqlDB's schemas import), the schema Sluice writes for its columns
//! (shaped as ksqlDB's: `ConnectDefault1` and nested `ConnectDefaultN` messages),
//! and the SQL type a registered schema declares (schema inference).

use std::fmt::Write as _;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Fields, TimeUnit};
use prost_reflect::{Kind, MessageDescriptor};
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};

use crate::registry::{ProtobufNulls, RegisteredSchema};
use crate::types::map_entries;
use crate::FormatError;

/// The name the compiled schema text is known by.
const SCHEMA_FILE: &str = "schema.proto";

/// Types that ksqlDB's (Confluent's) schemas import and protox does not ship.
const EXTRA_FILES: [(&str, &str); 3] = [
    (
        "google/type/date.proto",
        "syntax = \"proto3\";\npackage google.type;\nmessage Date { int32 year = 1; int32 month = 2; int32 day = 3; }\n",
    ),
    (
        "google/type/timeofday.proto",
        "syntax = \"proto3\";\npackage google.type;\n\
         message TimeOfDay { int32 hours = 1; int32 minutes = 2; int32 seconds = 3; int32 nanos = 4; }\n",
    ),
    (
        "confluent/type/decimal.proto",
        "syntax = \"proto3\";\npackage confluent.type;\n\
         message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }\n",
    ),
];

pub(crate) const DATE: &str = "google.type.Date";
pub(crate) const TIME_OF_DAY: &str = "google.type.TimeOfDay";
pub(crate) const TIMESTAMP: &str = "google.protobuf.Timestamp";
pub(crate) const DECIMAL: &str = "confluent.type.Decimal";

/// Serves the schema text, the schemas it references and the extra imports from memory.
struct MemoryFiles {
    schema: RegisteredSchema,
}

impl FileResolver for MemoryFiles {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        if name == SCHEMA_FILE {
            return File::from_source(name, &self.schema.text);
        }
        if let Some(reference) = self.schema.references.iter().find(|r| r.name == name) {
            return File::from_source(name, &reference.text);
        }
        match EXTRA_FILES.iter().find(|(n, _)| *n == name) {
            Some((_, source)) => File::from_source(name, source),
            None => Err(protox::Error::file_not_found(name)),
        }
    }
}

/// A compiled schema: the messages of its file, in order.
#[derive(Debug)]
pub(crate) struct CompiledSchema {
    messages: Vec<MessageDescriptor>,
}

impl CompiledSchema {
    pub fn compile(schema: &RegisteredSchema) -> Result<Arc<CompiledSchema>, FormatError> {
        let invalid = |e: protox::Error| FormatError::Schema(format!("Invalid PROTOBUF schema: {e}"));
        let mut resolver = ChainFileResolver::new();
        resolver.add(MemoryFiles { schema: schema.clone() });
        resolver.add(GoogleFileResolver::new());
        let mut compiler = protox::Compiler::with_file_resolver(resolver);
        compiler.open_file(SCHEMA_FILE).map_err(invalid)?;
        let pool = compiler.descriptor_pool();
        let file = pool
            .get_file_by_name(SCHEMA_FILE)
            .ok_or_else(|| FormatError::Schema("Invalid PROTOBUF schema: no file".into()))?;
        let messages: Vec<MessageDescriptor> = file.messages().collect();
        if messages.is_empty() {
            return Err(FormatError::Schema("The PROTOBUF schema declares no message".into()));
        }
        Ok(Arc::new(CompiledSchema { messages }))
    }

    /// The message called `name` (its full name, or its name alone), with its path of
    /// indexes; the first message when `name` is None.
    pub fn find(&self, name: Option<&str>) -> Result<(Vec<usize>, MessageDescriptor), FormatError> {
        let Some(name) = name else { return Ok((vec![0], self.message(&[0])?)) };
        fn search(
            messages: Vec<MessageDescriptor>,
            name: &str,
            path: &mut Vec<usize>,
        ) -> Option<MessageDescriptor> {
            for (i, message) in messages.into_iter().enumerate() {
                path.push(i);
                if message.full_name() == name || message.name() == name {
                    return Some(message);
                }
                if let Some(found) = search(message.child_messages().collect(), name, path) {
                    return Some(found);
                }
                path.pop();
            }
            None
        }
        let mut path = Vec::new();
        match search(self.messages.clone(), name, &mut path) {
            Some(message) => Ok((path, message)),
            None => Err(FormatError::Schema(format!("Schema does not contain a message named {name}"))),
        }
    }

    /// The message at a path of indexes (Confluent's message indexes): the first is
    /// a top-level message, the rest nested ones.
    pub fn message(&self, path: &[usize]) -> Result<MessageDescriptor, FormatError> {
        let missing = || FormatError::Payload(format!("the schema has no message at index {path:?}"));
        let (first, rest) = path.split_first().unwrap_or((&0, &[]));
        let mut message = self.messages.get(*first).cloned().ok_or_else(missing)?;
        for index in rest {
            let child = message.child_messages().nth(*index);
            message = child.ok_or_else(missing)?;
        }
        Ok(message)
    }
}

/// The `.proto` text Sluice registers (or, for PROTOBUF_NOSR, assumes) for the
/// columns `fields`: one message with a field per column, its single fields
/// carrying nulls as `nulls` says.
pub fn schema_for(fields: &Fields, nulls: ProtobufNulls) -> Result<String, FormatError> {
    let mut writer = SchemaWriter { next_message: 1, imports: Vec::new(), nulls };
    let body = writer.message(fields, 0)?;
    let mut text = String::from("syntax = \"proto3\";\n\n");
    writer.imports.sort();
    writer.imports.dedup();
    for import in &writer.imports {
        let _ = writeln!(text, "import \"{import}\";");
    }
    if !writer.imports.is_empty() {
        text.push('\n');
    }
    text.push_str(&body);
    Ok(text)
}

struct SchemaWriter {
    next_message: usize,
    imports: Vec<&'static str>,
    nulls: ProtobufNulls,
}

impl SchemaWriter {
    fn message(&mut self, fields: &Fields, depth: usize) -> Result<String, FormatError> {
        let indent = "  ".repeat(depth);
        let name = format!("ConnectDefault{}", self.next_message);
        self.next_message += 1;
        let mut nested = String::new();
        let mut body = String::new();
        for (i, field) in fields.iter().enumerate() {
            let ty = match field.data_type() {
                DataType::List(item) => {
                    format!("repeated {}", self.field_type(item.data_type(), depth, &mut nested)?)
                }
                DataType::Map(entries, _) => {
                    let (key, value) = map_entries(entries).ok_or_else(|| {
                        FormatError::Schema(format!("cannot write {} as PROTOBUF", field.data_type()))
                    })?;
                    if key.data_type() != &DataType::Utf8 {
                        return Err(FormatError::Schema(
                            "PROTOBUF format only supports MAP types with STRING keys".into(),
                        ));
                    }
                    format!("map<string, {}>", self.field_type(value.data_type(), depth, &mut nested)?)
                }
                other => {
                    let single = self.field_type(other, depth, &mut nested)?;
                    self.nullable(other, single)
                }
            };
            let _ = writeln!(body, "{indent}  {ty} {} = {};", field.name(), i + 1);
        }
        Ok(format!("{indent}message {name} {{\n{body}{nested}{indent}}}\n"))
    }

    /// A single field's type as the null representation wants it: `optional`, or
    /// the wrapper message of a primitive.
    fn nullable(&mut self, dt: &DataType, single: String) -> String {
        let wrapper = match dt {
            DataType::Boolean => "BoolValue",
            DataType::Int32 => "Int32Value",
            DataType::Int64 => "Int64Value",
            DataType::Float64 => "DoubleValue",
            DataType::Utf8 => "StringValue",
            DataType::Binary => "BytesValue",
            // Messages know whether they are set already.
            _ => return single,
        };
        match self.nulls {
            ProtobufNulls::Defaults => single,
            ProtobufNulls::Optional => format!("optional {single}"),
            ProtobufNulls::Wrapper => {
                self.imports.push("google/protobuf/wrappers.proto");
                format!("google.protobuf.{wrapper}")
            }
        }
    }

    /// The type of a single (not repeated) value; a STRUCT's message is declared in `nested`.
    fn field_type(
        &mut self,
        dt: &DataType,
        depth: usize,
        nested: &mut String,
    ) -> Result<String, FormatError> {
        Ok(match dt {
            DataType::Boolean => "bool".into(),
            DataType::Int32 => "int32".into(),
            DataType::Int64 => "int64".into(),
            DataType::Float64 => "double".into(),
            DataType::Utf8 => "string".into(),
            DataType::Binary => "bytes".into(),
            DataType::Decimal128(..) => {
                self.imports.push("confluent/type/decimal.proto");
                DECIMAL.into()
            }
            DataType::Date32 => {
                self.imports.push("google/type/date.proto");
                DATE.into()
            }
            DataType::Time32(TimeUnit::Millisecond) => {
                self.imports.push("google/type/timeofday.proto");
                TIME_OF_DAY.into()
            }
            DataType::Timestamp(TimeUnit::Millisecond, _) => {
                self.imports.push("google/protobuf/timestamp.proto");
                TIMESTAMP.into()
            }
            DataType::Struct(fields) => {
                let name = format!("ConnectDefault{}", self.next_message);
                nested.push_str(&self.message(fields, depth + 1)?);
                name
            }
            other => return Err(FormatError::Schema(format!("cannot write {other} as a PROTOBUF field"))),
        })
    }
}

/// The SQL (Arrow) type of a registered schema's message `name` (else its first):
/// a STRUCT of its fields.
pub fn infer_type(schema: &RegisteredSchema, name: Option<&str>) -> Result<DataType, FormatError> {
    let schema = CompiledSchema::compile(schema)?;
    Ok(DataType::Struct(message_fields(&schema.find(name)?.1)?))
}

fn message_fields(message: &MessageDescriptor) -> Result<Fields, FormatError> {
    message
        .fields()
        .map(|f| {
            let single = kind_type(&f.kind())?;
            let dt = if f.is_map() {
                let Kind::Message(entry) = f.kind() else { unreachable!("map fields are messages") };
                let key = kind_type(&entry.map_entry_key_field().kind())?;
                if key != DataType::Utf8 {
                    return Err(FormatError::Schema(format!(
                        "Unable to infer a schema: map {} has non-STRING keys",
                        f.name()
                    )));
                }
                let value = kind_type(&entry.map_entry_value_field().kind())?;
                let entries = Fields::from(vec![
                    Field::new("key", DataType::Utf8, false),
                    Field::new("value", value, true),
                ]);
                DataType::Map(Arc::new(Field::new("entries", DataType::Struct(entries), false)), false)
            } else if f.is_list() {
                DataType::List(Arc::new(Field::new("item", single, true)))
            } else {
                single
            };
            Ok(Field::new(f.name(), dt, true))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Fields::from)
}

fn kind_type(kind: &Kind) -> Result<DataType, FormatError> {
    Ok(match kind {
        Kind::Bool => DataType::Boolean,
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => DataType::Int32,
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 | Kind::Uint32 | Kind::Fixed32 => DataType::Int64,
        Kind::Uint64 | Kind::Fixed64 => DataType::Int64,
        Kind::Float | Kind::Double => DataType::Float64,
        Kind::String | Kind::Enum(_) => DataType::Utf8,
        Kind::Bytes => DataType::Binary,
        Kind::Message(m) => match m.full_name() {
            DATE => DataType::Date32,
            TIME_OF_DAY => DataType::Time32(TimeUnit::Millisecond),
            TIMESTAMP => DataType::Timestamp(TimeUnit::Millisecond, None),
            DECIMAL => {
                return Err(FormatError::Schema(
                    "Unable to infer a schema: DECIMAL fields need their precision, which Sluice does not read yet"
                        .into(),
                ))
            }
            "google.protobuf.BoolValue" => DataType::Boolean,
            "google.protobuf.Int32Value" => DataType::Int32,
            "google.protobuf.Int64Value" | "google.protobuf.UInt32Value" => DataType::Int64,
            "google.protobuf.DoubleValue" | "google.protobuf.FloatValue" => DataType::Float64,
            "google.protobuf.StringValue" => DataType::Utf8,
            "google.protobuf.BytesValue" => DataType::Binary,
            _ => DataType::Struct(message_fields(m)?),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::SchemaType;

    #[test]
    fn generated_schemas_compile_and_infer_back() {
        let fields = Fields::from(vec![
            Field::new("ID", DataType::Int64, true),
            Field::new(
                "ADDRESS",
                DataType::Struct(Fields::from(vec![Field::new("CITY", DataType::Utf8, true)])),
                true,
            ),
            Field::new("TAGS", DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))), true),
            Field::new("AT", DataType::Timestamp(TimeUnit::Millisecond, None), true),
            Field::new("ON", DataType::Date32, true),
        ]);
        let text = schema_for(&fields, ProtobufNulls::Defaults).unwrap();
        assert!(text.contains("message ConnectDefault1 {"), "{text}");
        assert!(text.contains("ConnectDefault2 ADDRESS = 2;"), "{text}");
        let schema = RegisteredSchema::new(SchemaType::Protobuf, text);
        assert_eq!(infer_type(&schema, None).unwrap(), DataType::Struct(fields.clone()));
        assert_eq!(infer_type(&schema, Some("ConnectDefault1")).unwrap(), DataType::Struct(fields));
        assert!(infer_type(&schema, Some("Nope")).is_err());
    }

    #[test]
    fn bad_schemas_are_errors() {
        let compile =
            |text: &str| CompiledSchema::compile(&RegisteredSchema::new(SchemaType::Protobuf, text));
        assert!(compile("syntax = \"proto3\"; message {").is_err());
        assert!(compile("syntax = \"proto3\";").is_err());
        assert!(compile("syntax = \"proto3\"; import \"other.proto\"; message M { Other o = 1; }").is_err());
    }
}

//! Record keys and values between Kafka bytes and Arrow columns, in ksqlDB's formats:
//! KAFKA, JSON, JSON_SR (without a schema registry), AVRO and PROTOBUF (with one:
//! [`registry`]), PROTOBUF_NOSR, DELIMITED and NONE.
//!
//! A [`Decoder`] turns a batch of payloads of one side (key or value) of a topic into
//! one Arrow column per SQL column; an [`Encoder`] does the reverse, one payload per row.
//! Rows that fail are reported with their index and never stop a batch.
//!
//! SQL types travel as these Arrow types: BOOLEAN `Boolean`, INT `Int32`, BIGINT
//! `Int64`, DOUBLE `Float64`, DECIMAL(p,s) `Decimal128(p,s)`, STRING `Utf8`, BYTES
//! `Binary`, DATE `Date32`, TIME `Time32(Millisecond)`, TIMESTAMP
//! `Timestamp(Millisecond, _)`, ARRAY `List`, MAP `Map` (string keys), STRUCT `Struct`.

pub mod avro;
mod builder;
mod delimited;
mod error;
mod format;
mod json;
mod json_members;
pub mod json_schema;
mod kafka;
mod none;
pub mod protobuf;
pub mod registry;
mod text;
mod types;

use arrow::array::{Array, ArrayRef};
use arrow::datatypes::{DataType, Fields};

pub use error::FormatError;
pub use format::{Format, JSON_SR_SCHEMA_ID};
pub use registry::{MemorySchemaRegistry, ProtobufNulls, Registry, SchemaRegistry, SchemaSubject};

use avro::{SchemaReader, SchemaWriter};
use builder::Batch;
use protobuf::{MessageSource, MessageWriter};
use types::map_entries;

/// The columns decoded from a batch of payloads.
#[derive(Debug)]
pub struct Decoded {
    /// One array per column, holding the rows that decoded, in input order.
    pub columns: Vec<ArrayRef>,
    /// The input index of each row in `columns`.
    pub rows: Vec<usize>,
    /// The input rows that were left out, and why.
    pub errors: Vec<(usize, FormatError)>,
}

/// Decodes payloads of one side (key or value) of a topic into Arrow columns.
#[derive(Debug, Clone)]
pub struct Decoder {
    format: Format,
    fields: Fields,
    unwrapped: bool,
    /// AVRO: where the writer schemas named by the payloads are.
    schemas: Option<SchemaReader>,
    /// PROTOBUF: the message types of the payloads.
    messages: Option<MessageSource>,
    /// JSON: a member's name matches one column at most.
    one_column_per_member: bool,
}

impl Decoder {
    /// A decoder for the columns `fields` of one side of a topic in `format`.
    ///
    /// `unwrapped`: the payload is the single column's value itself rather than an
    /// object or record holding it (keys with one column always are; values are when
    /// `WRAP_SINGLE_VALUE=false`). It matters to JSON and AVRO only: KAFKA and
    /// DELIMITED never wrap, and NONE has no columns.
    ///
    /// `subject`: where a schema-registry format (AVRO) finds its schemas; other
    /// formats ignore it.
    pub fn new(
        format: &Format,
        fields: Fields,
        unwrapped: bool,
        subject: Option<&SchemaSubject>,
    ) -> Result<Decoder, FormatError> {
        check(format, &fields, unwrapped)?;
        types::check_nested_nullable(&fields)?;
        let schemas = match format {
            Format::Avro => Some(SchemaReader::new(needs_registry(format, subject)?.registry.clone())),
            _ => None,
        };
        let messages = match format {
            Format::Protobuf => {
                Some(MessageSource::registry(needs_registry(format, subject)?.registry.clone()))
            }
            Format::ProtobufNoSr => {
                Some(MessageSource::fixed(&fields, subject.map(|s| s.protobuf_nulls).unwrap_or_default())?)
            }
            _ => None,
        };
        let one_column_per_member = json_members::one_column_per_member(&fields);
        Ok(Decoder { format: *format, fields, unwrapped, schemas, messages, one_column_per_member })
    }

    /// Decodes a batch of payloads (`None` is a null payload, which decodes to a row of
    /// nulls: deciding what a tombstone means is the caller's job). Rows that fail are
    /// left out and reported; the columns hold the good rows, in order.
    pub fn decode(&self, payloads: &[Option<&[u8]>]) -> Decoded {
        if self.reads_nothing() {
            // Every row decodes, to no columns: what the general loop below
            // gives, without its work per row (the key side of every
            // keyless stream is such a side).
            return Decoded { columns: Vec::new(), rows: (0..payloads.len()).collect(), errors: Vec::new() };
        }
        let mut batch = match Batch::new(&self.fields, payloads.len()) {
            Ok(batch) => batch,
            Err(e) => return Batch::fail_all(payloads.len(), e),
        };
        let mut member_columns = json_members::MemberColumns::new(self.one_column_per_member);
        for (index, payload) in payloads.iter().enumerate() {
            let builders = &mut batch.builders;
            let outcome = match self.format {
                // The JSON reader skips the schema registry's prefix.
                Format::Json | Format::JsonSr => {
                    json::decode_row(&self.fields, self.unwrapped, &mut member_columns, builders, *payload)
                }
                Format::Delimited { delimiter } => {
                    delimited::decode_row(&self.fields, delimiter, builders, *payload)
                }
                Format::Kafka => kafka::decode_row(&self.fields, builders, *payload),
                Format::Avro => match &self.schemas {
                    Some(schemas) => {
                        avro::decode_row(&self.fields, self.unwrapped, builders, *payload, schemas)
                    }
                    None => Err(FormatError::Internal("an AVRO decoder without a schema registry".into())),
                },
                Format::Protobuf | Format::ProtobufNoSr => match &self.messages {
                    Some(messages) => {
                        protobuf::decode_row(&self.fields, self.unwrapped, builders, *payload, messages)
                    }
                    None => Err(FormatError::Internal("a PROTOBUF decoder without its messages".into())),
                },
                Format::None => Ok(()),
            };
            batch.row(index, outcome);
        }
        batch.finish()
    }

    /// Whether this side reads nothing of its payloads: it has no columns,
    /// and its format then neither appends nor checks anything per row
    /// (NONE; KAFKA, whose single column is missing). JSON and the other
    /// formats still check that a payload of no columns is well formed.
    fn reads_nothing(&self) -> bool {
        self.fields.is_empty() && matches!(self.format, Format::None | Format::Kafka)
    }
}

/// Encodes rows of Arrow columns into payloads of one side of a topic.
#[derive(Debug, Clone)]
pub struct Encoder {
    format: Format,
    fields: Fields,
    unwrapped: bool,
    /// AVRO: the schema written with, and its id.
    schema: Option<SchemaWriter>,
    /// PROTOBUF: the message type written.
    message: Option<MessageWriter>,
}

impl Encoder {
    /// An encoder for the columns `fields` in `format`; `unwrapped` and `subject` as
    /// for [`Decoder::new`]. An AVRO encoder registers the schema it writes with,
    /// unless `subject` names one by id.
    pub fn new(
        format: &Format,
        fields: Fields,
        unwrapped: bool,
        subject: Option<&SchemaSubject>,
    ) -> Result<Encoder, FormatError> {
        check(format, &fields, unwrapped)?;
        let schema = match format {
            Format::Avro => Some(SchemaWriter::new(needs_registry(format, subject)?, &fields, unwrapped)?),
            _ => None,
        };
        let message = match format {
            Format::Protobuf => Some(MessageWriter::registered(needs_registry(format, subject)?, &fields)?),
            Format::ProtobufNoSr => {
                Some(MessageWriter::fixed(&fields, subject.map(|s| s.protobuf_nulls).unwrap_or_default())?)
            }
            _ => None,
        };
        Ok(Encoder { format: *format, fields, unwrapped, schema, message })
    }

    /// One payload per row. A row whose columns are all null is still encoded (deciding
    /// tombstones is the caller's job), except where the format has no other way to say
    /// null: NONE always gives `None`, and so do KAFKA and unwrapped JSON for a null
    /// value, as ksqlDB's serializers do.
    pub fn encode(&self, columns: &[ArrayRef], num_rows: usize) -> Vec<Result<Option<Vec<u8>>, FormatError>> {
        if let Err(e) = self.check_columns(columns, num_rows) {
            return vec![Err(e); num_rows];
        }
        let fields = &self.fields;
        match self.format {
            Format::None => vec![Ok(None); num_rows],
            Format::Kafka => (0..num_rows).map(|row| kafka::encode_row(fields, columns, row)).collect(),
            Format::Json => {
                (0..num_rows).map(|row| json::encode_row(fields, columns, row, self.unwrapped)).collect()
            }
            Format::JsonSr => (0..num_rows)
                .map(|row| {
                    json::encode_row(fields, columns, row, self.unwrapped).map(|payload| {
                        payload.map(|json| {
                            let mut framed = Vec::with_capacity(json.len() + 5);
                            framed.push(0);
                            framed.extend_from_slice(&format::JSON_SR_SCHEMA_ID.to_be_bytes());
                            framed.extend_from_slice(&json);
                            framed
                        })
                    })
                })
                .collect(),
            Format::Avro => match &self.schema {
                Some(schema) => (0..num_rows)
                    .map(|row| avro::encode_row(fields, columns, row, self.unwrapped, schema))
                    .collect(),
                None => vec![Err(FormatError::Internal("an AVRO encoder without a schema".into())); num_rows],
            },
            Format::Protobuf | Format::ProtobufNoSr => match &self.message {
                Some(message) => (0..num_rows)
                    .map(|row| protobuf::encode_row(fields, columns, row, self.unwrapped, message))
                    .collect(),
                None => {
                    vec![Err(FormatError::Internal("a PROTOBUF encoder without a message".into())); num_rows]
                }
            },
            Format::Delimited { delimiter } => {
                let mut scratch = String::new();
                (0..num_rows)
                    .map(|row| delimited::encode_row(fields, columns, row, delimiter, &mut scratch))
                    .collect()
            }
        }
    }

    /// The columns must be the declared ones, each with at least `num_rows` rows.
    fn check_columns(&self, columns: &[ArrayRef], num_rows: usize) -> Result<(), FormatError> {
        if columns.len() != self.fields.len() {
            return Err(FormatError::Schema(format!(
                "expected {} columns to encode, got {}",
                self.fields.len(),
                columns.len()
            )));
        }
        for (field, column) in self.fields.iter().zip(columns) {
            let fail = |reason| Err(FormatError::Serialize { column: field.name().clone(), reason });
            if !same_shape(field.data_type(), column.data_type()) {
                return fail(format!("expected {} values, got {}", field.data_type(), column.data_type()));
            }
            if column.len() < num_rows {
                return fail(format!("expected {num_rows} rows, got {}", column.len()));
            }
        }
        Ok(())
    }
}

fn needs_registry<'a>(
    format: &Format,
    subject: Option<&'a SchemaSubject>,
) -> Result<&'a SchemaSubject, FormatError> {
    subject
        .ok_or_else(|| FormatError::Schema(format!("The {} format needs a schema registry", format.name())))
}

/// The schema checks of `format` for the columns `fields`.
fn check(format: &Format, fields: &Fields, unwrapped: bool) -> Result<(), FormatError> {
    types::check_sql_types(fields)?;
    match format {
        Format::Json | Format::JsonSr => json::check(fields, unwrapped),
        Format::Delimited { .. } => delimited::check(fields),
        Format::Kafka => kafka::check(fields),
        Format::None => none::check(fields),
        Format::Avro => types::check_string_map_keys(fields, "Avro only supports MAPs with STRING keys"),
        Format::Protobuf | Format::ProtobufNoSr => {
            types::check_string_map_keys(fields, "PROTOBUF format only supports MAP types with STRING keys")
        }
    }
}

/// Whether values of type `actual` can be written as the declared type: the same type,
/// up to the nullability and names of list items and map entries (struct field names
/// must match: JSON writes them).
fn same_shape(declared: &DataType, actual: &DataType) -> bool {
    match (declared, actual) {
        (DataType::List(a), DataType::List(b)) => same_shape(a.data_type(), b.data_type()),
        (DataType::Map(a, _), DataType::Map(b, _)) => match (map_entries(a), map_entries(b)) {
            (Some((ka, va)), Some((kb, vb))) => {
                same_shape(ka.data_type(), kb.data_type()) && same_shape(va.data_type(), vb.data_type())
            }
            _ => false,
        },
        (DataType::Struct(a), DataType::Struct(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(x, y)| x.name() == y.name() && same_shape(x.data_type(), y.data_type()))
        }
        (DataType::Timestamp(a, _), DataType::Timestamp(b, _)) => a == b,
        _ => declared == actual,
    }
}

//! Which format settings apply to a source's keys and values.

use datafusion::arrow::datatypes::Fields;
use sluice_catalog::{DataSource, FormatSpec};
use sluice_formats::registry::{subject, ProtobufNulls};
use sluice_formats::{Decoder, Encoder, Format, Registry, SchemaSubject};

use crate::error::Result;

fn format(spec: &FormatSpec) -> Result<Format> {
    Ok(Format::from_name(&spec.name, spec.delimiter.as_deref())?)
}

/// PROTOBUF always writes a message, which holds the columns as its fields.
fn always_wrapped(spec: &FormatSpec) -> bool {
    matches!(spec.name.as_str(), "PROTOBUF" | "PROTOBUF_NOSR")
}

/// A single key column is stored bare, as ksqlDB does.
fn key_unwrapped(source: &DataSource) -> bool {
    source.schema.key_columns().count() == 1 && !always_wrapped(&source.key_format)
}

/// A single value column is stored bare when WRAP_SINGLE_VALUE is false, and
/// always in the KAFKA format, which has no way to wrap it.
fn value_unwrapped(source: &DataSource) -> bool {
    source.schema.value_columns().count() == 1
        && (source.wrap_single_value == Some(false) || source.value_format.name == "KAFKA")
        && !always_wrapped(&source.value_format)
}

/// Whether the key (or value) of `source` is stored bare rather than wrapped.
pub fn side_unwrapped(source: &DataSource, key: bool) -> bool {
    if key {
        key_unwrapped(source)
    } else {
        value_unwrapped(source)
    }
}

/// Where one side of the source's topic keeps its schemas (used by schema-registry formats).
pub fn schema_subject(source: &DataSource, registry: &Registry, key: bool) -> SchemaSubject {
    let spec = if key { &source.key_format } else { &source.value_format };
    SchemaSubject {
        registry: registry.clone(),
        subject: subject(&source.topic, key),
        schema_id: spec.schema_id,
        full_name: spec.schema_name.clone(),
        key,
        protobuf_nulls: match spec.protobuf_nullable.as_deref() {
            Some("OPTIONAL") => ProtobufNulls::Optional,
            Some("WRAPPER") => ProtobufNulls::Wrapper,
            _ => ProtobufNulls::Defaults,
        },
    }
}

/// The format, columns and wrapping of one side (key or value) of `source`.
fn side(source: &DataSource, key: bool) -> Result<(Format, Fields, bool)> {
    Ok(if key {
        (format(&source.key_format)?, source.schema.key_fields(), key_unwrapped(source))
    } else {
        (format(&source.value_format)?, source.schema.value_fields(), value_unwrapped(source))
    })
}

/// The decoder of the key (or value) payloads of `source`'s topic.
pub fn decoder(source: &DataSource, registry: &Registry, key: bool) -> Result<Decoder> {
    let (format, fields, unwrapped) = side(source, key)?;
    Ok(Decoder::new(&format, fields, unwrapped, Some(&schema_subject(source, registry, key)))?)
}

/// The encoder of the key (or value) payloads of `source`'s topic. For a
/// schema-registry format it registers the schema it writes with.
pub fn encoder(source: &DataSource, registry: &Registry, key: bool) -> Result<Encoder> {
    let (format, fields, unwrapped) = side(source, key)?;
    Ok(Encoder::new(&format, fields, unwrapped, Some(&schema_subject(source, registry, key)))?)
}

/// Registers the schemas of `source`'s AVRO and PROTOBUF sides whose subjects have
/// none yet (and that name no schema by id), as ksqlDB does for a new source.
pub fn register_schemas(source: &DataSource, registry: &Registry) -> Result<()> {
    for key in [true, false] {
        let spec = if key { &source.key_format } else { &source.value_format };
        let registers = matches!(spec.name.as_str(), "AVRO" | "PROTOBUF") && spec.schema_id.is_none();
        if registers && registry.latest(&subject(&source.topic, key)).is_none() {
            // Building the encoder registers its schema.
            encoder(source, registry, key)?;
        }
    }
    Ok(())
}

//! Which format settings apply to a source's keys and values.

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

pub fn key_decoder(source: &DataSource, registry: &Registry) -> Result<Decoder> {
    let subject = schema_subject(source, registry, true);
    Ok(Decoder::new(
        &format(&source.key_format)?,
        source.schema.key_fields(),
        key_unwrapped(source),
        Some(&subject),
    )?)
}

pub fn value_decoder(source: &DataSource, registry: &Registry) -> Result<Decoder> {
    let subject = schema_subject(source, registry, false);
    let fields = source.schema.value_fields();
    Ok(Decoder::new(&format(&source.value_format)?, fields, value_unwrapped(source), Some(&subject))?)
}

pub fn key_encoder(source: &DataSource, registry: &Registry) -> Result<Encoder> {
    let subject = schema_subject(source, registry, true);
    Ok(Encoder::new(
        &format(&source.key_format)?,
        source.schema.key_fields(),
        key_unwrapped(source),
        Some(&subject),
    )?)
}

pub fn value_encoder(source: &DataSource, registry: &Registry) -> Result<Encoder> {
    let subject = schema_subject(source, registry, false);
    let fields = source.schema.value_fields();
    Ok(Encoder::new(&format(&source.value_format)?, fields, value_unwrapped(source), Some(&subject))?)
}

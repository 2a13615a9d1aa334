//! Which format settings apply to a source's keys and values.

use sluice_catalog::{DataSource, FormatSpec};
use sluice_formats::{Decoder, Encoder, Format};

use crate::error::Result;

fn format(spec: &FormatSpec) -> Result<Format> {
    Ok(Format::from_name(&spec.name, spec.delimiter.as_deref())?)
}

/// A single key column is stored bare, as ksqlDB does.
fn key_unwrapped(source: &DataSource) -> bool {
    source.schema.key_columns().count() == 1
}

/// A single value column is stored bare when WRAP_SINGLE_VALUE is false, and
/// always in the KAFKA format, which has no way to wrap it.
fn value_unwrapped(source: &DataSource) -> bool {
    source.schema.value_columns().count() == 1
        && (source.wrap_single_value == Some(false) || source.value_format.name == "KAFKA")
}

pub fn key_decoder(source: &DataSource) -> Result<Decoder> {
    Ok(Decoder::new(&format(&source.key_format)?, source.schema.key_fields(), key_unwrapped(source))?)
}

pub fn value_decoder(source: &DataSource) -> Result<Decoder> {
    Ok(Decoder::new(&format(&source.value_format)?, source.schema.value_fields(), value_unwrapped(source))?)
}

pub fn key_encoder(source: &DataSource) -> Result<Encoder> {
    Ok(Encoder::new(&format(&source.key_format)?, source.schema.key_fields(), key_unwrapped(source))?)
}

pub fn value_encoder(source: &DataSource) -> Result<Encoder> {
    Ok(Encoder::new(&format(&source.value_format)?, source.schema.value_fields(), value_unwrapped(source))?)
}

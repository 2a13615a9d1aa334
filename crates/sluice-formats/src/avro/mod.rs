//! The AVRO format: datums in the schema registry's wire format (a magic byte 0,
//! the writer schema's id as 4 big-endian bytes, then the binary datum).
//!
//! Readers decode with whatever schema the payload names and take the columns from
//! it by name, so a topic can hold records of several compatible schemas. Writers
//! use the schema the source names by id (`KEY_SCHEMA_ID` / `VALUE_SCHEMA_ID`), or
//! register one generated from the columns, shaped as ksqlDB's.

mod decode;
mod encode;
mod schema;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use arrow::datatypes::Fields;

use crate::registry::{Registry, SchemaSubject, SchemaType};
use crate::FormatError;

pub(crate) use decode::decode_row;
pub(crate) use encode::encode_row;
pub(crate) use schema::ParsedSchema;
pub use schema::{infer_type, schema_for, DEFAULT_KEY_NAME, DEFAULT_VALUE_NAME};

/// Finds writer schemas by the id in each payload, parsing each once.
#[derive(Debug, Clone)]
pub(crate) struct SchemaReader {
    registry: Registry,
    parsed: Arc<Mutex<HashMap<u32, Arc<ParsedSchema>>>>,
}

impl SchemaReader {
    pub fn new(registry: Registry) -> Self {
        SchemaReader { registry, parsed: Arc::default() }
    }

    fn schema(&self, id: u32) -> Result<Arc<ParsedSchema>, FormatError> {
        let mut parsed = self.parsed.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(schema) = parsed.get(&id) {
            return Ok(schema.clone());
        }
        let registered = self
            .registry
            .schema(id)
            .ok_or_else(|| FormatError::Payload(format!("Schema not found; error code: 40403 (id {id})")))?;
        if registered.schema_type != SchemaType::Avro {
            return Err(FormatError::Payload(format!("schema {id} is not an AVRO schema")));
        }
        let schema = ParsedSchema::parse(&registered.text)?;
        parsed.insert(id, schema.clone());
        Ok(schema)
    }
}

/// The schema a side writes with, and its id.
#[derive(Debug, Clone)]
pub(crate) struct SchemaWriter {
    id: u32,
    schema: Arc<ParsedSchema>,
}

impl SchemaWriter {
    /// The schema `subject` names by id, or the one generated for `fields`, registered.
    pub fn new(subject: &SchemaSubject, fields: &Fields, unwrapped: bool) -> Result<Self, FormatError> {
        let (id, text) = subject.writer_schema(SchemaType::Avro, || {
            let default = if subject.key { DEFAULT_KEY_NAME } else { DEFAULT_VALUE_NAME };
            schema_for(fields, unwrapped, subject.full_name.as_deref().unwrap_or(default))
        })?;
        Ok(SchemaWriter { id, schema: ParsedSchema::parse(&text.text)? })
    }
}

/// The schema id and the datum of a payload in the wire format.
fn split_payload(payload: &[u8]) -> Result<(u32, &[u8]), FormatError> {
    match payload {
        [0, a, b, c, d, datum @ ..] => Ok((u32::from_be_bytes([*a, *b, *c, *d]), datum)),
        _ => Err(FormatError::Payload("Unknown magic byte!".into())),
    }
}

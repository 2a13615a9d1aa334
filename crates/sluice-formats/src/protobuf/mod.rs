//! The PROTOBUF and PROTOBUF_NOSR formats.
//!
//! PROTOBUF payloads use the schema registry's wire format: a magic byte 0, the
//! schema id as 4 big-endian bytes, the message indexes (zig-zag varints: a count,
//! then the path of the message in the schema; a lone 0 means the first message),
//! then the message. PROTOBUF_NOSR payloads are the bare message of the schema
//! generated from the columns.
//!
//! proto3 has no nulls: a null column is left unset and reads back as its type's
//! default (0, "", false, an empty list), except a message, which reads back null.
//! Columns are matched to fields by name; a single unwrapped column is the
//! message's one field.

mod decode;
mod encode;
mod schema;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use arrow::datatypes::Fields;
use prost_reflect::MessageDescriptor;

use crate::registry::{ProtobufNulls, RegisteredSchema, Registry, SchemaSubject, SchemaType};
use crate::FormatError;

pub(crate) use decode::decode_row;
pub(crate) use encode::encode_row;
use schema::CompiledSchema;
pub use schema::{infer_type, schema_for};

/// How PROTOBUF payloads find the message type they hold.
#[derive(Debug, Clone)]
pub(crate) enum MessageSource {
    /// PROTOBUF_NOSR: always the message generated from the columns.
    Fixed(MessageDescriptor),
    /// PROTOBUF: the message the payload's schema id and indexes name.
    Registry { registry: Registry, compiled: Arc<Mutex<HashMap<u32, Arc<CompiledSchema>>>> },
}

impl MessageSource {
    pub fn fixed(fields: &Fields, nulls: ProtobufNulls) -> Result<Self, FormatError> {
        let schema = RegisteredSchema::new(SchemaType::Protobuf, schema_for(fields, nulls)?);
        Ok(MessageSource::Fixed(CompiledSchema::compile(&schema)?.message(&[0])?))
    }

    pub fn registry(registry: Registry) -> Self {
        MessageSource::Registry { registry, compiled: Arc::default() }
    }

    /// The message type of `payload`, and the message bytes.
    fn read<'p>(&self, payload: &'p [u8]) -> Result<(MessageDescriptor, &'p [u8]), FormatError> {
        match self {
            MessageSource::Fixed(message) => Ok((message.clone(), payload)),
            MessageSource::Registry { registry, compiled } => {
                let (id, rest) = match payload {
                    [0, a, b, c, d, rest @ ..] => (u32::from_be_bytes([*a, *b, *c, *d]), rest),
                    _ => return Err(FormatError::Payload("Unknown magic byte!".into())),
                };
                let (path, message) = message_indexes(rest)?;
                let schema = {
                    let mut cache = compiled.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                    match cache.get(&id) {
                        Some(schema) => schema.clone(),
                        None => {
                            let registered = registry.schema(id).ok_or_else(|| {
                                FormatError::Payload(format!("Schema not found; error code: 40403 (id {id})"))
                            })?;
                            if registered.schema_type != SchemaType::Protobuf {
                                return Err(FormatError::Payload(format!(
                                    "schema {id} is not a PROTOBUF schema"
                                )));
                            }
                            let schema = CompiledSchema::compile(&registered)?;
                            cache.insert(id, schema.clone());
                            schema
                        }
                    }
                };
                Ok((schema.message(&path)?, message))
            }
        }
    }
}

/// The message type a side writes, and the header its payloads start with.
#[derive(Debug, Clone)]
pub(crate) struct MessageWriter {
    message: MessageDescriptor,
    /// The wire format's magic byte, schema id and message index; empty for NOSR.
    header: Vec<u8>,
}

impl MessageWriter {
    pub fn fixed(fields: &Fields, nulls: ProtobufNulls) -> Result<Self, FormatError> {
        let schema = RegisteredSchema::new(SchemaType::Protobuf, schema_for(fields, nulls)?);
        let message = CompiledSchema::compile(&schema)?.message(&[0])?;
        Ok(MessageWriter { message, header: Vec::new() })
    }

    /// The schema `subject` names by id (its message `full_name`, else the first), or
    /// the one generated for `fields`, registered.
    pub fn registered(subject: &SchemaSubject, fields: &Fields) -> Result<Self, FormatError> {
        let (id, text) =
            subject.writer_schema(SchemaType::Protobuf, || schema_for(fields, subject.protobuf_nulls))?;
        let name = subject.schema_id.and(subject.full_name.as_deref());
        let (path, message) = CompiledSchema::compile(&text)?.find(name)?;
        let mut header = vec![0];
        header.extend_from_slice(&id.to_be_bytes());
        if path == [0] {
            // The first message: an empty index list, written as a single 0.
            header.push(0);
        } else {
            write_zigzag(&mut header, path.len() as i64);
            path.iter().for_each(|i| write_zigzag(&mut header, *i as i64));
        }
        Ok(MessageWriter { message, header })
    }
}

/// Reads the message indexes after the schema id: the path, and the bytes after it.
fn message_indexes(bytes: &[u8]) -> Result<(Vec<usize>, &[u8]), FormatError> {
    let bad = || FormatError::Payload("invalid PROTOBUF message indexes".into());
    let (count, mut rest) = zigzag(bytes).ok_or_else(bad)?;
    if count == 0 {
        return Ok((vec![0], rest));
    }
    let count = usize::try_from(count).map_err(|_| bad())?;
    if count > 100 {
        return Err(bad());
    }
    let mut path = Vec::with_capacity(count);
    for _ in 0..count {
        let (index, after) = zigzag(rest).ok_or_else(bad)?;
        path.push(usize::try_from(index).map_err(|_| bad())?);
        rest = after;
    }
    Ok((path, rest))
}

fn write_zigzag(out: &mut Vec<u8>, value: i64) {
    let mut v = ((value << 1) ^ (value >> 63)) as u64;
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// One zig-zag varint (as Confluent's `ByteUtils.readVarint`) and the bytes after it.
fn zigzag(bytes: &[u8]) -> Option<(i64, &[u8])> {
    let mut value: u64 = 0;
    for (i, byte) in bytes.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7F) << (7 * i);
        if byte & 0x80 == 0 {
            let decoded = (value >> 1) as i64 ^ -((value & 1) as i64);
            return Some((decoded, &bytes[i + 1..]));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_indexes_read_like_confluent_writes_them() {
        assert_eq!(message_indexes(&[0, 9]).unwrap(), (vec![0], &[9u8][..]));
        // [1, 2]: count 2, then 1 and 2, zig-zag encoded.
        assert_eq!(message_indexes(&[4, 2, 4]).unwrap(), (vec![1, 2], &[][..]));
        assert!(message_indexes(&[0x80]).is_err());
        let mut written = Vec::new();
        [2, 1, 2].iter().for_each(|v| write_zigzag(&mut written, *v));
        assert_eq!(written, vec![4, 2, 4]);
    }
}

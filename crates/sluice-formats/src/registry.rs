//! Schemas by id and by subject, as a Confluent schema registry keeps them.
//!
//! AVRO payloads carry only a schema id (the wire format is a magic byte 0, the id
//! as 4 big-endian bytes, then the datum); readers look the writer's schema up by
//! id, writers register theirs under the subject `<topic>-key` / `<topic>-value`.
//! [`MemorySchemaRegistry`] keeps them in the process: the conformance runner and an
//! engine with no registry configured use it.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::FormatError;

/// A schema's language, as the registry's `schemaType` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaType {
    Avro,
    Protobuf,
    Json,
}

/// A schema as registered: its language, its text, and the schemas it imports.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegisteredSchema {
    pub schema_type: SchemaType,
    pub text: String,
    /// Schema references (a PROTOBUF `import "event.proto"`): the imported
    /// schemas by the name the text imports them as, resolved when registered.
    pub references: Vec<SchemaReference>,
}

/// A schema another one imports.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SchemaReference {
    pub name: String,
    pub text: String,
}

impl RegisteredSchema {
    /// A schema that imports no other.
    pub fn new(schema_type: SchemaType, text: impl Into<String>) -> Self {
        RegisteredSchema { schema_type, text: text.into(), references: Vec::new() }
    }
}

/// Where schema-registry formats keep their schemas.
pub trait SchemaRegistry: Send + Sync + Debug {
    /// Registers `schema` under `subject` and returns its id. Registering a schema
    /// that the registry already holds returns the id it already has.
    fn register(&self, subject: &str, schema: RegisteredSchema) -> Result<u32, FormatError>;

    /// Registers `schema` under `subject` with the given id (tests and imports name
    /// their ids). Fails if `id` is taken by another schema.
    fn register_with_id(&self, subject: &str, schema: RegisteredSchema, id: u32) -> Result<(), FormatError>;

    fn schema(&self, id: u32) -> Option<RegisteredSchema>;

    /// The newest schema of `subject`, with its id.
    fn latest(&self, subject: &str) -> Option<(u32, RegisteredSchema)>;
}

/// The registry shared by everything that reads and writes one engine's topics.
pub type Registry = Arc<dyn SchemaRegistry>;

/// The subject a topic's keys or values register their schema under.
pub fn subject(topic: &str, key: bool) -> String {
    format!("{topic}-{}", if key { "key" } else { "value" })
}

/// One side (key or value) of a topic in a schema-registry format: where its
/// schemas are kept and which one it writes with.
#[derive(Debug, Clone)]
pub struct SchemaSubject {
    pub registry: Registry,
    /// `<topic>-key` or `<topic>-value`.
    pub subject: String,
    /// `KEY_SCHEMA_ID` / `VALUE_SCHEMA_ID`: write with this registered schema.
    pub schema_id: Option<u32>,
    /// `KEY_SCHEMA_FULL_NAME` / `VALUE_SCHEMA_FULL_NAME`: the name of the generated
    /// record schema; ksqlDB's default otherwise.
    pub full_name: Option<String>,
    pub key: bool,
    /// How generated PROTOBUF schemas carry nulls (PROTOBUF and PROTOBUF_NOSR).
    pub protobuf_nulls: ProtobufNulls,
}

/// How a generated PROTOBUF schema carries nulls (`*_PROTOBUF_NULLABLE_REPRESENTATION`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ProtobufNulls {
    /// Plain proto3 fields: a null reads back as the type's default.
    #[default]
    Defaults,
    /// `optional` fields, which know whether they were set.
    Optional,
    /// `google.protobuf.*Value` wrapper messages.
    Wrapper,
}

impl SchemaSubject {
    /// The schema this side writes with: the one named by id, else the one
    /// `generate` gives, registered under the subject. Returns its id and schema.
    pub(crate) fn writer_schema(
        &self,
        schema_type: SchemaType,
        generate: impl FnOnce() -> Result<String, FormatError>,
    ) -> Result<(u32, RegisteredSchema), FormatError> {
        match self.schema_id {
            Some(id) => {
                let registered = self.registry.schema(id).ok_or_else(|| {
                    FormatError::Schema(format!("Schema with id {id} does not exist in the schema registry"))
                })?;
                Ok((id, registered))
            }
            None => {
                let registered = RegisteredSchema::new(schema_type, generate()?);
                Ok((self.registry.register(&self.subject, registered.clone())?, registered))
            }
        }
    }
}

/// A schema registry in memory. Ids count from 1, as in Confluent's registry.
#[derive(Debug, Default)]
pub struct MemorySchemaRegistry {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    by_id: HashMap<u32, RegisteredSchema>,
    /// The ids of each subject's versions, oldest first.
    subjects: HashMap<String, Vec<u32>>,
}

impl MemorySchemaRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn shared() -> Registry {
        Arc::new(Self::new())
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere cannot leave the maps half-updated: every change is one insert.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl State {
    fn add_version(&mut self, subject: &str, id: u32) {
        let versions = self.subjects.entry(subject.to_string()).or_default();
        if versions.last() != Some(&id) {
            versions.push(id);
        }
    }
}

impl SchemaRegistry for MemorySchemaRegistry {
    fn register(&self, subject: &str, schema: RegisteredSchema) -> Result<u32, FormatError> {
        let mut state = self.state();
        let existing = state.by_id.iter().find(|(_, s)| **s == schema).map(|(id, _)| *id);
        let id = match existing {
            Some(id) => id,
            None => {
                let id = state.by_id.keys().max().map_or(1, |max| max + 1);
                state.by_id.insert(id, schema);
                id
            }
        };
        state.add_version(subject, id);
        Ok(id)
    }

    fn register_with_id(&self, subject: &str, schema: RegisteredSchema, id: u32) -> Result<(), FormatError> {
        let mut state = self.state();
        match state.by_id.get(&id) {
            Some(existing) if *existing != schema => {
                return Err(FormatError::Schema(format!("Schema id {id} is already used by another schema")))
            }
            Some(_) => {}
            None => {
                state.by_id.insert(id, schema);
            }
        }
        state.add_version(subject, id);
        Ok(())
    }

    fn schema(&self, id: u32) -> Option<RegisteredSchema> {
        self.state().by_id.get(&id).cloned()
    }

    fn latest(&self, subject: &str) -> Option<(u32, RegisteredSchema)> {
        let state = self.state();
        let id = *state.subjects.get(subject)?.last()?;
        Some((id, state.by_id.get(&id)?.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn avro(text: &str) -> RegisteredSchema {
        RegisteredSchema::new(SchemaType::Avro, text)
    }

    #[test]
    fn ids_are_shared_by_equal_schemas() {
        let registry = MemorySchemaRegistry::new();
        assert_eq!(registry.register("t-value", avro("\"int\"")), Ok(1));
        assert_eq!(registry.register("t-key", avro("\"string\"")), Ok(2));
        assert_eq!(registry.register("u-value", avro("\"int\"")), Ok(1));
        assert_eq!(registry.latest("u-value"), Some((1, avro("\"int\""))));
        assert_eq!(registry.schema(2), Some(avro("\"string\"")));
        assert_eq!(registry.latest("nope"), None);
    }

    #[test]
    fn named_ids() {
        let registry = MemorySchemaRegistry::new();
        assert_eq!(registry.register_with_id("t-value", avro("\"int\""), 100), Ok(()));
        assert!(registry.register_with_id("t-value", avro("\"long\""), 100).is_err());
        assert_eq!(registry.register("x-value", avro("\"long\"")), Ok(101));
        assert_eq!(registry.latest("t-value"), Some((100, avro("\"int\""))));
    }
}

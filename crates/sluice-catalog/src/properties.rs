//! The `WITH (..)` clause of CREATE statements, checked and typed.

use sluice_sql::ast::{Literal, Properties};

use crate::error::{CatalogError, Result};

/// Every property a CREATE STREAM/TABLE (AS SELECT) may set.
const KNOWN: &[&str] = &[
    "KAFKA_TOPIC",
    "KEY_FORMAT",
    "VALUE_FORMAT",
    "FORMAT",
    "PARTITIONS",
    "REPLICAS",
    "RETENTION_MS",
    "CLEANUP_POLICY",
    "TIMESTAMP",
    "TIMESTAMP_FORMAT",
    "WRAP_SINGLE_VALUE",
    "VALUE_DELIMITER",
    "KEY_DELIMITER",
    "KEY_SCHEMA_ID",
    "VALUE_SCHEMA_ID",
    "KEY_SCHEMA_FULL_NAME",
    "VALUE_SCHEMA_FULL_NAME",
    "VALUE_AVRO_SCHEMA_FULL_NAME",
    "KEY_PROTOBUF_NULLABLE_REPRESENTATION",
    "VALUE_PROTOBUF_NULLABLE_REPRESENTATION",
    "WINDOW_TYPE",
    "WINDOW_SIZE",
    "SOURCE_CONNECTOR",
];

/// A checked view of a WITH clause: names are upper-cased and known.
#[derive(Debug, Clone, Default)]
pub struct WithClause {
    entries: Vec<(String, Literal)>,
}

impl WithClause {
    pub fn new(properties: &Properties) -> Result<Self> {
        let entries: Vec<(String, Literal)> =
            properties.0.iter().map(|p| (p.name.as_str().to_ascii_uppercase(), p.value.clone())).collect();
        let unknown: Vec<&str> =
            entries.iter().map(|(n, _)| n.as_str()).filter(|n| !KNOWN.contains(n)).collect();
        if !unknown.is_empty() {
            return Err(CatalogError::invalid(format!(
                "Invalid config variable(s) in the WITH clause: {}",
                unknown.join(",")
            )));
        }
        Ok(WithClause { entries })
    }

    pub fn contains(&self, name: &str) -> bool {
        self.entries.iter().any(|(n, _)| n == name)
    }

    fn get(&self, name: &str) -> Option<&Literal> {
        self.entries.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// A property given as text; numbers and booleans are accepted as their
    /// text, as ksqlDB does.
    pub fn string(&self, name: &str) -> Option<String> {
        self.get(name).and_then(|v| match v {
            Literal::String(s) | Literal::Integer(s) | Literal::Decimal(s) | Literal::Double(s) => {
                Some(s.clone())
            }
            Literal::Boolean(b) => Some(b.to_string()),
            Literal::Null => None,
        })
    }

    pub fn integer(&self, name: &str) -> Result<Option<i64>> {
        let Some(text) = self.string(name) else { return Ok(None) };
        text.trim().parse::<i64>().map(Some).map_err(|_| {
            CatalogError::invalid(format!(
                "Invalid value {text} for property {name}: expected a whole number"
            ))
        })
    }

    pub fn boolean(&self, name: &str) -> Result<Option<bool>> {
        let Some(text) = self.string(name) else { return Ok(None) };
        match text.to_ascii_lowercase().as_str() {
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            _ => Err(CatalogError::invalid(format!(
                "Property '{name}' can be set to either 'true' or 'false', but was '{text}'"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_sql::ast::{Ident, Property};

    fn props(pairs: &[(&str, Literal)]) -> Properties {
        Properties(pairs.iter().map(|(n, v)| Property { name: Ident::new(*n), value: v.clone() }).collect())
    }

    #[test]
    fn typed_access_and_unknown_names() {
        let with = WithClause::new(&props(&[
            ("kafka_topic", Literal::String("t".into())),
            ("PARTITIONS", Literal::Integer("3".into())),
            ("WRAP_SINGLE_VALUE", Literal::Boolean(false)),
        ]))
        .unwrap();
        assert_eq!(with.string("KAFKA_TOPIC").as_deref(), Some("t"));
        assert_eq!(with.integer("PARTITIONS").unwrap(), Some(3));
        assert_eq!(with.boolean("WRAP_SINGLE_VALUE").unwrap(), Some(false));
        let err = WithClause::new(&props(&[("FOO", Literal::Null)])).unwrap_err();
        assert_eq!(err.to_string(), "Invalid config variable(s) in the WITH clause: FOO");
    }
}

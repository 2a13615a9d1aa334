//! The properties Sluice understands, in one place: those a request may
//! set (`streamsProperties`, `/query-stream`'s `properties`, SET) and that
//! change what the server does, and the server's own settings, which only
//! its config file or command line set. `/is_valid_property`, SET, SHOW
//! PROPERTIES, the queries and the config file all read this list.

use serde_json::{Map, Value};

use crate::endpoints::property_text;

/// Where a push query starts: `latest` (only new rows) or `earliest`.
pub const AUTO_OFFSET_RESET: &str = "auto.offset.reset";
/// The same, under the name ksqlDB lists it by.
pub const STREAMS_AUTO_OFFSET_RESET: &str = "ksql.streams.auto.offset.reset";
/// Pull queries on tables may scan the table (on) or must be key lookups.
pub const PULL_TABLE_SCAN_ENABLED: &str = "ksql.query.pull.table.scan.enabled";
/// With table scans off, a range over a key is still allowed.
pub const PULL_RANGE_SCAN_ENABLED: &str = "ksql.query.pull.range.scan.enabled";

/// ksqlDB's `ksql.service.id`.
pub const SERVICE_ID: &str = "ksql.service.id";
/// ksqlDB's `listeners`: the address the server listens on.
pub const LISTENERS: &str = "listeners";
/// Where Sluice keeps its topics and command log.
pub const DATA_DIR: &str = "sluice.data.dir";
/// ksqlDB's headless mode: the file of statements to run at start-up.
pub const QUERIES_FILE: &str = "ksql.queries.file";
/// Kafka's bootstrap servers: topics live in Kafka.
pub const BOOTSTRAP_SERVERS: &str = "bootstrap.servers";
/// ksqlDB's `processing.guarantee` of persistent queries over Kafka:
/// `at_least_once` or `exactly_once_v2` (`exactly_once` is taken too).
pub const PROCESSING_GUARANTEE: &str = "ksql.streams.processing.guarantee";
/// The same, under Kafka Streams' own name.
pub const STREAMS_PROCESSING_GUARANTEE: &str = "processing.guarantee";

/// A property a request may set, with the value it has when none does.
#[derive(Debug, Clone, Copy)]
pub struct RequestProperty {
    pub name: &'static str,
    pub default: &'static str,
}

/// Every property a request may set that Sluice acts on.
pub const REQUEST_PROPERTIES: &[RequestProperty] = &[
    RequestProperty { name: AUTO_OFFSET_RESET, default: "latest" },
    RequestProperty { name: STREAMS_AUTO_OFFSET_RESET, default: "latest" },
    RequestProperty { name: PULL_TABLE_SCAN_ENABLED, default: "true" },
    RequestProperty { name: PULL_RANGE_SCAN_ENABLED, default: "true" },
];

/// The server's own settings: a request may not change them (ksqlDB's
/// deny-list).
pub const SERVER_SETTINGS: &[&str] = &[
    SERVICE_ID,
    LISTENERS,
    DATA_DIR,
    QUERIES_FILE,
    BOOTSTRAP_SERVERS,
    PROCESSING_GUARANTEE,
    STREAMS_PROCESSING_GUARANTEE,
];

/// Why a request may not set a property.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PropertyError {
    /// ksqlDB's message for properties on its deny-list.
    #[error(
        "One or more properties overrides set locally are prohibited by the KSQL server \
         (use UNSET to reset their default value): [{}]",
        .0.join(", ")
    )]
    Denied(Vec<String>),
    #[error("Not recognizable as ksql, streams, consumer, or producer property: '{0}'")]
    Unknown(String),
}

/// Whether `name` is a property Sluice acts on when a request sets it.
pub fn is_request_property(name: &str) -> bool {
    REQUEST_PROPERTIES.iter().any(|p| p.name == name)
}

/// What `/is_valid_property` answers: a property Sluice acts on may be
/// set; a server setting is denied; anything else is unknown to Sluice.
pub fn check_settable(name: &str) -> Result<(), PropertyError> {
    if SERVER_SETTINGS.contains(&name) {
        return Err(PropertyError::Denied(vec![name.to_string()]));
    }
    if !is_request_property(name) {
        return Err(PropertyError::Unknown(name.to_string()));
    }
    Ok(())
}

/// Checks the properties a request sets. Server settings are refused, as
/// ksqlDB refuses what its deny-list names. Properties Sluice does not
/// know are let through and change nothing: ksqlDB accepts every Kafka
/// Streams, consumer and producer setting, which clients send freely.
pub fn check_overrides<'a>(names: impl IntoIterator<Item = &'a String>) -> Result<(), PropertyError> {
    let denied: Vec<String> =
        names.into_iter().filter(|n| SERVER_SETTINGS.contains(&n.as_str())).cloned().collect();
    if denied.is_empty() {
        Ok(())
    } else {
        Err(PropertyError::Denied(denied))
    }
}

/// Where a push query starts: true for `latest` (the default), false for
/// `earliest`. `auto.offset.reset` wins over `ksql.streams.auto.offset.reset`.
pub fn starts_at_end(properties: &Map<String, Value>) -> Result<bool, String> {
    let given = properties.get(AUTO_OFFSET_RESET).or_else(|| properties.get(STREAMS_AUTO_OFFSET_RESET));
    match given.map(property_text).as_deref() {
        None | Some("latest") => Ok(true),
        Some("earliest") => Ok(false),
        Some(other) => Err(format!(
            "Invalid value {other} for configuration auto.offset.reset: String must be one of: latest, earliest, none"
        )),
    }
}

/// A boolean property, true unless it says otherwise (both pull scan
/// settings default to on in ksqlDB).
pub fn enabled(properties: &Map<String, Value>, name: &str) -> bool {
    properties.get(name).map(property_text).is_none_or(|v| !v.eq_ignore_ascii_case("false"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settable_denied_and_unknown_properties() {
        assert_eq!(check_settable(AUTO_OFFSET_RESET), Ok(()));
        assert_eq!(check_settable(PULL_TABLE_SCAN_ENABLED), Ok(()));
        assert_eq!(check_settable(SERVICE_ID), Err(PropertyError::Denied(vec![SERVICE_ID.into()])));
        assert_eq!(check_settable("no.such.thing"), Err(PropertyError::Unknown("no.such.thing".into())));
        assert_eq!(
            PropertyError::Denied(vec!["ksql.service.id".into()]).to_string(),
            "One or more properties overrides set locally are prohibited by the KSQL server \
             (use UNSET to reset their default value): [ksql.service.id]"
        );
    }

    #[test]
    fn overrides_refuse_server_settings_only() {
        let names = ["ksql.streams.num.stream.threads".to_string(), AUTO_OFFSET_RESET.to_string()];
        assert_eq!(check_overrides(&names), Ok(()));
        let names = [LISTENERS.to_string(), "x".to_string(), DATA_DIR.to_string()];
        assert_eq!(
            check_overrides(&names),
            Err(PropertyError::Denied(vec![LISTENERS.into(), DATA_DIR.into()]))
        );
    }

    #[test]
    fn offset_reset_reads_either_name() {
        let props = |value: Value| value.as_object().cloned().unwrap_or_default();
        assert_eq!(starts_at_end(&Map::new()), Ok(true));
        assert_eq!(starts_at_end(&props(json!({ STREAMS_AUTO_OFFSET_RESET: "earliest" }))), Ok(false));
        assert_eq!(
            starts_at_end(&props(
                json!({ AUTO_OFFSET_RESET: "latest", STREAMS_AUTO_OFFSET_RESET: "earliest" })
            )),
            Ok(true)
        );
        assert!(starts_at_end(&props(json!({ AUTO_OFFSET_RESET: "soon" }))).is_err());
    }
}

//! The server's config file, in the Java properties format of ksqlDB's
//! `ksql-server.properties`: `key=value` (or `key: value`, or `key value`)
//! lines, `#` and `!` comments, `\` at the end of a line to go on on the
//! next, and Java's escapes (`\t`, `\n`, `\uXXXX`, `\=`, ..).
//!
//! `listeners`, `ksql.service.id`, `sluice.data.dir`, `ksql.queries.file`,
//! `bootstrap.servers` and `ksql.streams.processing.guarantee` (or
//! `processing.guarantee`) are the server's settings; every other key is a
//! default for the properties of requests (a request's own properties win
//! over it).

use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

use sluice_log::Guarantee;

use crate::properties::{
    is_request_property, BOOTSTRAP_SERVERS, DATA_DIR, LISTENERS, PROCESSING_GUARANTEE, QUERIES_FILE,
    SERVICE_ID, STREAMS_PROCESSING_GUARANTEE,
};

/// Why a config file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    #[error("cannot read the config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("line {line}: {message}")]
    Invalid { line: usize, message: String },
}

/// What a config file sets. Settings it leaves out are None.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigFile {
    /// From `listeners=http://HOST:PORT`.
    pub listen: Option<SocketAddr>,
    pub service_id: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub queries_file: Option<PathBuf>,
    /// From `bootstrap.servers`.
    pub kafka_bootstrap: Option<String>,
    pub guarantee: Option<Guarantee>,
    /// Defaults for request properties: every other key.
    pub properties: BTreeMap<String, String>,
    /// Keys of `properties` that Sluice does not act on (ksqlDB's Kafka
    /// and tuning settings, or typos): kept, but they change nothing.
    pub unused: Vec<String>,
}

impl ConfigFile {
    pub fn read(path: &Path) -> Result<Self, ConfigFileError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigFileError::Read { path: path.to_path_buf(), source })?;
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Self, ConfigFileError> {
        let mut config = ConfigFile::default();
        for (line, key, value) in entries(text)? {
            let invalid = |message: String| ConfigFileError::Invalid { line, message };
            match key.as_str() {
                LISTENERS => config.listen = Some(listener(&value).map_err(invalid)?),
                SERVICE_ID => config.service_id = Some(value),
                DATA_DIR => config.data_dir = Some(PathBuf::from(value)),
                QUERIES_FILE => config.queries_file = Some(PathBuf::from(value)),
                BOOTSTRAP_SERVERS => config.kafka_bootstrap = Some(value),
                PROCESSING_GUARANTEE | STREAMS_PROCESSING_GUARANTEE => {
                    config.guarantee = Some(guarantee(&key, &value).map_err(invalid)?)
                }
                _ => {
                    if !is_request_property(&key) && !config.unused.contains(&key) {
                        config.unused.push(key.clone());
                    }
                    config.properties.insert(key, value);
                }
            }
        }
        Ok(config)
    }
}

/// A `processing.guarantee`, by Kafka Streams' names for it.
fn guarantee(key: &str, value: &str) -> Result<Guarantee, String> {
    match value.trim() {
        "at_least_once" => Ok(Guarantee::AtLeastOnce),
        "exactly_once" | "exactly_once_v2" | "exactly_once_beta" => Ok(Guarantee::ExactlyOnce),
        other => Err(format!("{key} is at_least_once or exactly_once_v2, not '{other}'")),
    }
}

/// The address of `listeners`: one `http://HOST:PORT` (Sluice listens on
/// one address, without TLS).
fn listener(value: &str) -> Result<SocketAddr, String> {
    let listeners: Vec<&str> = value.split(',').map(str::trim).filter(|l| !l.is_empty()).collect();
    let [listener] = listeners.as_slice() else {
        return Err(format!(
            "{LISTENERS} must name one address; Sluice listens on one, not {}",
            listeners.len()
        ));
    };
    let Some(address) = listener.strip_prefix("http://") else {
        return Err(format!("{LISTENERS}: {listener} is not http://HOST:PORT (Sluice serves no TLS)"));
    };
    let address = address.trim_end_matches('/');
    address
        .to_socket_addrs()
        .map_err(|e| format!("{LISTENERS}: cannot resolve {address}: {e}"))?
        .next()
        .ok_or_else(|| format!("{LISTENERS}: {address} resolves to no address"))
}

/// The file's `(line, key, value)` entries, in order; a key given twice
/// keeps its last value when applied.
fn entries(text: &str) -> Result<Vec<(usize, String, String)>, ConfigFileError> {
    let mut entries = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((index, line)) = lines.next() {
        let first = line.trim_start();
        if first.is_empty() || first.starts_with('#') || first.starts_with('!') {
            continue;
        }
        // A line ending in an odd number of backslashes goes on on the next.
        let mut logical = first.to_string();
        while ends_with_continuation(&logical) {
            logical.pop();
            match lines.next() {
                Some((_, next)) => logical.push_str(next.trim_start()),
                None => break,
            }
        }
        let (key, value) = split_entry(&logical);
        let key = unescape(&key).map_err(|message| ConfigFileError::Invalid { line: index + 1, message })?;
        let value =
            unescape(&value).map_err(|message| ConfigFileError::Invalid { line: index + 1, message })?;
        entries.push((index + 1, key, value));
    }
    Ok(entries)
}

fn ends_with_continuation(line: &str) -> bool {
    line.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

/// Splits at the first `=`, `:` or whitespace not escaped; the separator's
/// surrounding whitespace is not part of the key or the value.
fn split_entry(line: &str) -> (String, String) {
    let mut escaped = false;
    for (at, c) in line.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '=' | ':' => return (line[..at].to_string(), line[at + 1..].trim_start().to_string()),
            c if c.is_whitespace() => {
                let rest = line[at..].trim_start();
                let rest = rest.strip_prefix(['=', ':']).map(str::trim_start).unwrap_or(rest);
                return (line[..at].to_string(), rest.to_string());
            }
            _ => {}
        }
    }
    (line.to_string(), String::new())
}

/// Java's escapes: `\t`, `\n`, `\r`, `\f`, `\uXXXX`; any other escaped
/// character stands for itself.
fn unescape(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let code = u32::from_str_radix(&hex, 16)
                    .ok()
                    .filter(|_| hex.len() == 4)
                    .and_then(char::from_u32)
                    .ok_or_else(|| format!("malformed \\uXXXX escape: \\u{hex}"))?;
                out.push(code);
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ksqldb_server_properties() {
        let config = ConfigFile::parse(
            "# ksql-server.properties\n\
             listeners=http://127.0.0.1:9000\n\
             ksql.service.id = demo_\n\
             ! another comment\n\
             sluice.data.dir: /var/lib/sluice\n\
             auto.offset.reset earliest\n\
             bootstrap.servers=localhost:9092\n\
             ksql.query.pull.table.scan.enabled=false\n",
        )
        .expect("a valid file");
        assert_eq!(config.listen, Some("127.0.0.1:9000".parse().expect("address")));
        assert_eq!(config.service_id.as_deref(), Some("demo_"));
        assert_eq!(config.data_dir, Some(PathBuf::from("/var/lib/sluice")));
        assert_eq!(config.queries_file, None);
        assert_eq!(config.kafka_bootstrap.as_deref(), Some("localhost:9092"));
        let properties: Vec<(&str, &str)> =
            config.properties.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            properties,
            [("auto.offset.reset", "earliest"), ("ksql.query.pull.table.scan.enabled", "false")]
        );
        assert!(config.unused.is_empty(), "{:?}", config.unused);
    }

    #[test]
    fn continuations_escapes_and_repeated_keys() {
        let config = ConfigFile::parse(
            "ksql.queries.file=/apps/\\\n    app.sql\n\
             a\\=b=c\\td\n\
             uni=\\u00e9t\\u00E9\n\
             ksql.service.id=first\n\
             ksql.service.id=second\n\
             empty=\n",
        )
        .expect("a valid file");
        assert_eq!(config.queries_file, Some(PathBuf::from("/apps/app.sql")));
        assert_eq!(config.properties.get("a=b").map(String::as_str), Some("c\td"));
        assert_eq!(config.properties.get("uni").map(String::as_str), Some("été"));
        assert_eq!(config.properties.get("empty").map(String::as_str), Some(""));
        assert_eq!(config.service_id.as_deref(), Some("second"));
    }

    #[test]
    fn listeners_must_be_one_http_address() {
        let line_of = |text: &str| match ConfigFile::parse(text) {
            Err(ConfigFileError::Invalid { line, message }) => (line, message),
            other => panic!("expected an error: {other:?}"),
        };
        let (line, message) = line_of("# x\nlisteners=https://0.0.0.0:8088\n");
        assert_eq!(line, 2);
        assert!(message.contains("no TLS"), "{message}");
        let (_, message) = line_of("listeners=http://a:1,http://b:2");
        assert!(message.contains("not 2"), "{message}");
        let (_, message) = line_of("listeners=http://[::1]:http");
        assert!(message.contains("cannot resolve"), "{message}");
        let local = ConfigFile::parse("listeners=http://localhost:8089/").expect("localhost resolves");
        assert_eq!(local.listen.map(|a| a.port()), Some(8089));
        assert!(local.listen.is_some_and(|a| a.ip().is_loopback()));
        let malformed = ConfigFile::parse("x=\\u12").expect_err("a short \\u escape");
        assert!(malformed.to_string().contains("line 1"), "{malformed}");
    }

    #[test]
    fn the_processing_guarantee_by_either_name() {
        let guarantee = |text: &str| ConfigFile::parse(text).map(|c| c.guarantee);
        assert_eq!(guarantee("").expect("valid"), None);
        assert_eq!(
            guarantee("ksql.streams.processing.guarantee=exactly_once_v2").expect("valid"),
            Some(Guarantee::ExactlyOnce)
        );
        assert_eq!(
            guarantee("processing.guarantee=exactly_once").expect("valid"),
            Some(Guarantee::ExactlyOnce)
        );
        assert_eq!(
            guarantee("processing.guarantee=at_least_once").expect("valid"),
            Some(Guarantee::AtLeastOnce)
        );
        match guarantee("x=1\nprocessing.guarantee=twice") {
            Err(ConfigFileError::Invalid { line: 2, message }) => {
                assert!(message.contains("exactly_once_v2, not 'twice'"), "{message}")
            }
            other => panic!("expected an error on line 2: {other:?}"),
        }
    }
}

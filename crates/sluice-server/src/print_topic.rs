//! `PRINT 'topic' [FROM BEGINNING] [INTERVAL n] [LIMIT n];` over `/query`:
//! a topic's records as lines of text, as ksqlDB prints them. The formats
//! of keys and values are guessed from the bytes, as ksqlDB does: every
//! format that fails to read a record is ruled out, and the first one left
//! shows it. Lines `Key format: ..` and `Value format: ..` say what is left
//! whenever that changes, then each record is a line
//! `rowtime: 2024/01/02 03:04:05.678 Z, key: .., value: .., partition: 0`.
//!
//! The answer goes on until the LIMIT or until the client goes away; an
//! empty line is sent every second while there is nothing to print.

use std::convert::Infallible;

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sluice_engine::TRANSIENT_TOPIC_PREFIX;
use sluice_log::StoredRecord;
use sluice_sql::ast::Print;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::StreamExt;

use crate::error::{code, ApiError};
use crate::serving::{KEEP_ALIVE, READ_SIZE};
use crate::state::AppState;

/// A format ksqlDB tries on a topic's keys and values, in its order.
/// (AVRO, PROTOBUF and JSON_SR need a schema registry's framing; Sluice's
/// PRINT does not try them yet.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    KafkaInt,
    KafkaBigint,
    KafkaDouble,
    KafkaString,
}

const FORMATS: [Format; 5] =
    [Format::Json, Format::KafkaInt, Format::KafkaBigint, Format::KafkaDouble, Format::KafkaString];

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::KafkaInt => "KAFKA_INT",
            Format::KafkaBigint => "KAFKA_BIGINT",
            Format::KafkaDouble => "KAFKA_DOUBLE",
            Format::KafkaString => "KAFKA_STRING",
        }
    }

    /// The bytes as this format shows them, or None if they are not of it.
    fn show(self, bytes: &[u8]) -> Option<String> {
        match self {
            Format::Json => {
                let text = std::str::from_utf8(bytes).ok().filter(|t| !t.is_empty())?;
                serde_json::from_str::<serde_json::Value>(text).ok()?;
                Some(text.to_string())
            }
            Format::KafkaInt => Some(i32::from_be_bytes(bytes.try_into().ok()?).to_string()),
            Format::KafkaBigint => Some(i64::from_be_bytes(bytes.try_into().ok()?).to_string()),
            Format::KafkaDouble => Some(java_double(f64::from_be_bytes(bytes.try_into().ok()?))),
            Format::KafkaString => {
                std::str::from_utf8(bytes).ok().filter(|t| !t.is_empty()).map(str::to_string)
            }
        }
    }
}

/// A double as Java's `Double.toString` writes it (`1.0`, `1.5E10`).
fn java_double(value: f64) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    let magnitude = value.abs();
    if magnitude == 0.0 || (1e-3..1e7).contains(&magnitude) {
        return format!("{value:?}");
    }
    // Rust writes `1.5e10`; Java `1.5E10`, with at least one decimal.
    let text = format!("{value:e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let mantissa = if mantissa.contains('.') { mantissa.to_string() } else { format!("{mantissa}.0") };
    format!("{mantissa}E{exponent}")
}

/// Bytes no format reads, as Kafka's `Bytes.toString` shows them.
fn raw_bytes(bytes: &[u8]) -> String {
    let mut shown = String::new();
    for &byte in bytes {
        if (b' '..=b'~').contains(&byte) && byte != b'\\' {
            shown.push(char::from(byte));
        } else {
            shown.push_str(&format!("\\x{byte:02X}"));
        }
    }
    shown
}

/// The formats that could still be those of a topic's keys (or values).
#[derive(Debug, Clone)]
struct FormatGuess {
    possible: Vec<Format>,
    /// Whether any non-null bytes were seen.
    seen: bool,
}

impl FormatGuess {
    fn new() -> Self {
        FormatGuess { possible: FORMATS.to_vec(), seen: false }
    }

    /// Rules out the formats that cannot read `bytes`.
    fn narrow(&mut self, bytes: Option<&[u8]>) {
        if let Some(bytes) = bytes {
            self.seen = true;
            self.possible.retain(|format| format.show(bytes).is_some());
        }
    }

    /// The bytes as the first format left that reads them shows them.
    fn show(&self, bytes: Option<&[u8]>) -> String {
        let Some(bytes) = bytes else { return "<null>".into() };
        self.possible.iter().find_map(|format| format.show(bytes)).unwrap_or_else(|| raw_bytes(bytes))
    }

    /// What ksqlDB prints after `Key format: ` (or `Value format: `).
    fn describe(&self) -> String {
        if !self.seen {
            return "¯\\_(ツ)_/¯ - no data processed".into();
        }
        if self.possible.is_empty() {
            return " does not match any supported format. It may be a STRING with encoding other than UTF8, \
                    or some other format."
                .into();
        }
        self.possible.iter().map(|f| f.name()).collect::<Vec<_>>().join(" or ")
    }
}

/// A record's line.
fn record_line(stored: &StoredRecord, keys: &FormatGuess, values: &FormatGuess) -> String {
    let record = &stored.record;
    format!(
        "rowtime: {}, key: {}, value: {}, partition: {}",
        rowtime(record.timestamp),
        keys.show(record.key.as_deref()),
        values.show(record.value.as_deref()),
        stored.partition
    )
}

/// `yyyy/MM/dd HH:mm:ss.SSS Z` in UTC; `N/A` for Kafka's "no timestamp".
fn rowtime(timestamp: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(timestamp) {
        Some(time) if timestamp >= 0 => time.format("%Y/%m/%d %H:%M:%S%.3f Z").to_string(),
        _ => "N/A".into(),
    }
}

/// What a PRINT prints, record by record: the format lines when the
/// guesses change, and every `interval`th record's line up to `limit`.
struct Printer {
    keys: FormatGuess,
    values: FormatGuess,
    /// The format lines printed last.
    described: Option<(String, String)>,
    interval: u64,
    limit: Option<u64>,
    read: u64,
    printed: u64,
}

impl Printer {
    fn done(&self) -> bool {
        self.limit.is_some_and(|limit| self.printed >= limit)
    }

    /// The lines for a batch of records, as ksqlDB writes them: the
    /// formats are guessed from the whole batch before any is shown.
    fn lines(&mut self, records: &[StoredRecord]) -> Vec<String> {
        for stored in records {
            self.keys.narrow(stored.record.key.as_deref());
            self.values.narrow(stored.record.value.as_deref());
        }
        let mut shown = Vec::new();
        for stored in records {
            if self.read.is_multiple_of(self.interval) {
                self.printed += 1;
                shown.push(record_line(stored, &self.keys, &self.values));
            }
            self.read += 1;
            if self.done() {
                break;
            }
        }
        let described = (self.keys.describe(), self.values.describe());
        let mut lines = Vec::new();
        if self.described.as_ref() != Some(&described) {
            lines.push(format!("Key format: {}", described.0));
            lines.push(format!("Value format: {}", described.1));
            self.described = Some(described);
        }
        lines.extend(shown);
        lines
    }
}

/// Starts printing `print`'s topic; the answer is a chunked body of lines.
pub fn answer(state: AppState, print: &Print, text: &str) -> Result<Response, ApiError> {
    let interval = print.interval.unwrap_or(1);
    if interval < 1 {
        return Err(ApiError::statement(
            code::BAD_STATEMENT,
            format!("INTERVAL must be greater than one, but was: {interval}"),
            text,
            Vec::new(),
        ));
    }
    let topic = state
        .log()
        .topic(&print.topic)
        .filter(|t| !t.name.starts_with(TRANSIENT_TOPIC_PREFIX))
        .ok_or_else(|| unknown_topic(&state, &print.topic))?;
    let mut positions = Vec::new();
    for partition in 0..topic.partitions {
        let offset = if print.from_beginning {
            0
        } else {
            state.log().end_offset(&topic.name, partition).map_err(|e| ApiError::internal(e.to_string()))?
        };
        positions.push((partition, offset));
    }
    let printer = Printer {
        keys: FormatGuess::new(),
        values: FormatGuess::new(),
        described: None,
        interval,
        limit: print.limit,
        read: 0,
        printed: 0,
    };
    let (sender, receiver) = mpsc::channel::<String>(64);
    tokio::spawn(follow(state, topic.name, positions, printer, sender));
    let body = ReceiverStream::new(receiver).map(Ok::<_, Infallible>);
    Ok((StatusCode::OK, Body::from_stream(body)).into_response())
}

/// ksqlDB's 400 for a topic that is not there, with the names that differ
/// only in case.
fn unknown_topic(state: &AppState, name: &str) -> ApiError {
    let similar: Vec<String> = state
        .log()
        .topics()
        .into_iter()
        .filter(|t| t.name.eq_ignore_ascii_case(name) && !t.name.starts_with(TRANSIENT_TOPIC_PREFIX))
        .map(|t| format!("\tprint {};", t.name))
        .collect();
    let suggestion =
        if similar.is_empty() { String::new() } else { format!("\nDid you mean:\n{}", similar.join("\n")) };
    ApiError::bad_request(format!(
        "Could not find topic '{name}', or the KSQL user does not have permissions to list the topic. \
         Topic names are case-sensitive.{suggestion}"
    ))
}

/// Reads the topic's partitions from `positions` on and sends the lines,
/// until the limit or until the client goes away.
async fn follow(
    state: AppState,
    topic: String,
    mut positions: Vec<(u32, u64)>,
    mut printer: Printer,
    sender: mpsc::Sender<String>,
) {
    let mut passes = state.passes();
    while !printer.done() {
        // As in serving: a pass finishing after the reads wakes the wait.
        passes.borrow_and_update();
        let mut batch = Vec::new();
        for (partition, offset) in &mut positions {
            match state.log().read(&topic, *partition, *offset, READ_SIZE) {
                Ok(records) => {
                    if let Some(last) = records.last() {
                        *offset = last.offset + 1;
                    }
                    batch.extend(records);
                }
                Err(error) => {
                    // The topic was deleted while printing: say so and end.
                    let _ = sender.send(format!("{error}\n")).await;
                    return;
                }
            }
        }
        if !batch.is_empty() {
            // Across partitions, in the order the records were written.
            batch.sort_by_key(|record| record.sequence);
            for line in printer.lines(&batch) {
                if sender.send(format!("{line}\n")).await.is_err() {
                    return;
                }
            }
            continue;
        }
        tokio::select! {
            changed = passes.changed() => if changed.is_err() { return },
            _ = tokio::time::sleep(KEEP_ALIVE) => {
                if sender.send("\n".into()).await.is_err() {
                    return;
                }
            }
            _ = sender.closed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_log::Record;

    fn stored(key: Option<&[u8]>, value: Option<&[u8]>, timestamp: i64, partition: u32) -> StoredRecord {
        StoredRecord {
            record: Record {
                key: key.map(<[u8]>::to_vec),
                value: value.map(<[u8]>::to_vec),
                timestamp,
                headers: Vec::new(),
            },
            partition,
            offset: 0,
            sequence: 0,
        }
    }

    fn printer(interval: u64, limit: Option<u64>) -> Printer {
        Printer {
            keys: FormatGuess::new(),
            values: FormatGuess::new(),
            described: None,
            interval,
            limit,
            read: 0,
            printed: 0,
        }
    }

    #[test]
    fn guesses_formats_as_ksqldb_and_prints_lines() {
        let mut printer = printer(1, None);
        let int_key = 7i32.to_be_bytes();
        let lines = printer.lines(&[
            stored(Some(&int_key), Some(br#"{"NAME":"a"}"#), 1_700_000_000_123, 0),
            stored(None, None, -1, 1),
        ]);
        assert_eq!(
            lines,
            [
                "Key format: KAFKA_INT or KAFKA_STRING",
                "Value format: JSON or KAFKA_STRING",
                r#"rowtime: 2023/11/14 22:13:20.123 Z, key: 7, value: {"NAME":"a"}, partition: 0"#,
                "rowtime: N/A, key: <null>, value: <null>, partition: 1",
            ]
        );
        // A value that is not JSON rules JSON out: the format lines change.
        let lines = printer.lines(&[stored(Some(&int_key), Some(b"plain"), 0, 0)]);
        assert_eq!(
            lines,
            [
                "Key format: KAFKA_INT or KAFKA_STRING",
                "Value format: KAFKA_STRING",
                "rowtime: 1970/01/01 00:00:00.000 Z, key: 7, value: plain, partition: 0",
            ]
        );
        // Nothing changed: no format lines.
        assert_eq!(printer.lines(&[stored(None, Some(b"x"), 0, 0)]).len(), 1);
    }

    #[test]
    fn interval_and_limit_choose_the_records() {
        let mut printer = printer(2, Some(2));
        let records: Vec<StoredRecord> =
            (0..6).map(|i| stored(None, Some(format!("{i}").as_bytes()), 0, 0)).collect();
        let lines = printer.lines(&records);
        let values: Vec<&str> = lines.iter().filter_map(|l| l.split("value: ").nth(1)).collect();
        assert_eq!(values, ["0, partition: 0", "2, partition: 0"]);
        assert!(printer.done());
        assert_eq!(printer.keys.describe(), "¯\\_(ツ)_/¯ - no data processed");
    }

    #[test]
    fn shows_doubles_and_unreadable_bytes_as_java_does() {
        assert_eq!(java_double(1.0), "1.0");
        assert_eq!(java_double(1.5e10), "1.5E10");
        assert_eq!(java_double(2e-5), "2.0E-5");
        let mut guess = FormatGuess::new();
        guess.narrow(Some(&[0xff, 0x00, b'a']));
        assert_eq!(guess.show(Some(&[0xff, 0x00, b'a'])), "\\xFF\\x00a");
        assert!(guess.describe().starts_with(" does not match any supported format."));
    }
}

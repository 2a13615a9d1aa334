//! Serving a client's SELECT, shared by `/query` and `/query-stream`: a
//! push query (`EMIT CHANGES`) streams rows until its LIMIT, until it is
//! closed, or until the client goes away; a pull query (no EMIT) answers
//! what its source holds now and ends.
//!
//! Both run as the engine's transient queries: the query writes its rows
//! to a topic of its own, and the server reads them back from the log.
//! The endpoints differ only in how they frame the header and the rows
//! ([`Framing`]).

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use sluice_engine::{Engine, ScanPosition, TransientQuery};
use sluice_log::StoredRecord;
use sluice_sql::ast::{Select, Statement};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::endpoints::ksql::parse_all;
use crate::endpoints::property_text;
use crate::error::{code, ApiError};
use crate::key_lookup::{looked_up_keys, lookup_position};
use crate::pull_check::check_pull;
use crate::rows::{Row, RowReader};
use crate::state::AppState;

/// While a `/query` push query has nothing to send, a newline goes out this
/// often: JSON allows the whitespace, and it keeps proxies from timing the
/// connection out.
const KEEP_ALIVE: Duration = Duration::from_secs(1);
/// Records read from a transient topic at a time.
const READ_SIZE: usize = 500;

/// How an endpoint writes a query's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `/query`: a JSON array of `{"header":..}`, `{"row":{"columns":..}}`
    /// and a final message, items separated by `,\n`.
    Query,
    /// `/query-stream`, `application/vnd.ksqlapi.delimited.v1`: the header
    /// object, then one JSON array per row, one per line.
    Delimited,
    /// `/query-stream`, `application/json`: one array of the header object
    /// and the rows' arrays.
    JsonArray,
}

/// Why a push query's stream ended.
enum Ending {
    Limit,
    /// Closed by `/close-query`.
    Closed,
    Failed(String),
    ClientGone,
}

/// The header: `/query`'s schema string, or `/query-stream`'s names and types.
fn header(framing: Framing, id: &str, reader: &RowReader, mark_keys: bool) -> Value {
    match framing {
        Framing::Query => json!({ "header": { "queryId": id, "schema": reader.schema(mark_keys) } }),
        Framing::Delimited | Framing::JsonArray => json!({
            "queryId": id,
            "columnNames": reader.column_names(),
            "columnTypes": reader.column_types(),
        }),
    }
}

impl Framing {
    fn start(self, header: &Value) -> String {
        match self {
            Framing::Query | Framing::JsonArray => format!("[{header}"),
            Framing::Delimited => format!("{header}\n"),
        }
    }

    fn row(self, row: &Row) -> String {
        match self {
            Framing::Query => format!(",\n{}", row.to_json()),
            Framing::Delimited => format!("{}\n", Value::Array(row.columns.clone())),
            Framing::JsonArray => format!(",{}", Value::Array(row.columns.clone())),
        }
    }

    /// What closes the answer; None when the client is gone.
    fn end(self, ending: &Ending) -> Option<String> {
        let error = |message: &str| json!({ "@type": "generic_error", "error_code": code::SERVER_ERROR, "message": message });
        Some(match (self, ending) {
            (_, Ending::ClientGone) => return None,
            (Framing::Query, Ending::Limit) => ",\n{\"finalMessage\":\"Limit Reached\"}]\n".into(),
            (Framing::Query, Ending::Closed) => "]\n".into(),
            (Framing::Query, Ending::Failed(why)) => {
                format!(",\n{}]\n", json!({ "errorMessage": error(why) }))
            }
            (Framing::Delimited, Ending::Failed(why)) => format!("{}\n", error(why)),
            (Framing::Delimited, _) => String::new(),
            (Framing::JsonArray, Ending::Failed(why)) => format!(",{}]", error(why)),
            (Framing::JsonArray, _) => "]".into(),
        })
    }
}

/// The one SELECT of a query request, and how to start it.
pub struct QueryRequest {
    pub select: Select,
    /// The statement's text, for errors.
    pub text: String,
    /// `auto.offset.reset` is `latest` (the default for push queries).
    pub from_end: bool,
    /// The request's properties (over the server's defaults).
    pub properties: Map<String, Value>,
}

impl QueryRequest {
    /// Parses the request's SQL: exactly one SELECT.
    pub fn parse(
        sql: &str,
        properties: &Map<String, Value>,
        variables: HashMap<String, String>,
        endpoint: &str,
    ) -> Result<Self, ApiError> {
        let mut variables = variables;
        let mut statements = parse_all(sql, &mut variables)?;
        if statements.len() != 1 {
            return Err(ApiError::bad_request(format!(
                "{endpoint} takes exactly one statement; the request has {}.",
                statements.len()
            )));
        }
        let statement = statements.remove(0);
        let text = format!("{};", statement.text);
        let select = match statement.statement {
            Statement::Query(select) => *select,
            Statement::Print(_) => return Err(refused("PRINT is not supported yet by Sluice.", &text)),
            other => {
                return Err(refused(
                    format!("Statement type `{}' not supported for this resource", other.kind()),
                    &text,
                ))
            }
        };
        let from_end = match properties.get("auto.offset.reset").map(property_text).as_deref() {
            None | Some("latest") => true,
            Some("earliest") => false,
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "Invalid value {other} for configuration auto.offset.reset: String must be one of: latest, earliest, none"
                )))
            }
        };
        Ok(QueryRequest { select, text, from_end, properties: properties.clone() })
    }

    /// Runs the query and answers it in `framing`.
    pub async fn answer(self, state: AppState, framing: Framing) -> Result<Response, ApiError> {
        if self.select.emit.is_some() {
            push(state, self, framing).await
        } else {
            pull(state, self, framing).await
        }
    }
}

/// A statement error for the query's text.
fn refused(message: impl Into<String>, text: &str) -> ApiError {
    ApiError::statement(code::BAD_STATEMENT, message, text, Vec::new())
}

async fn push(state: AppState, request: QueryRequest, framing: Framing) -> Result<Response, ApiError> {
    let QueryRequest { select, text, from_end, .. } = request;
    let limit = select.limit;
    let started = state
        .with_engine(move |engine| {
            engine.start_transient(&select, from_end).map_err(|e| refused(e.to_string(), &text))
        })
        .await??;
    state.wake_runner();
    let reader = RowReader::new(&started.sink, &started.shown, started.selects_all);
    let header = header(framing, &started.id, &reader, false);
    let (sender, receiver) = mpsc::channel::<Result<String, Infallible>>(64);
    tokio::spawn(tail(state, started, reader, limit, framing.start(&header), framing, sender));
    Ok((StatusCode::OK, Body::from_stream(ReceiverStream::new(receiver))).into_response())
}

/// Sends a push query's rows as they arrive, then stops the query.
async fn tail(
    state: AppState,
    query: TransientQuery,
    reader: RowReader,
    limit: Option<u64>,
    start: String,
    framing: Framing,
    sender: mpsc::Sender<Result<String, Infallible>>,
) {
    let ending = follow(&state, &query, &reader, limit, start, framing, &sender).await;
    if let Some(end) = framing.end(&ending) {
        let _ = sender.send(Ok(end)).await;
    }
    let id = query.id;
    let _ = state.with_engine(move |engine| engine.close_transient(&id)).await;
}

async fn follow(
    state: &AppState,
    query: &TransientQuery,
    reader: &RowReader,
    limit: Option<u64>,
    start: String,
    framing: Framing,
    sender: &mpsc::Sender<Result<String, Infallible>>,
) -> Ending {
    let mut passes = state.passes();
    let mut offset = 0;
    let mut sent: u64 = 0;
    if sender.send(Ok(start)).await.is_err() {
        return Ending::ClientGone;
    }
    if limit == Some(0) {
        return Ending::Limit;
    }
    loop {
        // Marks the runner's passes so far as seen before reading, so that
        // a pass finishing after the read wakes the wait below.
        passes.borrow_and_update();
        match state.log().read(&query.sink.topic, 0, offset, READ_SIZE) {
            Ok(records) if !records.is_empty() => {
                for record in records {
                    offset = record.offset + 1;
                    // The engine wrote it: unreadable would be a bug, not
                    // the client's mistake; the row is skipped.
                    let Ok(row) = reader.decode(&record.record) else { continue };
                    // A stream's record without a value is no row for a
                    // client (ksqlDB ignores it); a table's is a deletion.
                    if row.tombstone && !query.is_table {
                        continue;
                    }
                    if sender.send(Ok(framing.row(&row))).await.is_err() {
                        return Ending::ClientGone;
                    }
                    sent += 1;
                    if limit.is_some_and(|limit| sent >= limit) {
                        return Ending::Limit;
                    }
                }
                continue;
            }
            Ok(_) => {}
            // The topic is gone: the query failed (the engine deletes its
            // topic then) or was closed.
            Err(_) => {
                let id = query.id.clone();
                let failure = state
                    .with_engine(move |engine| engine.transient_failure(&id).map(str::to_string))
                    .await
                    .ok()
                    .flatten();
                return match failure {
                    Some(why) => Ending::Failed(format!("Query {} failed: {why}", query.id)),
                    None => Ending::Closed,
                };
            }
        }
        let keep_alive = tokio::time::sleep(KEEP_ALIVE);
        tokio::select! {
            changed = passes.changed() => if changed.is_err() { return Ending::ClientGone },
            _ = keep_alive => {
                if framing == Framing::Query && sender.send(Ok("\n".into())).await.is_err() {
                    return Ending::ClientGone;
                }
            }
            _ = sender.closed() => return Ending::ClientGone,
        }
    }
}

async fn pull(state: AppState, request: QueryRequest, framing: Framing) -> Result<Response, ApiError> {
    let QueryRequest { select, text, properties, .. } = request;
    let limit = select.limit;
    let (query, records, positions, looked_up) = state
        .with_engine(move |engine| {
            let looked_up = engine
                .catalog()
                .source(select.from.source.name.as_str())
                .and_then(|source| looked_up_keys(source, &select));
            run_pull(engine, &select, &text, &properties).map(|(q, r, p)| (q, r, p, looked_up))
        })
        .await??;
    let reader = RowReader::new(&query.sink, &query.shown, query.selects_all);
    let mut rows: Vec<(Row, Option<ScanPosition>)> = Vec::new();
    for (stored, position) in records.iter().zip(positions) {
        let row = reader.decode(&stored.record).map_err(|e| {
            ApiError::internal(format!("Query {} wrote a row Sluice cannot read: {e}", query.id))
        })?;
        if query.is_table {
            // A table's scan is its latest row per key; deleted keys drop out.
            match rows.iter().position(|(r, _)| r.key == row.key) {
                Some(found) if row.tombstone => {
                    rows.remove(found);
                }
                Some(found) => rows[found] = (row, position),
                None if !row.tombstone => rows.push((row, position)),
                None => {}
            }
        } else {
            rows.push((row, position));
        }
    }
    if query.is_table {
        // In the order ksqlDB's state stores give them (a stable sort: a
        // row without a position keeps its place), or for key lookups in
        // the order the keys were named.
        rows.sort_by(|(_, a), (_, b)| match (a, b) {
            (Some(a), Some(b)) => a.cmp(b),
            _ => std::cmp::Ordering::Equal,
        });
        if let Some(keys) = &looked_up {
            rows.sort_by_key(|(row, _)| lookup_position(keys, &row.key_value));
        }
    }
    if let Some(limit) = limit {
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    let mut body = framing.start(&header(framing, &query.id, &reader, query.is_table));
    for (row, _) in &rows {
        body.push_str(&framing.row(row));
    }
    body.push_str(&match framing {
        Framing::Query if !query.is_table => ",\n{\"finalMessage\":\"Query Completed\"}]\n".to_string(),
        other => other.end(&Ending::Closed).unwrap_or_default(),
    });
    Ok((StatusCode::OK, body).into_response())
}

/// Runs a pull query to the end of its source and returns what it wrote.
fn run_pull(
    engine: &mut Engine,
    select: &Select,
    text: &str,
    properties: &Map<String, Value>,
) -> Result<(TransientQuery, Vec<StoredRecord>, Vec<Option<ScanPosition>>), ApiError> {
    check_pull(engine.catalog(), select, properties).map_err(|message| refused(message, text))?;
    let query = engine.start_transient(select, false).map_err(|e| refused(e.to_string(), text))?;
    let ran = engine.run_until_idle();
    let failure = engine.transient_failure(&query.id).map(str::to_string);
    let mut records = Vec::new();
    let mut offset = 0;
    loop {
        match engine.log().read(&query.sink.topic, 0, offset, READ_SIZE) {
            Ok(chunk) if !chunk.is_empty() => {
                offset += chunk.len() as u64;
                records.extend(chunk);
            }
            _ => break,
        }
    }
    engine.close_transient(&query.id);
    if let Some(failure) = failure {
        return Err(ApiError::internal(format!("Query {} failed: {failure}", query.id)));
    }
    ran.map_err(|e| ApiError::internal(format!("Running the queries failed: {e}")))?;
    let keys: Vec<Option<&[u8]>> = records.iter().map(|r| r.record.key.as_deref()).collect();
    let positions =
        if query.is_table { engine.scan_positions(&query, &keys) } else { vec![None; records.len()] };
    Ok((query, records, positions))
}

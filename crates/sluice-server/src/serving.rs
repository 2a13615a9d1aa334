//! Serving a client's query, shared by `/query`, `/query-stream` and
//! `/ws/query`: a push query (`EMIT CHANGES`) streams rows until its LIMIT,
//! until it is closed, or until the client goes away; a pull query (no
//! EMIT) answers what its source holds now and ends.
//!
//! Both run as the engine's transient queries: the query writes its rows
//! to a topic of its own, and the server reads them back from the log.
//! Starting a query gives an [`Answer`]: its header and then its
//! [`Event`]s. The HTTP endpoints write it as a body in their
//! [`Framing`]; `/ws/query` sends it as WebSocket messages.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use sluice_engine::{Engine, ScanPosition, TransientQuery};
use sluice_log::{Log, StoredRecord};
use sluice_sql::ast::{Print, Select, Statement};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::StreamExt;

use crate::endpoints::ksql::parse_all;
use crate::error::{code, ApiError};
use crate::key_lookup::{looked_up_keys, lookup_position};
use crate::properties::starts_at_end;
use crate::pull_check::check_pull;
use crate::rows::{Row, RowReader};
use crate::state::AppState;

/// While a push query has nothing to send, it says so this often: `/query`
/// sends a newline (JSON allows the whitespace, and it keeps proxies from
/// timing the connection out), which also notices a closed connection.
pub const KEEP_ALIVE: Duration = Duration::from_secs(1);
/// Records read from a topic at a time.
pub const READ_SIZE: usize = 500;

/// How an HTTP endpoint writes a query's answer.
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

/// What a started query produces after its header, in order.
#[derive(Debug, Clone)]
pub enum Event {
    Row(Row),
    /// Nothing happened for [`KEEP_ALIVE`].
    Idle,
    /// The last event.
    End(Ending),
}

/// How a query's answer ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// A push query sent its LIMIT of rows.
    Limit,
    /// A pull query on a stream read it to the end.
    Completed,
    /// Closed by `/close-query`, or a pull query on a table answered.
    Done,
    Failed(String),
}

/// A query that has started: its header, then its events.
pub struct Answer {
    pub query_id: String,
    pub reader: RowReader,
    /// Pull queries on tables mark their key columns in the header.
    pub mark_keys: bool,
    events: Events,
}

enum Events {
    /// A push query's events, sent by the task that follows it: dropping
    /// the receiver (the client went away) stops the query.
    Live(mpsc::Receiver<Event>),
    /// A pull query's events, all there already.
    Ready(std::vec::IntoIter<Event>),
}

impl Answer {
    /// The next event; None after the [`Event::End`].
    pub async fn next(&mut self) -> Option<Event> {
        match &mut self.events {
            Events::Live(receiver) => receiver.recv().await,
            Events::Ready(events) => events.next(),
        }
    }

    /// The answer as an HTTP body in `framing`: whole for a pull query,
    /// chunked as the rows come for a push query.
    pub fn into_response(self, framing: Framing) -> Response {
        let start = framing.start(&framing.header(&self.query_id, &self.reader, self.mark_keys));
        let body = match self.events {
            Events::Ready(events) => {
                let mut body = start;
                for event in events {
                    body.push_str(&framing.render(&event));
                }
                Body::from(body)
            }
            Events::Live(receiver) => {
                let rest = ReceiverStream::new(receiver).map(move |event| framing.render(&event));
                // Empty chunks are left out: a chunked body must not have one.
                let chunks = tokio_stream::once(start).chain(rest).filter(|chunk| !chunk.is_empty());
                Body::from_stream(chunks.map(Ok::<_, Infallible>))
            }
        };
        (StatusCode::OK, body).into_response()
    }
}

impl Framing {
    /// The header: `/query`'s schema string, or `/query-stream`'s names
    /// and types.
    fn header(self, id: &str, reader: &RowReader, mark_keys: bool) -> Value {
        match self {
            Framing::Query => json!({ "header": { "queryId": id, "schema": reader.schema(mark_keys) } }),
            Framing::Delimited | Framing::JsonArray => json!({
                "queryId": id,
                "columnNames": reader.column_names(),
                "columnTypes": reader.column_types(),
            }),
        }
    }

    fn start(self, header: &Value) -> String {
        match self {
            Framing::Query | Framing::JsonArray => format!("[{header}"),
            Framing::Delimited => format!("{header}\n"),
        }
    }

    fn render(self, event: &Event) -> String {
        match event {
            Event::Row(row) => match self {
                Framing::Query => format!(",\n{}", row.to_json()),
                Framing::Delimited => format!("{}\n", Value::Array(row.columns.clone())),
                Framing::JsonArray => format!(",{}", Value::Array(row.columns.clone())),
            },
            Event::Idle if self == Framing::Query => "\n".into(),
            Event::Idle => String::new(),
            Event::End(ending) => self.end(ending),
        }
    }

    /// What closes the answer.
    fn end(self, ending: &Ending) -> String {
        let error = |message: &str| json!({ "@type": "generic_error", "error_code": code::SERVER_ERROR, "message": message });
        match (self, ending) {
            (Framing::Query, Ending::Limit) => ",\n{\"finalMessage\":\"Limit Reached\"}]\n".into(),
            (Framing::Query, Ending::Completed) => ",\n{\"finalMessage\":\"Query Completed\"}]\n".into(),
            (Framing::Query, Ending::Done) => "]\n".into(),
            (Framing::Query, Ending::Failed(why)) => {
                format!(",\n{}]\n", json!({ "errorMessage": error(why) }))
            }
            (Framing::Delimited, Ending::Failed(why)) => format!("{}\n", error(why)),
            (Framing::Delimited, _) => String::new(),
            (Framing::JsonArray, Ending::Failed(why)) => format!(",{}]", error(why)),
            (Framing::JsonArray, _) => "]".into(),
        }
    }
}

/// The one statement of a query request.
pub enum QueryStatement {
    Select(Box<QueryRequest>),
    /// `PRINT 'topic' ..`, with its text.
    Print(Print, String),
}

impl QueryStatement {
    /// Parses the request's SQL: exactly one SELECT or PRINT.
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
            Statement::Print(print) => return Ok(QueryStatement::Print(print, text)),
            other => {
                return Err(refused(
                    format!("Statement type `{}' not supported for this resource", other.kind()),
                    &text,
                ))
            }
        };
        let from_end = starts_at_end(properties).map_err(ApiError::bad_request)?;
        Ok(QueryStatement::Select(Box::new(QueryRequest {
            select,
            text,
            from_end,
            properties: properties.clone(),
        })))
    }
}

/// A SELECT of a query request, and how to start it.
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
    /// Starts the query (a push query) or runs it (a pull query).
    pub async fn start(self, state: AppState) -> Result<Answer, ApiError> {
        if self.select.emit.is_some() {
            push(state, self).await
        } else {
            pull(state, self).await
        }
    }
}

/// A statement error for the query's text.
fn refused(message: impl Into<String>, text: &str) -> ApiError {
    ApiError::statement(code::BAD_STATEMENT, message, text, Vec::new())
}

async fn push(state: AppState, request: QueryRequest) -> Result<Answer, ApiError> {
    let QueryRequest { select, text, from_end, .. } = request;
    let limit = select.limit;
    let started = state
        .with_engine(move |engine| {
            engine.start_transient(&select, from_end).map_err(|e| refused(e.to_string(), &text))
        })
        .await??;
    state.wake_runner();
    let reader = RowReader::new(&started.sink, &started.shown, started.selects_all);
    let query_id = started.id.clone();
    let (sender, receiver) = mpsc::channel::<Event>(64);
    tokio::spawn(tail(state, started, reader.clone(), limit, sender));
    Ok(Answer { query_id, reader, mark_keys: false, events: Events::Live(receiver) })
}

/// Sends a push query's rows as they arrive, then stops the query.
async fn tail(
    state: AppState,
    query: TransientQuery,
    reader: RowReader,
    limit: Option<u64>,
    sender: mpsc::Sender<Event>,
) {
    if let Some(ending) = follow(&state, &query, &reader, limit, &sender).await {
        let _ = sender.send(Event::End(ending)).await;
    }
    let id = query.id;
    let _ = state.with_engine(move |engine| engine.close_transient(&id)).await;
}

/// Sends the query's rows until it ends; None when the client went away.
async fn follow(
    state: &AppState,
    query: &TransientQuery,
    reader: &RowReader,
    limit: Option<u64>,
    sender: &mpsc::Sender<Event>,
) -> Option<Ending> {
    let mut passes = state.passes();
    let mut offset = 0;
    let mut sent: u64 = 0;
    if limit == Some(0) {
        return Some(Ending::Limit);
    }
    // The keys of the table rows sent and not deleted since.
    let mut shown_keys: HashSet<Vec<u8>> = HashSet::new();
    loop {
        // Marks the runner's passes so far as seen before reading, so that
        // a pass finishing after the read wakes the wait below.
        passes.borrow_and_update();
        match state.transient_log().read(&query.sink.topic, 0, offset, READ_SIZE) {
            Ok(records) if !records.is_empty() => {
                for record in records {
                    offset = record.offset + 1;
                    // The engine wrote it: unreadable would be a bug, not
                    // the client's mistake; the row is skipped.
                    let Ok(row) = reader.decode(&record.record) else { continue };
                    // A stream's record without a value is no row for a
                    // client (ksqlDB ignores it); a table's is a deletion,
                    // sent only for a row the client was sent (a filtered
                    // table deletes keys it never showed).
                    if row.tombstone {
                        let shown_before = row.key.as_ref().is_some_and(|k| shown_keys.remove(k));
                        if !query.is_table || !shown_before {
                            continue;
                        }
                    } else if query.is_table {
                        if let Some(key) = &row.key {
                            shown_keys.insert(key.clone());
                        }
                    }
                    sender.send(Event::Row(row)).await.ok()?;
                    sent += 1;
                    if limit.is_some_and(|limit| sent >= limit) {
                        return Some(Ending::Limit);
                    }
                }
                // This handler is the topic's only reader: what it has sent
                // need not stay in memory.
                let _ = state.transient_log().trim_before(&query.sink.topic, 0, offset);
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
                return Some(match failure {
                    Some(why) => Ending::Failed(format!("Query {} failed: {why}", query.id)),
                    None => Ending::Done,
                });
            }
        }
        let keep_alive = tokio::time::sleep(KEEP_ALIVE);
        tokio::select! {
            changed = passes.changed() => changed.ok()?,
            _ = keep_alive => sender.send(Event::Idle).await.ok()?,
            _ = sender.closed() => return None,
        }
    }
}

async fn pull(state: AppState, request: QueryRequest) -> Result<Answer, ApiError> {
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
    // A table's scan is its latest row per key; deleted keys drop out. A
    // key keeps the place its first row had (a deleted key's next row
    // comes last).
    let mut latest: HashMap<Option<Vec<u8>>, (usize, Row, Option<ScanPosition>)> = HashMap::new();
    for (seen, (stored, position)) in records.iter().zip(positions).enumerate() {
        let row = reader.decode(&stored.record).map_err(|e| {
            ApiError::internal(format!("Query {} wrote a row Sluice cannot read: {e}", query.id))
        })?;
        if !query.is_table {
            rows.push((row, position));
        } else if row.tombstone {
            latest.remove(&row.key);
        } else {
            let place = latest.get(&row.key).map_or(seen, |(place, _, _)| *place);
            latest.insert(row.key.clone(), (place, row, position));
        }
    }
    if query.is_table {
        let mut kept: Vec<_> = latest.into_values().collect();
        kept.sort_by_key(|(place, _, _)| *place);
        rows = kept.into_iter().map(|(_, row, position)| (row, position)).collect();
        // In the order ksqlDB's state stores give them (when every row could
        // be placed; otherwise as they came), or for key lookups in the
        // order the keys were named.
        if rows.iter().all(|(_, position)| position.is_some()) {
            rows.sort_by(|(_, a), (_, b)| a.cmp(b));
        }
        if let Some(keys) = &looked_up {
            rows.sort_by_key(|(row, _)| lookup_position(keys, &row.key_value));
        }
    }
    if let Some(limit) = limit {
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    let mut events: Vec<Event> = rows.into_iter().map(|(row, _)| Event::Row(row)).collect();
    events.push(Event::End(if query.is_table { Ending::Done } else { Ending::Completed }));
    Ok(Answer {
        query_id: query.id,
        reader,
        mark_keys: query.is_table,
        events: Events::Ready(events.into_iter()),
    })
}

/// A finished pull query, the records it wrote, and where each sits in
/// its table's scan order (None for streams).
type PullOutput = (TransientQuery, Vec<StoredRecord>, Vec<Option<ScanPosition>>);

/// Runs a pull query to the end of its source and returns what it wrote.
fn run_pull(
    engine: &mut Engine,
    select: &Select,
    text: &str,
    properties: &Map<String, Value>,
) -> Result<PullOutput, ApiError> {
    check_pull(engine.catalog(), select, properties).map_err(|message| refused(message, text))?;
    let query = engine.start_transient(select, false).map_err(|e| refused(e.to_string(), text))?;
    let ran = engine.run_until_idle();
    let failure = engine.transient_failure(&query.id).map(str::to_string);
    let mut records = Vec::new();
    let mut offset = 0;
    loop {
        match engine.transient_log().read(&query.sink.topic, 0, offset, READ_SIZE) {
            Ok(chunk) if !chunk.is_empty() => {
                offset = chunk.last().map_or(offset, |last| last.offset + 1);
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
    let mut positions = vec![None; records.len()];
    if query.is_table {
        // Only a key's last record can be in the answer: place only those.
        let mut last: HashMap<Option<&[u8]>, usize> = HashMap::new();
        for (i, stored) in records.iter().enumerate() {
            last.insert(stored.record.key.as_deref(), i);
        }
        let mut wanted: Vec<usize> = last.into_values().collect();
        wanted.sort_unstable();
        let keys: Vec<Option<&[u8]>> = wanted.iter().map(|&i| records[i].record.key.as_deref()).collect();
        for (i, position) in wanted.into_iter().zip(engine.scan_positions(&query, &keys)) {
            positions[i] = position;
        }
    }
    Ok((query, records, positions))
}

//! `POST /query`: a push query (`EMIT CHANGES`) streams a chunked JSON
//! array until its LIMIT or until the client goes away; a pull query (no
//! EMIT) answers what its source holds now and ends.
//!
//! Both run as the engine's transient queries: the query writes its rows
//! to a topic of its own, and the handler reads them back from the log.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sluice_catalog::Catalog;
use sluice_engine::{Engine, TransientQuery};
use sluice_log::StoredRecord;
use sluice_sql::ast::{Select, SourceKind, Statement};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::ksql::{parse_all, session_variables};
use super::{parse_body, property_text};
use crate::content::negotiate;
use crate::error::{code, ApiError};
use crate::rows::{Row, RowReader};
use crate::state::AppState;

/// While a push query has nothing to send, a newline goes out this often:
/// JSON allows the whitespace, and a write is how a closed connection is
/// noticed (and the query stopped).
const KEEP_ALIVE: Duration = Duration::from_secs(1);
/// Records read from a transient topic at a time.
const READ_SIZE: usize = 500;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryRequest {
    ksql: Option<String>,
    #[serde(default)]
    streams_properties: Map<String, Value>,
    #[serde(default)]
    session_variables: Map<String, Value>,
}

pub async fn handle(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match run(state, &headers, &body).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn run(state: AppState, headers: &HeaderMap, body: &[u8]) -> Result<Response, ApiError> {
    let content_type = negotiate(headers)?;
    let request: QueryRequest = parse_body(body)?;
    let ksql = request.ksql.ok_or_else(|| ApiError::bad_request("The request has no \"ksql\" field."))?;
    let mut variables = session_variables(&request.session_variables);
    let mut statements = parse_all(&ksql, &mut variables)?;
    if statements.len() != 1 {
        return Err(ApiError::bad_request(format!(
            "/query takes exactly one statement; the request has {}.",
            statements.len()
        )));
    }
    let statement = statements.remove(0);
    let text = format!("{};", statement.text);
    let select = match statement.statement {
        Statement::Query(select) => *select,
        Statement::Print(_) => {
            return Err(ApiError::statement(
                code::BAD_STATEMENT,
                "PRINT is not supported yet by Sluice.",
                &text,
                Vec::new(),
            ))
        }
        other => {
            return Err(ApiError::statement(
                code::BAD_STATEMENT,
                format!("Statement type `{}' not supported for this resource", other.kind()),
                &text,
                Vec::new(),
            ))
        }
    };
    let from_end = match request.streams_properties.get("auto.offset.reset").map(property_text).as_deref() {
        // ksqlDB's push queries start at the end unless told otherwise.
        None | Some("latest") => true,
        Some("earliest") => false,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "Invalid value {other} for configuration auto.offset.reset: String must be one of: latest, earliest, none"
            )))
        }
    };
    let response = if select.emit.is_some() {
        push(state, select, text, from_end).await?
    } else {
        pull(state, select, text).await?
    };
    let mut response = response;
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static(content_type));
    Ok(response)
}

/// A statement error for the query's text.
fn refused(message: impl Into<String>, text: &str) -> ApiError {
    ApiError::statement(code::BAD_STATEMENT, message, text, Vec::new())
}

async fn push(state: AppState, select: Select, text: String, from_end: bool) -> Result<Response, ApiError> {
    let limit = select.limit;
    let started = {
        let text = text.clone();
        state
            .with_engine(move |engine| {
                engine.start_transient(&select, from_end).map_err(|e| refused(e.to_string(), &text))
            })
            .await??
    };
    state.wake_runner();
    let reader = RowReader::new(&started.sink, &started.shown);
    let header = json!({ "header": { "queryId": started.id, "schema": reader.schema(false) } });
    let (sender, receiver) = mpsc::channel::<Result<String, Infallible>>(64);
    tokio::spawn(tail(state, started, reader, limit, header, sender));
    Ok((StatusCode::OK, Body::from_stream(ReceiverStream::new(receiver))).into_response())
}

/// Sends a push query's rows as they arrive, then stops the query: at its
/// LIMIT, when it fails, or when the client is gone.
async fn tail(
    state: AppState,
    query: TransientQuery,
    reader: RowReader,
    limit: Option<u64>,
    header: Value,
    sender: mpsc::Sender<Result<String, Infallible>>,
) {
    let mut passes = state.passes();
    let mut offset = 0;
    let mut sent: u64 = 0;
    let last = 'tail: {
        if sender.send(Ok(format!("[{header}"))).await.is_err() {
            break 'tail None;
        }
        if limit == Some(0) {
            break 'tail Some(json!({ "finalMessage": "Limit Reached" }));
        }
        loop {
            // Marks the runner's passes so far as seen before reading, so
            // that a pass finishing after the read wakes the wait below.
            passes.borrow_and_update();
            match state.log().read(&query.sink.topic, 0, offset, READ_SIZE) {
                Ok(records) if !records.is_empty() => {
                    for record in records {
                        offset = record.offset + 1;
                        let Ok(row) = reader.decode(&record.record) else {
                            // The engine wrote it: unreadable means a bug, not a user error.
                            continue;
                        };
                        if sender.send(Ok(format!(",\n{}", row.to_json()))).await.is_err() {
                            break 'tail None;
                        }
                        sent += 1;
                        if limit.is_some_and(|limit| sent >= limit) {
                            break 'tail Some(json!({ "finalMessage": "Limit Reached" }));
                        }
                    }
                    continue;
                }
                Ok(_) => {}
                // The engine deletes the topic of a query that failed.
                Err(_) => {
                    let id = query.id.clone();
                    let why = state
                        .with_engine(move |engine| engine.transient_failure(&id).map(str::to_string))
                        .await
                        .ok()
                        .flatten()
                        .unwrap_or_else(|| "the query stopped".into());
                    break 'tail Some(json!({ "errorMessage": {
                        "@type": "generic_error",
                        "error_code": code::SERVER_ERROR,
                        "message": format!("Query {} failed: {why}", query.id),
                    }}));
                }
            }
            tokio::select! {
                changed = passes.changed() => if changed.is_err() { break 'tail None },
                _ = tokio::time::sleep(KEEP_ALIVE) => {
                    if sender.send(Ok("\n".into())).await.is_err() {
                        break 'tail None;
                    }
                }
                _ = sender.closed() => break 'tail None,
            }
        }
    };
    if let Some(last) = last {
        let _ = sender.send(Ok(format!(",\n{last}]\n"))).await;
    }
    let id = query.id;
    let _ = state.with_engine(move |engine| engine.close_transient(&id)).await;
}

async fn pull(state: AppState, select: Select, text: String) -> Result<Response, ApiError> {
    let limit = select.limit;
    let (query, records) = state.with_engine(move |engine| run_pull(engine, &select, &text)).await??;
    let reader = RowReader::new(&query.sink, &query.shown);
    let mut rows: Vec<Row> = Vec::new();
    for stored in &records {
        let row = reader.decode(&stored.record).map_err(|e| {
            ApiError::internal(format!("Query {} wrote a row Sluice cannot read: {e}", query.id))
        })?;
        if query.is_table {
            // A table's scan is its latest row per key; deleted keys drop out.
            match rows.iter().position(|r| r.key == row.key) {
                Some(found) if row.tombstone => {
                    rows.remove(found);
                }
                Some(found) => rows[found] = row,
                None if !row.tombstone => rows.push(row),
                None => {}
            }
        } else {
            rows.push(row);
        }
    }
    if let Some(limit) = limit {
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    let mut items =
        vec![json!({ "header": { "queryId": query.id, "schema": reader.schema(query.is_table) } })];
    items.extend(rows.iter().map(Row::to_json));
    if !query.is_table {
        items.push(json!({ "finalMessage": "Query Completed" }));
    }
    Ok((StatusCode::OK, Value::Array(items).to_string()).into_response())
}

/// Runs a pull query to the end of its source and returns what it wrote.
fn run_pull(
    engine: &mut Engine,
    select: &Select,
    text: &str,
) -> Result<(TransientQuery, Vec<StoredRecord>), ApiError> {
    check_pull(engine.catalog(), select).map_err(|message| refused(message, text))?;
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
    Ok((query, records))
}

/// What ksqlDB refuses in a pull query.
fn check_pull(catalog: &Catalog, select: &Select) -> Result<(), String> {
    let refuse = |clause: &str| {
        Err(format!(
            "Pull queries don't support {clause} clauses. See https://cnfl.io/queries for more info.\n\
             Add EMIT CHANGES if you intended to issue a push query."
        ))
    };
    if !select.from.joins.is_empty() {
        return refuse("JOIN");
    }
    if select.window.is_some() {
        return refuse("WINDOW");
    }
    if !select.group_by.is_empty() {
        return refuse("GROUP BY");
    }
    if !select.partition_by.is_empty() {
        return refuse("PARTITION BY");
    }
    let name = select.from.source.name.as_str();
    let Some(source) = catalog.source(name) else {
        return Err(format!("{name} does not exist."));
    };
    if source.kind == SourceKind::Table {
        if !source.from_query && !source.is_source {
            return Err(format!(
                "The `{name}` table isn't queryable. To derive a queryable table, you can do 'CREATE TABLE \
                 QUERYABLE_{name} AS SELECT * FROM {name}'. See https://cnfl.io/queries for more info."
            ));
        }
        if source.window.is_some() {
            return Err("Pull queries on windowed tables are not supported yet by Sluice.".into());
        }
    }
    Ok(())
}

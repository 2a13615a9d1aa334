//! `POST /inserts-stream` (ksqlDB's HTTP/1.1 form): the body is a JSON
//! line `{"target":"S"}` followed by one JSON object per line, each a row
//! to insert; the answer is one line per row, `{"status":"ok","seq":n}` or
//! `{"status":"error","seq":n,"error_code":..,"message":..}`, written as
//! the rows are inserted. The rows received so far are inserted as one
//! batch (`Engine::insert_json_rows`) and flushed to disk once.

use std::convert::Infallible;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::StreamExt;

use super::parse_body;
use crate::content::{negotiate, DELIMITED};
use crate::error::{code, ApiError};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
struct InsertsRequest {
    target: String,
}

/// Splits a request body into lines as its chunks arrive.
struct Lines {
    body: axum::body::BodyDataStream,
    buffer: Vec<u8>,
    done: bool,
}

impl Lines {
    /// The next non-blank line already received, without waiting for more
    /// of the body.
    fn next_received(&mut self) -> Option<Vec<u8>> {
        while let Some(end) = self.buffer.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.buffer.drain(..=end).collect();
            if !line.iter().all(u8::is_ascii_whitespace) {
                return Some(line);
            }
        }
        None
    }

    /// The next non-blank line, or None at the end of the body.
    async fn next(&mut self) -> Result<Option<Vec<u8>>, ApiError> {
        loop {
            if let Some(end) = self.buffer.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=end).collect();
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                return Ok(Some(line));
            }
            if self.done {
                if self.buffer.iter().all(u8::is_ascii_whitespace) {
                    return Ok(None);
                }
                return Ok(Some(std::mem::take(&mut self.buffer)));
            }
            match self.body.next().await {
                Some(Ok(chunk)) => self.buffer.extend_from_slice(&chunk),
                Some(Err(e)) => return Err(ApiError::bad_request(format!("Cannot read the request: {e}"))),
                None => self.done = true,
            }
        }
    }
}

pub async fn handle(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let headers = &headers;
    // Clients send their rows as delimited JSON; that is JSON to us.
    let mut readable = headers.clone();
    if readable.get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(DELIMITED.as_bytes())) {
        readable.remove(header::CONTENT_TYPE);
    }
    if readable.get(header::ACCEPT).is_some_and(|t| t.as_bytes().starts_with(DELIMITED.as_bytes())) {
        readable.remove(header::ACCEPT);
    }
    negotiate(&readable)?;
    let mut lines = Lines { body: body.into_data_stream(), buffer: Vec::new(), done: false };
    let first =
        lines.next().await?.ok_or_else(|| ApiError::bad_request("The request has no target line."))?;
    let request: InsertsRequest = parse_body(&first)?;
    let target = request.target.to_uppercase();
    let exists = {
        let name = target.clone();
        state.with_engine(move |engine| engine.catalog().source(&name).is_some()).await?
    };
    if !exists {
        return Err(ApiError::bad_request(format!("Cannot insert into {target}: no such stream or table.")));
    }
    let (sender, receiver) = mpsc::channel::<Result<String, Infallible>>(64);
    tokio::spawn(insert_rows(state, target, lines, sender));
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, DELIMITED)],
        Body::from_stream(ReceiverStream::new(receiver)),
    )
        .into_response())
}

/// Rows inserted by one use of the engine at most: the rows a client has
/// sent so far are inserted and flushed together (one write to disk for
/// all of them), then acknowledged in order.
const MAX_BATCH: usize = 1000;

/// Inserts the rows as they are read and acknowledges each, in order.
async fn insert_rows(
    state: AppState,
    target: String,
    mut lines: Lines,
    sender: mpsc::Sender<Result<String, Infallible>>,
) {
    let mut seq: u64 = 0;
    loop {
        let first = match lines.next().await {
            Ok(Some(line)) => line,
            Ok(None) => return,
            Err(error) => {
                let _ =
                    sender.send(Ok(format!("{}\n", ack_error(seq, code::BAD_REQUEST, &error.message)))).await;
                return;
            }
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            let Some(line) = lines.next_received() else { break };
            batch.push(line);
        }
        let target_name = target.clone();
        let rows = batch.clone();
        let inserted = state
            .with_engine(move |engine| {
                let rows: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
                let outcomes = engine.insert_json_rows(&target_name, &rows).map_err(|e| e.to_string())?;
                // The rows are on disk before they are acknowledged.
                engine.log().flush().map_err(|e| e.to_string())?;
                Ok::<_, String>(outcomes)
            })
            .await;
        let acks: Vec<Value> = match inserted {
            Ok(Ok(outcomes)) => {
                state.wake_runner();
                outcomes
                    .into_iter()
                    .enumerate()
                    .map(|(i, outcome)| {
                        let seq = seq + i as u64;
                        match outcome {
                            Ok(()) => json!({ "status": "ok", "seq": seq }),
                            Err(message) => ack_error(seq, code::BAD_STATEMENT, &message),
                        }
                    })
                    .collect()
            }
            Ok(Err(message)) => {
                (0..batch.len()).map(|i| ack_error(seq + i as u64, code::SERVER_ERROR, &message)).collect()
            }
            Err(error) => {
                (0..batch.len()).map(|i| ack_error(seq + i as u64, error.code, &error.message)).collect()
            }
        };
        let text: String = acks.iter().map(|ack| format!("{ack}\n")).collect();
        if sender.send(Ok(text)).await.is_err() {
            return;
        }
        seq += batch.len() as u64;
    }
}

fn ack_error(seq: u64, error_code: u32, message: &str) -> Value {
    json!({ "status": "error", "seq": seq, "error_code": error_code, "message": message })
}

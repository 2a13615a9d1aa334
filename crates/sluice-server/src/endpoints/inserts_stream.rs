//! `POST /inserts-stream` (ksqlDB's HTTP/1.1 form): the body is a JSON
//! line `{"target":"S"}` followed by one JSON object per line, each a row
//! to insert; the answer is one line per row, `{"status":"ok","seq":n}` or
//! `{"status":"error","seq":n,"error_code":..,"message":..}`, written as
//! the rows are inserted. The rows received so far are inserted as one
//! batch (`Engine::insert_json_rows`) and flushed to disk once; the body
//! is read ahead while a batch is inserted. Once a batch is acknowledged,
//! the queries run over it in the same use of the engine.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use sluice_engine::Engine;
use tokio::sync::{mpsc, Semaphore};
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

/// Bytes of a request body read ahead of the inserts, at most (a client
/// that sends faster than the engine inserts is held back at this point).
const READ_AHEAD_BYTES: usize = 8 << 20;

/// What a chunk counts against [`READ_AHEAD_BYTES`]: its length, and at
/// least one so that empty chunks are bounded too.
fn read_ahead_cost(chunk: &[u8]) -> usize {
    chunk.len().clamp(1, READ_AHEAD_BYTES)
}

/// Splits a request body into lines as its chunks arrive.
struct Lines {
    /// The body's chunks, read by a task of their own: while the engine
    /// inserts a batch, the next rows keep arriving (hyper hands over one
    /// chunk at a time, and reads the next only once that is taken).
    chunks: mpsc::UnboundedReceiver<Result<Bytes, String>>,
    /// The bytes that may still be read ahead: the reading task takes a
    /// chunk's cost before passing it on, and taking it in gives it back.
    budget: Arc<Semaphore>,
    /// What has arrived and is not yet handed out, from `start` on.
    buffer: Vec<u8>,
    start: usize,
    done: bool,
    /// A read error met by [`Lines::next_received`], for `next` to give.
    failed: Option<String>,
}

impl Lines {
    fn new(body: Body) -> Self {
        let (sender, chunks) = mpsc::unbounded_channel();
        let budget = Arc::new(Semaphore::new(READ_AHEAD_BYTES));
        tokio::spawn(read_ahead(body.into_data_stream(), sender, Arc::clone(&budget)));
        Lines { chunks, budget, buffer: Vec::new(), start: 0, done: false, failed: None }
    }

    /// The next non-blank line in the buffer.
    fn buffered(&mut self) -> Option<Vec<u8>> {
        while let Some(len) = self.buffer[self.start..].iter().position(|&b| b == b'\n') {
            let line = &self.buffer[self.start..=self.start + len];
            self.start += len + 1;
            if !line.iter().all(u8::is_ascii_whitespace) {
                return Some(line.to_vec());
            }
        }
        None
    }

    /// Adds a chunk to the buffer, first dropping what was handed out
    /// (one move per chunk, not one per line).
    fn take_in(&mut self, chunk: &[u8]) {
        self.budget.add_permits(read_ahead_cost(chunk));
        self.buffer.drain(..self.start);
        self.start = 0;
        self.buffer.extend_from_slice(chunk);
    }

    /// The next non-blank line that has already arrived, without waiting
    /// for more of the body: a client sending faster than the rows are
    /// inserted gets larger batches instead of a growing backlog.
    fn next_received(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(line) = self.buffered() {
                return Some(line);
            }
            if self.failed.is_some() {
                return None;
            }
            match self.chunks.try_recv() {
                Ok(Ok(chunk)) => self.take_in(&chunk),
                Ok(Err(message)) => {
                    self.failed = Some(message);
                    return None;
                }
                Err(_) => return None,
            }
        }
    }

    /// The next non-blank line, or None at the end of the body.
    async fn next(&mut self) -> Result<Option<Vec<u8>>, ApiError> {
        loop {
            if let Some(line) = self.buffered() {
                return Ok(Some(line));
            }
            if let Some(message) = self.failed.take() {
                return Err(ApiError::bad_request(message));
            }
            if self.done {
                let rest = &self.buffer[self.start..];
                if rest.iter().all(u8::is_ascii_whitespace) {
                    return Ok(None);
                }
                let line = rest.to_vec();
                self.start = self.buffer.len();
                return Ok(Some(line));
            }
            match self.chunks.recv().await {
                Some(Ok(chunk)) => self.take_in(&chunk),
                Some(Err(message)) => return Err(ApiError::bad_request(message)),
                None => self.done = true,
            }
        }
    }
}

/// Reads the body's chunks into `chunks` until its end, an error, or the
/// inserts stop.
async fn read_ahead(
    mut body: axum::body::BodyDataStream,
    chunks: mpsc::UnboundedSender<Result<Bytes, String>>,
    budget: Arc<Semaphore>,
) {
    while let Some(chunk) = body.next().await {
        if let Ok(data) = &chunk {
            // The cost is at most READ_AHEAD_BYTES (8 MiB), within u32.
            let cost = read_ahead_cost(data) as u32;
            match budget.acquire_many(cost).await {
                Ok(permits) => permits.forget(),
                Err(_) => return,
            }
        }
        let failed = chunk.is_err();
        if chunks.send(chunk.map_err(|e| format!("Cannot read the request: {e}"))).is_err() || failed {
            return;
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
    let mut lines = Lines::new(body);
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
        let count = batch.len() as u64;
        let (target_name, shared, acks) = (target.clone(), state.clone(), sender.clone());
        let inserted = state
            .with_engine(move |engine| {
                let rows: Vec<&[u8]> = batch.iter().map(Vec::as_slice).collect();
                let outcomes = engine.insert_json_rows(&target_name, &rows).map_err(|e| e.to_string());
                // The rows are on disk before they are acknowledged.
                let outcomes =
                    outcomes.and_then(|o| engine.log().flush().map(|()| o).map_err(|e| e.to_string()));
                let inserted = outcomes.is_ok();
                let text = acknowledgements(seq, count, outcomes);
                // Acknowledged from here, before the queries run, unless
                // the client is slow to read them: then the task sends
                // them, still in order, as the engine must not wait.
                let unsent = match acks.try_send(Ok(text)) {
                    Ok(()) => None,
                    Err(mpsc::error::TrySendError::Full(text) | mpsc::error::TrySendError::Closed(text)) => {
                        Some(text)
                    }
                };
                if inserted {
                    run_queries(engine, &shared);
                }
                unsent
            })
            .await;
        let unsent = match inserted {
            Ok(unsent) => unsent,
            Err(error) => Some(Ok((0..count)
                .map(|i| format!("{}\n", ack_error(seq + i, error.code, &error.message)))
                .collect())),
        };
        if let Some(text) = unsent {
            if sender.send(text).await.is_err() {
                return;
            }
        }
        if sender.is_closed() {
            return;
        }
        seq += count;
    }
}

/// Runs the queries over the rows just inserted, in the same use of the
/// engine: no hand-over to the runner (another wait for the engine and
/// another thread) between an insert and its results. A failing query is
/// left to the runner, which reports it.
fn run_queries(engine: &mut Engine, state: &AppState) {
    match engine.run_until_idle() {
        Ok(_) => state.pass_done(),
        Err(_) => state.wake_runner(),
    }
}

/// The acknowledgement lines of the `count` rows from `seq` on.
fn acknowledgements(seq: u64, count: u64, outcomes: Result<Vec<Result<(), String>>, String>) -> String {
    let acks: Vec<Value> = match outcomes {
        Ok(outcomes) => outcomes
            .into_iter()
            .enumerate()
            .map(|(i, outcome)| {
                let seq = seq + i as u64;
                match outcome {
                    Ok(()) => json!({ "status": "ok", "seq": seq }),
                    Err(message) => ack_error(seq, code::BAD_STATEMENT, &message),
                }
            })
            .collect(),
        Err(message) => (0..count).map(|i| ack_error(seq + i, code::SERVER_ERROR, &message)).collect(),
    };
    acks.iter().map(|ack| format!("{ack}\n")).collect()
}

fn ack_error(seq: u64, error_code: u32, message: &str) -> Value {
    json!({ "status": "error", "seq": seq, "error_code": error_code, "message": message })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line of `chunks`' body, taking what has arrived when there is
    /// some (as a batch does) and waiting otherwise.
    async fn all_lines(chunks: Vec<Result<&'static str, &'static str>>) -> (Vec<String>, Option<String>) {
        let chunks = chunks
            .into_iter()
            .map(|chunk| chunk.map(|c| Bytes::from_static(c.as_bytes())).map_err(std::io::Error::other));
        let mut lines = Lines::new(Body::from_stream(tokio_stream::iter(chunks)));
        let mut seen = Vec::new();
        loop {
            let line = match lines.next_received() {
                Some(line) => line,
                None => match lines.next().await {
                    Ok(Some(line)) => line,
                    Ok(None) => return (seen, None),
                    Err(error) => return (seen, Some(error.message)),
                },
            };
            seen.push(String::from_utf8_lossy(&line).into_owned());
        }
    }

    #[tokio::test]
    async fn lines_split_across_chunks_come_whole_and_blank_ones_are_skipped() {
        let (lines, error) =
            all_lines(vec![Ok("{\"a\""), Ok(":1}\n\n{\"b\":2}\n{\"c\""), Ok(":3}\n  \n"), Ok("{\"d\":4}")])
                .await;
        assert_eq!(lines, ["{\"a\":1}\n", "{\"b\":2}\n", "{\"c\":3}\n", "{\"d\":4}"]);
        assert_eq!(error, None);
    }

    #[tokio::test]
    async fn a_body_larger_than_the_read_ahead_budget_is_read_whole() {
        let line = |c: u8| {
            let mut line = vec![c; READ_AHEAD_BYTES / 2 + 1];
            line.push(b'\n');
            Ok::<_, Infallible>(Bytes::from(line))
        };
        let chunks = vec![line(b'a'), line(b'b'), line(b'c')];
        let mut lines = Lines::new(Body::from_stream(tokio_stream::iter(chunks)));
        let mut firsts = Vec::new();
        while let Some(line) = lines.next().await.expect("readable") {
            firsts.push(line[0]);
        }
        assert_eq!(firsts, b"abc");
    }

    #[tokio::test]
    async fn a_read_error_comes_after_the_lines_before_it() {
        let (lines, error) =
            all_lines(vec![Ok("{\"a\":1}\n{\"b\""), Err("connection reset"), Ok("{}\n")]).await;
        assert_eq!(lines, ["{\"a\":1}\n"]);
        assert!(error.is_some_and(|message| message.contains("connection reset")));
    }
}

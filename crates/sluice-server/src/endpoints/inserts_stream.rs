//! `POST /inserts-stream` (ksqlDB's HTTP/1.1 form): the body is a JSON
//! line `{"target":"S"}` followed by one JSON object per line, each a row
//! to insert; the answer is one line per row, `{"status":"ok","seq":n}` or
//! `{"status":"error","seq":n,"error_code":..,"message":..}`, written as
//! the rows are inserted.

use std::convert::Infallible;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sluice_sql::ast::{Expr, Ident, Literal, Statement, UnaryOp};
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

pub async fn handle(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    match run(state, &headers, body).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn run(state: AppState, headers: &HeaderMap, body: Body) -> Result<Response, ApiError> {
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
    let columns = {
        let name = target.clone();
        state
            .with_engine(move |engine| {
                let source = engine.catalog().source(&name)?;
                Some(source.schema.columns().iter().map(|c| c.name.clone()).collect::<Vec<_>>())
            })
            .await?
            .ok_or_else(|| {
                ApiError::bad_request(format!("Cannot insert into {target}: no such stream or table."))
            })?
    };
    let (sender, receiver) = mpsc::channel::<Result<String, Infallible>>(64);
    tokio::spawn(insert_rows(state, target, columns, lines, sender));
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, DELIMITED)],
        Body::from_stream(ReceiverStream::new(receiver)),
    )
        .into_response())
}

/// Inserts each row as it is read and acknowledges it.
async fn insert_rows(
    state: AppState,
    target: String,
    columns: Vec<String>,
    mut lines: Lines,
    sender: mpsc::Sender<Result<String, Infallible>>,
) {
    let mut seq: u64 = 0;
    loop {
        let line = match lines.next().await {
            Ok(Some(line)) => line,
            Ok(None) => return,
            Err(error) => {
                let _ =
                    sender.send(Ok(format!("{}\n", ack_error(seq, code::BAD_REQUEST, &error.message)))).await;
                return;
            }
        };
        let ack = match row_statement(&target, &columns, &line) {
            Err(message) => ack_error(seq, code::BAD_REQUEST, &message),
            Ok(statement) => {
                let inserted = state
                    .with_engine(move |engine| {
                        engine.execute(&statement).map_err(|e| e.to_string())?;
                        // The row is on disk before it is acknowledged.
                        engine.log().flush().map_err(|e| e.to_string())
                    })
                    .await;
                match inserted {
                    Ok(Ok(_)) => {
                        state.wake_runner();
                        json!({ "status": "ok", "seq": seq })
                    }
                    Ok(Err(message)) => ack_error(seq, code::BAD_STATEMENT, &message),
                    Err(error) => ack_error(seq, error.code, &error.message),
                }
            }
        };
        if sender.send(Ok(format!("{ack}\n"))).await.is_err() {
            return;
        }
        seq += 1;
    }
}

fn ack_error(seq: u64, error_code: u32, message: &str) -> Value {
    json!({ "status": "error", "seq": seq, "error_code": error_code, "message": message })
}

/// The INSERT VALUES a JSON row stands for. Field names match columns
/// exactly or, failing that, upper-cased (as unquoted SQL names are).
fn row_statement(target: &str, columns: &[String], line: &[u8]) -> Result<Statement, String> {
    let row: Map<String, Value> =
        serde_json::from_slice(line).map_err(|e| format!("A row must be a JSON object: {e}"))?;
    let mut names = Vec::new();
    let mut values = Vec::new();
    for (field, value) in row {
        let name = if columns.contains(&field) || field == "ROWTIME" { field } else { field.to_uppercase() };
        names.push(Ident::new(name));
        values.push(literal(&value)?);
    }
    Ok(Statement::InsertValues { target: Ident::new(target), columns: names, values })
}

fn literal(value: &Value) -> Result<Expr, String> {
    Ok(Expr::Literal(match value {
        Value::Null => Literal::Null,
        Value::Bool(b) => Literal::Boolean(*b),
        Value::String(s) => Literal::String(s.clone()),
        Value::Number(n) => {
            let text = n.to_string();
            if let Some(positive) = text.strip_prefix('-') {
                let inner = literal(&Value::Number(
                    positive.parse().map_err(|_| format!("Cannot read the number {text}"))?,
                ))?;
                return Ok(Expr::Unary { op: UnaryOp::Minus, expr: Box::new(inner) });
            }
            if text.contains(['e', 'E']) {
                Literal::Double(text)
            } else if text.contains('.') {
                Literal::Decimal(text)
            } else {
                Literal::Integer(text)
            }
        }
        Value::Array(_) | Value::Object(_) => {
            return Err("Arrays and objects in /inserts-stream rows are not supported yet by Sluice.".into())
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_insert_values() {
        let columns = vec!["ID".to_string(), "name".to_string()];
        let statement = row_statement("S", &columns, br#"{"id": -5, "name": "x", "v": 1.5e3}"#).unwrap();
        assert_eq!(statement.to_string(), "INSERT INTO S (ID, `name`, V) VALUES (-5, 'x', 1.5e+3)");
        assert!(row_statement("S", &columns, b"[1]").unwrap_err().contains("JSON object"));
        assert!(row_statement("S", &columns, br#"{"a": [1]}"#).unwrap_err().contains("not supported yet"));
    }
}

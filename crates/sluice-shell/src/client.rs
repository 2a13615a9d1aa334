//! The REST client: the few ksqlDB endpoints the shell talks to.
//!
//! Statements go to `POST /ksql`, queries to `POST /query-stream` (the
//! delimited form: a header line, then one JSON array per row), and a
//! cancelled push query is stopped with `POST /close-query`.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::error::ShellError;

const KSQL_JSON: &str = "application/vnd.ksql.v1+json";
const DELIMITED: &str = "application/vnd.ksqlapi.delimited.v1";

#[derive(Clone)]
pub struct Client {
    base: String,
    http: reqwest::Client,
}

/// An open `/query-stream` answer, read line by line.
pub struct QueryStream {
    response: reqwest::Response,
    url: String,
    /// Bytes received but not yet cut into lines.
    pending: Vec<u8>,
}

impl Client {
    /// A client for the server at `base` (e.g. `http://localhost:8088`).
    pub fn new(base: &str) -> Client {
        Client { base: base.trim_end_matches('/').to_string(), http: reqwest::Client::new() }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// `GET /info`: the server's `KsqlServerInfo`.
    pub async fn info(&self) -> Result<Value, ShellError> {
        let url = format!("{}/info", self.base);
        let response = self.http.get(&url).send().await.map_err(|e| send_error(&url, e))?;
        let body = read_json(response, &url).await?;
        Ok(body.get("KsqlServerInfo").cloned().unwrap_or(body))
    }

    /// `POST /ksql` with one statement: the entities of its answer.
    pub async fn ksql(
        &self,
        statement: &str,
        properties: &BTreeMap<String, String>,
    ) -> Result<Vec<Value>, ShellError> {
        let url = format!("{}/ksql", self.base);
        let body = json!({ "ksql": statement, "streamsProperties": properties });
        let response = self
            .http
            .post(&url)
            .header("Content-Type", KSQL_JSON)
            .header("Accept", KSQL_JSON)
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| send_error(&url, e))?;
        match read_json(response, &url).await? {
            Value::Array(entities) => Ok(entities),
            other => Err(ShellError::Protocol(format!("/ksql answered {other}"))),
        }
    }

    /// `POST /query-stream`: the open answer, once the server has accepted
    /// the query (a refused query is an error here, with the server's
    /// message).
    pub async fn query_stream(
        &self,
        sql: &str,
        properties: &BTreeMap<String, String>,
    ) -> Result<QueryStream, ShellError> {
        let url = format!("{}/query-stream", self.base);
        let body = json!({ "sql": sql, "properties": properties });
        let response = self
            .http
            .post(&url)
            .header("Content-Type", "application/json")
            .header("Accept", DELIMITED)
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| send_error(&url, e))?;
        if !response.status().is_success() {
            // read_json turns the error body into the server's message.
            read_json(response, &url).await?;
            return Err(ShellError::Protocol("/query-stream failed without saying why".into()));
        }
        Ok(QueryStream { response, url, pending: Vec::new() })
    }

    /// `POST /close-query`: stops a push query on the server.
    pub async fn close_query(&self, query_id: &str) -> Result<(), ShellError> {
        let url = format!("{}/close-query", self.base);
        let response = self
            .http
            .post(&url)
            .header("Content-Type", "application/json")
            .body(json!({ "queryId": query_id }).to_string())
            .send()
            .await
            .map_err(|e| send_error(&url, e))?;
        if response.status().is_success() {
            Ok(())
        } else {
            read_json(response, &url).await.map(|_| ())
        }
    }
}

impl QueryStream {
    /// The next JSON line of the answer; None at its end. Blank lines (the
    /// server's keep-alives) are skipped.
    pub async fn next_line(&mut self) -> Result<Option<Value>, ShellError> {
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=end).collect();
                let text = String::from_utf8_lossy(&line);
                if text.trim().is_empty() {
                    continue;
                }
                return parse_line(&text).map(Some);
            }
            match self.response.chunk().await.map_err(|e| http_error(&self.url, e))? {
                Some(bytes) => self.pending.extend_from_slice(&bytes),
                None if self.pending.iter().all(u8::is_ascii_whitespace) => return Ok(None),
                None => {
                    let text = String::from_utf8_lossy(&std::mem::take(&mut self.pending)).into_owned();
                    return parse_line(&text).map(Some);
                }
            }
        }
    }
}

fn parse_line(text: &str) -> Result<Value, ShellError> {
    serde_json::from_str(text.trim())
        .map_err(|e| ShellError::Protocol(format!("a line of /query-stream is not JSON ({e}): {text}")))
}

/// The answer's JSON; an error status becomes the server's message.
async fn read_json(response: reqwest::Response, url: &str) -> Result<Value, ShellError> {
    let status = response.status();
    let text = response.text().await.map_err(|e| http_error(url, e))?;
    let body: Option<Value> = serde_json::from_str(&text).ok();
    if status.is_success() {
        return body.ok_or_else(|| ShellError::Protocol(format!("{url} answered {status} with {text}")));
    }
    let message = body
        .as_ref()
        .and_then(|b| b.get("message"))
        .and_then(Value::as_str)
        .map(|m| with_caret(m, body.as_ref().and_then(|b| b.get("statementText")).and_then(Value::as_str)))
        .unwrap_or_else(|| format!("{url} answered {status}: {text}"));
    Err(ShellError::Server { message })
}

/// The server's message with the statement line and a caret under the
/// position, when the message starts with `line L:C:` and does not already
/// show them (the server's parse errors do; errors found later do not).
pub fn with_caret(message: &str, statement: Option<&str>) -> String {
    if message.contains('\n') {
        return message.to_string();
    }
    let Some((line, column)) = position(message) else { return message.to_string() };
    let Some(text) = statement.and_then(|s| s.lines().nth(line.saturating_sub(1))) else {
        return message.to_string();
    };
    let indent = " ".repeat(column.saturating_sub(1));
    format!("{message}\n  {}\n  {indent}^", text.replace('\t', " "))
}

/// `L` and `C` of a message starting with `line L:C:`.
fn position(message: &str) -> Option<(usize, usize)> {
    let rest = message.strip_prefix("line ")?;
    let (place, _) = rest.split_once(": ")?;
    let (line, column) = place.split_once(':')?;
    Some((line.parse().ok()?, column.parse().ok()?))
}

fn send_error(url: &str, error: reqwest::Error) -> ShellError {
    if error.is_connect() || error.is_builder() {
        ShellError::Unreachable { url: origin(url), cause: root_cause(&error) }
    } else {
        http_error(url, error)
    }
}

fn http_error(url: &str, error: reqwest::Error) -> ShellError {
    ShellError::Http { url: url.to_string(), cause: root_cause(&error) }
}

/// The innermost cause ("Connection refused (os error 111)"), which says
/// more than reqwest's outer "error sending request".
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// `http://host:port` of a URL, for messages about the server as a whole.
fn origin(url: &str) -> String {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(i) => url[..after_scheme + i].to_string(),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_without_an_excerpt_gets_a_caret() {
        let shown = with_caret("line 1:8: unknown thing", Some("SELECT x FROM s"));
        assert_eq!(shown, "line 1:8: unknown thing\n  SELECT x FROM s\n         ^");
    }

    #[test]
    fn messages_with_an_excerpt_or_no_position_are_kept() {
        assert_eq!(
            with_caret("Stream NOPE does not exist.", Some("DROP STREAM nope")),
            "Stream NOPE does not exist."
        );
        let rendered = "line 1:1: x\n  FOO\n  ^";
        assert_eq!(with_caret(rendered, Some("FOO")), rendered);
    }

    #[test]
    fn origin_drops_the_path() {
        assert_eq!(origin("http://localhost:8088/ksql"), "http://localhost:8088");
    }
}

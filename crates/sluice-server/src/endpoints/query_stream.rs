//! `POST /query-stream` (ksqlDB's newer query endpoint, here over HTTP/1.1
//! chunked): `{"sql": .., "properties": {..}}`; the answer is a header
//! object (`queryId`, `columnNames`, `columnTypes`) and one JSON array per
//! row, one per line (`application/vnd.ksqlapi.delimited.v1`, the
//! default), or all of them in one JSON array (`application/json`).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::ksql::session_variables;
use super::parse_body;
use crate::content::{negotiate, DELIMITED, JSON};
use crate::error::{code, ApiError};
use crate::serving::{Framing, QueryStatement};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    sql: Option<String>,
    #[serde(default)]
    properties: Map<String, Value>,
    #[serde(default)]
    session_variables: Map<String, Value>,
}

/// The framing `Accept` asks for: delimited unless JSON is preferred.
fn framing(headers: &HeaderMap) -> Result<Framing, ApiError> {
    let accept = headers.get(header::ACCEPT).and_then(|a| a.to_str().ok()).unwrap_or("");
    if accept.is_empty() || accept.contains(DELIMITED) {
        return Ok(Framing::Delimited);
    }
    match negotiate(headers)? {
        JSON => Ok(Framing::JsonArray),
        // `*/*` and the older ksqlDB type read as the default.
        _ => Ok(Framing::Delimited),
    }
}

pub async fn handle(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mut readable = headers.clone();
    // Accept is read by `framing`; the body is JSON whatever clients call it.
    readable.remove(header::ACCEPT);
    if readable.get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(DELIMITED.as_bytes())) {
        readable.remove(header::CONTENT_TYPE);
    }
    negotiate(&readable)?;
    let framing = framing(&headers)?;
    let request: Request = parse_body(&body)?;
    let sql = request
        .sql
        .ok_or_else(|| ApiError::generic(StatusCode::BAD_REQUEST, code::BAD_REQUEST, "No sql in request"))?;
    let variables = session_variables(&request.session_variables);
    let properties = state.request_properties(request.properties)?;
    let query = match QueryStatement::parse(&sql, &properties, variables, "/query-stream")? {
        QueryStatement::Select(query) => query,
        QueryStatement::Print(_, text) => {
            return Err(ApiError::statement(
                code::BAD_STATEMENT,
                "PRINT on /query-stream is not supported yet by Sluice: send it to /query.",
                &text,
                Vec::new(),
            ))
        }
    };
    let mut response = query.start(state).await?.into_response(framing);
    let content_type = if framing == Framing::JsonArray { JSON } else { DELIMITED };
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(response)
}

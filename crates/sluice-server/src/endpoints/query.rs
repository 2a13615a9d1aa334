//! `POST /query`: one SELECT, answered as ksqlDB's chunked JSON array (see
//! [`crate::serving`]), or one PRINT, answered with the topic's records as
//! lines of text (see [`crate::print_topic`]).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::ksql::session_variables;
use super::parse_body;
use crate::content::negotiate;
use crate::error::ApiError;
use crate::print_topic;
use crate::serving::{Framing, QueryStatement};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    ksql: Option<String>,
    #[serde(default)]
    streams_properties: Map<String, Value>,
    #[serde(default)]
    session_variables: Map<String, Value>,
}

pub async fn handle(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let content_type = negotiate(&headers)?;
    let request: Request = parse_body(&body)?;
    let ksql = request.ksql.ok_or_else(|| ApiError::bad_request("The request has no \"ksql\" field."))?;
    let variables = session_variables(&request.session_variables);
    let properties = state.request_properties(request.streams_properties)?;
    let mut response = match QueryStatement::parse(&ksql, &properties, variables, "/query")? {
        QueryStatement::Select(query) => query.start(state).await?.into_response(Framing::Query),
        QueryStatement::Print(print, text) => print_topic::answer(state, &print, &text)?,
    };
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(response)
}

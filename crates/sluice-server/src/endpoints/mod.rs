//! One file per endpoint. Paths that are not routed answer 404; a method
//! a path does not take answers 405.

pub mod close_query;
pub mod healthcheck;
pub mod info;
pub mod inserts_stream;
pub mod is_valid_property;
pub mod ksql;
pub mod metrics;
pub mod query;
pub mod query_stream;
pub mod status;
pub mod terminate_cluster;
pub mod ws_query;

use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{code, ApiError};

/// Any path the server does not serve.
pub async fn not_found(uri: Uri) -> Response {
    ApiError::generic(StatusCode::NOT_FOUND, code::NOT_FOUND, format!("Not Found: {}", uri.path()))
        .into_response()
}

/// A path the server serves, with a method it does not take there.
pub async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    ApiError::generic(
        StatusCode::METHOD_NOT_ALLOWED,
        code::METHOD_NOT_ALLOWED,
        format!("Method Not Allowed: {method} {}", uri.path()),
    )
    .into_response()
}

/// Reads a JSON request body, answering ksqlDB's 400 when it is malformed.
pub fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("Invalid JSON in request: {e}")))
}

/// A JSON answer with the negotiated content type.
pub fn json_response(content_type: &'static str, body: &Value) -> Response {
    (StatusCode::OK, [(axum::http::header::CONTENT_TYPE, content_type)], body.to_string()).into_response()
}

/// A property value as text, whatever JSON type the client sent it as.
pub fn property_text(value: &Value) -> String {
    value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string())
}

//! `GET /is_valid_property/{property}`: `true` when a client may set the
//! property (one Sluice acts on, see [`crate::properties`]); a 400
//! `generic_error` when it is one of the server's own settings or one
//! Sluice does not know.

use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::json_response;
use crate::content::negotiate;
use crate::error::ApiError;
use crate::properties::check_settable;

pub async fn handle(headers: HeaderMap, Path(property): Path<String>) -> Response {
    let content_type = match negotiate(&headers) {
        Ok(content_type) => content_type,
        Err(error) => return error.into_response(),
    };
    match check_settable(&property) {
        Ok(()) => json_response(content_type, &Value::Bool(true)),
        Err(refused) => ApiError::bad_request(refused.to_string()).into_response(),
    }
}

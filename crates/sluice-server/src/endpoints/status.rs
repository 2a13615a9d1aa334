//! `GET /status` and `GET /status/{type}/{entity}/{action}`: what became
//! of the commands (`commandId`s) the server ran, replayed ones included.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::json_response;
use crate::content::negotiate;
use crate::error::{code, ApiError};
use crate::state::{AppState, CommandStatus};

fn status_json(status: &CommandStatus) -> Value {
    let mut body = json!({ "status": "SUCCESS", "message": status.message });
    if let Some(query_id) = &status.query_id {
        body["queryId"] = json!(query_id);
    }
    body
}

/// `{"commandStatuses": {"stream/S/create": "SUCCESS", ..}}`
pub async fn all(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let content_type = match negotiate(&headers) {
        Ok(content_type) => content_type,
        Err(error) => return error.into_response(),
    };
    let statuses: Map<String, Value> =
        state.all_statuses().into_keys().map(|id| (id, Value::String("SUCCESS".into()))).collect();
    json_response(content_type, &json!({ "commandStatuses": statuses }))
}

/// `{"status": "SUCCESS", "message": .., "queryId": ..}` for one command.
pub async fn one(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((kind, entity, action)): Path<(String, String, String)>,
) -> Response {
    let content_type = match negotiate(&headers) {
        Ok(content_type) => content_type,
        Err(error) => return error.into_response(),
    };
    let id = format!("{kind}/{entity}/{action}");
    match state.status(&id) {
        Some(status) => json_response(content_type, &status_json(&status)),
        None => ApiError::generic(StatusCode::NOT_FOUND, code::NOT_FOUND, format!("Command not found: {id}"))
            .into_response(),
    }
}

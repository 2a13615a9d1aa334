//! `GET /healthcheck`: whether the server can serve.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::json_response;
use crate::content::negotiate;
use crate::state::AppState;

pub async fn handle(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let content_type = match negotiate(&headers) {
        Ok(content_type) => content_type,
        Err(error) => return error.into_response(),
    };
    // The metastore is healthy when the engine answers; the log (which
    // plays Kafka's part) is in process and cannot be unreachable.
    let metastore = state.with_engine(|engine| engine.catalog().sources().count()).await.is_ok();
    json_response(
        content_type,
        &json!({
            "isHealthy": metastore,
            "details": {
                "metastore": { "isHealthy": metastore },
                "kafka": { "isHealthy": true },
            },
            "serverState": if metastore { "RUNNING" } else { "ERROR" },
        }),
    )
}

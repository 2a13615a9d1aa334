//! `GET /info`: what server this is.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::json_response;
use crate::content::negotiate;
use crate::state::AppState;

/// Sluice has no Kafka cluster by default: its embedded log stands in.
pub const CLUSTER_ID: &str = "sluice-embedded-log";

pub async fn handle(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let content_type = match negotiate(&headers) {
        Ok(content_type) => content_type,
        Err(error) => return error.into_response(),
    };
    json_response(
        content_type,
        &json!({
            "KsqlServerInfo": {
                "version": env!("CARGO_PKG_VERSION"),
                "kafkaClusterId": CLUSTER_ID,
                "ksqlServiceId": state.service_id(),
                "serverStatus": "RUNNING",
            }
        }),
    )
}

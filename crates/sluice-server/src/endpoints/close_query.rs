//! `POST /close-query`: `{"queryId": ..}` stops a push query; its stream
//! ends as if the query had completed.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::parse_body;
use crate::content::negotiate;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    query_id: Option<String>,
}

pub async fn handle(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    negotiate(&headers)?;
    let request: Request = parse_body(&body)?;
    let id = request.query_id.ok_or_else(|| ApiError::bad_request("No queryId in request"))?;
    let closed = {
        let id = id.clone();
        state.with_engine(move |engine| engine.close_transient(&id)).await?
    };
    if !closed {
        return Err(ApiError::bad_request(format!("No query with id {id}")));
    }
    // The query's stream notices at the runner's next pass.
    state.wake_runner();
    Ok(StatusCode::OK.into_response())
}

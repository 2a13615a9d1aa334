//! `GET /ws/query?request=<KsqlRequest JSON>[&version=1]`: ksqlDB's
//! WebSocket query endpoint. The request is `{"ksql": "SELECT ..;",
//! "streamsProperties": {..}, "sessionVariables": {..}}`, URL-encoded. The
//! first message is the query's columns (ksqlDB's FieldInfo list:
//! `[{"name","schema":{"type",..}}]`), then one message per row,
//! `{"row":{"columns":[..]}}`. The server closes the socket with code 1000
//! ("done") when the query ends (LIMIT, a pull query's last row,
//! `/close-query`), with 1011 and the reason when it fails, and with 1003
//! and the reason when the request cannot be run, as ksqlDB does. A push
//! query stops when the client closes the socket or goes away.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::ksql::{session_variables, KsqlRequest};
use crate::error::ApiError;
use crate::serving::{Answer, Ending, Event, QueryStatement};
use crate::state::AppState;

/// The longest close reason a WebSocket close frame can carry, in bytes.
const MAX_CLOSE_REASON: usize = 123;

pub async fn handle(
    State(state): State<AppState>,
    parameters: Result<Query<HashMap<String, String>>, QueryRejection>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    // Requests that are not WebSocket handshakes get ksqlDB-shaped errors.
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejected(rejection.status(), rejection.body_text()),
    };
    let Query(parameters) = match parameters {
        Ok(parameters) => parameters,
        Err(rejection) => return rejected(rejection.status(), rejection.body_text()),
    };
    upgrade.on_upgrade(move |socket| serve(socket, state, parameters))
}

fn rejected(status: StatusCode, message: String) -> Response {
    ApiError::generic(status, u32::from(status.as_u16()) * 100, message).into_response()
}

async fn serve(mut socket: WebSocket, state: AppState, parameters: HashMap<String, String>) {
    let answer = match start(state, &parameters).await {
        Ok(answer) => answer,
        Err(error) => return close(socket, close_code::UNSUPPORTED, &error.message).await,
    };
    let ending = stream(&mut socket, answer).await;
    match ending {
        Some(Ending::Failed(why)) => close(socket, close_code::ERROR, &why).await,
        Some(_) => close(socket, close_code::NORMAL, "done").await,
        // The client went away: dropping the answer stops the query.
        None => {}
    }
}

/// Reads and starts the request's query.
async fn start(state: AppState, parameters: &HashMap<String, String>) -> Result<Answer, ApiError> {
    if let Some(version) = parameters.get("version").filter(|v| v.as_str() != "1") {
        return Err(ApiError::bad_request(format!("Received invalid api version: {version}")));
    }
    let request = parameters
        .get("request")
        .filter(|r| !r.is_empty())
        .ok_or_else(|| ApiError::bad_request("Error parsing request: missing request parameter"))?;
    let request: KsqlRequest = serde_json::from_str(request)
        .map_err(|e| ApiError::bad_request(format!("Error parsing request: {e}")))?;
    let ksql = request.ksql.filter(|k| !k.trim().is_empty()).ok_or_else(|| {
        ApiError::bad_request("Error parsing request: \"ksql\" field of \"request\" must be populated")
    })?;
    let properties = state.request_properties(request.streams_properties)?;
    let variables = session_variables(&request.session_variables);
    match QueryStatement::parse(&ksql, &properties, variables, "/ws/query")? {
        QueryStatement::Select(query) => query.start(state).await,
        QueryStatement::Print(..) => Err(ApiError::bad_request(
            "PRINT on /ws/query is not supported yet by Sluice: send it to /query.",
        )),
    }
}

/// Sends the columns and the rows; how the query ended, or None when the
/// client went away first.
async fn stream(socket: &mut WebSocket, mut answer: Answer) -> Option<Ending> {
    let columns = answer.reader.fields(answer.mark_keys);
    socket.send(Message::text(columns.to_string())).await.ok()?;
    loop {
        tokio::select! {
            event = answer.next() => match event {
                Some(Event::Row(row)) => socket.send(Message::text(row.to_json().to_string())).await.ok()?,
                Some(Event::Idle) => {}
                Some(Event::End(ending)) => return Some(ending),
                // The query's task ended without a word: it was stopped.
                None => return Some(Ending::Done),
            },
            incoming = socket.recv() => match incoming {
                // Clients send nothing but control frames; a close or a
                // broken connection ends the query.
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return None,
                Some(Ok(_)) => {}
            },
        }
    }
}

async fn close(mut socket: WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame { code, reason: close_reason(reason).into() };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

/// A close reason must fit in a close frame: longer ones are cut, at a
/// character boundary.
fn close_reason(reason: &str) -> String {
    if reason.len() <= MAX_CLOSE_REASON {
        return reason.to_string();
    }
    let mut end = MAX_CLOSE_REASON;
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_reasons_fit_a_frame() {
        assert_eq!(close_reason("done"), "done");
        let long = "é".repeat(100);
        let cut = close_reason(&long);
        assert!(cut.len() <= MAX_CLOSE_REASON && cut.chars().all(|c| c == 'é'), "{cut}");
    }
}

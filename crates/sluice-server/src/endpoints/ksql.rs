//! `POST /ksql`: runs every statement of the request in order and answers
//! one entity per statement that has one (`currentStatus` for DDL and
//! DML, listings for SHOW/LIST/DESCRIBE). Statements that fail stop the
//! request; those before them stay applied and are listed in the error.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sluice_engine::{Engine, EngineError, Outcome};
use sluice_sql::ast::{QueryTarget, SourceKind, Statement};
use sluice_sql::{parse_script, split_statements, ScriptStatement};

use super::{json_response, parse_body, property_text};
use crate::content::negotiate;
use crate::entities::{self, RequestView};
use crate::error::{code, ApiError};
use crate::properties::check_overrides;
use crate::state::{AppState, CommandStatus};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KsqlRequest {
    pub ksql: Option<String>,
    #[serde(default)]
    pub streams_properties: Map<String, Value>,
    #[serde(default)]
    pub session_variables: Map<String, Value>,
}

pub async fn handle(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let content_type = negotiate(&headers)?;
    let request: KsqlRequest = parse_body(&body)?;
    let ksql = request.ksql.ok_or_else(|| ApiError::bad_request("The request has no \"ksql\" field."))?;
    let mut variables = session_variables(&request.session_variables);
    let statements = parse_all(&ksql, &mut variables)?;
    let properties = state.request_properties(request.streams_properties)?;
    let worker = state.clone();
    let entities = state
        .with_engine(move |engine| execute_all(engine, &worker, statements, properties, &variables))
        .await??;
    state.wake_runner();
    Ok(json_response(content_type, &Value::Array(entities)))
}

/// `sessionVariables` as `parse_script` reads them: names upper-cased.
pub fn session_variables(given: &Map<String, Value>) -> HashMap<String, String> {
    given.iter().map(|(name, value)| (name.to_uppercase(), property_text(value))).collect()
}

/// Parses every statement before any runs, as ksqlDB does: a syntax error
/// anywhere runs nothing. The error names the line and column in the
/// request's text and shows it with a caret.
pub fn parse_all(
    ksql: &str,
    variables: &mut HashMap<String, String>,
) -> Result<Vec<ScriptStatement>, ApiError> {
    let pieces = split_statements(ksql);
    let mut statements = Vec::new();
    for (index, parsed) in parse_script(ksql, variables).into_iter().enumerate() {
        match parsed {
            Ok(statement) => statements.push(statement),
            Err(error) => {
                let text =
                    pieces.get(index).map(|p| format!("{};", p.text)).unwrap_or_else(|| ksql.to_string());
                return Err(ApiError::statement(code::BAD_STATEMENT, error.render(ksql), &text, Vec::new()));
            }
        }
    }
    Ok(statements)
}

fn execute_all(
    engine: &mut Engine,
    state: &AppState,
    statements: Vec<ScriptStatement>,
    mut properties: Map<String, Value>,
    variables: &HashMap<String, String>,
) -> Result<Vec<Value>, ApiError> {
    let mut entities = Vec::new();
    for statement in statements {
        let text = format!("{};", statement.text);
        let fail = |message: String, entities: Vec<Value>| {
            ApiError::statement(code::BAD_STATEMENT, message, &text, entities)
        };
        let view = RequestView {
            properties: &properties,
            defaults: state.default_properties(),
            variables,
            service_id: state.service_id(),
        };
        let entity = match &statement.statement {
            Statement::Query(_) | Statement::Print(_) => {
                return Err(ApiError::statement(
                    code::QUERY_ENDPOINT,
                    "The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT",
                    &text,
                    entities,
                ))
            }
            Statement::Show(target) => Some(entities::show(engine, target, &text, &view)),
            Statement::Describe { name, extended } => {
                Some(entities::describe(engine, name.as_str(), *extended, &text))
            }
            Statement::DescribeAll { kind, extended } => {
                Some(Ok(entities::describe_all(engine, *kind, *extended, &text)))
            }
            Statement::DescribeFunction { name } => Some(crate::functions::describe(name.as_str(), &text)),
            // Over REST, SET and UNSET last for the rest of the request.
            Statement::SetProperty { name, value } => {
                if let Err(denied) = check_overrides([name]) {
                    return Err(fail(denied.to_string(), entities));
                }
                properties.insert(name.clone(), Value::String(value.clone()));
                None
            }
            Statement::UnsetProperty { name } => {
                properties.remove(name);
                None
            }
            // parse_script has applied DEFINE and UNDEFINE already.
            Statement::DefineVariable { .. } | Statement::UndefineVariable { .. } => None,
            // INSERT VALUES writes a record; ksqlDB answers no entity for it.
            Statement::InsertValues { .. } => match engine.execute(&statement.statement) {
                Ok(_) => None,
                Err(error) => return Err(fail(engine_message(&error), entities)),
            },
            other => match engine.execute(other) {
                Ok(outcome) => {
                    let sequence = state.record_command(&other.to_string())?;
                    let status = CommandStatus { message: outcome.message.clone(), query_id: outcome.query_id.clone() };
                    state.set_status(command_id(other), status);
                    Some(Ok(current_status(other, &text, outcome, sequence)))
                }
                Err(error) => return Err(fail(engine_message(&error), entities)),
            },
        };
        match entity {
            Some(Ok(entity)) => entities.push(entity),
            Some(Err(error)) => return Err(fail(error.to_string(), entities)),
            None => {}
        }
    }
    // Rows written by INSERT VALUES are on disk before the answer.
    engine.log().flush().map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(entities)
}

/// The engine's message; a statement Sluice cannot run yet says so.
fn engine_message(error: &EngineError) -> String {
    let message = error.to_string();
    if error.is_not_supported_yet() && !message.contains("not supported yet") {
        format!("{message} (not supported yet by Sluice)")
    } else {
        message
    }
}

/// ksqlDB's answer to a command: what it did and its sequence number.
fn current_status(statement: &Statement, text: &str, outcome: Outcome, sequence: i64) -> Value {
    let mut command_status = json!({ "status": "SUCCESS", "message": outcome.message });
    if let Some(query_id) = outcome.query_id {
        command_status["queryId"] = json!(query_id);
    }
    json!({
        "@type": "currentStatus",
        "statementText": text,
        "commandId": command_id(statement),
        "commandStatus": command_status,
        "commandSequenceNumber": sequence,
        "warnings": [],
    })
}

/// ksqlDB's command ids: `<type>/<entity>/<action>`.
pub fn command_id(statement: &Statement) -> String {
    let kind = |kind: SourceKind| match kind {
        SourceKind::Stream => "stream",
        SourceKind::Table => "table",
    };
    match statement {
        Statement::CreateSource(c) => format!("{}/{}/create", kind(c.kind), c.name.as_str()),
        Statement::CreateAsSelect(c) => format!("{}/{}/create", kind(c.kind), c.name.as_str()),
        Statement::InsertInto { target, .. } => format!("stream/{}/create", target.as_str()),
        Statement::DropSource { kind: k, name, .. } => format!("{}/{}/drop", kind(*k), name.as_str()),
        Statement::AlterSource { kind: k, name, .. } => format!("{}/{}/alter", kind(*k), name.as_str()),
        Statement::CreateType { name, .. } => format!("type/{}/create", name.as_str()),
        Statement::DropType { name, .. } => format!("type/{}/drop", name.as_str()),
        Statement::Terminate(QueryTarget::Query(id)) => format!("terminate/{}/execute", id.as_str()),
        Statement::Terminate(QueryTarget::All) => "terminate/ALL/execute".into(),
        other => format!("{}/execute", other.kind().to_lowercase().replace(' ', "_")),
    }
}

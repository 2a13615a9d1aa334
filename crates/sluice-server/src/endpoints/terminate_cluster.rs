//! `POST /ksql/terminate`: ksqlDB's "terminate cluster". Stops every
//! persistent and push query, drops every stream, table and type, deletes
//! the topics of the streams and tables made by a query whose names match
//! `deleteTopicList` (names or Java-style regular expressions matching the
//! whole name, as in ksqlDB, which leaves the topics of other sources
//! alone), and empties the command log so that a restart brings nothing
//! back. The server goes on serving, empty.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use regex::Regex;
use serde::Deserialize;
use serde_json::{json, Value};
use sluice_engine::Engine;
use sluice_sql::ast::{Ident, QueryTarget, SourceKind, Statement};

use super::{json_response, parse_body};
use crate::content::negotiate;
use crate::error::ApiError;
use crate::state::{AppState, CommandStatus};

/// The statement ksqlDB runs for this endpoint, as its answer names it.
const STATEMENT_TEXT: &str = "TERMINATE CLUSTER;";
/// ksqlDB's command id for it.
const COMMAND_ID: &str = "cluster/TerminateCluster/terminate";

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TerminateRequest {
    #[serde(default)]
    delete_topic_list: Vec<String>,
}

/// What terminating did.
#[derive(Debug, Default)]
struct Terminated {
    queries: usize,
    sources: usize,
    types: usize,
    deleted_topics: Vec<String>,
}

impl Terminated {
    fn message(&self) -> String {
        let topics = if self.deleted_topics.is_empty() {
            "no topics deleted".to_string()
        } else {
            format!("topics deleted: {}", self.deleted_topics.join(", "))
        };
        format!(
            "Cluster terminated: {} persistent queries terminated, {} streams and tables and {} types dropped, {topics}.",
            self.queries, self.sources, self.types
        )
    }
}

pub async fn handle(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let content_type = negotiate(&headers)?;
    // The list is optional, and so is the body.
    let request: TerminateRequest = if body.iter().all(u8::is_ascii_whitespace) {
        TerminateRequest::default()
    } else {
        parse_body(&body)?
    };
    let patterns = request
        .delete_topic_list
        .iter()
        .map(|pattern| whole_name_pattern(pattern))
        .collect::<Result<Vec<_>, _>>()?;
    let terminated = state.with_engine(move |engine| terminate(engine, &patterns)).await??;
    state.forget_commands()?;
    let sequence = state.next_command_sequence();
    let message = terminated.message();
    state.set_status(COMMAND_ID.into(), CommandStatus { message: message.clone(), query_id: None });
    // Push queries notice their end at the runner's next pass.
    state.wake_runner();
    let status = json!({
        "@type": "currentStatus",
        "statementText": STATEMENT_TEXT,
        "commandId": COMMAND_ID,
        "commandStatus": { "status": "SUCCESS", "message": message },
        "commandSequenceNumber": sequence,
        "warnings": [],
    });
    Ok(json_response(content_type, &Value::Array(vec![status])))
}

/// A `deleteTopicList` entry as a pattern that must match a whole topic
/// name (Java's `Pattern.matches`); ksqlDB's 400 when it is not one.
fn whole_name_pattern(pattern: &str) -> Result<Regex, ApiError> {
    Regex::new(&format!("^(?:{pattern})$"))
        .map_err(|_| ApiError::bad_request(format!("Invalid pattern: {pattern}")))
}

fn terminate(engine: &mut Engine, patterns: &[Regex]) -> Result<Terminated, ApiError> {
    let failed =
        |e: sluice_engine::EngineError| ApiError::internal(format!("Terminating the cluster failed: {e}"));
    let mut terminated = Terminated::default();
    // Push and pull queries read the sources about to be dropped.
    for id in engine.transient_ids() {
        engine.close_transient(&id);
    }
    terminated.queries = engine.catalog().queries().count();
    engine.execute(&Statement::Terminate(QueryTarget::All)).map_err(failed)?;
    let sources: Vec<(SourceKind, String, String, bool)> =
        engine.catalog().sources().map(|s| (s.kind, s.name.clone(), s.topic.clone(), s.from_query)).collect();
    for (kind, name, topic, from_query) in sources {
        let drop =
            Statement::DropSource { kind, if_exists: true, name: Ident::new(name), delete_topic: false };
        engine.execute(&drop).map_err(failed)?;
        terminated.sources += 1;
        let matches = patterns.iter().any(|pattern| pattern.is_match(&topic));
        if from_query
            && matches
            && engine.log().topic(&topic).is_some()
            && !terminated.deleted_topics.contains(&topic)
        {
            engine
                .log()
                .delete_topic(&topic)
                .map_err(|e| ApiError::internal(format!("Deleting topic {topic} failed: {e}")))?;
            terminated.deleted_topics.push(topic);
        }
    }
    let types: Vec<String> = engine.catalog().custom_types().map(|(name, _)| name.clone()).collect();
    for name in types {
        engine.execute(&Statement::DropType { if_exists: true, name: Ident::new(name) }).map_err(failed)?;
        terminated.types += 1;
    }
    engine.log().flush().map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(terminated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_whole_names_and_bad_ones_are_400() {
        let pattern = whole_name_pattern("bar.*").expect("a pattern");
        assert!(pattern.is_match("bar_sink"));
        assert!(!pattern.is_match("foobar"));
        assert!(whole_name_pattern("HOME").expect("a name").is_match("HOME"));
        assert!(!whole_name_pattern("HOME").expect("a name").is_match("HOMES"));
        let error = whole_name_pattern("(").expect_err("not a pattern");
        assert_eq!((error.code, error.message.as_str()), (40000, "Invalid pattern: ("));
    }
}

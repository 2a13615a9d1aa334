//! REST query-validation tests (RQTT): ksqlDB's cases that drive a real
//! server over HTTP. A case is a QTT case (statements, topics, inputs,
//! outputs, properties, `format` expansion) plus what the REST answers must
//! hold: `responses` (one per admin entity, then one per query) or an
//! `expectedError` of the request that fails.

mod matching;
mod run;

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;

use crate::qtt::{load_qtt, QttCase};
use crate::TestkitError;

pub use run::run_rqtt_case;

/// One runnable REST case.
#[derive(Debug, Clone)]
pub struct RqttCase {
    /// Statements, topics, records and properties, as for QTT.
    pub case: QttCase,
    /// Each `{"admin": {..}}` or `{"query": [..]}`, in order: what the
    /// first entities and query answers must hold.
    pub responses: Vec<Value>,
    pub expected_error: Option<ExpectedError>,
    /// `inputConditions.waitForQueryHeader` or `waitForActivePushQuery`:
    /// the inputs are produced only once the (first) query is running,
    /// which its header shows.
    pub wait_for_query_header: bool,
}

/// ksqlDB's `ExpectedErrorNode`: every field given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ExpectedError {
    /// A Java class name: `..KsqlStatementErrorMessage` asks for a
    /// `statement_error` naming the failing statement, `..KsqlErrorMessage`
    /// for any error body.
    #[serde(rename = "type")]
    pub type_: Option<String>,
    /// A substring of the error's message.
    pub message: Option<String>,
    /// The HTTP status.
    pub status: Option<u16>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RestFields {
    #[serde(default)]
    responses: Vec<Value>,
    expected_error: Option<ExpectedError>,
    input_conditions: Option<InputConditions>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InputConditions {
    #[serde(default)]
    wait_for_query_header: bool,
    #[serde(default)]
    wait_for_active_push_query: bool,
}

/// Loads the REST cases of `paths` (files or directories of `*.json`),
/// with the QTT loader's rules for comments, `enabled` and expansion.
pub fn load_rqtt(paths: &[PathBuf]) -> Result<(Vec<RqttCase>, Vec<String>), TestkitError> {
    let loaded = load_qtt(paths)?;
    let cases = loaded
        .cases
        .into_iter()
        .map(|case| {
            let fields: RestFields =
                serde_json::from_value(case.raw.clone()).map_err(|e| TestkitError::InvalidCase {
                    path: PathBuf::from(&case.file),
                    test: case.name.clone(),
                    message: e.to_string(),
                })?;
            Ok(RqttCase {
                responses: fields.responses,
                expected_error: fields.expected_error,
                wait_for_query_header: fields
                    .input_conditions
                    .is_some_and(|c| c.wait_for_query_header || c.wait_for_active_push_query),
                case,
            })
        })
        .collect::<Result<Vec<_>, TestkitError>>()?;
    Ok((cases, loaded.skipped))
}

//! Errors: [`ApiError`] is what a client gets back, in ksqlDB's shape;
//! [`ServerError`] is what stops the server from starting or serving.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::content::KSQL_V1_JSON;

/// ksqlDB's error codes: the HTTP status times 100, plus a suffix.
pub mod code {
    pub const BAD_REQUEST: u32 = 40000;
    pub const BAD_STATEMENT: u32 = 40001;
    pub const QUERY_ENDPOINT: u32 = 40002;
    pub const NOT_FOUND: u32 = 40400;
    pub const METHOD_NOT_ALLOWED: u32 = 40500;
    pub const NOT_ACCEPTABLE: u32 = 40600;
    pub const UNSUPPORTED_MEDIA_TYPE: u32 = 41500;
    pub const SERVER_ERROR: u32 = 50000;
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: std::net::SocketAddr, source: std::io::Error },
    #[error("the server failed: {0}")]
    Serve(#[from] std::io::Error),
    #[error("cannot create the data directory {path}: {source}")]
    DataDir { path: std::path::PathBuf, source: std::io::Error },
    #[error("the queries file {path} cannot be run: {message}")]
    QueriesFile { path: std::path::PathBuf, message: String },
    #[error(transparent)]
    Log(#[from] sluice_log::LogError),
    #[error(transparent)]
    CommandLog(#[from] crate::command_log::CommandLogError),
    #[error("the engine failed: {0}")]
    Engine(String),
}

/// An error answered to a client: `generic_error`, or `statement_error`
/// when a statement failed (with the entities of the statements of the
/// same request that succeeded before it).
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: u32,
    pub message: String,
    /// Set for a `statement_error`.
    pub statement: Option<StatementContext>,
}

#[derive(Debug, Clone)]
pub struct StatementContext {
    pub text: String,
    pub entities: Vec<Value>,
}

impl ApiError {
    pub fn generic(status: StatusCode, code: u32, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), statement: None }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::generic(StatusCode::BAD_REQUEST, code::BAD_REQUEST, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::generic(StatusCode::INTERNAL_SERVER_ERROR, code::SERVER_ERROR, message)
    }

    /// A statement that cannot be run (HTTP 400, error code 40001 unless
    /// `code` says otherwise).
    pub fn statement(code: u32, message: impl Into<String>, text: &str, entities: Vec<Value>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
            statement: Some(StatementContext { text: text.to_string(), entities }),
        }
    }

    /// The JSON body ksqlDB sends for this error.
    pub fn body(&self) -> Value {
        match &self.statement {
            None => json!({
                "@type": "generic_error",
                "error_code": self.code,
                "message": self.message,
            }),
            Some(context) => json!({
                "@type": "statement_error",
                "error_code": self.code,
                "message": self.message,
                "statementText": context.text,
                "entities": context.entities,
            }),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body().to_string();
        (self.status, [(axum::http::header::CONTENT_TYPE, KSQL_V1_JSON)], body).into_response()
    }
}

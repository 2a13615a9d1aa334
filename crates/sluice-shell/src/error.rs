//! The shell's errors. Each one is a single line for the user: the shell
//! prints it and goes on (or, running a script, stops there).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    /// The server could not be reached at all (refused, unknown host, ..).
    #[error("cannot reach the Sluice server at {url}: {cause}")]
    Unreachable { url: String, cause: String },
    /// The request failed after the connection was made.
    #[error("the request to {url} failed: {cause}")]
    Http { url: String, cause: String },
    /// The server answered with an error; `message` is its own, already
    /// rendered with the statement and a caret when it has a position.
    #[error("{message}")]
    Server { message: String },
    /// The server answered something that is not what its API promises.
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
    #[error("cannot read {path}: {source}")]
    ReadFile { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    WriteFile { path: PathBuf, source: std::io::Error },
    #[error("RUN SCRIPT is nested more than {0} deep (does a script run itself?)")]
    ScriptDepth(usize),
    #[error("the line editor failed: {0}")]
    Editor(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot start the embedded server: {0}")]
    Embedded(String),
    #[error("{0}")]
    Usage(String),
}

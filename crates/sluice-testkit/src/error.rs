//! The crate's error type.

use std::path::PathBuf;

/// Errors from loading conformance cases and reading or writing the ratchet
/// list. Every variant names the file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum TestkitError {
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A case file is not valid JSON (after comments are removed). Line and
    /// column are those of the original file.
    #[error("{}:{line}:{column}: invalid JSON: {message}", path.display())]
    Json { path: PathBuf, line: usize, column: usize, message: String },

    /// The file is JSON but not shaped like a case file (`{"tests": [..]}`).
    #[error("{}: {message}", path.display())]
    InvalidFile { path: PathBuf, message: String },

    /// One test in the file is invalid: a missing or mistyped field, a bad
    /// header or window, no statements, nothing to check.
    #[error("{}: test '{test}': {message}", path.display())]
    InvalidCase { path: PathBuf, test: String, message: String },

    /// Two cases expand to the same full name.
    #[error("duplicate case name '{name}' (in {} and {})", first.display(), second.display())]
    DuplicateName { name: String, first: PathBuf, second: PathBuf },
}

impl TestkitError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TestkitError::Io { path: path.into(), source }
    }
}

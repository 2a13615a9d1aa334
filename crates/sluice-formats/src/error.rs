//! The one error type of the crate.

/// Everything that can go wrong choosing a format, checking a schema against it, or
/// turning one payload into columns (or one row into a payload).
///
/// Row-level variants (`Deserialize`, `Payload`, `Serialize`) are reported per row and
/// never stop a batch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// A format name nobody knows.
    #[error("Unknown format: {0}")]
    UnknownFormat(String),
    /// A `KEY_DELIMITER` / `VALUE_DELIMITER` value that is not usable.
    #[error("Invalid delimiter '{value}': {reason}")]
    InvalidDelimiter { value: String, reason: &'static str },
    /// A delimiter given for a format other than DELIMITED.
    #[error("{format} does not support the following configs: [delimiter]")]
    DelimiterNotSupported { format: &'static str },
    /// The columns (or the wrapping) cannot be carried by the format.
    #[error("{0}")]
    Schema(String),
    /// One column of one payload could not be read.
    #[error("Failed to deserialise column '{column}': {reason}")]
    Deserialize { column: String, reason: String },
    /// A payload could not be read at all (not JSON, wrong number of fields, ...).
    #[error("Failed to deserialise payload: {0}")]
    Payload(String),
    /// One column of one row could not be written.
    #[error("Failed to serialise column '{column}': {reason}")]
    Serialize { column: String, reason: String },
    /// Arrow refused to assemble the decoded columns: a bug, reported rather than a panic.
    #[error("internal error: {0}")]
    Internal(String),
}

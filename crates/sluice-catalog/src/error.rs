/// A statement the catalog cannot accept. Messages follow ksqlDB's wording
/// where users and tests rely on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("{0}")]
    Invalid(String),
    #[error("{kind} {name} already exists.")]
    AlreadyExists { kind: &'static str, name: String },
    #[error("{kind} {name} does not exist.")]
    NotFound { kind: &'static str, name: String },
}

impl CatalogError {
    pub fn invalid(message: impl Into<String>) -> Self {
        CatalogError::Invalid(message.into())
    }
}

pub type Result<T> = std::result::Result<T, CatalogError>;

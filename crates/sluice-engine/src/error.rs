/// Why a statement failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0} is not supported yet")]
    NotSupportedYet(String),
    #[error(transparent)]
    Catalog(#[from] sluice_catalog::CatalogError),
    #[error(transparent)]
    Plan(#[from] sluice_planner::PlanError),
    #[error(transparent)]
    Runtime(#[from] sluice_runtime::RuntimeError),
    #[error(transparent)]
    Log(#[from] sluice_log::LogError),
    #[error(transparent)]
    Format(#[from] sluice_formats::FormatError),
}

pub type Result<T> = std::result::Result<T, EngineError>;

impl EngineError {
    /// Whether the statement is valid ksqlDB that Sluice cannot run yet, as
    /// opposed to a statement ksqlDB rejects too.
    pub fn is_not_supported_yet(&self) -> bool {
        use sluice_planner::PlanError;
        use sluice_runtime::RuntimeError;
        matches!(
            self,
            EngineError::NotSupportedYet(_)
                | EngineError::Plan(PlanError::NotSupportedYet(_))
                | EngineError::Runtime(RuntimeError::Plan(PlanError::NotSupportedYet(_)))
        )
    }
}

/// Why a statement cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The statement is wrong: an unknown column, a type mismatch, ..
    #[error("{0}")]
    Invalid(String),
    /// Valid ksqlDB that Sluice cannot run yet.
    #[error("{0} is not supported yet")]
    NotSupportedYet(String),
    #[error(transparent)]
    Catalog(#[from] sluice_catalog::CatalogError),
    /// DataFusion rejected an expression (usually a type error).
    #[error("{0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),
}

pub type Result<T> = std::result::Result<T, PlanError>;

/// Why a statement cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The statement is wrong: an unknown column, a type mismatch, ..
    #[error("{0}")]
    Invalid(String),
    /// A comparison of types that cannot be compared; the clause it is in
    /// adds itself to the message (`PlanError::in_clause`).
    #[error("{0}")]
    Comparison(String),
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

impl PlanError {
    /// Names the clause (`WHERE`, `HAVING`) an expression error came from,
    /// and the clause's expression, as ksqlDB does.
    pub fn in_clause(self, clause: &str, expression: &dyn std::fmt::Display) -> PlanError {
        match self {
            PlanError::Comparison(message) => PlanError::Invalid(format!(
                "Error in {clause} expression: {message}\nStatement: {expression}"
            )),
            other => other,
        }
    }
}

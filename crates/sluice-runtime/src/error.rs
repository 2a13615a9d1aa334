#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error(transparent)]
    Log(#[from] sluice_log::LogError),
    #[error(transparent)]
    Format(#[from] sluice_formats::FormatError),
    #[error(transparent)]
    Plan(#[from] sluice_planner::PlanError),
    #[error(transparent)]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T> = std::result::Result<T, RuntimeError>;

//! Planning: from checked ksqlDB statements to what the runtime executes.
//!
//! The expression compiler turns ksqlDB expressions into DataFusion
//! physical expressions evaluated per batch; the query planner turns a
//! SELECT into the filter and projection its operators run.

mod aggregate;
mod array_fn;
mod cast;
mod error;
mod expr;
mod join;
mod lambda;
mod like;
mod nested;
mod query;
mod table_function;
pub mod walk;
mod window;

pub use aggregate::{has_aggregate, AggregateCall, AggregationPlan};
pub use error::{PlanError, Result};
pub use expr::{literal_value, CompiledExpr, ExprCompiler};
pub use join::{JoinPlan, JoinShape};
pub use query::{
    plan_select, plan_transient_select, source_batch_schema, ProjectedColumn, QueryPlan, ROWOFFSET,
    ROWPARTITION, ROWTIME,
};
pub use table_function::{ExplodePlan, TABLE_FUNCTIONS};
pub use window::{time_windows, WindowPlan, WindowShape, WINDOWEND, WINDOWSTART};

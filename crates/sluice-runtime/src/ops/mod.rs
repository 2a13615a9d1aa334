//! Operators: each takes batches and pushes what comes out to `out`.

mod aggregate;
mod explode;
mod filter;
mod join;
mod project;
mod row_errors;

pub use aggregate::{Aggregate, SessionAggregate};
pub use explode::Explode;
pub use filter::Filter;
pub use join::{Join, JoinChain};
pub use project::Project;
pub use row_errors::RowError;

use crate::batch::Batch;
use crate::error::Result;

pub trait Operator: Send {
    /// Processes one batch, appending any output batches to `out` in order.
    fn process(&mut self, batch: Batch, out: &mut Vec<Batch>) -> Result<()>;

    /// Processes a batch from input `input` of a multi-input operator.
    fn process_input(&mut self, input: usize, batch: Batch, out: &mut Vec<Batch>) -> Result<()> {
        let _ = input;
        self.process(batch, out)
    }

    /// Records dropped because they arrived after their window closed.
    fn late_records(&self) -> u64 {
        0
    }

    /// Rows the last `process` calls could not handle; the query logs them.
    fn take_row_errors(&mut self) -> Vec<RowError> {
        Vec::new()
    }

    /// How many entries (groups, windows, sessions) the operator keeps.
    fn state_size(&self) -> usize {
        0
    }

    /// Whether its output depends on records before the current one (an
    /// aggregation, a join): a query with such an operator cannot resume
    /// from its input offsets alone.
    fn keeps_state(&self) -> bool {
        false
    }
}

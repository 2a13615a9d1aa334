use datafusion::arrow::array::{Array, AsArray, BooleanArray};
use datafusion::arrow::compute::{filter_record_batch, kernels::boolean};
use datafusion::arrow::datatypes::DataType;
use sluice_planner::CompiledExpr;

use super::row_errors::{evaluate_or_null, RowError};
use super::Operator;
use crate::batch::{true_mask, Batch};
use crate::error::{Result, RuntimeError};

/// WHERE: keeps the rows whose condition is true (not false, not null).
///
/// On a stream, other rows are dropped. On a table's changelog they become
/// deletions, as a filtered table must forget a key whose new row fails.
pub struct Filter {
    condition: CompiledExpr,
    changelog: bool,
    row_errors: Vec<RowError>,
}

impl Filter {
    pub fn new(condition: CompiledExpr, changelog: bool) -> Self {
        Filter { condition, changelog, row_errors: Vec::new() }
    }
}

impl Operator for Filter {
    fn process(&mut self, batch: Batch, out: &mut Vec<Batch>) -> Result<()> {
        // A row the condition fails on does not pass.
        let result = evaluate_or_null(&self.condition, &batch.data, &mut self.row_errors)?;
        let passes: BooleanArray = match result.data_type() {
            DataType::Boolean => true_mask(result.as_boolean()),
            // `WHERE NULL`: nothing passes.
            DataType::Null => BooleanArray::from(vec![false; batch.num_rows()]),
            other => return Err(RuntimeError::Invalid(format!("WHERE evaluated to {other}, not BOOLEAN"))),
        };
        if self.changelog {
            let fails = boolean::not(&passes)?;
            let tombstones = match &batch.tombstones {
                Some(existing) => boolean::or(existing, &fails)?,
                None => fails,
            };
            out.push(Batch { data: batch.data, tombstones: Some(tombstones), headers: batch.headers });
            return Ok(());
        }
        // A stream's null rows never pass a filter.
        let passes = match &batch.tombstones {
            Some(nulls) => boolean::and_not(&passes, nulls)?,
            None => passes,
        };
        let data = filter_record_batch(&batch.data, &passes)?;
        if data.num_rows() > 0 {
            out.push(Batch { data, tombstones: None, headers: batch.kept_headers(&passes) });
        }
        Ok(())
    }

    fn take_row_errors(&mut self) -> Vec<RowError> {
        std::mem::take(&mut self.row_errors)
    }
}

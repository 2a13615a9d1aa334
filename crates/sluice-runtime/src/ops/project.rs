use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::compute::nullif;
use datafusion::arrow::datatypes::SchemaRef;
use sluice_planner::ProjectedColumn;

use super::row_errors::{evaluate_or_null, RowError};
use super::Operator;
use crate::batch::Batch;
use crate::error::{Result, RuntimeError};

/// SELECT's expressions: computes the output columns and carries ROWTIME
/// (and window bounds).
pub struct Project {
    columns: Vec<ProjectedColumn>,
    output: SchemaRef,
    /// A column that fails on a row is null there (ksqlDB's behaviour); why goes here.
    row_errors: Vec<RowError>,
}

impl Project {
    pub fn new(columns: Vec<ProjectedColumn>, output: SchemaRef) -> Self {
        Project { columns, output, row_errors: Vec::new() }
    }
}

impl Operator for Project {
    fn process(&mut self, batch: Batch, out: &mut Vec<Batch>) -> Result<()> {
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.columns.len() + 1);
        for column in &self.columns {
            let mut array = evaluate_or_null(&column.expr, &batch.data, &mut self.row_errors)?;
            if let (true, Some(tombstones)) = (column.reads_value, &batch.tombstones) {
                // Keys computed from a null value are null.
                array = nullif(&array, tombstones)?;
            }
            arrays.push(array);
        }
        // ROWTIME, and a windowed aggregation's window bounds, pass through.
        for field in self.output.fields().iter().skip(self.columns.len()) {
            let carried = batch.data.column_by_name(field.name()).ok_or_else(|| {
                RuntimeError::Invalid(format!("input batch has no {} column", field.name()))
            })?;
            arrays.push(Arc::clone(carried));
        }
        let data = RecordBatch::try_new(Arc::clone(&self.output), arrays)?;
        out.push(Batch { data, tombstones: batch.tombstones, headers: batch.headers });
        Ok(())
    }

    fn take_row_errors(&mut self) -> Vec<RowError> {
        std::mem::take(&mut self.row_errors)
    }
}

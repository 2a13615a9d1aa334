//! Expressions that fail on some rows of a batch. A batch is evaluated whole;
//! when that fails (a cast that overflows, a function that throws), it is
//! evaluated again row by row so that only the failing rows are affected and
//! each goes to the processing log, as ksqlDB does per record.

use datafusion::arrow::array::{new_null_array, Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::concat;
use datafusion::arrow::datatypes::{Int32Type, Int64Type};
use sluice_planner::{CompiledExpr, ROWOFFSET, ROWPARTITION};

use crate::error::Result;

/// A row an operator could not process, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Where the row was read, when the batch still says so.
    pub partition: u32,
    pub offset: u64,
    pub message: String,
}

/// `expr` over `data`; a row it fails on gets null, and an entry in `errors`.
pub(crate) fn evaluate_or_null(
    expr: &CompiledExpr,
    data: &RecordBatch,
    errors: &mut Vec<RowError>,
) -> Result<ArrayRef> {
    let whole = match expr.evaluate(data) {
        Ok(array) => return Ok(array),
        Err(error) => error,
    };
    if data.num_rows() <= 1 {
        errors.extend((0..data.num_rows()).map(|row| row_error(data, row, whole.to_string())));
        return Ok(new_null_array(expr.data_type(), data.num_rows()));
    }
    let mut rows: Vec<ArrayRef> = Vec::with_capacity(data.num_rows());
    for row in 0..data.num_rows() {
        match expr.evaluate(&data.slice(row, 1)) {
            Ok(array) => rows.push(array),
            Err(error) => {
                errors.push(row_error(data, row, error.to_string()));
                rows.push(new_null_array(expr.data_type(), 1));
            }
        }
    }
    let parts: Vec<&dyn Array> = rows.iter().map(|a| a.as_ref()).collect();
    Ok(concat(&parts)?)
}

fn row_error(data: &RecordBatch, row: usize, message: String) -> RowError {
    let partition = data
        .column_by_name(ROWPARTITION)
        .and_then(|c| c.as_primitive_opt::<Int32Type>())
        .filter(|c| c.is_valid(row))
        .map_or(0, |c| u32::try_from(c.value(row)).unwrap_or(0));
    let offset = data
        .column_by_name(ROWOFFSET)
        .and_then(|c| c.as_primitive_opt::<Int64Type>())
        .filter(|c| c.is_valid(row))
        .map_or(0, |c| u64::try_from(c.value(row)).unwrap_or(0));
    RowError { partition, offset, message }
}

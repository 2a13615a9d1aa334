use datafusion::arrow::array::{new_null_array, Array, ArrayRef, BooleanArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use sluice_log::Header;

use crate::error::{Result, RuntimeError};

/// Rows flowing between operators: the columns (keys, values, pseudo
/// columns) and, for a table's changelog, which rows are deletions.
#[derive(Debug, Clone)]
pub struct Batch {
    pub data: RecordBatch,
    /// `true` where the row deletes its key (a tombstone); None when no row
    /// does, as on every stream.
    pub tombstones: Option<BooleanArray>,
    /// Each row's record headers, which outputs carry on as Kafka Streams
    /// does; None when no row has any.
    pub headers: Option<Vec<Vec<Header>>>,
}

impl Batch {
    pub fn new(data: RecordBatch) -> Self {
        Batch { data, tombstones: None, headers: None }
    }

    pub fn num_rows(&self) -> usize {
        self.data.num_rows()
    }

    /// The headers of `row`.
    pub fn headers(&self, row: usize) -> &[Header] {
        self.headers.as_ref().and_then(|h| h.get(row)).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The headers of the rows where `keep` is true, for a filtered batch.
    pub fn kept_headers(&self, keep: &BooleanArray) -> Option<Vec<Vec<Header>>> {
        self.headers.as_ref().map(|h| {
            h.iter()
                .enumerate()
                .filter(|(i, _)| keep.is_valid(*i) && keep.value(*i))
                .map(|(_, v)| v.clone())
                .collect()
        })
    }

    /// The headers of the rows at `indices` (repeated rows repeat them).
    pub fn taken_headers(&self, indices: &[u32]) -> Option<Vec<Vec<Header>>> {
        self.headers
            .as_ref()
            .map(|h| indices.iter().map(|&i| h.get(i as usize).cloned().unwrap_or_default()).collect())
    }

    pub fn is_tombstone(&self, row: usize) -> bool {
        self.tombstones.as_ref().is_some_and(|t| t.is_valid(row) && t.value(row))
    }
}

/// `condition` with nulls read as false: SQL keeps a row only where its
/// condition is true.
pub fn true_mask(condition: &BooleanArray) -> BooleanArray {
    if condition.null_count() == 0 {
        condition.clone()
    } else {
        datafusion::arrow::compute::prep_null_mask_filter(condition)
    }
}

/// An array of `values` with type `data_type` (untyped nulls become typed).
pub(crate) fn scalar_column(
    values: impl IntoIterator<Item = ScalarValue>,
    data_type: &DataType,
) -> Result<ArrayRef> {
    let values: Vec<ScalarValue> = values.into_iter().collect();
    if values.iter().all(|v| matches!(v, ScalarValue::Null)) {
        return Ok(new_null_array(data_type, values.len()));
    }
    let typed: Vec<ScalarValue> = values
        .into_iter()
        .map(|v| match v {
            ScalarValue::Null => ScalarValue::try_from(data_type),
            other => Ok(other),
        })
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| RuntimeError::Invalid(e.to_string()))?;
    let array = ScalarValue::iter_to_array(typed).map_err(|e| RuntimeError::Invalid(e.to_string()))?;
    if array.data_type() == data_type {
        Ok(array)
    } else {
        Ok(cast(&array, data_type)?)
    }
}

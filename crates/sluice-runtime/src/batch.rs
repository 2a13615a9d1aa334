use datafusion::arrow::array::{Array, BooleanArray, RecordBatch};

/// Rows flowing between operators: the columns (keys, values, pseudo
/// columns) and, for a table's changelog, which rows are deletions.
#[derive(Debug, Clone)]
pub struct Batch {
    pub data: RecordBatch,
    /// `true` where the row deletes its key (a tombstone); None when no row
    /// does, as on every stream.
    pub tombstones: Option<BooleanArray>,
}

impl Batch {
    pub fn new(data: RecordBatch) -> Self {
        Batch { data, tombstones: None }
    }

    pub fn num_rows(&self) -> usize {
        self.data.num_rows()
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

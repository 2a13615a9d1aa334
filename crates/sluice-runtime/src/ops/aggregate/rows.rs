//! The intermediate rows of an aggregation, as a batch: group key values,
//! aggregate results, window bounds and ROWTIME.

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::array::AsArray;
use datafusion::arrow::array::{Array, ArrayRef, BooleanArray, Int64Array, RecordBatch};
use datafusion::arrow::compute::{filter, filter_record_batch};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use sluice_functions::aggregate::{accumulator_with_config, read_row, Accumulator};
use sluice_planner::{AggregationPlan, ROWTIME};

use crate::batch::{scalar_column as column, true_mask, Batch};
use crate::error::{Result, RuntimeError};

/// A result row's identity: its group key values and window.
pub(super) type GroupId = (Vec<ScalarValue>, (i64, i64));

/// Rows an input batch produces, in emission order.
#[derive(Default)]
pub(super) struct Rows {
    keys: Vec<Vec<ScalarValue>>,
    values: Vec<Vec<ScalarValue>>,
    rowtimes: Vec<i64>,
    windows: Vec<(i64, i64)>,
    tombstones: Vec<bool>,
}

impl Rows {
    /// A group's current row.
    pub(super) fn push(
        &mut self,
        key: &[ScalarValue],
        accumulators: &[Box<dyn Accumulator>],
        rowtime: i64,
        window: Option<(i64, i64)>,
    ) {
        self.keys.push(key.to_vec());
        self.values.push(accumulators.iter().map(|a| a.value()).collect());
        self.rowtimes.push(rowtime);
        self.windows.push(window.unwrap_or((0, 0)));
        self.tombstones.push(false);
    }

    /// A deletion of a group's row (a session replaced by a merge).
    pub(super) fn push_tombstone(
        &mut self,
        key: &[ScalarValue],
        aggregates: usize,
        rowtime: i64,
        window: (i64, i64),
    ) {
        self.keys.push(key.to_vec());
        self.values.push(vec![ScalarValue::Null; aggregates]);
        self.rowtimes.push(rowtime);
        self.windows.push(window);
        self.tombstones.push(true);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.rowtimes.is_empty()
    }

    /// The rows as a batch of the plan's intermediate schema. HAVING turns
    /// rows that fail it into deletions: the result is a table.
    pub(super) fn into_batch(self, plan: &AggregationPlan, present: &mut HashSet<GroupId>) -> Result<Batch> {
        let schema = Arc::clone(&plan.intermediate_schema);
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
        let key_count = plan.group_by.len();
        for i in 0..key_count {
            columns.push(column(self.keys.iter().map(|k| k[i].clone()), schema.field(i).data_type())?);
        }
        for i in 0..plan.aggregates.len() {
            let field = schema.field(key_count + i);
            columns.push(column(self.values.iter().map(|v| v[i].clone()), field.data_type())?);
        }
        if plan.window.is_some() {
            columns.push(Arc::new(Int64Array::from_iter_values(self.windows.iter().map(|w| w.0))));
            columns.push(Arc::new(Int64Array::from_iter_values(self.windows.iter().map(|w| w.1))));
        }
        columns.push(Arc::new(Int64Array::from(self.rowtimes)));
        let data = RecordBatch::try_new(schema, columns)?;
        let Some(having) = &plan.having else {
            let tombstones = self.tombstones.iter().any(|t| *t).then(|| BooleanArray::from(self.tombstones));
            return Ok(Batch { data, tombstones, headers: None });
        };
        // HAVING filters the result table: a group that stops passing is
        // deleted, once; one that never passed is not mentioned at all.
        let passes = having.evaluate(&data)?;
        let passes = passes
            .as_any()
            .downcast_ref::<BooleanArray>()
            .map(true_mask)
            .unwrap_or_else(|| BooleanArray::from(vec![false; data.num_rows()]));
        let mut keep = Vec::with_capacity(data.num_rows());
        let mut deleted = Vec::with_capacity(data.num_rows());
        for (row, key) in self.keys.into_iter().enumerate() {
            let id = (key, self.windows[row]);
            if !self.tombstones[row] && passes.value(row) {
                present.insert(id);
                keep.push(true);
                deleted.push(false);
            } else {
                let was_present = present.remove(&id);
                keep.push(was_present);
                deleted.push(true);
            }
        }
        let keep = BooleanArray::from(keep);
        let data = filter_record_batch(&data, &keep)?;
        let deleted = filter(&BooleanArray::from(deleted), &keep)?;
        let tombstones = Some(deleted.as_boolean().clone());
        Ok(Batch { data, tombstones, headers: None })
    }
}

/// What an aggregation reads from an input batch: the group key columns,
/// each aggregate's argument columns, and ROWTIME.
pub(super) struct Inputs {
    pub keys: Vec<ArrayRef>,
    pub args: Vec<Vec<ArrayRef>>,
    pub rowtimes: Int64Array,
}

impl Inputs {
    pub(super) fn evaluate(plan: &AggregationPlan, data: &RecordBatch) -> Result<Inputs> {
        let keys = plan.group_by.iter().map(|g| Ok(g.evaluate(data)?)).collect::<Result<_>>()?;
        let args = plan
            .aggregates
            .iter()
            .map(|a| a.args.iter().map(|e| Ok(e.evaluate(data)?)).collect::<Result<Vec<_>>>())
            .collect::<Result<_>>()?;
        let rowtimes = data
            .column_by_name(ROWTIME)
            .and_then(|c| c.as_any().downcast_ref::<Int64Array>())
            .cloned()
            .ok_or_else(|| RuntimeError::Invalid("input batch has no ROWTIME column".into()))?;
        Ok(Inputs { keys, args, rowtimes })
    }
}

/// The values of `arrays` at `row`.
pub(super) fn scalars(arrays: &[ArrayRef], row: usize) -> Result<Vec<ScalarValue>> {
    let mut values = Vec::with_capacity(arrays.len());
    read_row(arrays, row, &mut values).map_err(RuntimeError::Invalid)?;
    Ok(values)
}

/// Fresh accumulators for one group.
pub(super) fn accumulators(plan: &AggregationPlan) -> Result<Vec<Box<dyn Accumulator>>> {
    plan.aggregates
        .iter()
        .map(|a| {
            let types: Vec<DataType> = a.args.iter().map(|e| e.data_type().clone()).collect();
            accumulator_with_config(a.function, &types, &a.constants, &plan.config)
                .map_err(RuntimeError::Invalid)
        })
        .collect()
}

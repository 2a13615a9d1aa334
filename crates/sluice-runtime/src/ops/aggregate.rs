//! GROUP BY without windows: one running aggregate per group key, and an
//! updated row per group for every input row (no caching: every update is
//! emitted, as ksqlDB does with caching off).
//!
//! Over a table, a key's new row first retracts the key's previous row from
//! its group (emitting that group's updated row), then adds the new one.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{new_null_array, Array, ArrayRef, BooleanArray, Int64Array, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::row::{RowConverter, SortField};
use datafusion::common::ScalarValue;
use sluice_functions::aggregate::Accumulator;
use sluice_planner::{AggregationPlan, ROWTIME};

use super::Operator;
use crate::batch::{true_mask, Batch};
use crate::error::{Result, RuntimeError};

struct Group {
    key: Vec<ScalarValue>,
    accumulators: Vec<Box<dyn Accumulator>>,
    rowtime: i64,
}

/// What a table's key last contributed, so it can be taken back.
struct Contribution {
    group: Vec<u8>,
    args: Vec<Vec<ScalarValue>>,
}

pub struct Aggregate {
    plan: AggregationPlan,
    groups: HashMap<Vec<u8>, Group>,
    contributions: HashMap<Vec<u8>, Contribution>,
    group_rows: RowConverter,
    source_key_rows: Option<RowConverter>,
}

impl Aggregate {
    pub fn new(plan: AggregationPlan, input: &SchemaRef, changelog: bool) -> Result<Self> {
        let group_fields = plan.group_by.iter().map(|g| SortField::new(g.data_type().clone())).collect();
        let source_key_rows = if changelog {
            let fields = plan
                .source_key_columns
                .iter()
                .map(|&i| SortField::new(input.field(i).data_type().clone()))
                .collect();
            Some(RowConverter::new(fields)?)
        } else {
            None
        };
        Ok(Aggregate {
            group_rows: RowConverter::new(group_fields)?,
            source_key_rows,
            plan,
            groups: HashMap::new(),
            contributions: HashMap::new(),
        })
    }

    fn new_group(&self, key: Vec<ScalarValue>) -> Result<Group> {
        let accumulators = self
            .plan
            .aggregates
            .iter()
            .map(|a| {
                let types: Vec<DataType> = a.args.iter().map(|e| e.data_type().clone()).collect();
                a.function.accumulator(&types, &a.constants).map_err(RuntimeError::Invalid)
            })
            .collect::<Result<_>>()?;
        Ok(Group { key, accumulators, rowtime: i64::MIN })
    }
}

/// The intermediate rows an input batch produces.
#[derive(Default)]
struct Rows {
    keys: Vec<Vec<ScalarValue>>,
    values: Vec<Vec<ScalarValue>>,
    rowtimes: Vec<i64>,
}

impl Rows {
    fn push(&mut self, group: &Group) {
        self.keys.push(group.key.clone());
        self.values.push(group.accumulators.iter().map(|a| a.value()).collect());
        self.rowtimes.push(group.rowtime);
    }
}

impl Operator for Aggregate {
    fn process(&mut self, batch: Batch, out: &mut Vec<Batch>) -> Result<()> {
        let data = &batch.data;
        let keys: Vec<ArrayRef> =
            self.plan.group_by.iter().map(|g| Ok(g.evaluate(data)?)).collect::<Result<_>>()?;
        let args: Vec<Vec<ArrayRef>> = self
            .plan
            .aggregates
            .iter()
            .map(|a| a.args.iter().map(|e| Ok(e.evaluate(data)?)).collect::<Result<Vec<_>>>())
            .collect::<Result<_>>()?;
        let group_rows = self.group_rows.convert_columns(&keys)?;
        let source_keys = match &self.source_key_rows {
            Some(converter) => {
                let columns: Vec<ArrayRef> =
                    self.plan.source_key_columns.iter().map(|&i| Arc::clone(data.column(i))).collect();
                Some(converter.convert_columns(&columns)?)
            }
            None => None,
        };
        let rowtimes = data
            .column_by_name(ROWTIME)
            .and_then(|c| c.as_any().downcast_ref::<Int64Array>())
            .ok_or_else(|| RuntimeError::Invalid("input batch has no ROWTIME column".into()))?;

        let mut rows = Rows::default();
        for row in 0..data.num_rows() {
            let rowtime = rowtimes.value(row);
            if let Some(source_keys) = &source_keys {
                let source_key = source_keys.row(row).as_ref().to_vec();
                if let Some(previous) = self.contributions.remove(&source_key) {
                    if let Some(group) = self.groups.get_mut(&previous.group) {
                        for (acc, values) in group.accumulators.iter_mut().zip(&previous.args) {
                            acc.retract(values).map_err(RuntimeError::Invalid)?;
                        }
                        group.rowtime = group.rowtime.max(rowtime);
                        rows.push(group);
                    }
                }
                if batch.is_tombstone(row) {
                    continue;
                }
            }
            // A row whose group key is null belongs to no group.
            if keys.iter().any(|k| k.is_null(row)) {
                continue;
            }
            let row_args: Vec<Vec<ScalarValue>> = args
                .iter()
                .map(|arrays| arrays.iter().map(|a| ScalarValue::try_from_array(a, row)).collect())
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| RuntimeError::Invalid(e.to_string()))?;
            let group_key = group_rows.row(row).as_ref().to_vec();
            if !self.groups.contains_key(&group_key) {
                let key_values = keys
                    .iter()
                    .map(|k| ScalarValue::try_from_array(k, row))
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|e| RuntimeError::Invalid(e.to_string()))?;
                let group = self.new_group(key_values)?;
                self.groups.insert(group_key.clone(), group);
            }
            let Some(group) = self.groups.get_mut(&group_key) else { continue };
            for (acc, values) in group.accumulators.iter_mut().zip(&row_args) {
                acc.add(values).map_err(RuntimeError::Invalid)?;
            }
            group.rowtime = group.rowtime.max(rowtime);
            rows.push(group);
            if let Some(source_keys) = &source_keys {
                let source_key = source_keys.row(row).as_ref().to_vec();
                self.contributions.insert(source_key, Contribution { group: group_key, args: row_args });
            }
        }
        if rows.rowtimes.is_empty() {
            return Ok(());
        }
        let intermediate = self.intermediate_batch(rows)?;
        let tombstones = match &self.plan.having {
            Some(having) => {
                let passes = having.evaluate(&intermediate)?;
                let passes = passes
                    .as_any()
                    .downcast_ref::<BooleanArray>()
                    .map(true_mask)
                    .unwrap_or_else(|| BooleanArray::from(vec![false; intermediate.num_rows()]));
                Some(datafusion::arrow::compute::not(&passes)?)
            }
            None => None,
        };
        // The result is a table: rows HAVING rejects delete their key.
        out.push(Batch { data: intermediate, tombstones });
        Ok(())
    }
}

impl Aggregate {
    fn intermediate_batch(&self, rows: Rows) -> Result<RecordBatch> {
        let schema = Arc::clone(&self.plan.intermediate_schema);
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
        let key_count = self.plan.group_by.len();
        for i in 0..key_count {
            columns.push(column(rows.keys.iter().map(|k| k[i].clone()), schema.field(i).data_type())?);
        }
        for i in 0..self.plan.aggregates.len() {
            let field = schema.field(key_count + i);
            columns.push(column(rows.values.iter().map(|v| v[i].clone()), field.data_type())?);
        }
        columns.push(Arc::new(Int64Array::from(rows.rowtimes)));
        Ok(RecordBatch::try_new(schema, columns)?)
    }
}

/// An array of `values` with type `data_type` (untyped nulls become typed).
fn column(values: impl Iterator<Item = ScalarValue>, data_type: &DataType) -> Result<ArrayRef> {
    let values: Vec<ScalarValue> = values.collect();
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

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, UInt32Array};
use datafusion::arrow::compute::take;
use sluice_planner::ExplodePlan;

use super::Operator;
use crate::batch::Batch;
use crate::error::{Result, RuntimeError};

/// EXPLODE: one row per array element, the input's columns repeated. With
/// several arrays the longest decides the row count and the others are
/// padded with nulls; a null or empty array gives no rows.
pub struct Explode {
    plan: ExplodePlan,
}

impl Explode {
    pub fn new(plan: ExplodePlan) -> Self {
        Explode { plan }
    }
}

impl Operator for Explode {
    fn process(&mut self, batch: Batch, out: &mut Vec<Batch>) -> Result<()> {
        let data = &batch.data;
        let arrays: Vec<ArrayRef> =
            self.plan.arrays.iter().map(|a| Ok(a.evaluate(data)?)).collect::<Result<_>>()?;
        let lists = arrays
            .iter()
            .map(|a| {
                a.as_list_opt::<i32>()
                    .ok_or_else(|| RuntimeError::Invalid("EXPLODE of a value that is not an ARRAY".into()))
            })
            .collect::<Result<Vec<_>>>()?;
        let length = |list: &datafusion::arrow::array::ListArray, row: usize| {
            if list.is_null(row) {
                0
            } else {
                list.value_length(row) as usize
            }
        };
        let mut parents: Vec<u32> = Vec::new();
        let mut elements: Vec<Vec<Option<u32>>> = vec![Vec::new(); lists.len()];
        for row in 0..data.num_rows() {
            if batch.is_tombstone(row) {
                continue;
            }
            let rows = lists.iter().map(|l| length(l, row)).max().unwrap_or(0);
            for j in 0..rows {
                parents.push(row as u32);
                for (k, list) in lists.iter().enumerate() {
                    let start = list.value_offsets()[row] as usize;
                    elements[k].push((j < length(list, row)).then_some((start + j) as u32));
                }
            }
        }
        if parents.is_empty() {
            return Ok(());
        }
        let headers = batch.taken_headers(&parents);
        let parents = UInt32Array::from(parents);
        let mut columns: Vec<ArrayRef> = data
            .columns()
            .iter()
            .map(|c| take(c.as_ref(), &parents, None))
            .collect::<std::result::Result<_, _>>()?;
        for (list, indices) in lists.iter().zip(elements) {
            let indices = UInt32Array::from(indices);
            columns.push(take(list.values().as_ref(), &indices, None)?);
        }
        let data = RecordBatch::try_new(Arc::clone(&self.plan.output_schema), columns)?;
        out.push(Batch { data, tombstones: None, headers });
        Ok(())
    }
}

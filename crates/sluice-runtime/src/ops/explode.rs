use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, ListArray, RecordBatch, UInt32Array};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::{DataType, Field};
use sluice_planner::ExplodePlan;

use super::Operator;
use crate::batch::Batch;
use crate::error::{Result, RuntimeError};

/// EXPLODE: one row per array element, the input's columns repeated. With
/// several arrays the longest decides the row count and the others are
/// padded with nulls; a null or empty array gives no rows. CUBE_EXPLODE's
/// array is first turned into the array of its combinations.
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
        let arrays: Vec<ArrayRef> = self
            .plan
            .arrays
            .iter()
            .zip(&self.plan.cube)
            .map(|(a, cube)| {
                let array = a.evaluate(data)?;
                match cube {
                    true => combinations(&array),
                    false => Ok(array),
                }
            })
            .collect::<Result<_>>()?;
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

/// Arrays longer than this are not cubed: 2^n rows would not fit anywhere.
const MAX_CUBE_ELEMENTS: usize = 20;

/// Each row's array turned into the array of its distinct combinations, in
/// ksqlDB's order: counting up a bit mask whose highest bit is the first
/// element, an element absent (null) where its bit is 0.
fn combinations(array: &ArrayRef) -> Result<ArrayRef> {
    let list = array
        .as_list_opt::<i32>()
        .ok_or_else(|| RuntimeError::Invalid("CUBE_EXPLODE of a value that is not an ARRAY".into()))?;
    let DataType::List(item) = list.data_type() else {
        return Err(RuntimeError::Invalid("CUBE_EXPLODE of a value that is not an ARRAY".into()));
    };
    // Every combination is a list of indices into the argument's values (None: null).
    let mut inner_indices: Vec<Option<u32>> = Vec::new();
    let mut inner_lengths: Vec<usize> = Vec::new();
    let mut outer_lengths: Vec<usize> = Vec::with_capacity(list.len());
    let mut outer_valid: Vec<bool> = Vec::with_capacity(list.len());
    for row in 0..list.len() {
        let n = if list.is_null(row) { 0 } else { list.value_length(row) as usize };
        if list.is_null(row) || n > MAX_CUBE_ELEMENTS {
            outer_lengths.push(0);
            outer_valid.push(false);
            continue;
        }
        let start = list.value_offsets()[row] as usize;
        let present = |i: usize| list.values().is_valid(start + i);
        let mut seen: Vec<Vec<Option<u32>>> = Vec::new();
        for mask in 0..(1usize << n) {
            let combination: Vec<Option<u32>> = (0..n)
                .map(|i| (mask >> (n - 1 - i) & 1 == 1 && present(i)).then_some((start + i) as u32))
                .collect();
            if !seen.contains(&combination) {
                seen.push(combination);
            }
        }
        outer_lengths.push(seen.len());
        outer_valid.push(true);
        for combination in seen {
            inner_lengths.push(combination.len());
            inner_indices.extend(combination);
        }
    }
    let values = take(list.values().as_ref(), &UInt32Array::from(inner_indices), None)?;
    let inner =
        ListArray::try_new(Arc::clone(item), OffsetBuffer::from_lengths(inner_lengths), values, None)?;
    let outer_field = Arc::new(Field::new("item", list.data_type().clone(), true));
    let outer = ListArray::try_new(
        outer_field,
        OffsetBuffer::from_lengths(outer_lengths),
        Arc::new(inner),
        Some(NullBuffer::from(outer_valid)),
    )?;
    Ok(Arc::new(outer))
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Int32Array, ListArray};
    use datafusion::arrow::datatypes::Int32Type;

    use super::*;

    #[test]
    fn combinations_count_up_and_skip_duplicates() {
        let input: ArrayRef = Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
            Some(vec![Some(1), Some(2)]),
            Some(vec![Some(1), None]),
            None,
        ]));
        let out = combinations(&input).unwrap();
        let out = out.as_list::<i32>();
        let row = |r: usize| -> Vec<Vec<Option<i32>>> {
            let combos = out.value(r);
            let combos = combos.as_list::<i32>();
            (0..combos.len())
                .map(|i| {
                    let c = combos.value(i);
                    c.as_any().downcast_ref::<Int32Array>().unwrap().iter().collect()
                })
                .collect()
        };
        assert_eq!(
            row(0),
            vec![vec![None, None], vec![None, Some(2)], vec![Some(1), None], vec![Some(1), Some(2)]]
        );
        assert_eq!(row(1), vec![vec![None, None], vec![Some(1), None]]);
        assert!(out.is_null(2));
    }
}

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Int32Array, Int64Array, ListArray, StringArray};
use datafusion::arrow::datatypes::Int32Type;

use super::*;
use crate::scalar::testing::call;

fn int_lists(rows: Vec<Option<Vec<Option<i32>>>>) -> ArrayRef {
    Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(rows))
}

fn as_int_lists(a: &ArrayRef) -> Vec<Option<Vec<Option<i32>>>> {
    let a = a.as_any().downcast_ref::<ListArray>().expect("list");
    (0..a.len())
        .map(|i| {
            a.is_valid(i).then(|| {
                let v = a.value(i);
                v.as_any().downcast_ref::<Int32Array>().map(|x| x.iter().collect()).unwrap_or_default()
            })
        })
        .collect()
}

fn s(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

#[test]
fn length_join_and_sort() {
    let lists = int_lists(vec![Some(vec![Some(3), None, Some(1), Some(2)]), Some(vec![]), None]);
    let len = call("array_length", vec![lists.clone()]);
    assert_eq!(
        len.as_any().downcast_ref::<Int32Array>().map(|a| a.iter().collect::<Vec<_>>()),
        Some(vec![Some(4), Some(0), None])
    );
    let joined = call("array_join", vec![lists.clone(), s(&[Some("|"), None, Some(",")])]);
    let joined = joined
        .as_any()
        .downcast_ref::<StringArray>()
        .map(|a| a.iter().map(|v| v.map(str::to_string)).collect::<Vec<_>>());
    assert_eq!(joined, Some(vec![Some("3|null|1|2".into()), Some("".into()), None]));
    let asc = call("array_sort", vec![lists.clone()]);
    assert_eq!(as_int_lists(&asc), vec![Some(vec![Some(1), Some(2), Some(3), None]), Some(vec![]), None]);
    let desc = call("array_sort", vec![lists.clone(), s(&[Some("desc"), Some("DESC"), Some("DESC")])]);
    assert_eq!(as_int_lists(&desc)[0], Some(vec![Some(3), Some(2), Some(1), None]));
    let bad = call("array_sort", vec![lists, s(&[Some("sideways"); 3])]);
    assert_eq!(as_int_lists(&bad)[0], None);
}

#[test]
fn remove_and_slice() {
    let lists = int_lists(vec![Some(vec![Some(1), Some(2), Some(1), None]), Some(vec![Some(1)])]);
    let removed = call("array_remove", vec![lists.clone(), Arc::new(Int32Array::from(vec![Some(1), None]))]);
    assert_eq!(as_int_lists(&removed), vec![Some(vec![Some(2), None]), Some(vec![Some(1)])]);
    let sliced = call(
        "slice",
        vec![lists, Arc::new(Int32Array::from(vec![2, 0])), Arc::new(Int32Array::from(vec![3, 1]))],
    );
    assert_eq!(as_int_lists(&sliced), vec![Some(vec![Some(2), Some(1)]), None]);
}

#[test]
fn generate_series_steps() {
    assert_eq!(series(1, 3, None), Some(vec![1, 2, 3]));
    assert_eq!(series(3, 1, None), Some(vec![3, 2, 1]));
    assert_eq!(series(0, 10, Some(4)), Some(vec![0, 4, 8]));
    assert_eq!(series(0, 10, Some(-1)), None);
    assert_eq!(series(0, 10, Some(0)), None);
    let out = call(
        "generate_series",
        vec![Arc::new(Int64Array::from(vec![1])), Arc::new(Int64Array::from(vec![2]))],
    );
    assert_eq!(
        out.data_type(),
        &crate::scalar::regex::list_of(datafusion::arrow::datatypes::DataType::Int64)
    );
}

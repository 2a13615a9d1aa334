//! Registry-level tests: lookup, metadata and the contract between
//! `return_type` and the values accumulators produce.

use super::*;
use datafusion::arrow::datatypes::{Field, Fields, TimeUnit};
use types::list_of;

#[test]
fn lookup_is_case_insensitive() {
    assert_eq!(aggregate_function("count").map(|f| f.name()), Some("COUNT"));
    assert_eq!(aggregate_function("Latest_By_Offset").map(|f| f.name()), Some("LATEST_BY_OFFSET"));
    assert!(aggregate_function("ABS").is_none());
    let names: Vec<&str> = aggregate_functions().map(|f| f.name()).collect();
    for name in [
        "AVG",
        "COLLECT_LIST",
        "COLLECT_SET",
        "CORRELATION",
        "COUNT",
        "COUNT_DISTINCT",
        "EARLIEST_BY_OFFSET",
        "HISTOGRAM",
        "LATEST_BY_OFFSET",
        "MAX",
        "MIN",
        "STDDEV_SAMP",
        "STDDEV_SAMPLE",
        "SUM",
        "TOPK",
        "TOPKDISTINCT",
    ] {
        assert!(names.contains(&name), "{name} is registered");
    }
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    assert!(aggregate_functions().all(|f| !f.description().is_empty()));
}

#[test]
fn column_args() {
    let cols = |name: &str, total| aggregate_function(name).map(|f| f.column_args(total));
    assert_eq!(cols("COUNT", 0), Some(0));
    assert_eq!(cols("COUNT", 1), Some(1));
    assert_eq!(cols("SUM", 1), Some(1));
    assert_eq!(cols("TOPK", 2), Some(1));
    assert_eq!(cols("TOPK", 4), Some(3));
    assert_eq!(cols("TOPKDISTINCT", 2), Some(1));
    assert_eq!(cols("EARLIEST_BY_OFFSET", 3), Some(1));
    assert_eq!(cols("CORRELATION", 2), Some(2));
}

#[test]
fn table_sources() {
    assert!(supports_table_source("count"));
    assert!(supports_table_source("COLLECT_LIST"));
    assert!(!supports_table_source("COLLECT_SET"));
    assert!(!supports_table_source("MIN"));
    assert_eq!(table_source_error(["SUM", "COUNT", "AVG"]), None);
    assert_eq!(
        table_source_error(["latest_by_offset", "MIN", "MAX", "MIN", "SUM"]).as_deref(),
        Some("The aggregation functions LATEST_BY_OFFSET, MIN and MAX cannot be applied to a table source, only to a stream source.")
    );
    assert_eq!(
        table_source_error(["collect_set"]).as_deref(),
        Some("The aggregation function collect_set cannot be applied to a table source, only to a stream source.")
    );
}

#[test]
fn intermediate_state() {
    assert!(has_primitive_intermediate("COUNT"));
    assert!(has_primitive_intermediate("max"));
    assert!(!has_primitive_intermediate("TOPK"));
    assert!(!has_primitive_intermediate("CORRELATION"));
}

#[test]
fn config() -> Result<(), String> {
    let config = AggregateConfig::from_properties([
        ("ksql.functions.collect_set.limit", "1"),
        ("ksql.functions.collect_list.limit", "-1"),
        ("auto.offset.reset", "earliest"),
    ])?;
    assert_eq!(config, AggregateConfig { collect_list_limit: None, collect_set_limit: Some(1) });
    assert!(AggregateConfig::from_properties([("ksql.functions.collect_list.limit", "x")]).is_err());

    let set = aggregate_function("COLLECT_SET").ok_or("registered")?;
    let mut acc = accumulator_with_config(set, &[DataType::Int32], &[], &config)?;
    acc.add(&[ScalarValue::Int32(Some(0))])?;
    acc.add(&[ScalarValue::Int32(Some(100))])?;
    assert_eq!(values::list_elements(&acc.value()), vec![ScalarValue::Int32(Some(0))]);
    Ok(())
}

/// Every accumulator's value has exactly the type `return_type` promised,
/// before and after rows, so the runtime can build columns from them.
#[test]
fn values_have_the_declared_type() -> Result<(), String> {
    let st = DataType::Struct(Fields::from(vec![Field::new("A", DataType::Utf8, true)]));
    let ts = DataType::Timestamp(TimeUnit::Millisecond, None);
    let k = ScalarValue::Int32(Some(2));
    let cases: Vec<(&str, Vec<DataType>, Vec<ScalarValue>)> = vec![
        ("ATTR", vec![st.clone()], vec![]),
        ("AVG", vec![DataType::Int64], vec![]),
        ("COLLECT_LIST", vec![st.clone()], vec![]),
        ("COLLECT_SET", vec![list_of(&DataType::Int32)], vec![]),
        ("CORRELATION", vec![DataType::Int64, DataType::Int64], vec![]),
        ("COUNT", vec![], vec![]),
        ("COUNT_DISTINCT", vec![ts.clone()], vec![]),
        ("EARLIEST_BY_OFFSET", vec![st.clone()], vec![]),
        ("EARLIEST_BY_OFFSET", vec![st.clone()], vec![k.clone(), ScalarValue::Boolean(Some(false))]),
        ("HISTOGRAM", vec![DataType::Utf8], vec![]),
        ("LATEST_BY_OFFSET", vec![ts.clone()], vec![k.clone()]),
        ("MAX", vec![DataType::Decimal128(4, 2)], vec![]),
        ("MIN", vec![ts.clone()], vec![]),
        ("STDDEV_SAMP", vec![DataType::Float64], vec![]),
        ("STDDEV_SAMPLE", vec![DataType::Int32], vec![]),
        ("SUM", vec![DataType::Decimal128(4, 2)], vec![]),
        ("SUM_LIST", vec![list_of(&DataType::Float64)], vec![]),
        ("TOPK", vec![DataType::Utf8, st.clone(), ts.clone()], vec![k.clone()]),
        ("TOPKDISTINCT", vec![ts.clone()], vec![k.clone()]),
    ];
    for (name, args, constants) in cases {
        let f = aggregate_function(name).ok_or(name)?;
        let want = f.return_type(&args, &constants)?;
        let mut acc = f.accumulator(&args, &constants)?;
        assert_eq!(acc.value().data_type(), want, "{name} before any row");
        let row: Vec<ScalarValue> = args.iter().map(values::typed_null).collect();
        acc.add(&row)?;
        assert_eq!(acc.value().data_type(), want, "{name} after a null row");
    }
    Ok(())
}

/// `add_at` (what aggregations call per row, with direct reads for plain
/// numbers) leaves every accumulator where `add` of the same values does:
/// nulls, wrapping overflow, equal values and the types the direct reads
/// leave to the general path included.
#[test]
fn adding_from_arrays_equals_adding_values() -> Result<(), String> {
    use datafusion::arrow::array::{ArrayRef, Float64Array, Int32Array, Int64Array, StringArray};
    use std::sync::Arc;
    let bigints: ArrayRef =
        Arc::new(Int64Array::from(vec![Some(3), None, Some(i64::MAX), Some(3), Some(-7)]));
    let ints: ArrayRef = Arc::new(Int32Array::from(vec![Some(-2), Some(i32::MAX), None, Some(5), Some(5)]));
    let doubles: ArrayRef =
        Arc::new(Float64Array::from(vec![Some(0.5), Some(f64::NAN), None, Some(-0.0), Some(0.0)]));
    let strings: ArrayRef =
        Arc::new(StringArray::from(vec![Some("b"), None, Some("a"), Some("c"), Some("b")]));
    let columns = [&bigints, &ints, &doubles, &strings];
    for name in ["COUNT", "SUM", "MIN", "MAX", "AVG"] {
        let f = aggregate_function(name).ok_or(name)?;
        for column in columns {
            let types = [column.data_type().clone()];
            let Ok(mut by_value) = f.accumulator(&types, &[]) else { continue };
            let mut by_row = f.accumulator(&types, &[])?;
            let args = [Arc::clone(column)];
            let mut scratch = Vec::new();
            for row in 0..column.len() {
                by_value.add(&[ScalarValue::try_from_array(column, row).map_err(|e| e.to_string())?])?;
                by_row.add_at(&args, row, &mut scratch)?;
                assert_eq!(
                    format!("{:?}", by_row.value()),
                    format!("{:?}", by_value.value()),
                    "{name}({}) after row {row}",
                    column.data_type()
                );
            }
        }
    }
    // COUNT(*): no argument column.
    let f = aggregate_function("COUNT").ok_or("COUNT")?;
    let mut star = f.accumulator(&[], &[])?;
    star.add_at(&[], 0, &mut Vec::new())?;
    star.add_at(&[], 1, &mut Vec::new())?;
    assert_eq!(star.value(), ScalarValue::Int64(Some(2)));
    Ok(())
}

//! COLLECT_LIST and COLLECT_SET (`CollectListUdaf`, `CollectSetUdaf`): any
//! argument type, nulls included, result ARRAY of the argument type.
//!
//! Both stop growing at `ksql.functions.collect_list.limit` /
//! `ksql.functions.collect_set.limit` entries; ksqlDB's UDAFs have no limit
//! unless the property is set (Confluent Cloud pins it to 1000), so neither
//! has one here by default. COLLECT_LIST can undo a row over a table: it
//! drops the last equal entry. COLLECT_SET is stream-only.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;

use super::types::{cannot_retract, list_of, one_arg};
use super::values::{java_eq, make_list};
use super::{Accumulator, AggregateFunction};
use crate::docs::Category;

pub(crate) const LIST_LIMIT_CONFIG: &str = "ksql.functions.collect_list.limit";
pub(crate) const SET_LIMIT_CONFIG: &str = "ksql.functions.collect_set.limit";

pub struct CollectList;
pub struct CollectSet;

impl AggregateFunction for CollectList {
    fn name(&self) -> &'static str {
        "COLLECT_LIST"
    }

    fn description(&self) -> &'static str {
        "Gather all of the values from an input grouping into a single Array field. Although this aggregate works on both Stream and Table inputs, the order of entries in the result array is not guaranteed when working on Table input data. You may limit the size of the resultant Array to N entries, beyond which any further values will be silently ignored, by setting the ksql.functions.collect_list.limit configuration to N."
    }

    fn signatures(&self) -> &'static [&'static str] {
        &["COLLECT_LIST(col T) -> ARRAY<T>"]
    }

    fn category(&self) -> Category {
        Category::Collecting
    }

    fn return_type(&self, args: &[DataType], constants: &[ScalarValue]) -> Result<DataType, String> {
        one_arg("collect_list", args, constants).map(list_of)
    }

    fn accumulator(
        &self,
        args: &[DataType],
        constants: &[ScalarValue],
    ) -> Result<Box<dyn Accumulator>, String> {
        list_accumulator(args, constants, None)
    }
}

impl AggregateFunction for CollectSet {
    fn name(&self) -> &'static str {
        "COLLECT_SET"
    }

    fn description(&self) -> &'static str {
        "Gather all of the distinct values from an input grouping into a single Array. Not available for aggregating values from an input Table. You may limit the size of the resultant Array to N entries, beyond which any further values will be silently ignored, by setting the ksql.functions.collect_set.limit configuration to N."
    }

    fn signatures(&self) -> &'static [&'static str] {
        &["COLLECT_SET(col T) -> ARRAY<T>"]
    }

    fn category(&self) -> Category {
        Category::Collecting
    }

    fn return_type(&self, args: &[DataType], constants: &[ScalarValue]) -> Result<DataType, String> {
        one_arg("collect_set", args, constants).map(list_of)
    }

    fn accumulator(
        &self,
        args: &[DataType],
        constants: &[ScalarValue],
    ) -> Result<Box<dyn Accumulator>, String> {
        set_accumulator(args, constants, None)
    }
}

/// COLLECT_LIST with an optional entry limit.
pub(crate) fn list_accumulator(
    args: &[DataType],
    constants: &[ScalarValue],
    limit: Option<usize>,
) -> Result<Box<dyn Accumulator>, String> {
    let element = one_arg("collect_list", args, constants)?.clone();
    Ok(Box::new(Collect { element, limit: limit.unwrap_or(usize::MAX), items: Vec::new(), distinct: false }))
}

/// COLLECT_SET with an optional entry limit.
pub(crate) fn set_accumulator(
    args: &[DataType],
    constants: &[ScalarValue],
    limit: Option<usize>,
) -> Result<Box<dyn Accumulator>, String> {
    let element = one_arg("collect_set", args, constants)?.clone();
    Ok(Box::new(Collect { element, limit: limit.unwrap_or(usize::MAX), items: Vec::new(), distinct: true }))
}

struct Collect {
    element: DataType,
    limit: usize,
    items: Vec<ScalarValue>,
    /// COLLECT_SET: skip values already collected (Java `equals`, so maps
    /// match whatever their entry order).
    distinct: bool,
}

impl Accumulator for Collect {
    fn add(&mut self, args: &[ScalarValue]) -> Result<(), String> {
        let value = args.first().cloned().unwrap_or(ScalarValue::Null);
        if self.items.len() >= self.limit {
            return Ok(());
        }
        if self.distinct && self.items.iter().any(|v| java_eq(v, &value)) {
            return Ok(());
        }
        self.items.push(value);
        Ok(())
    }

    fn retract(&mut self, args: &[ScalarValue]) -> Result<(), String> {
        if self.distinct {
            return cannot_retract("collect_set");
        }
        // ksqlDB removes the last equal entry (`lastIndexOf`); none is found
        // when the row was dropped at the limit, and then nothing changes.
        let value = args.first().cloned().unwrap_or(ScalarValue::Null);
        if let Some(at) = self.items.iter().rposition(|v| java_eq(v, &value)) {
            self.items.remove(at);
        }
        Ok(())
    }

    fn value(&self) -> ScalarValue {
        make_list(&self.element, &self.items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::values::{list_elements, make_string_map};

    fn s(v: Option<&str>) -> ScalarValue {
        ScalarValue::Utf8(v.map(str::to_string))
    }

    #[test]
    fn list_keeps_nulls_and_order() -> Result<(), String> {
        let mut acc = CollectList.accumulator(&[DataType::Utf8], &[])?;
        for v in [Some("baz"), Some("baz"), Some("foo"), None] {
            acc.add(&[s(v)])?;
        }
        assert_eq!(
            list_elements(&acc.value()),
            vec![s(Some("baz")), s(Some("baz")), s(Some("foo")), s(None)]
        );
        assert_eq!(acc.value().data_type(), list_of(&DataType::Utf8));
        acc.retract(&[s(Some("baz"))])?;
        acc.retract(&[s(None)])?;
        acc.retract(&[s(Some("absent"))])?;
        assert_eq!(list_elements(&acc.value()), vec![s(Some("baz")), s(Some("foo"))]);
        Ok(())
    }

    #[test]
    fn empty_list_is_an_empty_array() -> Result<(), String> {
        let acc = CollectList.accumulator(&[DataType::Int32], &[])?;
        assert!(!acc.value().is_null());
        assert!(list_elements(&acc.value()).is_empty());
        Ok(())
    }

    #[test]
    fn set_is_distinct_and_stream_only() -> Result<(), String> {
        let mut acc = CollectSet.accumulator(&[DataType::Utf8], &[])?;
        for v in [Some("baz"), Some("foo"), Some("baz"), None, None] {
            acc.add(&[s(v)])?;
        }
        assert_eq!(list_elements(&acc.value()), vec![s(Some("baz")), s(Some("foo")), s(None)]);
        assert!(acc.retract(&[s(Some("baz"))]).is_err());
        Ok(())
    }

    #[test]
    fn set_compares_maps_by_content() -> Result<(), String> {
        let m = |entries: &[(&str, i64)]| {
            let e: Vec<(String, ScalarValue)> =
                entries.iter().map(|(k, v)| (k.to_string(), ScalarValue::Int64(Some(*v)))).collect();
            make_string_map(&DataType::Int64, &e)
        };
        let a = m(&[("Record0", 100), ("Record2", 2)]);
        let mut acc = CollectSet.accumulator(&[a.data_type()], &[])?;
        acc.add(&[a])?;
        acc.add(&[m(&[("Record2", 2), ("Record0", 100)])])?;
        assert_eq!(list_elements(&acc.value()).len(), 1);
        Ok(())
    }

    #[test]
    fn limits() -> Result<(), String> {
        let mut acc = set_accumulator(&[DataType::Int32], &[], Some(1))?;
        acc.add(&[ScalarValue::Int32(Some(0))])?;
        acc.add(&[ScalarValue::Int32(Some(100))])?;
        assert_eq!(list_elements(&acc.value()), vec![ScalarValue::Int32(Some(0))]);
        let mut acc = list_accumulator(&[DataType::Int32], &[], Some(0))?;
        acc.add(&[ScalarValue::Int32(Some(0))])?;
        assert!(list_elements(&acc.value()).is_empty());
        Ok(())
    }
}

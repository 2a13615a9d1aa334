//! ATTR (`Attr`, registered in ksqlDB though not in its docs): the one
//! value a group is expected to have. It counts each distinct value (null
//! included) and returns the value when exactly one has a positive count,
//! else null. Works over tables: a retracted value counts down.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;

use super::types::one_arg;
use super::values::{java_eq, typed_null};
use super::{Accumulator, AggregateFunction};
use crate::docs::Category;

pub struct Attr;

impl AggregateFunction for Attr {
    fn name(&self) -> &'static str {
        "ATTR"
    }

    fn description(&self) -> &'static str {
        "The ATTR() aggregation indicates there are multiple values, but only one was expected. If the aggregation encounters more than a single value for the expected singular column, the entire aggregation will return null."
    }

    fn signatures(&self) -> &'static [&'static str] {
        &["ATTR(col T) -> T"]
    }

    fn category(&self) -> Category {
        Category::Selection
    }

    fn return_type(&self, args: &[DataType], constants: &[ScalarValue]) -> Result<DataType, String> {
        one_arg("ATTR", args, constants).cloned()
    }

    fn accumulator(
        &self,
        args: &[DataType],
        constants: &[ScalarValue],
    ) -> Result<Box<dyn Accumulator>, String> {
        let data_type = one_arg("ATTR", args, constants)?.clone();
        Ok(Box::new(AttrAcc { data_type, entries: Vec::new() }))
    }
}

struct AttrAcc {
    data_type: DataType,
    /// Each distinct value with its count; like ksqlDB, entries stay at 0.
    entries: Vec<(ScalarValue, i32)>,
}

impl AttrAcc {
    fn update(&mut self, args: &[ScalarValue], delta: i32) {
        let value = args.first().cloned().unwrap_or(ScalarValue::Null);
        match self.entries.iter_mut().find(|(v, _)| java_eq(v, &value)) {
            Some((_, count)) => *count = count.wrapping_add(delta).max(0),
            None if delta > 0 => self.entries.push((value, delta)),
            None => {}
        }
    }
}

impl Accumulator for AttrAcc {
    fn add(&mut self, args: &[ScalarValue]) -> Result<(), String> {
        self.update(args, 1);
        Ok(())
    }

    fn retract(&mut self, args: &[ScalarValue]) -> Result<(), String> {
        self.update(args, -1);
        Ok(())
    }

    fn value(&self) -> ScalarValue {
        let mut live = self.entries.iter().filter(|(_, c)| *c > 0);
        match (live.next(), live.next()) {
            (Some((v, _)), None) if !matches!(v, ScalarValue::Null) => v.clone(),
            _ => typed_null(&self.data_type),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_value_or_null() -> Result<(), String> {
        let s = |v: &str| ScalarValue::Utf8(Some(v.into()));
        let mut acc = Attr.accumulator(&[DataType::Utf8], &[])?;
        assert_eq!(acc.value(), ScalarValue::Utf8(None));
        acc.add(&[s("a")])?;
        acc.add(&[s("a")])?;
        assert_eq!(acc.value(), s("a"));
        acc.add(&[s("b")])?;
        assert_eq!(acc.value(), ScalarValue::Utf8(None));
        acc.retract(&[s("b")])?;
        assert_eq!(acc.value(), s("a"));
        acc.retract(&[s("b")])?;
        acc.retract(&[s("zzz")])?;
        assert_eq!(acc.value(), s("a"));
        Ok(())
    }
}

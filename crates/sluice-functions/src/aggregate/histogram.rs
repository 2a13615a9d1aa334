//! HISTOGRAM (`HistogramUdaf`): how often each distinct STRING occurs, as a
//! MAP<STRING, BIGINT>. At most 1000 distinct strings are counted; later
//! new strings are ignored while known ones keep counting. Over a table a
//! retracted string counts down and leaves the map at 0.

use std::collections::HashMap;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;

use super::types::{kind, no_match, one_arg, string_map_of, Kind};
use super::values::{as_str, make_string_map};
use super::{Accumulator, AggregateFunction};
use crate::docs::Category;

/// ksqlDB's fixed limit on distinct entries.
const LIMIT: usize = 1000;

pub struct Histogram;

impl AggregateFunction for Histogram {
    fn name(&self) -> &'static str {
        "HISTOGRAM"
    }

    fn description(&self) -> &'static str {
        "Returns a map of each distinct String from the input Stream or Table and how many times each occurs. This version limits the size of the resultant Map to 1000 entries. Any entries added beyond this limit will be ignored."
    }

    fn signatures(&self) -> &'static [&'static str] {
        &["HISTOGRAM(col STRING) -> MAP<STRING, BIGINT>"]
    }

    fn category(&self) -> Category {
        Category::Counting
    }

    fn return_type(&self, args: &[DataType], constants: &[ScalarValue]) -> Result<DataType, String> {
        match kind(one_arg("histogram", args, constants)?) {
            Kind::String => Ok(string_map_of(&DataType::Int64)),
            _ => Err(no_match("histogram", args, constants)),
        }
    }

    fn accumulator(
        &self,
        args: &[DataType],
        constants: &[ScalarValue],
    ) -> Result<Box<dyn Accumulator>, String> {
        self.return_type(args, constants)?;
        Ok(Box::new(HistogramAcc::default()))
    }
}

#[derive(Default)]
struct HistogramAcc {
    /// Strings in first-seen order, so the output is deterministic.
    keys: Vec<String>,
    counts: HashMap<String, i64>,
}

impl Accumulator for HistogramAcc {
    fn add(&mut self, args: &[ScalarValue]) -> Result<(), String> {
        // A null string is skipped: ksqlDB's Java map would count it under a
        // null key, which a ksqlDB MAP (and an Arrow map) cannot hold.
        let Some(key) = args.first().and_then(as_str) else {
            return Ok(());
        };
        if let Some(count) = self.counts.get_mut(key) {
            *count += 1;
        } else if self.counts.len() < LIMIT {
            self.counts.insert(key.to_string(), 1);
            self.keys.push(key.to_string());
        }
        Ok(())
    }

    fn retract(&mut self, args: &[ScalarValue]) -> Result<(), String> {
        let Some(key) = args.first().and_then(as_str) else {
            return Ok(());
        };
        // A string never counted (dropped at the limit) has nothing to undo.
        if let Some(count) = self.counts.get_mut(key) {
            *count -= 1;
            if *count < 1 {
                self.counts.remove(key);
                self.keys.retain(|k| k != key);
            }
        }
        Ok(())
    }

    fn value(&self) -> ScalarValue {
        let entries: Vec<(String, ScalarValue)> = self
            .keys
            .iter()
            .filter_map(|k| self.counts.get(k).map(|c| (k.clone(), ScalarValue::Int64(Some(*c)))))
            .collect();
        make_string_map(&DataType::Int64, &entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::values::map_entries;

    fn s(v: &str) -> ScalarValue {
        ScalarValue::Utf8(Some(v.into()))
    }

    fn counts(acc: &dyn Accumulator) -> Vec<(ScalarValue, ScalarValue)> {
        map_entries(&acc.value())
    }

    #[test]
    fn counts_strings() -> Result<(), String> {
        let mut acc = Histogram.accumulator(&[DataType::Utf8], &[])?;
        assert!(counts(acc.as_ref()).is_empty());
        acc.add(&[s("baz")])?;
        acc.add(&[s("baz")])?;
        acc.add(&[s("foo")])?;
        acc.add(&[ScalarValue::Utf8(None)])?;
        assert_eq!(
            counts(acc.as_ref()),
            vec![(s("baz"), ScalarValue::Int64(Some(2))), (s("foo"), ScalarValue::Int64(Some(1)))]
        );
        acc.retract(&[s("foo")])?;
        acc.retract(&[s("baz")])?;
        acc.retract(&[s("never")])?;
        assert_eq!(counts(acc.as_ref()), vec![(s("baz"), ScalarValue::Int64(Some(1)))]);
        assert_eq!(acc.value().data_type(), string_map_of(&DataType::Int64));
        Ok(())
    }

    #[test]
    fn limits_distinct_entries() -> Result<(), String> {
        let mut acc = Histogram.accumulator(&[DataType::Utf8], &[])?;
        for n in 0..=LIMIT {
            acc.add(&[s(&n.to_string())])?;
        }
        acc.add(&[s("0")])?;
        let entries = counts(acc.as_ref());
        assert_eq!(entries.len(), LIMIT);
        assert_eq!(entries[0], (s("0"), ScalarValue::Int64(Some(2))));
        Ok(())
    }

    #[test]
    fn strings_only() {
        assert_eq!(
            Histogram.return_type(&[DataType::Int32], &[]),
            Err("Function 'histogram' does not accept parameters (INTEGER).".into())
        );
    }
}

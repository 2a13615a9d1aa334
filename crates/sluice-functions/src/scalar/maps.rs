//! MAP functions: AS_MAP, ENTRIES and MAP_UNION. (DataFusion's MAP_KEYS
//! and MAP_VALUES already match ksqlDB's.)
//!
//! Keys are STRING, as in ksqlDB. Results are gathered from the inputs'
//! entries with Arrow's `take` and `interleave`, so values of any type work.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, ListArray, MapArray, StringArray, StructArray, UInt32Array};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::compute::{interleave, take};
use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::{cast, exec_err, Result};

use super::args::*;
use super::collections::{element_of, positions};
use super::regex::list_of;
use super::udf::{fit, Call, Def, Reject, Resolved, P, STRING};

pub(super) fn defs() -> Vec<Def> {
    vec![
        Def::new("AS_MAP", "A MAP from an array of keys and an array of values.", as_map_sig, as_map)
            .sigs(&["AS_MAP(keys ARRAY<STRING>, values ARRAY<V>) -> MAP<STRING, V>"]),
        Def::new(
            "ENTRIES",
            "The entries of a MAP as an array of STRUCT<K, V>, optionally sorted by key.",
            entries_sig,
            entries,
        )
        .sigs(&["ENTRIES(map MAP<STRING, V>, sorted BOOLEAN) -> ARRAY<STRUCT<K STRING, V V>>"]),
        Def::new(
            "map_union",
            "The entries of two maps; for a key in both, the second map's value.",
            union_sig,
            map_union,
        )
        .sigs(&["MAP_UNION(map1 MAP<STRING, V>, map2 MAP<STRING, V>) -> MAP<STRING, V>"]),
    ]
}

/// MAP<STRING, value> in `sluice-catalog`'s layout.
fn map_of(value: DataType) -> DataType {
    let entries = Fields::from(vec![Field::new("key", STRING, false), Field::new("value", value, true)]);
    DataType::Map(Arc::new(Field::new("entries", DataType::Struct(entries), false)), false)
}

/// The value type of a MAP with STRING keys.
fn value_of(t: &DataType) -> Option<&DataType> {
    match t {
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 && fit(kv[0].data_type(), P::Str).is_some() => {
                Some(kv[1].data_type())
            }
            _ => None,
        },
        _ => None,
    }
}

/// Builds a MAP from per-row entry lists of (key, value) sources.
fn build_map(
    ret: &DataType,
    keys: ArrayRef,
    values: ArrayRef,
    offsets: Vec<i32>,
    valid: Vec<bool>,
) -> Result<ArrayRef> {
    let DataType::Map(entries_field, _) = ret else { return exec_err!("expected a MAP, got {ret}") };
    let DataType::Struct(fields) = entries_field.data_type() else {
        return exec_err!("MAP entries must be a STRUCT");
    };
    let entries = StructArray::try_new(fields.clone(), vec![keys, values], None)?;
    let offsets = OffsetBuffer::new(offsets.into());
    let map =
        MapArray::try_new(Arc::clone(entries_field), offsets, entries, Some(NullBuffer::from(valid)), false)?;
    Ok(Arc::new(map))
}

fn as_map_sig(t: &[DataType]) -> Resolved {
    let [keys, values] = t else { return Err(Reject::NoMatch) };
    fit(element_of(keys).ok_or(Reject::NoMatch)?, P::Str).ok_or(Reject::NoMatch)?;
    let value = element_of(values).ok_or(Reject::NoMatch)?;
    Ok((vec![list_of(STRING), values.clone()], map_of(value.clone())))
}

/// Adds a key to a row's entries: a repeated key keeps its first place
/// and takes the new value, as a Java `HashMap.put` would.
fn put<V>(row_keys: &mut Vec<String>, row_values: &mut Vec<V>, key: &str, value: V) {
    match row_keys.iter().position(|k| k == key) {
        Some(p) => row_values[p] = value,
        None => {
            row_keys.push(key.to_string());
            row_values.push(value);
        }
    }
}

fn as_map(c: &Call) -> Result<ArrayRef> {
    let keys = cast::as_list_array(arg(c.args, 0, "AS_MAP")?)?;
    let values = cast::as_list_array(arg(c.args, 1, "AS_MAP")?)?;
    let key_values = cast::as_string_array(keys.values())?;
    let (mut all_keys, mut picks) = (Vec::<String>::new(), Vec::<Option<u32>>::new());
    let (mut offsets, mut valid) = (vec![0i32], Vec::with_capacity(c.rows));
    for i in 0..c.rows {
        let ok = keys.is_valid(i) && values.is_valid(i);
        if ok {
            let value_range = positions(values, i);
            let (mut row_keys, mut row_values) = (Vec::new(), Vec::new());
            for (n, k) in positions(keys, i).enumerate() {
                // Arrow map keys cannot be NULL; no format could write one.
                if let Some(key) = at(key_values, k as usize) {
                    put(&mut row_keys, &mut row_values, key, value_range.clone().nth(n));
                }
            }
            all_keys.extend(row_keys);
            picks.extend(row_values);
        }
        valid.push(ok);
        offsets.push(i32::try_from(all_keys.len()).unwrap_or(i32::MAX));
    }
    let k: ArrayRef = Arc::new(StringArray::from(all_keys));
    // A missing value (more keys than values) is NULL.
    let v = take(values.values().as_ref(), &UInt32Array::from(picks), None)?;
    build_map(c.ret, k, v, offsets, valid)
}

fn entries_sig(t: &[DataType]) -> Resolved {
    let [map, sorted] = t else { return Err(Reject::NoMatch) };
    let value = value_of(map).ok_or(Reject::NoMatch)?;
    let item = DataType::Struct(Fields::from(vec![
        Field::new("K", STRING, true),
        Field::new("V", value.clone(), true),
    ]));
    Ok((vec![map.clone(), fit(sorted, P::Bool).ok_or(Reject::NoMatch)?], list_of(item)))
}

fn entries(c: &Call) -> Result<ArrayRef> {
    let map = cast::as_map_array(arg(c.args, 0, "ENTRIES")?)?;
    let sorted = bools(arg(c.args, 1, "ENTRIES")?)?;
    let keys = cast::as_string_array(map.keys())?;
    let (mut picks, mut offsets, mut valid) = (Vec::<u32>::new(), vec![0i32], Vec::with_capacity(c.rows));
    for i in 0..c.rows {
        let ok = map.is_valid(i);
        if ok {
            let offsets = map.value_offsets();
            let (start, end) =
                (offsets.get(i).copied().unwrap_or(0), offsets.get(i + 1).copied().unwrap_or(0));
            let mut row: Vec<u32> = (start.max(0) as u32..end.max(0) as u32).collect();
            if at(sorted, i) == Some(true) {
                row.sort_by(|a, b| keys.value(*a as usize).cmp(keys.value(*b as usize)));
            }
            picks.extend(row);
        }
        valid.push(ok);
        offsets.push(i32::try_from(picks.len()).unwrap_or(i32::MAX));
    }
    let indices = UInt32Array::from(picks);
    let k = take(map.keys().as_ref(), &indices, None)?;
    let v = take(map.values().as_ref(), &indices, None)?;
    let DataType::List(item) = c.ret else { return exec_err!("ENTRIES must return an ARRAY") };
    let DataType::Struct(fields) = item.data_type() else {
        return exec_err!("ENTRIES items must be STRUCTs");
    };
    let structs = StructArray::try_new(fields.clone(), vec![k, v], None)?;
    let list = ListArray::try_new(
        Arc::clone(item),
        OffsetBuffer::new(offsets.into()),
        Arc::new(structs),
        Some(NullBuffer::from(valid)),
    )?;
    Ok(Arc::new(list))
}

fn union_sig(t: &[DataType]) -> Resolved {
    let [a, b] = t else { return Err(Reject::NoMatch) };
    let value = match (value_of(a), value_of(b), a, b) {
        (Some(x), Some(y), _, _) if x == y => x.clone(),
        (Some(x), None, _, DataType::Null) => x.clone(),
        (None, Some(y), DataType::Null, _) => y.clone(),
        _ => return Err(Reject::NoMatch),
    };
    let map = map_of(value);
    Ok((vec![map.clone(), map.clone()], map))
}

fn map_union(c: &Call) -> Result<ArrayRef> {
    let maps = [
        cast::as_map_array(arg(c.args, 0, "MAP_UNION")?)?,
        cast::as_map_array(arg(c.args, 1, "MAP_UNION")?)?,
    ];
    let keys = [cast::as_string_array(maps[0].keys())?, cast::as_string_array(maps[1].keys())?];
    let (mut all_keys, mut picks) = (Vec::<String>::new(), Vec::<(usize, usize)>::new());
    let (mut offsets, mut valid) = (vec![0i32], Vec::with_capacity(c.rows));
    for i in 0..c.rows {
        // NULL only when both maps are NULL.
        let ok = maps.iter().any(|m| m.is_valid(i));
        if ok {
            let (mut row_keys, mut row_values) = (Vec::new(), Vec::new());
            for (which, map) in maps.iter().enumerate() {
                if map.is_null(i) {
                    continue;
                }
                let o = map.value_offsets();
                let (start, end) =
                    (o.get(i).copied().unwrap_or(0).max(0), o.get(i + 1).copied().unwrap_or(0).max(0));
                for e in start as usize..end as usize {
                    if let Some(key) = at(keys[which], e) {
                        put(&mut row_keys, &mut row_values, key, (which, e));
                    }
                }
            }
            all_keys.extend(row_keys);
            picks.extend(row_values);
        }
        valid.push(ok);
        offsets.push(i32::try_from(all_keys.len()).unwrap_or(i32::MAX));
    }
    let k: ArrayRef = Arc::new(StringArray::from(all_keys));
    let sources: Vec<&dyn Array> = maps.iter().map(|m| m.values().as_ref()).collect();
    let v = interleave(&sources, &picks)?;
    build_map(c.ret, k, v, offsets, valid)
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::Int32Builder;
    use datafusion::arrow::array::{
        BooleanArray, GenericListArray, Int32Array, MapBuilder, MapFieldNames, StringBuilder,
    };

    use super::*;
    use crate::scalar::testing::call;

    fn int_map(rows: &[Option<&[(&str, i32)]>]) -> ArrayRef {
        let names = MapFieldNames { entry: "entries".into(), key: "key".into(), value: "value".into() };
        let mut b = MapBuilder::new(Some(names), StringBuilder::new(), Int32Builder::new());
        for row in rows {
            match row {
                None => b.append(false).expect("append"),
                Some(entries) => {
                    for (k, v) in entries.iter() {
                        b.keys().append_value(k);
                        b.values().append_value(*v);
                    }
                    b.append(true).expect("append");
                }
            }
        }
        Arc::new(b.finish())
    }

    fn pairs(a: &ArrayRef, i: usize) -> Vec<(String, Option<i32>)> {
        let m = a.as_any().downcast_ref::<MapArray>().expect("map");
        let e = m.value(i);
        let k = e.column(0).as_any().downcast_ref::<StringArray>().expect("keys").clone();
        let v = e.column(1).as_any().downcast_ref::<Int32Array>().expect("values").clone();
        (0..k.len()).map(|n| (k.value(n).to_string(), v.is_valid(n).then(|| v.value(n)))).collect()
    }

    #[test]
    fn union_prefers_the_second_map() {
        let a = int_map(&[Some(&[("a", 1), ("b", 2)]), None, None]);
        let b = int_map(&[Some(&[("b", 3), ("c", 4)]), Some(&[("x", 9)]), None]);
        let out = call("map_union", vec![a, b]);
        assert_eq!(pairs(&out, 0), vec![("a".into(), Some(1)), ("b".into(), Some(3)), ("c".into(), Some(4))]);
        assert_eq!(pairs(&out, 1), vec![("x".into(), Some(9))]);
        assert!(out.is_null(2));
        assert_eq!(out.data_type(), &map_of(DataType::Int32));
    }

    #[test]
    fn as_map_pairs_keys_with_values() {
        let keys = Arc::new(GenericListArray::<i32>::new(
            Arc::new(Field::new("item", STRING, true)),
            OffsetBuffer::new(vec![0, 3].into()),
            Arc::new(StringArray::from(vec!["a", "b", "a"])),
            None,
        )) as ArrayRef;
        let values =
            Arc::new(ListArray::from_iter_primitive::<datafusion::arrow::datatypes::Int32Type, _, _>(vec![
                Some(vec![Some(1), Some(2)]),
            ])) as ArrayRef;
        let out = call("as_map", vec![keys, values]);
        // "a" keeps its place and takes the last value: the third, missing, is NULL.
        assert_eq!(pairs(&out, 0), vec![("a".into(), None), ("b".into(), Some(2))]);
    }

    #[test]
    fn entries_sorted_by_key() {
        let map = int_map(&[Some(&[("b", 2), ("a", 1)]), None]);
        let out = call("entries", vec![map, Arc::new(BooleanArray::from(vec![true, true]))]);
        let list = out.as_any().downcast_ref::<ListArray>().expect("list");
        let first = list.value(0);
        let structs = first.as_any().downcast_ref::<StructArray>().expect("structs");
        let keys = structs.column(0).as_any().downcast_ref::<StringArray>().expect("keys");
        assert_eq!(keys.iter().collect::<Vec<_>>(), vec![Some("a"), Some("b")]);
        assert!(list.is_null(1));
    }
}

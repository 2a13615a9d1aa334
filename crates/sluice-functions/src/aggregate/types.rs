//! ksqlDB's view of the Arrow types aggregates see: which SQL type a column
//! has, how ksqlDB spells it in messages, and how literal arguments are typed.

use datafusion::arrow::datatypes::{DataType, Field, Fields, TimeUnit};
use datafusion::common::ScalarValue;
use std::sync::Arc;

/// The ksqlDB SQL type behind an Arrow type (the layout `sluice-catalog`
/// gives each SQL type; narrower integer and string layouts count too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Boolean,
    Int,
    Bigint,
    Double,
    Decimal(u8, i8),
    String,
    Bytes,
    Date,
    Time,
    Timestamp,
    Array,
    Map,
    Struct,
    /// An Arrow type no ksqlDB type maps to.
    Other,
}

pub(crate) fn kind(data_type: &DataType) -> Kind {
    match data_type {
        DataType::Boolean => Kind::Boolean,
        DataType::Int8 | DataType::Int16 | DataType::Int32 => Kind::Int,
        DataType::Int64 => Kind::Bigint,
        DataType::Float32 | DataType::Float64 => Kind::Double,
        DataType::Decimal128(p, s) => Kind::Decimal(*p, *s),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Kind::String,
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => Kind::Bytes,
        DataType::Date32 => Kind::Date,
        DataType::Time32(TimeUnit::Millisecond) => Kind::Time,
        DataType::Timestamp(TimeUnit::Millisecond, None) => Kind::Timestamp,
        DataType::List(_) | DataType::LargeList(_) => Kind::Array,
        DataType::Map(..) => Kind::Map,
        DataType::Struct(_) => Kind::Struct,
        _ => Kind::Other,
    }
}

/// ksqlDB's spelling of a type in "does not accept parameters" messages
/// (`FormatOptions.noEscape()`: struct field names are not quoted).
pub(crate) fn type_name(data_type: &DataType) -> String {
    match (kind(data_type), data_type) {
        (Kind::Boolean, _) => "BOOLEAN".into(),
        (Kind::Int, _) => "INTEGER".into(),
        (Kind::Bigint, _) => "BIGINT".into(),
        (Kind::Double, _) => "DOUBLE".into(),
        (Kind::Decimal(p, s), _) => format!("DECIMAL({p}, {s})"),
        (Kind::String, _) => "STRING".into(),
        (Kind::Bytes, _) => "BYTES".into(),
        (Kind::Date, _) => "DATE".into(),
        (Kind::Time, _) => "TIME".into(),
        (Kind::Timestamp, _) => "TIMESTAMP".into(),
        (_, DataType::List(f) | DataType::LargeList(f)) => format!("ARRAY<{}>", type_name(f.data_type())),
        (_, DataType::Map(entries, _)) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => {
                format!("MAP<{}, {}>", type_name(kv[0].data_type()), type_name(kv[1].data_type()))
            }
            other => other.to_string(),
        },
        (_, DataType::Struct(fields)) => {
            let inner: Vec<String> =
                fields.iter().map(|f| format!("{} {}", f.name(), type_name(f.data_type()))).collect();
            format!("STRUCT<{}>", inner.join(", "))
        }
        (_, other) => other.to_string(),
    }
}

/// An integer literal's value if it is an INTEGER in ksqlDB terms: the
/// planner may hand any integer width, and ksqlDB types a literal that fits
/// 32 bits as INTEGER.
pub(crate) fn int_constant(value: &ScalarValue) -> Option<i32> {
    let wide: i64 = match value {
        ScalarValue::Int8(Some(v)) => (*v).into(),
        ScalarValue::Int16(Some(v)) => (*v).into(),
        ScalarValue::Int32(Some(v)) => (*v).into(),
        ScalarValue::Int64(Some(v)) => *v,
        ScalarValue::UInt8(Some(v)) => (*v).into(),
        ScalarValue::UInt16(Some(v)) => (*v).into(),
        ScalarValue::UInt32(Some(v)) => (*v).into(),
        ScalarValue::UInt64(Some(v)) => i64::try_from(*v).ok()?,
        _ => return None,
    };
    i32::try_from(wide).ok()
}

pub(crate) fn bool_constant(value: &ScalarValue) -> Option<bool> {
    match value {
        ScalarValue::Boolean(Some(b)) => Some(*b),
        _ => None,
    }
}

/// How a literal argument shows in the parameter list of an error; ksqlDB
/// prints a null literal as `null`.
fn constant_type_name(value: &ScalarValue) -> String {
    if value.is_null() {
        return "null".into();
    }
    if int_constant(value).is_some() {
        return "INTEGER".into();
    }
    type_name(&value.data_type())
}

/// ksqlDB's error for a call no signature matches (`UdfIndex`), e.g.
/// `Function 'SUM' does not accept parameters (STRING).`
pub(crate) fn no_match(name: &str, args: &[DataType], constants: &[ScalarValue]) -> String {
    let params: Vec<String> =
        args.iter().map(type_name).chain(constants.iter().map(constant_type_name)).collect();
    format!("Function '{name}' does not accept parameters ({}).", params.join(", "))
}

/// The single column argument of a one-argument aggregate without
/// constants, or ksqlDB's no-match error.
pub(crate) fn one_arg<'a>(
    name: &str,
    args: &'a [DataType],
    constants: &[ScalarValue],
) -> Result<&'a DataType, String> {
    match (args, constants) {
        ([arg], []) => Ok(arg),
        _ => Err(no_match(name, args, constants)),
    }
}

/// The message when an aggregate that cannot undo is used over a table.
pub(crate) fn table_source_message(names: &[&str]) -> String {
    let (plural, list) = match names {
        [] => ("", String::new()),
        [one] => ("", (*one).to_string()),
        [init @ .., last] => ("s", format!("{} and {last}", init.join(", "))),
    };
    format!("The aggregation function{plural} {list} cannot be applied to a table source, only to a stream source.")
}

/// What `retract` answers for an aggregate ksqlDB only runs over streams:
/// the refusal ksqlDB gives when planning such an aggregate over a table.
pub(crate) fn cannot_retract(declared: &str) -> Result<(), String> {
    Err(table_source_message(&[declared]))
}

/// `ARRAY<element>` with the element field the catalog uses.
pub(crate) fn list_of(element: &DataType) -> DataType {
    DataType::List(Arc::new(Field::new("item", element.clone(), true)))
}

/// `MAP<STRING, value>` laid out as the catalog lays out maps.
pub(crate) fn string_map_of(value: &DataType) -> DataType {
    let entries = Fields::from(vec![
        Field::new("key", DataType::Utf8, false),
        Field::new("value", value.clone(), true),
    ]);
    DataType::Map(Arc::new(Field::new("entries", DataType::Struct(entries), false)), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_types_like_ksqldb() {
        let st = DataType::Struct(Fields::from(vec![
            Field::new("A", DataType::Utf8, true),
            Field::new("B", list_of(&DataType::Decimal128(4, 2)), true),
        ]));
        assert_eq!(type_name(&st), "STRUCT<A STRING, B ARRAY<DECIMAL(4, 2)>>");
        assert_eq!(type_name(&string_map_of(&DataType::Int64)), "MAP<STRING, BIGINT>");
        assert_eq!(type_name(&DataType::Timestamp(TimeUnit::Millisecond, None)), "TIMESTAMP");
    }

    #[test]
    fn error_texts() {
        assert_eq!(
            no_match("TOPK", &[DataType::Utf8], &[ScalarValue::Int64(Some(3))]),
            "Function 'TOPK' does not accept parameters (STRING, INTEGER)."
        );
        assert_eq!(
            no_match("X", &[], &[ScalarValue::Int64(Some(1 << 40)), ScalarValue::Boolean(None)]),
            "Function 'X' does not accept parameters (BIGINT, null)."
        );
        assert_eq!(
            table_source_message(&["LATEST_BY_OFFSET", "MIN", "MAX"]),
            "The aggregation functions LATEST_BY_OFFSET, MIN and MAX cannot be applied to a table source, only to a stream source."
        );
        assert_eq!(
            table_source_message(&["MIN"]),
            "The aggregation function MIN cannot be applied to a table source, only to a stream source."
        );
    }
}

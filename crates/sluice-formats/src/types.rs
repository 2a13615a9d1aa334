//! The Arrow types that stand for ksqlDB's SQL types, their SQL names, and the schema
//! checks shared by the formats.

use arrow::datatypes::{DataType, Field, Fields, TimeUnit};

use crate::FormatError;

/// The two children of a map's entries struct: key and value.
pub(crate) fn map_entries(entries: &Field) -> Option<(&Field, &Field)> {
    match entries.data_type() {
        DataType::Struct(kv) if kv.len() == 2 => Some((&kv[0], &kv[1])),
        _ => None,
    }
}

/// The ksqlDB name of `dt` (`INTEGER`, `ARRAY<STRING>`, ...), or `None` when `dt` is
/// not one of the Arrow types Sluice uses for SQL types.
pub(crate) fn sql_type(dt: &DataType) -> Option<String> {
    Some(match dt {
        DataType::Decimal128(p, s) if *s >= 0 && (*s as u8) <= *p => format!("DECIMAL({p}, {s})"),
        DataType::Decimal128(..) => return None,
        DataType::List(item) => format!("ARRAY<{}>", sql_type(item.data_type())?),
        DataType::Map(entries, _) => {
            let (k, v) = map_entries(entries)?;
            format!("MAP<{}, {}>", sql_type(k.data_type())?, sql_type(v.data_type())?)
        }
        DataType::Struct(fields) => {
            let inner: Option<Vec<String>> =
                fields.iter().map(|f| Some(format!("`{}` {}", f.name(), sql_type(f.data_type())?))).collect();
            format!("STRUCT<{}>", inner?.join(", "))
        }
        other => base_name(other)?.to_string(),
    })
}

/// The SQL base type of `dt`, as ksqlDB names it in "does not support type" errors.
pub(crate) fn base_name(dt: &DataType) -> Option<&'static str> {
    Some(match dt {
        DataType::Boolean => "BOOLEAN",
        DataType::Int32 => "INTEGER",
        DataType::Int64 => "BIGINT",
        DataType::Float64 => "DOUBLE",
        DataType::Decimal128(..) => "DECIMAL",
        DataType::Utf8 => "STRING",
        DataType::Binary => "BYTES",
        DataType::Date32 => "DATE",
        DataType::Time32(TimeUnit::Millisecond) => "TIME",
        DataType::Timestamp(TimeUnit::Millisecond, _) => "TIMESTAMP",
        DataType::List(_) => "ARRAY",
        DataType::Map(..) => "MAP",
        DataType::Struct(_) => "STRUCT",
        _ => return None,
    })
}

/// `[`A` INTEGER, `B` STRING]`, as ksqlDB lists columns in its errors.
pub(crate) fn column_list(fields: &Fields) -> String {
    let cols: Vec<String> = fields
        .iter()
        .map(|f| {
            let ty = sql_type(f.data_type()).unwrap_or_else(|| f.data_type().to_string());
            format!("`{}` {ty}", f.name())
        })
        .collect();
    format!("[{}]", cols.join(", "))
}

/// Every column must have a type that stands for a SQL type.
pub(crate) fn check_sql_types(fields: &Fields) -> Result<(), FormatError> {
    match fields.iter().find(|f| sql_type(f.data_type()).is_none()) {
        Some(f) => Err(FormatError::Schema(format!(
            "column '{}' has Arrow type {}, which stands for no ksqlDB type",
            f.name(),
            f.data_type()
        ))),
        None => Ok(()),
    }
}

/// Decoded nested values may be null (a missing struct field, a bad element), so the
/// children of ARRAY, MAP values and STRUCT fields must be nullable, as ksqlDB's are.
pub(crate) fn check_nested_nullable(fields: &Fields) -> Result<(), FormatError> {
    fn non_nullable(dt: &DataType) -> Option<&str> {
        let children: Vec<&Field> = match dt {
            DataType::List(item) => vec![item],
            DataType::Map(entries, _) => map_entries(entries).map(|(_, v)| vec![v]).unwrap_or_default(),
            DataType::Struct(fields) => fields.iter().map(|f| f.as_ref()).collect(),
            _ => return None,
        };
        children.into_iter().find_map(|f| {
            if f.is_nullable() {
                non_nullable(f.data_type())
            } else {
                Some(f.name().as_str())
            }
        })
    }
    for f in fields {
        if let Some(child) = non_nullable(f.data_type()) {
            return Err(FormatError::Schema(format!(
                "column '{}': nested field '{child}' must be nullable",
                f.name()
            )));
        }
    }
    Ok(())
}

/// A format that carries only some SQL types rejects the first column it cannot carry,
/// with ksqlDB's message: `The 'KAFKA' format does not support type 'ARRAY'`.
pub(crate) fn check_supported(
    format: &str,
    fields: &Fields,
    supported: impl Fn(&DataType) -> bool,
) -> Result<(), FormatError> {
    match fields.iter().find(|f| !supported(f.data_type())) {
        Some(f) => Err(FormatError::Schema(format!(
            "The '{format}' format does not support type '{}', column: `{}`",
            base_name(f.data_type()).unwrap_or("?"),
            f.name()
        ))),
        None => Ok(()),
    }
}

/// Fails with `message` unless every MAP in the columns (nested ones too) has
/// STRING keys, as JSON and PROTOBUF need.
pub(crate) fn check_string_map_keys(fields: &Fields, message: &str) -> Result<(), FormatError> {
    fn string_keys(dt: &DataType) -> bool {
        match dt {
            DataType::Map(entries, _) => map_entries(entries)
                .is_some_and(|(k, v)| k.data_type() == &DataType::Utf8 && string_keys(v.data_type())),
            DataType::List(item) => string_keys(item.data_type()),
            DataType::Struct(fields) => fields.iter().all(|f| string_keys(f.data_type())),
            _ => true,
        }
    }
    match fields.iter().all(|f| string_keys(f.data_type())) {
        true => Ok(()),
        false => Err(FormatError::Schema(message.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn names() {
        let item = Arc::new(Field::new("item", DataType::Int32, true));
        let entries = Arc::new(Field::new(
            "entries",
            DataType::Struct(Fields::from(vec![
                Field::new("key", DataType::Utf8, false),
                Field::new("value", DataType::Decimal128(4, 2), true),
            ])),
            false,
        ));
        let s = DataType::Struct(Fields::from(vec![Field::new("A", DataType::List(item), true)]));
        assert_eq!(sql_type(&s).unwrap(), "STRUCT<`A` ARRAY<INTEGER>>");
        assert_eq!(sql_type(&DataType::Map(entries, false)).unwrap(), "MAP<STRING, DECIMAL(4, 2)>");
        assert_eq!(sql_type(&DataType::Int16), None);
        assert_eq!(sql_type(&DataType::Time32(TimeUnit::Second)), None);
        assert_eq!(sql_type(&DataType::Decimal128(4, -1)), None);
    }

    #[test]
    fn nested_nullability() {
        let item = Arc::new(Field::new("item", DataType::Int32, false));
        let fields = Fields::from(vec![Field::new("A", DataType::List(item), true)]);
        let err = check_nested_nullable(&fields).unwrap_err().to_string();
        assert_eq!(err, "column 'A': nested field 'item' must be nullable");
    }
}

//! SQL types after custom type names are resolved, and their Arrow layout.

use std::fmt;
use std::sync::Arc;

use arrow::datatypes::{DataType as ArrowType, Field, Fields, TimeUnit};
use sluice_sql::ast::DataType;

use crate::error::{CatalogError, Result};

/// The largest DECIMAL precision ksqlDB accepts.
pub const MAX_DECIMAL_PRECISION: u32 = 38;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SqlType {
    Boolean,
    Int,
    Bigint,
    Double,
    Decimal { precision: u8, scale: i8 },
    String,
    Bytes,
    Date,
    Time,
    Timestamp,
    Array(Box<SqlType>),
    Map(Box<SqlType>, Box<SqlType>),
    Struct(Vec<(String, SqlType)>),
}

impl SqlType {
    /// Resolves a parsed type, looking custom type names up with `lookup`.
    pub fn resolve(ty: &DataType, lookup: &dyn Fn(&str) -> Option<SqlType>) -> Result<SqlType> {
        Ok(match ty {
            DataType::Boolean => SqlType::Boolean,
            DataType::Int => SqlType::Int,
            DataType::Bigint => SqlType::Bigint,
            DataType::Double => SqlType::Double,
            DataType::Decimal { precision, scale } => decimal(*precision, *scale)?,
            DataType::String => SqlType::String,
            DataType::Bytes => SqlType::Bytes,
            DataType::Date => SqlType::Date,
            DataType::Time => SqlType::Time,
            DataType::Timestamp => SqlType::Timestamp,
            DataType::Array(element) => SqlType::Array(Box::new(Self::resolve(element, lookup)?)),
            DataType::Map { key, value } => {
                SqlType::Map(Box::new(Self::resolve(key, lookup)?), Box::new(Self::resolve(value, lookup)?))
            }
            DataType::Struct(fields) => {
                let mut resolved: Vec<(String, SqlType)> = Vec::with_capacity(fields.len());
                for field in fields {
                    if resolved.iter().any(|(name, _)| name == field.name.as_str()) {
                        return Err(CatalogError::invalid(format!(
                            "Duplicate field names found in STRUCT: '{}'",
                            field.name.as_str()
                        )));
                    }
                    resolved.push((field.name.0.clone(), Self::resolve(&field.data_type, lookup)?));
                }
                SqlType::Struct(resolved)
            }
            DataType::Custom(name) => lookup(name.as_str()).ok_or_else(|| {
                CatalogError::invalid(format!("Cannot resolve unknown type: {}", name.as_str()))
            })?,
        })
    }

    /// The parsed form of this type, as a statement would spell it.
    pub fn to_ast(&self) -> DataType {
        match self {
            SqlType::Boolean => DataType::Boolean,
            SqlType::Int => DataType::Int,
            SqlType::Bigint => DataType::Bigint,
            SqlType::Double => DataType::Double,
            SqlType::Decimal { precision, scale } => DataType::Decimal {
                precision: u32::from(*precision),
                scale: u32::try_from(*scale).unwrap_or(0),
            },
            SqlType::String => DataType::String,
            SqlType::Bytes => DataType::Bytes,
            SqlType::Date => DataType::Date,
            SqlType::Time => DataType::Time,
            SqlType::Timestamp => DataType::Timestamp,
            SqlType::Array(element) => DataType::Array(Box::new(element.to_ast())),
            SqlType::Map(key, value) => {
                DataType::Map { key: Box::new(key.to_ast()), value: Box::new(value.to_ast()) }
            }
            SqlType::Struct(fields) => DataType::Struct(
                fields
                    .iter()
                    .map(|(name, ty)| sluice_sql::ast::StructField {
                        name: sluice_sql::ast::Ident::new(name.clone()),
                        data_type: ty.to_ast(),
                    })
                    .collect(),
            ),
        }
    }

    /// The Arrow type that holds values of this SQL type.
    pub fn to_arrow(&self) -> ArrowType {
        match self {
            SqlType::Boolean => ArrowType::Boolean,
            SqlType::Int => ArrowType::Int32,
            SqlType::Bigint => ArrowType::Int64,
            SqlType::Double => ArrowType::Float64,
            SqlType::Decimal { precision, scale } => ArrowType::Decimal128(*precision, *scale),
            SqlType::String => ArrowType::Utf8,
            SqlType::Bytes => ArrowType::Binary,
            SqlType::Date => ArrowType::Date32,
            SqlType::Time => ArrowType::Time32(TimeUnit::Millisecond),
            SqlType::Timestamp => ArrowType::Timestamp(TimeUnit::Millisecond, None),
            SqlType::Array(element) => {
                ArrowType::List(Arc::new(Field::new("item", element.to_arrow(), true)))
            }
            SqlType::Map(key, value) => {
                let entries = Fields::from(vec![
                    Field::new("key", key.to_arrow(), false),
                    Field::new("value", value.to_arrow(), true),
                ]);
                ArrowType::Map(Arc::new(Field::new("entries", ArrowType::Struct(entries), false)), false)
            }
            SqlType::Struct(fields) => ArrowType::Struct(
                fields.iter().map(|(name, ty)| Field::new(name, ty.to_arrow(), true)).collect::<Fields>(),
            ),
        }
    }

    /// The SQL type of an Arrow type, for the result of an expression;
    /// None for Arrow types no SQL type maps to.
    pub fn from_arrow(arrow: &ArrowType) -> Option<SqlType> {
        Some(match arrow {
            ArrowType::Boolean => SqlType::Boolean,
            ArrowType::Int8 | ArrowType::Int16 | ArrowType::Int32 => SqlType::Int,
            ArrowType::Int64 => SqlType::Bigint,
            ArrowType::Float32 | ArrowType::Float64 => SqlType::Double,
            ArrowType::Decimal128(precision, scale) => {
                SqlType::Decimal { precision: *precision, scale: *scale }
            }
            ArrowType::Utf8 | ArrowType::LargeUtf8 | ArrowType::Utf8View => SqlType::String,
            ArrowType::Binary | ArrowType::LargeBinary | ArrowType::BinaryView => SqlType::Bytes,
            ArrowType::Date32 => SqlType::Date,
            ArrowType::Time32(TimeUnit::Millisecond) => SqlType::Time,
            ArrowType::Timestamp(TimeUnit::Millisecond, None) => SqlType::Timestamp,
            ArrowType::List(field) | ArrowType::LargeList(field) => {
                SqlType::Array(Box::new(Self::from_arrow(field.data_type())?))
            }
            ArrowType::Map(entries, _) => match entries.data_type() {
                ArrowType::Struct(kv) if kv.len() == 2 => SqlType::Map(
                    Box::new(Self::from_arrow(kv[0].data_type())?),
                    Box::new(Self::from_arrow(kv[1].data_type())?),
                ),
                _ => return None,
            },
            ArrowType::Struct(fields) => SqlType::Struct(
                fields
                    .iter()
                    .map(|f| Some((f.name().clone(), Self::from_arrow(f.data_type())?)))
                    .collect::<Option<Vec<_>>>()?,
            ),
            _ => return None,
        })
    }

    /// Whether a MAP appears anywhere inside this type (ksqlDB refuses such
    /// key columns: their serialized form is not stable).
    pub fn contains_map(&self) -> bool {
        match self {
            SqlType::Map(..) => true,
            SqlType::Array(element) => element.contains_map(),
            SqlType::Struct(fields) => fields.iter().any(|(_, ty)| ty.contains_map()),
            _ => false,
        }
    }
}

fn decimal(precision: u32, scale: u32) -> Result<SqlType> {
    if precision == 0 || precision > MAX_DECIMAL_PRECISION {
        return Err(CatalogError::invalid(format!(
            "DECIMAL precision must be between 1 and {MAX_DECIMAL_PRECISION}, got {precision}"
        )));
    }
    if scale > precision {
        return Err(CatalogError::invalid(format!(
            "DECIMAL scale must be equal to or less than precision. precision:{precision}, scale:{scale}"
        )));
    }
    // Both fit: precision <= 38 and scale <= precision.
    Ok(SqlType::Decimal { precision: precision as u8, scale: scale as i8 })
}

/// ksqlDB's spelling of types in schemas and messages, e.g. `DECIMAL(4, 2)`,
/// ``STRUCT<`F` INTEGER>``.
impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SqlType::Boolean => f.write_str("BOOLEAN"),
            SqlType::Int => f.write_str("INTEGER"),
            SqlType::Bigint => f.write_str("BIGINT"),
            SqlType::Double => f.write_str("DOUBLE"),
            SqlType::Decimal { precision, scale } => write!(f, "DECIMAL({precision}, {scale})"),
            SqlType::String => f.write_str("STRING"),
            SqlType::Bytes => f.write_str("BYTES"),
            SqlType::Date => f.write_str("DATE"),
            SqlType::Time => f.write_str("TIME"),
            SqlType::Timestamp => f.write_str("TIMESTAMP"),
            SqlType::Array(element) => write!(f, "ARRAY<{element}>"),
            SqlType::Map(key, value) => write!(f, "MAP<{key}, {value}>"),
            SqlType::Struct(fields) => {
                f.write_str("STRUCT<")?;
                for (i, (name, ty)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "`{name}` {ty}")?;
                }
                f.write_str(">")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_sql::ast::{CreateSource, Statement};
    use sluice_sql::parse_statement;

    fn column_type(sql_type: &str) -> Result<SqlType> {
        let sql = format!("CREATE STREAM s (c {sql_type}) WITH (kafka_topic='t');");
        let Ok(Statement::CreateSource(CreateSource { columns, .. })) = parse_statement(&sql) else {
            panic!("test statement must parse: {sql}");
        };
        let address = SqlType::Struct(vec![("STREET".into(), SqlType::String)]);
        SqlType::resolve(&columns[0].data_type, &|name| (name == "ADDRESS").then(|| address.clone()))
    }

    #[test]
    fn resolves_and_displays_like_ksqldb() {
        let ty = column_type("STRUCT<a ARRAY<MAP<STRING, DECIMAL(4, 2)>>, b address>").unwrap();
        assert_eq!(
            ty.to_string(),
            "STRUCT<`A` ARRAY<MAP<STRING, DECIMAL(4, 2)>>, `B` STRUCT<`STREET` STRING>>"
        );
        assert!(ty.contains_map());
        assert_eq!(column_type("VARCHAR").unwrap(), SqlType::String);
    }

    #[test]
    fn rejects_bad_decimals_and_unknown_types() {
        assert!(column_type("DECIMAL(2, 3)").unwrap_err().to_string().contains("scale"));
        assert!(column_type("DECIMAL(39, 1)").is_err());
        assert_eq!(column_type("nope").unwrap_err().to_string(), "Cannot resolve unknown type: NOPE");
        assert!(column_type("STRUCT<a INT, a INT>").is_err());
    }

    #[test]
    fn arrow_round_trip() {
        let ty =
            column_type("STRUCT<a ARRAY<MAP<STRING, DECIMAL(4, 2)>>, t TIMESTAMP, d DATE, b BYTES>").unwrap();
        assert_eq!(SqlType::from_arrow(&ty.to_arrow()), Some(ty));
    }

    #[test]
    fn arrow_layout() {
        assert_eq!(SqlType::Timestamp.to_arrow(), ArrowType::Timestamp(TimeUnit::Millisecond, None));
        assert_eq!(SqlType::Decimal { precision: 4, scale: 2 }.to_arrow(), ArrowType::Decimal128(4, 2));
        let map = SqlType::Map(Box::new(SqlType::String), Box::new(SqlType::Int)).to_arrow();
        assert!(matches!(map, ArrowType::Map(..)));
    }
}

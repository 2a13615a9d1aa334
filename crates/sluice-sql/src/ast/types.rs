use super::Ident;

/// A SQL type as written in a column definition, CAST or CREATE TYPE.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DataType {
    Boolean,
    /// `INT` or `INTEGER`: a 32-bit signed integer.
    Int,
    Bigint,
    Double,
    Decimal {
        precision: u32,
        scale: u32,
    },
    /// `STRING` or `VARCHAR`.
    String,
    Bytes,
    Date,
    Time,
    Timestamp,
    Array(Box<DataType>),
    Map {
        key: Box<DataType>,
        value: Box<DataType>,
    },
    Struct(Vec<StructField>),
    /// A type registered with `CREATE TYPE`, resolved by the catalog.
    Custom(Ident),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StructField {
    pub name: Ident,
    pub data_type: DataType,
}

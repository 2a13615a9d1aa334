//! Logical schemas: the key, value and header columns of a source.

use std::fmt;

use arrow::datatypes::{Field, Fields};

use crate::sql_type::SqlType;

/// Columns every source has without declaring them.
pub const PSEUDO_COLUMNS: &[&str] = &["ROWTIME", "ROWPARTITION", "ROWOFFSET"];
/// Columns a windowed source has on its key side.
pub const WINDOW_BOUNDS_COLUMNS: &[&str] = &["WINDOWSTART", "WINDOWEND"];

/// Whether users may not name a column `name`.
pub fn is_reserved_column_name(name: &str) -> bool {
    PSEUDO_COLUMNS.contains(&name) || WINDOW_BOUNDS_COLUMNS.contains(&name)
}

/// Where a column's value lives in a record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Namespace {
    Key,
    Value,
    /// All headers (`HEADERS`, key None) or the last value of one (`HEADER('k')`).
    Header(Option<String>),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Column {
    pub name: String,
    pub sql_type: SqlType,
    pub namespace: Namespace,
}

impl Column {
    pub fn to_arrow_field(&self) -> Field {
        Field::new(&self.name, self.sql_type.to_arrow(), true)
    }
}

/// The declared columns of a source, key columns first, in declaration order
/// within each namespace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct LogicalSchema {
    columns: Vec<Column>,
}

impl LogicalSchema {
    /// Orders `columns` key first, keeping the declared order otherwise.
    pub fn new(columns: Vec<Column>) -> Self {
        let (mut key, rest): (Vec<Column>, Vec<Column>) =
            columns.into_iter().partition(|c| c.namespace == Namespace::Key);
        key.extend(rest);
        LogicalSchema { columns: key }
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    pub fn key_columns(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| c.namespace == Namespace::Key)
    }

    pub fn value_columns(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| c.namespace == Namespace::Value)
    }

    pub fn header_columns(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| matches!(c.namespace, Namespace::Header(_)))
    }

    pub fn find(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The Arrow fields of the key columns, for the key format.
    pub fn key_fields(&self) -> Fields {
        self.key_columns().map(Column::to_arrow_field).collect()
    }

    /// The Arrow fields of the value columns, for the value format.
    pub fn value_fields(&self) -> Fields {
        self.value_columns().map(Column::to_arrow_field).collect()
    }
}

/// ksqlDB's schema text, e.g. ``"`ID` INTEGER KEY, `NAME` STRING"``.
impl fmt::Display for LogicalSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, column) in self.columns.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "`{}` {}", column.name, column.sql_type)?;
            match &column.namespace {
                Namespace::Key => f.write_str(" KEY")?,
                Namespace::Value => {}
                Namespace::Header(None) => f.write_str(" HEADERS")?,
                Namespace::Header(Some(key)) => write!(f, " HEADER('{}')", key.replace('\'', "''"))?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, sql_type: SqlType, namespace: Namespace) -> Column {
        Column { name: name.into(), sql_type, namespace }
    }

    #[test]
    fn key_columns_come_first_and_print_like_ksqldb() {
        let schema = LogicalSchema::new(vec![
            column("V", SqlType::String, Namespace::Value),
            column("K", SqlType::Int, Namespace::Key),
            column("H", SqlType::Bytes, Namespace::Header(Some("x".into()))),
        ]);
        assert_eq!(schema.to_string(), "`K` INTEGER KEY, `V` STRING, `H` BYTES HEADER('x')");
        assert_eq!(schema.key_fields().len(), 1);
        assert_eq!(schema.value_fields()[0].name(), "V");
        assert!(schema.find("H").is_some());
        assert!(is_reserved_column_name("WINDOWSTART"));
    }
}

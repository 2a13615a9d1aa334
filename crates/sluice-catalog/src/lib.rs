//! The metastore of Sluice: streams, tables, custom types and persistent
//! queries, built from checked ksqlDB statements.
//!
//! Schemas are kept as SQL types ([`SqlType`]) with their Arrow layout, so
//! that the planner, the formats and the REST API all describe a column the
//! same way.

mod catalog;
mod error;
mod properties;
mod schema;
mod source;
mod sql_type;

pub use catalog::{Catalog, Created, QueryInfo};
pub use error::{CatalogError, Result};
pub use properties::WithClause;
pub use schema::{
    is_reserved_column_name, Column, LogicalSchema, Namespace, PSEUDO_COLUMNS, WINDOW_BOUNDS_COLUMNS,
};
pub use source::{
    kind_name, DataSource, FormatDefaults, FormatSpec, TimestampColumn, WindowInfo, WindowType,
};
pub use sql_type::{SqlType, MAX_DECIMAL_PRECISION};

//! The metastore: every stream, table, custom type and persistent query.

use std::collections::BTreeMap;

use sluice_sql::ast::{ColumnDef, CreateSource, SourceKind};

use crate::error::{CatalogError, Result};
use crate::schema::{is_reserved_column_name, Column, LogicalSchema, Namespace};
use crate::source::{kind_name, DataSource, FormatDefaults};
use crate::sql_type::SqlType;

/// A persistent query as the catalog sees it: what it reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryInfo {
    pub id: String,
    pub sql: String,
    pub reads: Vec<String>,
    pub writes: Option<String>,
}

/// What a CREATE did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    New,
    Replaced,
    /// `IF NOT EXISTS` and the name was taken: nothing changed.
    AlreadyExists,
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    sources: BTreeMap<String, DataSource>,
    types: BTreeMap<String, SqlType>,
    queries: BTreeMap<String, QueryInfo>,
    defaults: FormatDefaults,
}

impl Catalog {
    pub fn new(defaults: FormatDefaults) -> Self {
        Catalog { defaults, ..Catalog::default() }
    }

    pub fn source(&self, name: &str) -> Option<&DataSource> {
        self.sources.get(name)
    }

    /// Every source, ordered by name.
    pub fn sources(&self) -> impl Iterator<Item = &DataSource> {
        self.sources.values()
    }

    pub fn custom_type(&self, name: &str) -> Option<&SqlType> {
        self.types.get(name)
    }

    pub fn custom_types(&self) -> impl Iterator<Item = (&String, &SqlType)> {
        self.types.iter()
    }

    pub fn query(&self, id: &str) -> Option<&QueryInfo> {
        self.queries.get(id)
    }

    pub fn queries(&self) -> impl Iterator<Item = &QueryInfo> {
        self.queries.values()
    }

    /// Resolves a type written in a statement against the custom types.
    pub fn resolve_type(&self, ty: &sluice_sql::ast::DataType) -> Result<SqlType> {
        SqlType::resolve(ty, &|name| self.types.get(name).cloned())
    }

    /// Checks a CREATE STREAM/TABLE and adds (or replaces) its source.
    pub fn create_source(&mut self, create: &CreateSource) -> Result<Created> {
        let source = DataSource::from_create(create, &|name| self.types.get(name).cloned(), &self.defaults)?;
        self.add_source(source, create.if_not_exists, create.or_replace)
    }

    /// Adds a source built elsewhere (the sink of CREATE .. AS SELECT).
    pub fn add_source(
        &mut self,
        source: DataSource,
        if_not_exists: bool,
        or_replace: bool,
    ) -> Result<Created> {
        let existing = self.sources.get(&source.name);
        // A source (CREATE SOURCE) is read-only: its definition cannot change either.
        if or_replace && (source.is_source || existing.is_some_and(|e| e.is_source)) {
            let kind = source.kind_name().to_lowercase();
            return Err(CatalogError::invalid(format!(
                "Cannot add {kind} '{}': CREATE OR REPLACE is not supported on source {kind}s.",
                source.name
            )));
        }
        if let Some(existing) = existing {
            if if_not_exists {
                return Ok(Created::AlreadyExists);
            }
            if !or_replace || existing.kind != source.kind {
                return Err(CatalogError::invalid(format!(
                    "Cannot add {} '{}': A {} with the same name already exists",
                    source.kind_name().to_lowercase(),
                    source.name,
                    existing.kind_name().to_lowercase()
                )));
            }
            self.sources.insert(source.name.clone(), source);
            return Ok(Created::Replaced);
        }
        self.sources.insert(source.name.clone(), source);
        Ok(Created::New)
    }

    /// Drops a source that no running query uses. Returns None when it did
    /// not exist and `if_exists` was given.
    pub fn drop_source(
        &mut self,
        kind: SourceKind,
        name: &str,
        if_exists: bool,
    ) -> Result<Option<DataSource>> {
        let kind_name = kind_name(kind);
        let Some(existing) = self.sources.get(name) else {
            if if_exists {
                return Ok(None);
            }
            return Err(CatalogError::NotFound { kind: kind_name, name: name.to_string() });
        };
        if existing.kind != kind {
            return Err(CatalogError::invalid(format!(
                "Incompatible data source type is {}, but statement was DROP {}",
                existing.kind_name().to_uppercase(),
                kind_name.to_uppercase()
            )));
        }
        let readers = self.query_ids(|q| q.reads.iter().any(|r| r == name));
        let writers = self.query_ids(|q| q.writes.as_deref() == Some(name));
        if !readers.is_empty() || !writers.is_empty() {
            return Err(CatalogError::invalid(format!(
                "Cannot drop {name}.\nThe following queries read from this source: [{}].\n\
                 The following queries write into this source: [{}].\n\
                 You need to terminate them before dropping {name}.",
                readers.join(", "),
                writers.join(", ")
            )));
        }
        Ok(self.sources.remove(name))
    }

    /// `ALTER STREAM|TABLE name ADD COLUMN ..`: appends value columns. Queries already
    /// running keep the schema they were planned with.
    pub fn alter_source(&mut self, kind: SourceKind, name: &str, added: &[ColumnDef]) -> Result<()> {
        let kind_name = kind_name(kind).to_lowercase();
        let Some(existing) = self.sources.get(name) else {
            return Err(CatalogError::invalid(format!("Source {name} does not exist.")));
        };
        if existing.is_source {
            return Err(CatalogError::invalid(format!(
                "Cannot alter {kind_name} '{name}': ALTER operations are not supported on source {kind_name}s."
            )));
        }
        if existing.kind != kind {
            return Err(CatalogError::invalid(format!(
                "Incompatible data source type is {}, but statement was ALTER {}",
                existing.kind_name().to_uppercase(),
                kind_name.to_uppercase()
            )));
        }
        if existing.from_query {
            return Err(CatalogError::invalid(
                "ALTER command is not supported for CREATE ... AS statements.",
            ));
        }
        let mut columns = existing.schema.columns().to_vec();
        for def in added {
            let column = def.name.0.clone();
            if is_reserved_column_name(&column) {
                return Err(CatalogError::invalid(format!(
                    "'{column}' is a reserved column name. You cannot use it as a name for a column."
                )));
            }
            if columns.iter().any(|c| c.name == column) {
                return Err(CatalogError::invalid(format!(
                    "Cannot add column `{column}` to schema. A column with the same name already exists."
                )));
            }
            let sql_type = self.resolve_type(&def.data_type)?;
            columns.push(Column { name: column, sql_type, namespace: Namespace::Value });
        }
        if let Some(source) = self.sources.get_mut(name) {
            source.schema = LogicalSchema::new(columns);
        }
        Ok(())
    }

    fn query_ids(&self, wanted: impl Fn(&QueryInfo) -> bool) -> Vec<String> {
        self.queries.values().filter(|q| wanted(q)).map(|q| q.id.clone()).collect()
    }

    /// `CREATE TYPE`: registers a name for a type.
    pub fn create_type(&mut self, name: &str, ty: SqlType, if_not_exists: bool) -> Result<Created> {
        if let Some(existing) = self.types.get(name) {
            if if_not_exists {
                return Ok(Created::AlreadyExists);
            }
            return Err(CatalogError::invalid(format!(
                "Cannot register custom type '{name}' since it is already registered with type: {existing}"
            )));
        }
        self.types.insert(name.to_string(), ty);
        Ok(Created::New)
    }

    /// `DROP TYPE`. Returns false when it did not exist and `if_exists` was given.
    pub fn drop_type(&mut self, name: &str, if_exists: bool) -> Result<bool> {
        match self.types.remove(name) {
            Some(_) => Ok(true),
            None if if_exists => Ok(false),
            None => Err(CatalogError::NotFound { kind: "Type", name: name.to_string() }),
        }
    }

    pub fn add_query(&mut self, query: QueryInfo) {
        self.queries.insert(query.id.clone(), query);
    }

    pub fn remove_query(&mut self, id: &str) -> Option<QueryInfo> {
        self.queries.remove(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_sql::ast::Statement;
    use sluice_sql::parse_statement;

    fn create(catalog: &mut Catalog, sql: &str) -> Result<Created> {
        match parse_statement(sql) {
            Ok(Statement::CreateSource(c)) => catalog.create_source(&c),
            other => panic!("not a CREATE: {other:?}"),
        }
    }

    fn json_catalog() -> Catalog {
        Catalog::new(FormatDefaults { value: Some("JSON".into()), ..FormatDefaults::default() })
    }

    #[test]
    fn creates_a_stream_with_defaults() {
        let mut catalog = json_catalog();
        create(&mut catalog, "CREATE STREAM s (id INT KEY, name STRING) WITH (kafka_topic='t');").unwrap();
        let s = catalog.source("S").unwrap();
        assert_eq!(s.schema.to_string(), "`ID` INTEGER KEY, `NAME` STRING");
        assert_eq!((s.key_format.name.as_str(), s.value_format.name.as_str()), ("KAFKA", "JSON"));
        assert_eq!(s.topic, "t");
        assert!(s.sql.starts_with("CREATE STREAM S (ID INTEGER KEY, NAME STRING)"), "{}", s.sql);
    }

    #[test]
    fn keyless_streams_get_the_none_key_format() {
        let mut catalog = json_catalog();
        create(&mut catalog, "CREATE STREAM s (v INT) WITH (kafka_topic='t');").unwrap();
        assert_eq!(catalog.source("S").unwrap().key_format.name, "NONE");
    }

    #[test]
    fn existing_names_and_if_not_exists() {
        let mut catalog = json_catalog();
        let sql = "CREATE TABLE t (k STRING PRIMARY KEY, v INT) WITH (kafka_topic='t');";
        assert_eq!(create(&mut catalog, sql).unwrap(), Created::New);
        let err = create(&mut catalog, sql).unwrap_err();
        assert_eq!(err.to_string(), "Cannot add table 'T': A table with the same name already exists");
        let again = "CREATE TABLE IF NOT EXISTS t (k STRING PRIMARY KEY) WITH (kafka_topic='t');";
        assert_eq!(create(&mut catalog, again).unwrap(), Created::AlreadyExists);
        let replace =
            "CREATE OR REPLACE TABLE t (k STRING PRIMARY KEY, v INT, w INT) WITH (kafka_topic='t');";
        assert_eq!(create(&mut catalog, replace).unwrap(), Created::Replaced);
    }

    #[test]
    fn rejects_what_ksqldb_rejects() {
        let cases = [
            ("CREATE TABLE t (v INT) WITH (kafka_topic='t');", "Tables require a PRIMARY KEY"),
            ("CREATE STREAM s (k INT PRIMARY KEY) WITH (kafka_topic='t');", "please use 'KEY' for streams"),
            ("CREATE TABLE t (k INT KEY) WITH (kafka_topic='t');", "please use 'PRIMARY KEY' for tables"),
            ("CREATE STREAM s (rowtime INT) WITH (kafka_topic='t');", "'ROWTIME' is a reserved column name"),
            ("CREATE STREAM s (a INT, a INT) WITH (kafka_topic='t');", "Duplicate value columns found in schema: `A` INTEGER"),
            ("CREATE STREAM s (a INT) WITH (value_format='JSON');", "Missing required property \"KAFKA_TOPIC\""),
            ("CREATE STREAM s (a INT) WITH (kafka_topic='t', format='JSON', value_format='JSON');", "Cannot supply both 'VALUE_FORMAT' and 'FORMAT'"),
            ("CREATE STREAM s (a INT) WITH (kafka_topic='t', value_format='FOO');", "Unknown format: FOO"),
            ("CREATE STREAM s (k STRING KEY) WITH (kafka_topic='t', key_format='NONE');", "The 'NONE' format can only be used when no columns are defined. Got: [`K` STRING KEY]"),
            ("CREATE STREAM s (k MAP<INT, DOUBLE> KEY) WITH (kafka_topic='t');", "Column type: MAP<INTEGER, DOUBLE>."),
            ("CREATE STREAM s (a INT, b INT) WITH (kafka_topic='t', wrap_single_value=false);", "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas"),
            ("CREATE STREAM s (a INT) WITH (kafka_topic='t', value_format='KAFKA', wrap_single_value=true);", "Format 'KAFKA' does not support 'WRAP_SINGLE_VALUE' set to 'true'."),
            ("CREATE STREAM s (a INT) WITH (kafka_topic='t', timestamp='b');", "does not exist in the schema: 'B'"),
            ("CREATE STREAM s (a INT) WITH (kafka_topic='t', timestamp='a');", "should be LONG(INT64)"),
            ("CREATE STREAM s (a INT) WITH (kafka_topic='t', window_type='TUMBLING');", "should set WINDOW_SIZE"),
            ("CREATE STREAM s (a INT) WITH (kafka_topic='t', window_type='TUMBLING', window_size='30 bobs');", "Unknown time unit: 'BOBS'"),
            ("CREATE STREAM s (a INT) WITH (kafka_topic='t', value_delimiter='|');", "JSON does not support the following configs: [delimiter]"),
            ("CREATE STREAM s (h ARRAY<STRING> HEADERS) WITH (kafka_topic='t');", "Invalid type for HEADERS column"),
            ("CREATE STREAM s (a INT) WITH (kafka_topic='t', foo=1);", "Invalid config variable(s) in the WITH clause: FOO"),
            ("CREATE STREAM s WITH (kafka_topic='t');", "does not define any columns"),
        ];
        for (sql, message) in cases {
            let err = create(&mut json_catalog(), sql).expect_err(sql).to_string();
            assert!(err.contains(message), "{sql}\n  expected: {message}\n  got: {err}");
        }
    }

    #[test]
    fn windowed_sources_and_timestamps() {
        let mut catalog = json_catalog();
        create(
            &mut catalog,
            "CREATE TABLE w (k INT PRIMARY KEY, ts STRING, c BIGINT) WITH (kafka_topic='w', window_type='hopping', \
             window_size='30 SECONDS', timestamp='ts', timestamp_format='yyyy-MM-dd');",
        )
        .unwrap();
        let w = catalog.source("W").unwrap();
        assert_eq!(
            w.window,
            Some(crate::WindowInfo { window_type: crate::WindowType::Hopping, size_ms: Some(30_000) })
        );
        assert_eq!(w.timestamp.as_ref().map(|t| t.column.as_str()), Some("TS"));
    }

    #[test]
    fn custom_types_and_drops() {
        let mut catalog = json_catalog();
        catalog.create_type("ADDRESS", SqlType::Struct(vec![("ZIP".into(), SqlType::Int)]), false).unwrap();
        assert!(catalog.create_type("ADDRESS", SqlType::Int, false).is_err());
        create(&mut catalog, "CREATE STREAM s (a address) WITH (kafka_topic='t');").unwrap();
        assert_eq!(catalog.source("S").unwrap().schema.to_string(), "`A` STRUCT<`ZIP` INTEGER>");

        catalog.add_query(QueryInfo {
            id: "CSAS_X_0".into(),
            sql: String::new(),
            reads: vec!["S".into()],
            writes: None,
        });
        let err = catalog.drop_source(SourceKind::Stream, "S", false).unwrap_err().to_string();
        assert!(err.contains("read from this source: [CSAS_X_0]"), "{err}");
        catalog.remove_query("CSAS_X_0");
        assert!(catalog.drop_source(SourceKind::Table, "S", false).is_err());
        assert!(catalog.drop_source(SourceKind::Stream, "S", false).unwrap().is_some());
        assert_eq!(
            catalog.drop_source(SourceKind::Stream, "S", false).unwrap_err().to_string(),
            "Stream S does not exist."
        );
        assert_eq!(catalog.drop_source(SourceKind::Stream, "S", true).unwrap(), None);
        assert!(catalog.drop_type("ADDRESS", false).unwrap());
        assert!(!catalog.drop_type("ADDRESS", true).unwrap());
    }
}

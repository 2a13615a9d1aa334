//! A short name for each kind of statement, for listings, logs and messages.

use super::{ConnectorScope, ShowTarget, SourceKind, Statement};

impl Statement {
    /// A short upper-case name for what the statement does, e.g.
    /// `"CREATE STREAM AS SELECT"`, `"PUSH QUERY"` or `"SHOW TOPICS"`.
    pub fn kind(&self) -> &'static str {
        use SourceKind::{Stream, Table};
        match self {
            Statement::CreateSource(c) => match (c.kind, c.is_source) {
                (Stream, false) => "CREATE STREAM",
                (Table, false) => "CREATE TABLE",
                (Stream, true) => "CREATE SOURCE STREAM",
                (Table, true) => "CREATE SOURCE TABLE",
            },
            Statement::CreateAsSelect(c) => match c.kind {
                Stream => "CREATE STREAM AS SELECT",
                Table => "CREATE TABLE AS SELECT",
            },
            Statement::InsertInto { .. } => "INSERT INTO",
            Statement::InsertValues { .. } => "INSERT VALUES",
            Statement::Query(select) => match select.emit {
                Some(_) => "PUSH QUERY",
                None => "PULL QUERY",
            },
            Statement::Print(_) => "PRINT",
            Statement::DropSource { kind: Stream, .. } => "DROP STREAM",
            Statement::DropSource { kind: Table, .. } => "DROP TABLE",
            Statement::DropType { .. } => "DROP TYPE",
            Statement::Terminate(_) => "TERMINATE",
            Statement::Pause(_) => "PAUSE",
            Statement::Resume(_) => "RESUME",
            Statement::Show(target) => match target {
                ShowTarget::Streams { .. } => "SHOW STREAMS",
                ShowTarget::Tables { .. } => "SHOW TABLES",
                ShowTarget::Topics { .. } => "SHOW TOPICS",
                ShowTarget::Queries { .. } => "SHOW QUERIES",
                ShowTarget::Properties => "SHOW PROPERTIES",
                ShowTarget::Functions => "SHOW FUNCTIONS",
                ShowTarget::Types => "SHOW TYPES",
                ShowTarget::Variables => "SHOW VARIABLES",
                ShowTarget::Connectors { scope: ConnectorScope::All } => "SHOW CONNECTORS",
                ShowTarget::Connectors { scope: ConnectorScope::Source } => "SHOW SOURCE CONNECTORS",
                ShowTarget::Connectors { scope: ConnectorScope::Sink } => "SHOW SINK CONNECTORS",
                ShowTarget::ConnectorPlugins => "SHOW CONNECTOR PLUGINS",
            },
            Statement::Describe { .. } => "DESCRIBE",
            Statement::DescribeAll { kind: Stream, .. } => "DESCRIBE STREAMS",
            Statement::DescribeAll { kind: Table, .. } => "DESCRIBE TABLES",
            Statement::DescribeFunction { .. } => "DESCRIBE FUNCTION",
            Statement::DescribeConnector { .. } => "DESCRIBE CONNECTOR",
            Statement::Explain(_) => "EXPLAIN",
            Statement::SetProperty { .. } => "SET",
            Statement::UnsetProperty { .. } => "UNSET",
            Statement::AlterSystem { .. } => "ALTER SYSTEM",
            Statement::DefineVariable { .. } => "DEFINE",
            Statement::UndefineVariable { .. } => "UNDEFINE",
            Statement::CreateType { .. } => "CREATE TYPE",
            Statement::AlterSource { kind: Stream, .. } => "ALTER STREAM",
            Statement::AlterSource { kind: Table, .. } => "ALTER TABLE",
            Statement::AssertTopic(_) => "ASSERT TOPIC",
            Statement::AssertSchema(_) => "ASSERT SCHEMA",
            Statement::CreateConnector(_) => "CREATE CONNECTOR",
            Statement::DropConnector { .. } => "DROP CONNECTOR",
            Statement::RunScript { .. } => "RUN SCRIPT",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{
        CreateSource, Emit, From, Ident, Properties, QueryTarget, Select, SelectItem, SourceRef,
    };
    use super::*;

    fn select(emit: Option<Emit>) -> Box<Select> {
        Box::new(Select {
            items: vec![SelectItem::Wildcard { source: None }],
            from: From { source: SourceRef { name: Ident::new("S"), alias: None }, joins: vec![] },
            window: None,
            where_clause: None,
            group_by: vec![],
            partition_by: vec![],
            having: None,
            emit,
            limit: None,
        })
    }

    #[test]
    fn queries_are_push_or_pull_by_emit() {
        assert_eq!(Statement::Query(select(Some(Emit::Changes))).kind(), "PUSH QUERY");
        assert_eq!(Statement::Query(select(Some(Emit::Final))).kind(), "PUSH QUERY");
        assert_eq!(Statement::Query(select(None)).kind(), "PULL QUERY");
    }

    #[test]
    fn sources_name_their_kind() {
        let source = |kind, is_source| {
            Statement::CreateSource(CreateSource {
                kind,
                or_replace: false,
                is_source,
                if_not_exists: false,
                name: Ident::new("S"),
                columns: vec![],
                properties: Properties::default(),
            })
        };
        assert_eq!(source(SourceKind::Stream, false).kind(), "CREATE STREAM");
        assert_eq!(source(SourceKind::Table, false).kind(), "CREATE TABLE");
        assert_eq!(source(SourceKind::Table, true).kind(), "CREATE SOURCE TABLE");
        let drop = Statement::DropSource {
            kind: SourceKind::Table,
            if_exists: true,
            name: Ident::new("T"),
            delete_topic: false,
        };
        assert_eq!(drop.kind(), "DROP TABLE");
        assert_eq!(Statement::Terminate(QueryTarget::All).kind(), "TERMINATE");
        assert_eq!(Statement::Show(ShowTarget::Topics { all: true, extended: false }).kind(), "SHOW TOPICS");
    }
}

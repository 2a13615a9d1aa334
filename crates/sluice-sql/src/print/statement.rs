//! Statements and their payloads.

use std::fmt::{self, Display, Formatter};

use super::{comma_list, flag, ident_quoted_if, quote_string, write_comma_separated};
use crate::ast::{
    AssertSchema, AssertTopic, ColumnConstraint, ColumnDef, ConnectorKind, ConnectorScope, CreateAsSelect,
    CreateConnector, CreateSource, ExplainTarget, Print, Properties, Property, QueryTarget, ShowTarget,
    SourceKind, Statement,
};

impl Display for SourceKind {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceKind::Stream => "STREAM",
            SourceKind::Table => "TABLE",
        })
    }
}

/// `STREAMS` / `TABLES`, as in `DESCRIBE STREAMS`.
fn plural(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Stream => "STREAMS",
        SourceKind::Table => "TABLES",
    }
}

impl Display for ConnectorKind {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConnectorKind::Source => "SOURCE",
            ConnectorKind::Sink => "SINK",
        })
    }
}

/// `NAME=VALUE`
impl Display for Property {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.value)
    }
}

/// `WITH (NAME=VALUE, ..)`, printed even when empty; statements whose grammar
/// makes the clause optional go through [`opt_with`] instead.
impl Display for Properties {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "WITH ({})", comma_list(&self.0))
    }
}

/// ` WITH (..)` with its leading space, or nothing when there are no properties.
fn opt_with(properties: &Properties) -> OptWith<'_> {
    OptWith(properties)
}

struct OptWith<'a>(&'a Properties);

impl Display for OptWith<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            Ok(())
        } else {
            write!(f, " {}", self.0)
        }
    }
}

/// The constraint with its leading space (` KEY`), or nothing for `None`.
impl Display for ColumnConstraint {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ColumnConstraint::None => Ok(()),
            ColumnConstraint::Key => f.write_str(" KEY"),
            ColumnConstraint::PrimaryKey => f.write_str(" PRIMARY KEY"),
            ColumnConstraint::Headers => f.write_str(" HEADERS"),
            ColumnConstraint::Header(key) => write!(f, " HEADER({})", quote_string(key)),
        }
    }
}

impl Display for ColumnDef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}{}", self.name, self.data_type, self.constraint)
    }
}

impl Display for CreateSource {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CREATE {}{}{} {}{}",
            flag(self.or_replace, "OR REPLACE "),
            flag(self.is_source, "SOURCE "),
            self.kind,
            flag(self.if_not_exists, "IF NOT EXISTS "),
            self.name,
        )?;
        if !self.columns.is_empty() {
            write!(f, " ({})", comma_list(&self.columns))?;
        }
        write!(f, "{}", opt_with(&self.properties))
    }
}

impl Display for CreateAsSelect {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CREATE {}{} {}{}{} AS {}",
            flag(self.or_replace, "OR REPLACE "),
            self.kind,
            flag(self.if_not_exists, "IF NOT EXISTS "),
            self.name,
            opt_with(&self.properties),
            self.query,
        )
    }
}

impl Display for Print {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "PRINT {}", quote_string(&self.topic))?;
        if self.from_beginning {
            f.write_str(" FROM BEGINNING")?;
        }
        if let Some(interval) = self.interval {
            write!(f, " INTERVAL {interval}")?;
        }
        if let Some(limit) = self.limit {
            write!(f, " LIMIT {limit}")?;
        }
        Ok(())
    }
}

/// The query id, or `ALL`.
impl Display for QueryTarget {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            QueryTarget::Query(id) => id.fmt(f),
            QueryTarget::All => f.write_str("ALL"),
        }
    }
}

/// What follows `SHOW`.
impl Display for ShowTarget {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let extended = |on: bool| flag(on, " EXTENDED");
        match self {
            ShowTarget::Streams { extended: on } => write!(f, "STREAMS{}", extended(*on)),
            ShowTarget::Tables { extended: on } => write!(f, "TABLES{}", extended(*on)),
            ShowTarget::Topics { all, extended: on } => {
                write!(f, "{}TOPICS{}", flag(*all, "ALL "), extended(*on))
            }
            ShowTarget::Queries { extended: on } => write!(f, "QUERIES{}", extended(*on)),
            ShowTarget::Properties => f.write_str("PROPERTIES"),
            ShowTarget::Functions => f.write_str("FUNCTIONS"),
            ShowTarget::Types => f.write_str("TYPES"),
            ShowTarget::Variables => f.write_str("VARIABLES"),
            ShowTarget::Connectors { scope } => f.write_str(match scope {
                ConnectorScope::All => "CONNECTORS",
                ConnectorScope::Source => "SOURCE CONNECTORS",
                ConnectorScope::Sink => "SINK CONNECTORS",
            }),
            ShowTarget::ConnectorPlugins => f.write_str("CONNECTOR PLUGINS"),
        }
    }
}

/// What follows `EXPLAIN`: a whole statement or a query id.
impl Display for ExplainTarget {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ExplainTarget::Statement(statement) => statement.fmt(f),
            ExplainTarget::QueryId(id) => id.fmt(f),
        }
    }
}

impl Display for AssertTopic {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ASSERT {}TOPIC {}{}",
            flag(self.not_exists, "NOT EXISTS "),
            quote_string(&self.name),
            opt_with(&self.properties),
        )?;
        if let Some(timeout) = &self.timeout {
            write!(f, " TIMEOUT {timeout}")?;
        }
        Ok(())
    }
}

impl Display for AssertSchema {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "ASSERT {}SCHEMA", flag(self.not_exists, "NOT EXISTS "))?;
        if let Some(subject) = &self.subject {
            write!(f, " SUBJECT {}", quote_string(subject))?;
        }
        if let Some(id) = self.id {
            write!(f, " ID {id}")?;
        }
        if let Some(timeout) = &self.timeout {
            write!(f, " TIMEOUT {timeout}")?;
        }
        Ok(())
    }
}

/// The `WITH (..)` clause is required here, so it prints even when empty.
impl Display for CreateConnector {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CREATE {} CONNECTOR {}{} {}",
            self.kind,
            flag(self.if_not_exists, "IF NOT EXISTS "),
            self.name,
            self.properties,
        )
    }
}

impl Display for Statement {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Statement::CreateSource(create) => create.fmt(f),
            Statement::CreateAsSelect(create) => create.fmt(f),
            Statement::InsertInto { target, properties, query } => {
                write!(f, "INSERT INTO {target}{} {query}", opt_with(properties))
            }
            Statement::InsertValues { target, columns, values } => {
                write!(f, "INSERT INTO {target}")?;
                if !columns.is_empty() {
                    write!(f, " ({})", comma_list(columns))?;
                }
                write!(f, " VALUES ({})", comma_list(values))
            }
            Statement::Query(select) => select.fmt(f),
            Statement::Print(print) => print.fmt(f),
            Statement::DropSource { kind, if_exists, name, delete_topic } => write!(
                f,
                "DROP {kind} {}{name}{}",
                flag(*if_exists, "IF EXISTS "),
                flag(*delete_topic, " DELETE TOPIC"),
            ),
            Statement::DropType { if_exists, name } => {
                write!(f, "DROP TYPE {}{name}", flag(*if_exists, "IF EXISTS "))
            }
            Statement::Terminate(target) => write!(f, "TERMINATE {target}"),
            Statement::Pause(target) => write!(f, "PAUSE {target}"),
            Statement::Resume(target) => write!(f, "RESUME {target}"),
            Statement::Show(target) => write!(f, "SHOW {target}"),
            Statement::Describe { name, extended } => {
                // Bare, these names read as `DESCRIBE STREAMS` and the like.
                let keyword = ["STREAMS", "TABLES", "FUNCTION", "CONNECTOR"].contains(&name.as_str());
                write!(f, "DESCRIBE {}{}", ident_quoted_if(name, keyword), flag(*extended, " EXTENDED"))
            }
            Statement::DescribeAll { kind, extended } => {
                write!(f, "DESCRIBE {}{}", plural(*kind), flag(*extended, " EXTENDED"))
            }
            Statement::DescribeFunction { name } => write!(f, "DESCRIBE FUNCTION {name}"),
            Statement::DescribeConnector { name } => write!(f, "DESCRIBE CONNECTOR {name}"),
            Statement::Explain(target) => write!(f, "EXPLAIN {target}"),
            Statement::SetProperty { name, value } => {
                write!(f, "SET {}={}", quote_string(name), quote_string(value))
            }
            Statement::UnsetProperty { name } => write!(f, "UNSET {}", quote_string(name)),
            Statement::AlterSystem { name, value } => {
                write!(f, "ALTER SYSTEM {}={}", quote_string(name), quote_string(value))
            }
            Statement::DefineVariable { name, value } => {
                write!(f, "DEFINE {name}={}", quote_string(value))
            }
            Statement::UndefineVariable { name } => write!(f, "UNDEFINE {name}"),
            Statement::CreateType { if_not_exists, name, data_type } => {
                write!(f, "CREATE TYPE {}{name} AS {data_type}", flag(*if_not_exists, "IF NOT EXISTS "),)
            }
            Statement::AlterSource { kind, name, columns } => {
                write!(f, "ALTER {kind} {name} ")?;
                write_comma_separated(f, columns, |f, column| write!(f, "ADD COLUMN {column}"))
            }
            Statement::AssertTopic(assert) => assert.fmt(f),
            Statement::AssertSchema(assert) => assert.fmt(f),
            Statement::CreateConnector(create) => create.fmt(f),
            Statement::DropConnector { if_exists, name } => {
                write!(f, "DROP CONNECTOR {}{name}", flag(*if_exists, "IF EXISTS "))
            }
            Statement::RunScript { path } => write!(f, "RUN SCRIPT {}", quote_string(path)),
        }
    }
}

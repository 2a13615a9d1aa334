use super::{DataType, Duration, Expr, Ident, Literal, Select};

/// One ksqlDB statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Statement {
    /// `CREATE [OR REPLACE] [SOURCE] STREAM|TABLE [IF NOT EXISTS] name (cols) WITH (..)`
    CreateSource(CreateSource),
    /// `CREATE [OR REPLACE] STREAM|TABLE [IF NOT EXISTS] name [WITH (..)] AS SELECT ..`
    CreateAsSelect(CreateAsSelect),
    /// `INSERT INTO target [WITH (..)] SELECT ..`
    InsertInto {
        target: Ident,
        properties: Properties,
        query: Box<Select>,
    },
    /// `INSERT INTO target [(cols)] VALUES (..)`
    InsertValues {
        target: Ident,
        columns: Vec<Ident>,
        values: Vec<Expr>,
    },
    /// A push (`EMIT ..`) or pull query.
    Query(Box<Select>),
    Print(Print),
    /// `DROP STREAM|TABLE [IF EXISTS] name [DELETE TOPIC]`
    DropSource {
        kind: SourceKind,
        if_exists: bool,
        name: Ident,
        delete_topic: bool,
    },
    /// `DROP TYPE [IF EXISTS] name`
    DropType {
        if_exists: bool,
        name: Ident,
    },
    Terminate(QueryTarget),
    Pause(QueryTarget),
    Resume(QueryTarget),
    Show(ShowTarget),
    /// `DESCRIBE name [EXTENDED]`
    Describe {
        name: Ident,
        extended: bool,
    },
    /// `DESCRIBE STREAMS|TABLES [EXTENDED]`
    DescribeAll {
        kind: SourceKind,
        extended: bool,
    },
    DescribeFunction {
        name: Ident,
    },
    DescribeConnector {
        name: Ident,
    },
    Explain(ExplainTarget),
    /// `SET 'name' = 'value'`
    SetProperty {
        name: String,
        value: String,
    },
    /// `UNSET 'name'`
    UnsetProperty {
        name: String,
    },
    /// `ALTER SYSTEM 'name' = 'value'`
    AlterSystem {
        name: String,
        value: String,
    },
    /// `DEFINE name = 'value'`
    DefineVariable {
        name: Ident,
        value: String,
    },
    UndefineVariable {
        name: Ident,
    },
    /// `CREATE TYPE [IF NOT EXISTS] name AS type`
    CreateType {
        if_not_exists: bool,
        name: Ident,
        data_type: DataType,
    },
    /// `ALTER STREAM|TABLE name ADD [COLUMN] c T, ADD [COLUMN] ..`
    AlterSource {
        kind: SourceKind,
        name: Ident,
        columns: Vec<ColumnDef>,
    },
    AssertTopic(AssertTopic),
    AssertSchema(AssertSchema),
    CreateConnector(CreateConnector),
    DropConnector {
        if_exists: bool,
        name: Ident,
    },
    /// `RUN SCRIPT 'file'` (a shell command; the file is read by the caller).
    RunScript {
        path: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    Stream,
    Table,
}

/// The `WITH (name = literal, ..)` list. Names are upper-cased unless quoted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Properties(pub Vec<Property>);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Property {
    pub name: Ident,
    pub value: Literal,
}

impl Properties {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value of a property, looked up case-insensitively.
    pub fn get(&self, name: &str) -> Option<&Literal> {
        self.0.iter().find(|p| p.name.0.eq_ignore_ascii_case(name)).map(|p| &p.value)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreateSource {
    pub kind: SourceKind,
    pub or_replace: bool,
    /// `CREATE SOURCE STREAM|TABLE`: read-only, materialized for pull queries.
    pub is_source: bool,
    pub if_not_exists: bool,
    pub name: Ident,
    pub columns: Vec<ColumnDef>,
    pub properties: Properties,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreateAsSelect {
    pub kind: SourceKind,
    pub or_replace: bool,
    pub if_not_exists: bool,
    pub name: Ident,
    pub properties: Properties,
    pub query: Box<Select>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ColumnDef {
    pub name: Ident,
    pub data_type: DataType,
    pub constraint: ColumnConstraint,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ColumnConstraint {
    None,
    /// `KEY` (streams)
    Key,
    /// `PRIMARY KEY` (tables)
    PrimaryKey,
    /// `HEADERS`: all headers as `ARRAY<STRUCT<KEY STRING, VALUE BYTES>>`.
    Headers,
    /// `HEADER('k')`: the last value of one header, as BYTES.
    Header(String),
}

/// `PRINT topic [FROM BEGINNING] [INTERVAL|SAMPLE n] [LIMIT n]`
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Print {
    /// The topic name exactly as it must be looked up (quoted names keep case).
    pub topic: String,
    pub from_beginning: bool,
    pub interval: Option<u64>,
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum QueryTarget {
    Query(Ident),
    All,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ShowTarget {
    Streams { extended: bool },
    Tables { extended: bool },
    Topics { all: bool, extended: bool },
    Queries { extended: bool },
    Properties,
    Functions,
    Types,
    Variables,
    Connectors { scope: ConnectorScope },
    ConnectorPlugins,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectorScope {
    All,
    Source,
    Sink,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ExplainTarget {
    Statement(Box<Statement>),
    QueryId(Ident),
}

/// `ASSERT [NOT EXISTS] TOPIC name [WITH (..)] [TIMEOUT n unit]`
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AssertTopic {
    pub not_exists: bool,
    pub name: String,
    pub properties: Properties,
    pub timeout: Option<Duration>,
}

/// `ASSERT [NOT EXISTS] SCHEMA [SUBJECT 's'] [ID n] [TIMEOUT n unit]`
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AssertSchema {
    pub not_exists: bool,
    pub subject: Option<String>,
    pub id: Option<u64>,
    pub timeout: Option<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectorKind {
    Source,
    Sink,
}

/// `CREATE SOURCE|SINK CONNECTOR [IF NOT EXISTS] name WITH (..)`
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreateConnector {
    pub kind: ConnectorKind,
    pub if_not_exists: bool,
    pub name: Ident,
    pub properties: Properties,
}

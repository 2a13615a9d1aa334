//! Statements: dispatch on the leading keyword, then each statement's shape.

use datafusion::sql::sqlparser::tokenizer::Token;

use super::expr::number_literal;
use super::{Parser, Result};
use crate::ast::{
    AssertSchema, AssertTopic, ColumnConstraint, ColumnDef, ConnectorKind, ConnectorScope, CreateAsSelect,
    CreateConnector, CreateSource, ExplainTarget, Literal, Print, Properties, Property, QueryTarget,
    ShowTarget, SourceKind, Statement,
};

/// The words that start a statement (see `parse_statement`).
const STATEMENT_KEYWORDS: &[&str] = &[
    "CREATE",
    "INSERT",
    "SELECT",
    "PRINT",
    "DROP",
    "TERMINATE",
    "PAUSE",
    "RESUME",
    "SHOW",
    "LIST",
    "DESCRIBE",
    "EXPLAIN",
    "SET",
    "UNSET",
    "ALTER",
    "DEFINE",
    "UNDEFINE",
    "ASSERT",
    "RUN",
];

const STATEMENT_START: &str = "a statement (CREATE, INSERT, SELECT, DROP, SHOW, DESCRIBE, ..)";

impl Parser {
    pub(super) fn parse_statement(&mut self) -> Result<Statement> {
        let Some(word) = self.word_at(0).map(|w| w.value.to_ascii_uppercase()) else {
            return Err(self.expected(STATEMENT_START));
        };
        match word.as_str() {
            "CREATE" => self.parse_create(),
            "INSERT" => self.parse_insert(),
            "SELECT" => Ok(Statement::Query(Box::new(self.parse_select()?))),
            "PRINT" => self.parse_print(),
            "DROP" => self.parse_drop(),
            "TERMINATE" | "PAUSE" | "RESUME" => self.parse_query_control(&word),
            "SHOW" | "LIST" => self.parse_show(),
            "DESCRIBE" => self.parse_describe(),
            "EXPLAIN" => self.parse_explain(),
            "SET" => self.parse_set(),
            "UNSET" => {
                self.advance();
                Ok(Statement::UnsetProperty { name: self.parse_string()? })
            }
            "ALTER" => self.parse_alter(),
            "DEFINE" => {
                self.advance();
                let name = self.parse_identifier()?;
                self.expect_token(&Token::Eq)?;
                Ok(Statement::DefineVariable { name, value: self.parse_string()? })
            }
            "UNDEFINE" => {
                self.advance();
                Ok(Statement::UndefineVariable { name: self.parse_identifier()? })
            }
            "ASSERT" => self.parse_assert(),
            "RUN" => {
                self.advance();
                self.expect_keyword("SCRIPT")?;
                Ok(Statement::RunScript { path: self.parse_string()? })
            }
            _ => Err(self.expected(STATEMENT_START)),
        }
    }

    fn parse_source_kind(&mut self) -> Result<SourceKind> {
        if self.parse_keyword("STREAM") {
            Ok(SourceKind::Stream)
        } else if self.parse_keyword("TABLE") {
            Ok(SourceKind::Table)
        } else {
            Err(self.expected("STREAM or TABLE"))
        }
    }

    fn parse_if_not_exists(&mut self) -> bool {
        self.parse_keywords(&["IF", "NOT", "EXISTS"])
    }

    fn parse_if_exists(&mut self) -> bool {
        self.parse_keywords(&["IF", "EXISTS"])
    }

    fn parse_create(&mut self) -> Result<Statement> {
        self.expect_keyword("CREATE")?;
        let or_replace = self.parse_keywords(&["OR", "REPLACE"]);
        if !or_replace {
            if self.parse_keyword("TYPE") {
                let if_not_exists = self.parse_if_not_exists();
                let name = self.parse_identifier()?;
                self.expect_keyword("AS")?;
                let data_type = self.parse_data_type()?;
                return Ok(Statement::CreateType { if_not_exists, name, data_type });
            }
            let connector = if self.is_keyword_at(1, "CONNECTOR") {
                if self.parse_keyword("SOURCE") {
                    Some(ConnectorKind::Source)
                } else if self.parse_keyword("SINK") {
                    Some(ConnectorKind::Sink)
                } else {
                    None
                }
            } else {
                None
            };
            if let Some(kind) = connector {
                self.expect_keyword("CONNECTOR")?;
                let if_not_exists = self.parse_if_not_exists();
                let name = self.parse_identifier()?;
                let properties = self.parse_with_properties()?;
                return Ok(Statement::CreateConnector(CreateConnector {
                    kind,
                    if_not_exists,
                    name,
                    properties,
                }));
            }
        }
        let is_source = self.parse_keyword("SOURCE");
        let kind = self.parse_source_kind()?;
        let if_not_exists = self.parse_if_not_exists();
        let name = self.parse_identifier()?;
        let columns =
            if self.peek_token() == &Token::LParen { self.parse_column_defs()? } else { Vec::new() };
        let properties = self.parse_optional_with_properties()?;
        if columns.is_empty() && !is_source && self.parse_keyword("AS") {
            let query = Box::new(self.parse_select()?);
            return Ok(Statement::CreateAsSelect(CreateAsSelect {
                kind,
                or_replace,
                if_not_exists,
                name,
                properties,
                query,
            }));
        }
        Ok(Statement::CreateSource(CreateSource {
            kind,
            or_replace,
            is_source,
            if_not_exists,
            name,
            columns,
            properties,
        }))
    }

    /// `(name type [KEY | PRIMARY KEY | HEADERS | HEADER('k')], ..)`
    fn parse_column_defs(&mut self) -> Result<Vec<ColumnDef>> {
        self.expect_token(&Token::LParen)?;
        let mut columns = Vec::new();
        loop {
            let name = self.parse_identifier()?;
            let data_type = self.parse_data_type()?;
            let constraint = self.parse_column_constraint()?;
            columns.push(ColumnDef { name, data_type, constraint });
            if self.consume_token(&Token::RParen) {
                return Ok(columns);
            }
            if !self.consume_token(&Token::Comma) {
                return Err(self.expected("',' or ')'"));
            }
        }
    }

    fn parse_column_constraint(&mut self) -> Result<ColumnConstraint> {
        if self.parse_keyword("KEY") {
            Ok(ColumnConstraint::Key)
        } else if self.parse_keywords(&["PRIMARY", "KEY"]) {
            Ok(ColumnConstraint::PrimaryKey)
        } else if self.parse_keyword("HEADERS") {
            Ok(ColumnConstraint::Headers)
        } else if self.peek_keyword("HEADER") && self.peek_nth(1).token == Token::LParen {
            self.advance();
            self.advance();
            let key = self.parse_string()?;
            self.expect_token(&Token::RParen)?;
            Ok(ColumnConstraint::Header(key))
        } else {
            Ok(ColumnConstraint::None)
        }
    }

    fn parse_optional_with_properties(&mut self) -> Result<Properties> {
        if self.peek_keyword("WITH") {
            self.parse_with_properties()
        } else {
            Ok(Properties::default())
        }
    }

    /// `WITH (name = literal, ..)`
    fn parse_with_properties(&mut self) -> Result<Properties> {
        self.expect_keyword("WITH")?;
        self.expect_token(&Token::LParen)?;
        let mut properties = Vec::new();
        loop {
            let name = self.parse_identifier_or_string()?;
            self.expect_token(&Token::Eq)?;
            let value = self.parse_property_value()?;
            properties.push(Property { name, value });
            if self.consume_token(&Token::RParen) {
                return Ok(Properties(properties));
            }
            if !self.consume_token(&Token::Comma) {
                return Err(self.expected("',' or ')'"));
            }
        }
    }

    /// A literal, with an optional sign on numbers (`RETENTION_MS=-1`).
    fn parse_property_value(&mut self) -> Result<Literal> {
        let negative = self.consume_token(&Token::Minus);
        let tok = self.peek().clone();
        let literal = match &tok.token {
            Token::Number(text, _) => {
                let text = if negative { format!("-{text}") } else { text.clone() };
                number_literal(&text)
            }
            _ if negative => return Err(self.expected("a number")),
            Token::SingleQuotedString(s) => Literal::String(s.clone()),
            Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("TRUE") => {
                Literal::Boolean(true)
            }
            Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("FALSE") => {
                Literal::Boolean(false)
            }
            Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("NULL") => {
                Literal::Null
            }
            _ => return Err(self.expected("a literal value")),
        };
        self.advance();
        Ok(literal)
    }

    fn parse_insert(&mut self) -> Result<Statement> {
        self.expect_keywords(&["INSERT", "INTO"])?;
        let target = self.parse_identifier()?;
        if self.peek_token() == &Token::LParen || self.peek_keyword("VALUES") {
            let columns = if self.consume_token(&Token::LParen) {
                let columns = self.parse_identifier_list()?;
                self.expect_token(&Token::RParen)?;
                columns
            } else {
                Vec::new()
            };
            self.expect_keyword("VALUES")?;
            self.expect_token(&Token::LParen)?;
            let values = self.parse_expr_list(&Token::RParen)?;
            return Ok(Statement::InsertValues { target, columns, values });
        }
        let properties = self.parse_optional_with_properties()?;
        if !self.peek_keyword("SELECT") {
            return Err(self.expected("SELECT, VALUES or a column list"));
        }
        let query = Box::new(self.parse_select()?);
        Ok(Statement::InsertInto { target, properties, query })
    }

    fn parse_print(&mut self) -> Result<Statement> {
        self.expect_keyword("PRINT")?;
        let topic = self.parse_case_sensitive_name()?;
        let from_beginning = self.parse_keywords(&["FROM", "BEGINNING"]);
        let interval = if self.parse_keyword("INTERVAL") || self.parse_keyword("SAMPLE") {
            Some(self.parse_unsigned()?)
        } else {
            None
        };
        let limit = if self.parse_keyword("LIMIT") { Some(self.parse_unsigned()?) } else { None };
        Ok(Statement::Print(Print { topic, from_beginning, interval, limit }))
    }

    fn parse_drop(&mut self) -> Result<Statement> {
        self.expect_keyword("DROP")?;
        if self.parse_keyword("TYPE") {
            let if_exists = self.parse_if_exists();
            return Ok(Statement::DropType { if_exists, name: self.parse_identifier()? });
        }
        if self.parse_keyword("CONNECTOR") {
            let if_exists = self.parse_if_exists();
            return Ok(Statement::DropConnector { if_exists, name: self.parse_identifier()? });
        }
        let kind = self.parse_source_kind()?;
        let if_exists = self.parse_if_exists();
        let name = self.parse_identifier()?;
        let delete_topic = self.parse_keywords(&["DELETE", "TOPIC"]);
        Ok(Statement::DropSource { kind, if_exists, name, delete_topic })
    }

    /// TERMINATE, PAUSE or RESUME, followed by a query id or ALL.
    fn parse_query_control(&mut self, word: &str) -> Result<Statement> {
        self.advance();
        let target = if self.parse_keyword("ALL") {
            QueryTarget::All
        } else {
            QueryTarget::Query(self.parse_identifier()?)
        };
        Ok(match word {
            "TERMINATE" => Statement::Terminate(target),
            "PAUSE" => Statement::Pause(target),
            _ => Statement::Resume(target),
        })
    }

    fn parse_show(&mut self) -> Result<Statement> {
        self.advance(); // SHOW or LIST
        let target = if self.parse_keyword("STREAMS") {
            ShowTarget::Streams { extended: self.parse_keyword("EXTENDED") }
        } else if self.parse_keyword("TABLES") {
            ShowTarget::Tables { extended: self.parse_keyword("EXTENDED") }
        } else if self.parse_keyword("QUERIES") {
            ShowTarget::Queries { extended: self.parse_keyword("EXTENDED") }
        } else if self.peek_keyword("TOPICS") || self.is_keyword_at(1, "TOPICS") {
            let all = self.parse_keyword("ALL");
            self.expect_keyword("TOPICS")?;
            ShowTarget::Topics { all, extended: self.parse_keyword("EXTENDED") }
        } else if self.parse_keyword("PROPERTIES") {
            ShowTarget::Properties
        } else if self.parse_keyword("FUNCTIONS") {
            ShowTarget::Functions
        } else if self.parse_keyword("TYPES") {
            ShowTarget::Types
        } else if self.parse_keyword("VARIABLES") {
            ShowTarget::Variables
        } else if self.parse_keywords(&["CONNECTOR", "PLUGINS"]) {
            ShowTarget::ConnectorPlugins
        } else if self.parse_keyword("CONNECTORS") {
            ShowTarget::Connectors { scope: ConnectorScope::All }
        } else if self.parse_keywords(&["SOURCE", "CONNECTORS"]) {
            ShowTarget::Connectors { scope: ConnectorScope::Source }
        } else if self.parse_keywords(&["SINK", "CONNECTORS"]) {
            ShowTarget::Connectors { scope: ConnectorScope::Sink }
        } else {
            return Err(self.expected(
                "STREAMS, TABLES, TOPICS, QUERIES, PROPERTIES, FUNCTIONS, TYPES, VARIABLES or CONNECTORS",
            ));
        };
        Ok(Statement::Show(target))
    }

    fn parse_describe(&mut self) -> Result<Statement> {
        self.expect_keyword("DESCRIBE")?;
        if self.parse_keyword("FUNCTION") {
            return Ok(Statement::DescribeFunction { name: self.parse_identifier()? });
        }
        if self.parse_keyword("CONNECTOR") {
            return Ok(Statement::DescribeConnector { name: self.parse_identifier()? });
        }
        // `DESCRIBE STREAMS` lists every stream; a source named STREAMS
        // would need quotes, as in ksqlDB.
        let all_kind = if self.peek_keyword("STREAMS") {
            Some(SourceKind::Stream)
        } else if self.peek_keyword("TABLES") {
            Some(SourceKind::Table)
        } else {
            None
        };
        if let Some(kind) = all_kind {
            self.advance();
            return Ok(Statement::DescribeAll { kind, extended: self.parse_keyword("EXTENDED") });
        }
        let name = self.parse_identifier()?;
        Ok(Statement::Describe { name, extended: self.parse_keyword("EXTENDED") })
    }

    fn parse_explain(&mut self) -> Result<Statement> {
        self.expect_keyword("EXPLAIN")?;
        let is_statement = STATEMENT_KEYWORDS.iter().any(|k| self.peek_keyword(k));
        let target = if is_statement {
            ExplainTarget::Statement(Box::new(self.parse_statement()?))
        } else {
            ExplainTarget::QueryId(self.parse_identifier()?)
        };
        Ok(Statement::Explain(target))
    }

    /// `SET 'name' = 'value'`
    fn parse_set(&mut self) -> Result<Statement> {
        self.expect_keyword("SET")?;
        let name = self.parse_string()?;
        self.expect_token(&Token::Eq)?;
        Ok(Statement::SetProperty { name, value: self.parse_string()? })
    }

    fn parse_alter(&mut self) -> Result<Statement> {
        self.expect_keyword("ALTER")?;
        if self.parse_keyword("SYSTEM") {
            let name = self.parse_string()?;
            self.expect_token(&Token::Eq)?;
            return Ok(Statement::AlterSystem { name, value: self.parse_string()? });
        }
        let kind = self.parse_source_kind()?;
        let name = self.parse_identifier()?;
        let mut columns = Vec::new();
        loop {
            self.expect_keyword("ADD")?;
            self.parse_keyword("COLUMN");
            let column = self.parse_identifier()?;
            let data_type = self.parse_data_type()?;
            columns.push(ColumnDef { name: column, data_type, constraint: ColumnConstraint::None });
            if !self.consume_token(&Token::Comma) {
                break;
            }
        }
        Ok(Statement::AlterSource { kind, name, columns })
    }

    fn parse_assert(&mut self) -> Result<Statement> {
        self.expect_keyword("ASSERT")?;
        let not_exists = self.parse_keywords(&["NOT", "EXISTS"]);
        if self.parse_keyword("TOPIC") {
            let name = self.parse_case_sensitive_name()?;
            let properties = self.parse_optional_with_properties()?;
            let timeout = self.parse_timeout()?;
            return Ok(Statement::AssertTopic(AssertTopic { not_exists, name, properties, timeout }));
        }
        if self.parse_keyword("SCHEMA") {
            let subject =
                if self.parse_keyword("SUBJECT") { Some(self.parse_case_sensitive_name()?) } else { None };
            let id = if self.parse_keyword("ID") { Some(self.parse_unsigned()?) } else { None };
            if subject.is_none() && id.is_none() {
                return Err(self.expected("SUBJECT or ID"));
            }
            let timeout = self.parse_timeout()?;
            return Ok(Statement::AssertSchema(AssertSchema { not_exists, subject, id, timeout }));
        }
        Err(self.expected("TOPIC or SCHEMA"))
    }

    /// A topic or subject name: case-sensitive in Kafka and the schema
    /// registry, so even an unquoted one is kept as written.
    fn parse_case_sensitive_name(&mut self) -> Result<String> {
        let name = match &self.peek().token {
            Token::SingleQuotedString(s) => s.clone(),
            Token::Word(w) => w.value.clone(),
            _ => return Err(self.expected("a name")),
        };
        self.advance();
        Ok(name)
    }

    fn parse_timeout(&mut self) -> Result<Option<crate::ast::Duration>> {
        if self.parse_keyword("TIMEOUT") {
            Ok(Some(self.parse_duration()?))
        } else {
            Ok(None)
        }
    }
}

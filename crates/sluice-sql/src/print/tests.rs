//! Printing hand-built trees: exact canonical text for each kind of node.

use crate::ast::*;

fn id(name: &str) -> Ident {
    Ident::new(name)
}

fn col(name: &str) -> Expr {
    Expr::column(name)
}

fn qcol(source: &str, name: &str) -> Expr {
    Expr::Column(ColumnRef { source: Some(id(source)), name: id(name) })
}

fn int(text: &str) -> Expr {
    Expr::Literal(Literal::Integer(text.into()))
}

fn string(text: &str) -> Expr {
    Expr::Literal(Literal::String(text.into()))
}

fn binary(left: Expr, op: BinaryOp, right: Expr) -> Expr {
    Expr::Binary { left: Box::new(left), op, right: Box::new(right) }
}

fn unary(op: UnaryOp, expr: Expr) -> Expr {
    Expr::Unary { op, expr: Box::new(expr) }
}

fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(FunctionCall { name: id(name), args, star: false })
}

fn secs(value: u64) -> Duration {
    Duration { value, unit: TimeUnit::Seconds }
}

fn item(expr: Expr) -> SelectItem {
    SelectItem::Expr { expr, alias: None }
}

fn source(name: &str, alias: Option<&str>) -> SourceRef {
    SourceRef { name: id(name), alias: alias.map(id) }
}

fn select(items: Vec<SelectItem>, from: SourceRef) -> Select {
    Select {
        items,
        from: From { source: from, joins: vec![] },
        window: None,
        where_clause: None,
        group_by: vec![],
        partition_by: vec![],
        having: None,
        emit: None,
        limit: None,
    }
}

fn props(pairs: &[(&str, Literal)]) -> Properties {
    Properties(pairs.iter().map(|(name, value)| Property { name: id(name), value: value.clone() }).collect())
}

#[test]
fn identifiers_are_quoted_only_when_needed() {
    assert_eq!(id("FOO_1").to_string(), "FOO_1");
    assert_eq!(id("KEY").to_string(), "KEY");
    assert_eq!(id("foo").to_string(), "`foo`");
    assert_eq!(id("SELECT").to_string(), "`SELECT`");
    assert_eq!(id("a`b").to_string(), "`a``b`");
    assert_eq!(id("").to_string(), "``");
}

#[test]
fn literals() {
    assert_eq!(Literal::String("it's".into()).to_string(), "'it''s'");
    assert_eq!(Literal::String("''".into()).to_string(), "''''''");
    assert_eq!(Literal::String(String::new()).to_string(), "''");
    assert_eq!(Literal::Null.to_string(), "NULL");
    assert_eq!(Literal::Boolean(false).to_string(), "FALSE");
    assert_eq!(Literal::Decimal("1.50".into()).to_string(), "1.50");
    assert_eq!(Literal::Double("1.5E3".into()).to_string(), "1.5E3");
}

#[test]
fn signs_never_print_a_comment() {
    let minus = |e| unary(UnaryOp::Minus, e);
    assert_eq!(minus(col("X")).to_string(), "-X");
    assert_eq!(minus(minus(int("1"))).to_string(), "-(-1)");
    assert_eq!(minus(int("-1")).to_string(), "-(-1)");
    assert_eq!(unary(UnaryOp::Plus, minus(col("X"))).to_string(), "+(-X)");
    assert_eq!(minus(minus(minus(col("X")))).to_string(), "-(-(-X))");
    assert_eq!(minus(binary(col("A"), BinaryOp::Add, int("1"))).to_string(), "-(A + 1)");
    assert_eq!(binary(col("A"), BinaryOp::Subtract, minus(int("1"))).to_string(), "(A - -1)");
    assert_eq!(unary(UnaryOp::Not, unary(UnaryOp::Not, col("B"))).to_string(), "(NOT (NOT B))");
    let subscript = Expr::Subscript { base: Box::new(minus(col("X"))), index: Box::new(int("1")) };
    assert_eq!(subscript.to_string(), "(-X)[1]");
    let zoned = Expr::AtTimeZone { expr: Box::new(minus(col("X"))), zone: "UTC".into() };
    assert_eq!(zoned.to_string(), "((-X) AT TIME ZONE 'UTC')");
}

#[test]
fn expressions() {
    let like = Expr::Like {
        expr: Box::new(col("NAME")),
        pattern: Box::new(string("a!%%")),
        escape: Some("!".into()),
        negated: true,
    };
    assert_eq!(like.to_string(), "(NAME NOT LIKE 'a!%%' ESCAPE '!')");

    let case = Expr::Case {
        operand: Some(Box::new(col("X"))),
        whens: vec![WhenClause { condition: int("1"), result: string("one") }],
        else_result: Some(Box::new(Expr::Literal(Literal::Null))),
    };
    assert_eq!(case.to_string(), "CASE X WHEN 1 THEN 'one' ELSE NULL END");

    let cast = Expr::Cast {
        expr: Box::new(col("X")),
        data_type: DataType::Map {
            key: Box::new(DataType::String),
            value: Box::new(DataType::Array(Box::new(DataType::Decimal { precision: 10, scale: 2 }))),
        },
    };
    assert_eq!(cast.to_string(), "CAST(X AS MAP<STRING, ARRAY<DECIMAL(10, 2)>>)");

    let in_list = Expr::InList { expr: Box::new(col("X")), list: vec![int("1"), int("2")], negated: false };
    assert_eq!(in_list.to_string(), "(X IN (1, 2))");

    let lambda = Expr::Lambda {
        params: vec![id("K"), id("V")],
        body: Box::new(binary(col("K"), BinaryOp::Concat, col("V"))),
    };
    let single = Expr::Lambda { params: vec![id("x")], body: Box::new(col("x")) };
    let transform = call("TRANSFORM", vec![col("M"), lambda, single]);
    assert_eq!(transform.to_string(), "TRANSFORM(M, (K, V) => (K || V), `x` => `x`)");

    let map = Expr::Map(vec![(string("a"), int("1")), (string("b"), int("2"))]);
    assert_eq!(map.to_string(), "MAP('a':=1, 'b':=2)");
    let strukt = Expr::Struct(vec![(id("F"), map), (id("g"), Expr::Array(vec![]))]);
    assert_eq!(strukt.to_string(), "STRUCT(F:=MAP('a':=1, 'b':=2), `g`:=ARRAY[])");

    let deref = Expr::Dereference {
        base: Box::new(Expr::Subscript { base: Box::new(qcol("S", "ARR")), index: Box::new(int("1")) }),
        field: id("field"),
    };
    assert_eq!(deref.to_string(), "S.ARR[1]->`field`");

    let count = Expr::Function(FunctionCall { name: id("COUNT"), args: vec![], star: true });
    assert_eq!(count.to_string(), "COUNT(*)");

    let tz = Expr::AtTimeZone { expr: Box::new(col("TS")), zone: "Europe/London".into() };
    let between = Expr::Between {
        expr: Box::new(tz),
        low: Box::new(int("1")),
        high: Box::new(int("2")),
        negated: true,
    };
    assert_eq!(between.to_string(), "((TS AT TIME ZONE 'Europe/London') NOT BETWEEN 1 AND 2)");
}

#[test]
fn names_that_would_read_as_syntax_are_quoted() {
    let subscript = Expr::Subscript { base: Box::new(col("ARRAY")), index: Box::new(int("1")) };
    assert_eq!(subscript.to_string(), "`ARRAY`[1]");
    assert_eq!(col("ARRAY").to_string(), "ARRAY");
    assert_eq!(call("MAP", vec![]).to_string(), "`MAP`()");
    let dateadd =
        call("DATEADD", vec![Expr::TimeUnit(TimeUnit::Days), col("DAYS"), col("second"), qcol("T", "HOUR")]);
    assert_eq!(dateadd.to_string(), "DATEADD(DAYS, `DAYS`, `second`, T.HOUR)");
    let cast = |data_type| Expr::Cast { expr: Box::new(col("X")), data_type };
    assert_eq!(cast(DataType::Custom(id("STRING"))).to_string(), "CAST(X AS `STRING`)");
    assert_eq!(cast(DataType::Custom(id("ADDRESS"))).to_string(), "CAST(X AS ADDRESS)");
}

#[test]
fn create_stream_with_key_and_header() {
    let statement = Statement::CreateSource(CreateSource {
        kind: SourceKind::Stream,
        or_replace: false,
        is_source: false,
        if_not_exists: true,
        name: id("PAGEVIEWS"),
        columns: vec![
            ColumnDef { name: id("ID"), data_type: DataType::Bigint, constraint: ColumnConstraint::Key },
            ColumnDef {
                name: id("TRACE"),
                data_type: DataType::Bytes,
                constraint: ColumnConstraint::Header("it's".into()),
            },
            ColumnDef {
                name: id("user"),
                data_type: DataType::Struct(vec![
                    StructField { name: id("NAME"), data_type: DataType::String },
                    StructField { name: id("AGE"), data_type: DataType::Int },
                ]),
                constraint: ColumnConstraint::None,
            },
        ],
        properties: props(&[
            ("KAFKA_TOPIC", Literal::String("pageviews".into())),
            ("PARTITIONS", Literal::Integer("3".into())),
        ]),
    });
    assert_eq!(
        statement.to_string(),
        "CREATE STREAM IF NOT EXISTS PAGEVIEWS (ID BIGINT KEY, TRACE BYTES HEADER('it''s'), \
         `user` STRUCT<NAME STRING, AGE INTEGER>) WITH (KAFKA_TOPIC='pageviews', PARTITIONS=3)"
    );
}

#[test]
fn create_source_table_without_columns_or_properties() {
    let statement = Statement::CreateSource(CreateSource {
        kind: SourceKind::Table,
        or_replace: true,
        is_source: true,
        if_not_exists: false,
        name: id("T"),
        columns: vec![],
        properties: Properties::default(),
    });
    assert_eq!(statement.to_string(), "CREATE OR REPLACE SOURCE TABLE T");
}

#[test]
fn windowed_select_with_join() {
    let mut query = select(
        vec![
            item(qcol("O", "ID")),
            SelectItem::Expr { expr: call("COUNT", vec![col("X")]), alias: Some(id("total")) },
            SelectItem::Wildcard { source: Some(id("S")) },
            SelectItem::StructAll(col("ADDR")),
        ],
        source("ORDERS", Some("O")),
    );
    query.from.joins = vec![
        Join {
            kind: JoinKind::Left,
            source: source("SHIPMENTS", Some("S")),
            within: Some(Within {
                bounds: WithinBounds::Asymmetric { before: secs(1), after: secs(2) },
                grace: Some(Duration { value: 500, unit: TimeUnit::Milliseconds }),
            }),
            on: binary(qcol("O", "ID"), BinaryOp::Eq, qcol("S", "ORDER_ID")),
        },
        Join {
            kind: JoinKind::Inner,
            source: source("USERS", None),
            within: None,
            on: binary(qcol("O", "USER_ID"), BinaryOp::Eq, qcol("USERS", "ID")),
        },
    ];
    query.window = Some(Window {
        kind: WindowKind::Hopping { size: Duration { value: 1, unit: TimeUnit::Hours }, advance: secs(10) },
        retention: Some(Duration { value: 7, unit: TimeUnit::Days }),
        grace: Some(Duration { value: 5, unit: TimeUnit::Minutes }),
    });
    query.where_clause = Some(binary(
        binary(col("X"), BinaryOp::Gt, int("0")),
        BinaryOp::And,
        Expr::IsNull { expr: Box::new(col("Y")), negated: true },
    ));
    query.group_by = vec![qcol("O", "ID"), col("Z")];
    query.having = Some(binary(call("COUNT", vec![col("X")]), BinaryOp::GtEq, int("2")));
    query.emit = Some(Emit::Changes);
    query.limit = Some(10);
    assert_eq!(
        Statement::Query(Box::new(query)).to_string(),
        "SELECT O.ID, COUNT(X) AS `total`, S.*, ADDR->* FROM ORDERS AS O \
         LEFT OUTER JOIN SHIPMENTS AS S WITHIN (1 SECONDS, 2 SECONDS) GRACE PERIOD 500 MILLISECONDS \
         ON (O.ID = S.ORDER_ID) INNER JOIN USERS ON (O.USER_ID = USERS.ID) \
         WINDOW HOPPING (SIZE 1 HOURS, ADVANCE BY 10 SECONDS, RETENTION 7 DAYS, GRACE PERIOD 5 MINUTES) \
         WHERE ((X > 0) AND (Y IS NOT NULL)) GROUP BY O.ID, Z HAVING (COUNT(X) >= 2) \
         EMIT CHANGES LIMIT 10"
    );
}

#[test]
fn windows() {
    let tumbling = Window { kind: WindowKind::Tumbling { size: secs(30) }, retention: None, grace: None };
    assert_eq!(tumbling.to_string(), "TUMBLING (SIZE 30 SECONDS)");
    let session =
        Window { kind: WindowKind::Session { gap: secs(5) }, retention: None, grace: Some(secs(1)) };
    assert_eq!(session.to_string(), "SESSION (5 SECONDS, GRACE PERIOD 1 SECONDS)");
}

#[test]
fn create_as_select_and_insert() {
    let mut query = select(vec![SelectItem::Wildcard { source: None }], source("S", None));
    query.partition_by = vec![col("K")];
    query.emit = Some(Emit::Final);
    let create = Statement::CreateAsSelect(CreateAsSelect {
        kind: SourceKind::Table,
        or_replace: true,
        if_not_exists: false,
        name: id("T"),
        properties: props(&[("FORMAT", Literal::String("JSON".into()))]),
        query: Box::new(query.clone()),
    });
    assert_eq!(
        create.to_string(),
        "CREATE OR REPLACE TABLE T WITH (FORMAT='JSON') AS SELECT * FROM S PARTITION BY K EMIT FINAL"
    );
    let insert =
        Statement::InsertInto { target: id("T"), properties: Properties::default(), query: Box::new(query) };
    assert_eq!(insert.to_string(), "INSERT INTO T SELECT * FROM S PARTITION BY K EMIT FINAL");

    let values = Statement::InsertValues {
        target: id("t"),
        columns: vec![id("A"), id("B")],
        values: vec![int("1"), string("x")],
    };
    assert_eq!(values.to_string(), "INSERT INTO `t` (A, B) VALUES (1, 'x')");
    let bare = Statement::InsertValues { target: id("T"), columns: vec![], values: vec![int("1")] };
    assert_eq!(bare.to_string(), "INSERT INTO T VALUES (1)");
}

#[test]
fn other_statements() {
    let cases: Vec<(Statement, &str)> = vec![
        (
            Statement::Print(Print {
                topic: "my-topic".into(),
                from_beginning: true,
                interval: Some(2),
                limit: Some(5),
            }),
            "PRINT 'my-topic' FROM BEGINNING INTERVAL 2 LIMIT 5",
        ),
        (
            Statement::DropSource {
                kind: SourceKind::Stream,
                if_exists: true,
                name: id("S"),
                delete_topic: true,
            },
            "DROP STREAM IF EXISTS S DELETE TOPIC",
        ),
        (Statement::Terminate(QueryTarget::All), "TERMINATE ALL"),
        (Statement::Pause(QueryTarget::Query(id("CTAS_T_1"))), "PAUSE CTAS_T_1"),
        (Statement::Show(ShowTarget::Topics { all: true, extended: true }), "SHOW ALL TOPICS EXTENDED"),
        (Statement::Show(ShowTarget::Connectors { scope: ConnectorScope::Sink }), "SHOW SINK CONNECTORS"),
        (Statement::DescribeAll { kind: SourceKind::Table, extended: true }, "DESCRIBE TABLES EXTENDED"),
        (
            Statement::Explain(ExplainTarget::Statement(Box::new(Statement::Show(ShowTarget::Streams {
                extended: false,
            })))),
            "EXPLAIN SHOW STREAMS",
        ),
        (
            Statement::SetProperty { name: "auto.offset.reset".into(), value: "earliest".into() },
            "SET 'auto.offset.reset'='earliest'",
        ),
        (Statement::DefineVariable { name: id("V"), value: "it's".into() }, "DEFINE V='it''s'"),
        (
            Statement::CreateType {
                if_not_exists: true,
                name: id("ADDRESS"),
                data_type: DataType::Struct(vec![]),
            },
            "CREATE TYPE IF NOT EXISTS ADDRESS AS STRUCT<>",
        ),
        (
            Statement::AlterSource {
                kind: SourceKind::Table,
                name: id("T"),
                columns: vec![
                    ColumnDef { name: id("A"), data_type: DataType::Int, constraint: ColumnConstraint::None },
                    ColumnDef {
                        name: id("B"),
                        data_type: DataType::Custom(id("ADDRESS")),
                        constraint: ColumnConstraint::None,
                    },
                ],
            },
            "ALTER TABLE T ADD COLUMN A INTEGER, ADD COLUMN B ADDRESS",
        ),
        (
            Statement::AssertTopic(AssertTopic {
                not_exists: true,
                name: "t".into(),
                properties: props(&[("PARTITIONS", Literal::Integer("1".into()))]),
                timeout: Some(secs(3)),
            }),
            "ASSERT NOT EXISTS TOPIC 't' WITH (PARTITIONS=1) TIMEOUT 3 SECONDS",
        ),
        (
            Statement::AssertSchema(AssertSchema {
                not_exists: false,
                subject: Some("s".into()),
                id: Some(4),
                timeout: None,
            }),
            "ASSERT SCHEMA SUBJECT 's' ID 4",
        ),
        (
            Statement::CreateConnector(CreateConnector {
                kind: ConnectorKind::Source,
                if_not_exists: false,
                name: id("C"),
                properties: props(&[("connector.class", Literal::String("X".into()))]),
            }),
            "CREATE SOURCE CONNECTOR C WITH (`connector.class`='X')",
        ),
        (Statement::RunScript { path: "/tmp/a.sql".into() }, "RUN SCRIPT '/tmp/a.sql'"),
    ];
    for (statement, expected) in cases {
        assert_eq!(statement.to_string(), expected);
    }
}

//! Statements whose canonical text is easy to get wrong: each must print to
//! text that parses back to the same tree.

use sluice_sql::parse_statement;

const TRICKY: &[&str] = &[
    "SELECT F((x => x) + 1) FROM s;",
    "SELECT TRANSFORM(arr, (x, y) => x + y), FILTER(arr, x => x > 0) FROM s;",
    "DESCRIBE `STREAMS`;",
    "DESCRIBE `FUNCTION` EXTENDED;",
    "DESCRIBE STREAMS EXTENDED;",
    "SELECT -(-1), - -x, -x[1], (-x)[1], (-x)->f FROM s;",
    "SELECT `ARRAY`[1], `MAP`(1), DATEADD(`DAYS`, 1, d), DATEADD(DAYS, 1, d) FROM s;",
    "SELECT `select`, `a``b`, \"dq\" FROM `from`;",
    "SELECT 'it''s', '' FROM s;",
    "CREATE STREAM s (a `STRING`) WITH (kafka_topic='t');",
    "SELECT CAST(a AS ARRAY<ARRAY<INT>>) FROM s GROUP BY (a, b);",
    "EXPLAIN SHOW STREAMS;",
    "PRINT MixedCase FROM BEGINNING;",
    "ASSERT SCHEMA SUBJECT MixedCase ID 3;",
];

#[test]
fn tricky_statements_round_trip() {
    for sql in TRICKY {
        let parsed = parse_statement(sql).unwrap_or_else(|e| panic!("{sql}\n{}", e.render(sql)));
        let printed = parsed.to_string();
        let again = parse_statement(&printed).unwrap_or_else(|e| panic!("{printed}\n{}", e.render(&printed)));
        assert_eq!(again, parsed, "{sql} printed as {printed}");
    }
}

#[test]
fn case_sensitive_names_keep_their_case() {
    assert_eq!(parse_statement("PRINT MixedCase;").unwrap().to_string(), "PRINT 'MixedCase'");
    let schema = parse_statement("ASSERT SCHEMA SUBJECT MixedCase;").unwrap().to_string();
    assert_eq!(schema, "ASSERT SCHEMA SUBJECT 'MixedCase'");
}

#[test]
fn malformed_clauses_are_errors() {
    for (sql, message) in [
        ("SELECT * FROM s GROUP BY ();", "expected an expression"),
        ("SELECT * FROM s WINDOW TUMBLING (SIZE 1 SECOND, GRACE PERIOD 1 SECOND, RETENTION 1 DAY) GROUP BY a;", "RETENTION must come before GRACE PERIOD"),
    ] {
        let err = parse_statement(sql).expect_err(sql);
        assert!(err.message.contains(message), "{sql}: {err}");
    }
}

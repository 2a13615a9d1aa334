//! Feeds generated and mutated statements to the parser. Whatever the input,
//! the parser must not panic, every error must point at a real position,
//! and every statement that parses must survive the print/parse round trip.

use std::collections::HashMap;

use proptest::prelude::*;
use sluice_sql::{parse_script, parse_statement};

/// Well-formed statements covering the grammar; mutations start from these.
const SEEDS: &[&str] = &[
    "CREATE STREAM s (id INT KEY, name STRING, h ARRAY<STRUCT<k STRING, v BYTES>> HEADERS) WITH (kafka_topic='s', value_format='JSON', partitions=2);",
    "CREATE OR REPLACE TABLE t (id BIGINT PRIMARY KEY, m MAP<STRING, ARRAY<DECIMAL(10, 2)>>, b BYTES HEADER('x')) WITH (kafka_topic='t', format='JSON');",
    "CREATE SOURCE TABLE IF NOT EXISTS st (k STRING PRIMARY KEY, v INT) WITH (kafka_topic='st', value_format='DELIMITED', value_delimiter='|');",
    "CREATE TABLE agg WITH (kafka_topic='out') AS SELECT id, COUNT(*) AS c, SUM(amount) s FROM s WINDOW TUMBLING (SIZE 10 SECONDS, RETENTION 1 DAY, GRACE PERIOD 1 SECOND) WHERE amount > 5000 GROUP BY id HAVING COUNT(*) > 1 EMIT FINAL;",
    "CREATE STREAM j AS SELECT a.id, b.v FROM a LEFT OUTER JOIN b WITHIN (1 SECOND, 2 MINUTES) GRACE PERIOD 5 SECONDS ON a.id = b.id EMIT CHANGES;",
    "SELECT s->f, arr[1], m['k'], s->* FROM src WHERE x NOT BETWEEN 1 AND 10 AND y IN (1, 2, 3) OR z LIKE 'a%' ESCAPE '!' EMIT CHANGES LIMIT 5;",
    "SELECT CASE WHEN a IS NULL THEN 'n' WHEN a IS NOT DISTINCT FROM b THEN 'd' ELSE CAST(a AS STRING) END FROM s;",
    "SELECT TRANSFORM(arr, x => x + 1), REDUCE(m, 0, (s, k, v) => s + v), ARRAY[1, 2], MAP('a' := 1), STRUCT(f := 1.5E3) FROM s EMIT CHANGES;",
    "SELECT DATEADD(DAYS, 1, d), ts AT TIME ZONE 'UTC', -x * 2 || 'a', `quoted col`, \"dq\" FROM s GROUP BY (a, b) PARTITION BY c;",
    "INSERT INTO s (id, name, ROWTIME) VALUES (1, 'it''s', 1000);",
    "INSERT INTO out WITH (query_id='Q1') SELECT * FROM s WHERE id <> 3 EMIT CHANGES;",
    "SELECT * FROM s WINDOW HOPPING (SIZE 30 SECONDS, ADVANCE BY 10 SECONDS) GROUP BY k EMIT CHANGES;",
    "SELECT * FROM s WINDOW SESSION (5 MINUTES) GROUP BY k EMIT CHANGES;",
    "PRINT 'my-topic' FROM BEGINNING INTERVAL 2 LIMIT 10;",
    "DROP TABLE IF EXISTS t DELETE TOPIC;",
    "TERMINATE CSAS_OUT_0; PAUSE ALL; RESUME q1;",
    "SHOW ALL TOPICS EXTENDED; LIST STREAMS; SHOW QUERIES EXTENDED; SHOW SINK CONNECTORS;",
    "DESCRIBE s EXTENDED; DESCRIBE FUNCTION abs; DESCRIBE TABLES; EXPLAIN SELECT * FROM s EMIT CHANGES;",
    "SET 'auto.offset.reset'='earliest'; UNSET 'auto.offset.reset'; ALTER SYSTEM 'a'='b';",
    "DEFINE topic = 'x'; CREATE STREAM v (a INT) WITH (kafka_topic='${topic}', value_format='JSON'); UNDEFINE topic;",
    "CREATE TYPE IF NOT EXISTS addr AS STRUCT<street STRING, zip INT>; DROP TYPE addr;",
    "ALTER STREAM s ADD COLUMN c INT, ADD d ARRAY<addr>;",
    "ASSERT NOT EXISTS TOPIC 't' WITH (partitions=1) TIMEOUT 3 SECONDS; ASSERT SCHEMA SUBJECT 's' ID 4;",
    "CREATE SOURCE CONNECTOR IF NOT EXISTS c WITH ('connector.class'='x', \"tasks.max\"=-1); DROP CONNECTOR c;",
    "/* block */ SELECT a -- line\n , b FROM s;\nRUN SCRIPT '/tmp/x.sql';",
];

/// Fragments to splice in: keywords, operators, literals, quotes and
/// comment openers that are likely to confuse a lexer or parser.
const FRAGMENTS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP BY",
    "EMIT",
    "CHANGES",
    "FINAL",
    "WINDOW",
    "TUMBLING",
    "SIZE",
    "10",
    "SECONDS",
    "JOIN",
    "WITHIN",
    "GRACE PERIOD",
    "CREATE",
    "STREAM",
    "TABLE",
    "AS",
    "WITH",
    "KEY",
    "PRIMARY",
    "INSERT",
    "INTO",
    "VALUES",
    "CASE",
    "WHEN",
    "THEN",
    "END",
    "CAST",
    "ARRAY",
    "MAP",
    "STRUCT",
    "NOT",
    "AND",
    "OR",
    "BETWEEN",
    "IN",
    "LIKE",
    "IS",
    "NULL",
    "DISTINCT",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    ">>",
    "<>",
    ",",
    ";",
    "*",
    "-",
    "+",
    "/",
    "%",
    "||",
    "->",
    "=>",
    ":=",
    "=",
    ".",
    "'",
    "''",
    "\"",
    "`",
    "--",
    "/*",
    "*/",
    "\n",
    "${",
    "}",
    "${topic}",
    "1",
    "1.5",
    "1e3",
    "-1",
    "99999999999999999999999",
    "'str'",
    "x",
    "é",
    "\u{0}",
    "DECIMAL(",
    "STRUCT<",
    "MAP<",
    "AT TIME ZONE",
];

#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, fragment: usize },
    Repeat { at: usize, len: usize },
    Truncate { at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..12).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), 0..FRAGMENTS.len()).prop_map(|(at, fragment)| Mutation::Insert { at, fragment }),
        (any::<usize>(), 1usize..20).prop_map(|(at, len)| Mutation::Repeat { at, len }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

fn apply(seed: &str, mutations: &[Mutation]) -> String {
    let mut chars: Vec<char> = seed.chars().collect();
    for m in mutations {
        let n = chars.len().max(1);
        match *m {
            Mutation::Delete { at, len } => {
                let at = at % n;
                let end = (at + len).min(chars.len());
                chars.drain(at.min(end)..end);
            }
            Mutation::Insert { at, fragment } => {
                let at = at % (chars.len() + 1);
                let text = format!(" {} ", FRAGMENTS[fragment]);
                chars.splice(at..at, text.chars());
            }
            Mutation::Repeat { at, len } => {
                let at = at % n;
                let end = (at + len).min(chars.len());
                let copy: Vec<char> = chars[at.min(end)..end].to_vec();
                chars.splice(end..end, copy);
            }
            Mutation::Truncate { at } => chars.truncate(at % n),
        }
    }
    chars.into_iter().collect()
}

/// The properties every input must keep.
fn check(text: &str) -> Result<(), TestCaseError> {
    let lines = text.split('\n').count() as u64;
    let mut variables = HashMap::new();
    for parsed in parse_script(text, &mut variables) {
        match parsed {
            Ok(parsed) => {
                let printed = parsed.statement.to_string();
                let again = parse_statement(&printed).map_err(|e| {
                    TestCaseError::fail(format!("printed text does not parse: {printed}\n{e}"))
                })?;
                prop_assert_eq!(again, parsed.statement, "round trip changed the tree of {}", printed);
            }
            Err(e) => {
                prop_assert!(e.line >= 1 && e.column >= 1, "no position: {e:?}");
                prop_assert!(e.line <= lines, "line {} past the end of {text:?}", e.line);
                prop_assert!(!e.message.is_empty());
                let _ = e.render(text);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_statements_never_panic(seed in 0..SEEDS.len(), mutations in prop::collection::vec(mutation(), 1..6)) {
        check(&apply(SEEDS[seed], &mutations))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn fragment_soup_never_panics(parts in prop::collection::vec(0..FRAGMENTS.len(), 0..40)) {
        let text: Vec<&str> = parts.iter().map(|&i| FRAGMENTS[i]).collect();
        check(&text.join(" "))?;
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("SELECT {}1{} FROM s;", "(".repeat(5_000), ")".repeat(5_000));
    let err = parse_statement(&deep).expect_err("too deep");
    assert!(err.message.contains("nesting"), "{err}");
    let negations = format!("SELECT {}x FROM s;", "NOT ".repeat(5_000));
    assert!(parse_statement(&negations).is_err());
    let types = format!(
        "CREATE STREAM s (a {}INT{}) WITH (kafka_topic='t');",
        "ARRAY<".repeat(5_000),
        ">".repeat(5_000)
    );
    assert!(parse_statement(&types).is_err());
}

#[test]
fn every_seed_parses() {
    for seed in SEEDS {
        let mut variables = HashMap::new();
        for parsed in parse_script(seed, &mut variables) {
            if let Err(e) = parsed {
                panic!("{seed}\n{}", e.render(seed));
            }
        }
    }
}

//! What ksqlDB refuses in a pull query, before it runs.
//!
//! Besides the clauses a pull query cannot have, ksqlDB reads its WHERE
//! clause as a set of key lookups. With `ksql.query.pull.table.scan.enabled`
//! off, a query that is not one (or, with
//! `ksql.query.pull.range.scan.enabled`, a range over a STRING key) is
//! refused rather than answered by scanning the table. Sluice answers every
//! pull query by reading the table, so these checks only say what ksqlDB
//! would refuse; with table scans on (ksqlDB's default) they pass.

use serde_json::{Map, Value};
use sluice_catalog::{Catalog, DataSource, SqlType};
use sluice_sql::ast::{BinaryOp, Expr, Literal, Select, SelectItem, SourceKind};

use crate::properties::{enabled, PULL_RANGE_SCAN_ENABLED, PULL_TABLE_SCAN_ENABLED};

/// Pseudo columns a pull query cannot use (ROWTIME it can).
const UNSUPPORTED_PSEUDO_COLUMNS: &[&str] = &["ROWPARTITION", "ROWOFFSET"];

/// Checks `select` as ksqlDB checks a pull query, with the request's
/// `properties`; the error is ksqlDB's message.
pub fn check_pull(catalog: &Catalog, select: &Select, properties: &Map<String, Value>) -> Result<(), String> {
    let refuse = |clause: &str| {
        Err(format!(
            "Pull queries don't support {clause} clauses. See https://cnfl.io/queries for more info.\n\
             Add EMIT CHANGES if you intended to issue a push query."
        ))
    };
    if !select.from.joins.is_empty() {
        return refuse("JOIN");
    }
    if select.window.is_some() {
        return refuse("WINDOW");
    }
    if !select.group_by.is_empty() {
        return refuse("GROUP BY");
    }
    if !select.partition_by.is_empty() {
        return refuse("PARTITION BY");
    }
    let name = select.from.source.name.as_str();
    let Some(source) = catalog.source(name) else {
        return Err(format!("{name} does not exist."));
    };
    let selected: Vec<&Expr> = select
        .items
        .iter()
        .filter_map(|item| match item {
            SelectItem::Expr { expr, .. } => Some(expr),
            _ => None,
        })
        .collect();
    unsupported_pseudo_columns(&selected, "SELECT")?;
    duplicate_columns(source, select)?;
    if let Some(condition) = &select.where_clause {
        unsupported_pseudo_columns(&[condition], "WHERE")?;
    }
    if source.kind == SourceKind::Table && !source.from_query && !source.is_source {
        return Err(format!(
            "The `{name}` table isn't queryable. To derive a queryable table, you can do 'CREATE TABLE \
             QUERYABLE_{name} AS SELECT * FROM {name}'. See https://cnfl.io/queries for more info."
        ));
    }
    if source.kind == SourceKind::Table {
        if let Some(condition) = &select.where_clause {
            if source.window.is_none() {
                let bound = sluice_planner::walk::columns(condition)
                    .into_iter()
                    .find(|c| ["WINDOWSTART", "WINDOWEND"].contains(&c.name.as_str()));
                if let Some(bound) = bound {
                    return Err(format!("WHERE column '{}' cannot be resolved.", bound.name.as_str()));
                }
            }
            check_key_values(source, condition)?;
        }
        if !enabled(properties, PULL_TABLE_SCAN_ENABLED) {
            let ranges = enabled(properties, PULL_RANGE_SCAN_ENABLED);
            check_lookups(source, select.where_clause.as_ref(), ranges)?;
        }
    }
    Ok(())
}

/// A column selected twice under its own name.
fn duplicate_columns(source: &DataSource, select: &Select) -> Result<(), String> {
    let mut seen: Vec<&str> = Vec::new();
    for item in &select.items {
        let SelectItem::Expr { expr: Expr::Column(column), alias: None } = item else { continue };
        let name = column.name.as_str();
        if seen.contains(&name) {
            let shown = match source.schema.find(name) {
                Some(c) => format!("`{name}` {}", c.sql_type),
                None => format!("`{name}`"),
            };
            return Err(format!("Duplicate value columns found in schema: {shown}"));
        }
        seen.push(name);
    }
    Ok(())
}

fn unsupported_pseudo_columns(exprs: &[&Expr], clause: &str) -> Result<(), String> {
    let mut found: Vec<String> = Vec::new();
    for expr in exprs {
        for column in sluice_planner::walk::columns(expr) {
            let name = column.name.as_str().to_ascii_uppercase();
            if UNSUPPORTED_PSEUDO_COLUMNS.contains(&name.as_str()) && !found.contains(&name) {
                found.push(name);
            }
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    let list = found.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
    Err(format!("Pull queries don't support the following columns in {clause} clauses: {list}"))
}

/// The values a key is looked up with must be keys: not NULL, and of the
/// key's type.
fn check_key_values(source: &DataSource, condition: &Expr) -> Result<(), String> {
    let mut problem = Ok(());
    sluice_planner::walk::walk(condition, &mut |expr| {
        let Expr::InList { expr: tested, list, negated: false } = expr else { return };
        let Some(key) = key_column(source, tested) else { return };
        for value in list {
            if problem.is_err() {
                return;
            }
            let Expr::Literal(literal) = value else { continue };
            problem = match literal {
                Literal::Null => Err(format!("Primary key columns can not be NULL: ({} = null)", key.0)),
                Literal::String(_) if key.1 != SqlType::String => Err(format!(
                    "{value} can not be converted to the type of the key column: {} {} KEY",
                    key.0, key.1
                )),
                _ => Ok(()),
            };
        }
    });
    problem
}

/// The key column `expr` names, with its type.
fn key_column(source: &DataSource, expr: &Expr) -> Option<(String, SqlType)> {
    let Expr::Column(column) = expr else { return None };
    source
        .schema
        .key_columns()
        .find(|k| k.name == column.name.as_str())
        .map(|k| (k.name.clone(), k.sql_type.clone()))
}

fn references_key(source: &DataSource, expr: &Expr) -> bool {
    sluice_planner::walk::columns(expr)
        .iter()
        .any(|c| source.schema.key_columns().any(|k| k.name == c.name.as_str()))
}

/// With table scans off: every disjunct of the WHERE clause must look up
/// every key column with `=` or `IN` (or, with range scans on, bound a
/// single STRING key), each key once.
fn check_lookups(source: &DataSource, condition: Option<&Expr>, ranges_enabled: bool) -> Result<(), String> {
    let scan_needed = || Err("Query requires table scan to be enabled".to_string());
    let Some(condition) = condition else { return scan_needed() };
    let keys: Vec<(String, SqlType)> =
        source.schema.key_columns().map(|k| (k.name.clone(), k.sql_type.clone())).collect();
    let disjuncts = split(condition, BinaryOp::Or);
    let mut any_range = false;
    for disjunct in &disjuncts {
        let mut constrained: Vec<&str> = Vec::new();
        let mut ranges = false;
        for conjunct in split(disjunct, BinaryOp::And) {
            let Some((key_side, other, op)) = comparison(conjunct) else { continue };
            if !references_key(source, key_side) && !references_key(source, other) {
                continue;
            }
            let (key, other) = match (key_column(source, key_side), key_column(source, other)) {
                (Some(key), _) => (key, other),
                (None, Some(key)) => (key, key_side),
                (None, None) => return Err("A comparison must directly reference a key column.".into()),
            };
            if !sluice_planner::walk::columns(other).is_empty() {
                return Err("A comparison must be between a key column and a resolvable expression.".into());
            }
            if op == Some(BinaryOp::NotEq) {
                let listed =
                    keys.iter().map(|(name, t)| format!("`{name}` {t} KEY")).collect::<Vec<_>>().join(", ");
                return Err(format!("Bound on key columns '[{listed}]' must currently be '='. "));
            }
            if constrained.contains(&key.0.as_str()) {
                return Err("A comparison condition on the key column cannot be combined with other \
                            comparisons such as an IN predicate"
                    .into());
            }
            constrained.push(keys.iter().find(|k| k.0 == key.0).map(|k| k.0.as_str()).unwrap_or_default());
            ranges |= op != Some(BinaryOp::Eq);
        }
        if keys.len() > 1 && constrained.len() < keys.len() {
            return Err("Multi-column sources must specify every key in the WHERE clause.".into());
        }
        if constrained.is_empty() {
            return Err(format!("WHERE clause missing key column for disjunct: {disjunct}"));
        }
        if ranges && !(ranges_enabled && keys.len() == 1 && keys[0].1 == SqlType::String) {
            return scan_needed();
        }
        any_range |= ranges;
    }
    if any_range && disjuncts.len() > 1 {
        return scan_needed();
    }
    Ok(())
}

/// `expr` split at the top-level `op` (AND or OR).
pub(crate) fn split(expr: &Expr, op: BinaryOp) -> Vec<&Expr> {
    match expr {
        Expr::Binary { left, op: found, right } if *found == op => {
            let mut parts = split(left, op);
            parts.extend(split(right, op));
            parts
        }
        other => vec![other],
    }
}

/// A comparison's two sides and operator; `IN` reads as `=`, and BETWEEN
/// and LIKE as a range (None).
fn comparison(expr: &Expr) -> Option<(&Expr, &Expr, Option<BinaryOp>)> {
    match expr {
        Expr::Binary { left, op, right }
            if matches!(
                op,
                BinaryOp::Eq
                    | BinaryOp::NotEq
                    | BinaryOp::Lt
                    | BinaryOp::LtEq
                    | BinaryOp::Gt
                    | BinaryOp::GtEq
            ) =>
        {
            Some((left, right, Some(*op)))
        }
        Expr::InList { expr, list, negated: false } => Some((expr, list.first()?, Some(BinaryOp::Eq))),
        Expr::Between { expr, low, .. } => Some((expr, low, None)),
        Expr::Like { expr, pattern, .. } => Some((expr, pattern, None)),
        _ => None,
    }
}

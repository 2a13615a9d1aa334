//! Joins of two sources: stream-stream (within a time window), stream-table
//! and table-table on the table's primary key.
//!
//! The joined row holds every column of both sides, named
//! `<ALIAS>_<COLUMN>` as ksqlDB names them, then ROWTIME. Column references
//! (`l.a`, or an unqualified name only one side has) are rewritten to
//! those names; WHERE and the projection then run over joined rows.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use sluice_catalog::{Catalog, Column, DataSource, LogicalSchema, Namespace, SqlType};
use sluice_sql::ast::{
    BinaryOp, ColumnRef, Expr, Ident, JoinKind, Literal, Select, SelectItem, SourceKind, WithinBounds,
};

use crate::error::{PlanError, Result};
use crate::expr::{CompiledExpr, ExprCompiler};
use crate::query::{check_key_type, source_batch_schema, OutputNames, ProjectedColumn, QueryPlan, ROWTIME};
use crate::walk;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinShape {
    /// Both streams: records join when their times are within the window:
    /// a right record from `before` ms before to `after` ms after the left.
    StreamStream { before: i64, after: i64, grace: Option<i64> },
    /// A stream looks up a table: only stream records produce output.
    StreamTable,
    /// Two tables on the right table's primary key.
    TableTable,
    /// Two tables, a column of the left matching the right's primary key;
    /// rows are keyed by the left's primary key.
    ForeignKey,
}

#[derive(Debug, Clone)]
pub struct JoinPlan {
    pub kind: JoinKind,
    pub shape: JoinShape,
    pub right: DataSource,
    pub right_schema: SchemaRef,
    /// The join expression of each side, over that side's batches.
    pub left_key: CompiledExpr,
    pub right_key: CompiledExpr,
    /// Every column of the left side, then the right, then ROWTIME.
    pub joined_schema: SchemaRef,
    /// How many of the joined columns come from the left side.
    pub left_width: usize,
    /// Positions of the left side's primary key columns in its batches
    /// (a foreign-key join keeps the left table by them).
    pub left_primary_key: Vec<usize>,
}

/// A side of a join: its source and the names it goes by.
struct Side<'a> {
    source: &'a DataSource,
    names: Vec<String>,
    prefix: String,
}

impl Side<'_> {
    fn has(&self, column: &str) -> bool {
        self.source.schema.find(column).is_some()
    }
}

pub fn plan_join(
    select: &Select,
    catalog: &Catalog,
    compiler: &ExprCompiler,
    sink: &str,
) -> Result<QueryPlan> {
    let [join] = select.from.joins.as_slice() else {
        return Err(PlanError::NotSupportedYet("Joining more than two sources".into()));
    };
    if select.window.is_some() || !select.group_by.is_empty() || !select.partition_by.is_empty() {
        return Err(PlanError::NotSupportedYet("A join with WINDOW, GROUP BY or PARTITION BY".into()));
    }
    let lookup = |name: &Ident| {
        catalog.source(name.as_str()).ok_or_else(|| {
            PlanError::Invalid(format!("Failed to prepare statement: {} does not exist.", name.as_str()))
        })
    };
    let side = |reference: &sluice_sql::ast::SourceRef| -> Result<Side> {
        let source = lookup(&reference.name)?;
        let alias = reference.alias.as_ref().unwrap_or(&reference.name).as_str().to_string();
        let mut names = vec![reference.name.as_str().to_string()];
        if let Some(a) = &reference.alias {
            names.push(a.as_str().to_string());
        }
        Ok(Side { source, names, prefix: alias })
    };
    let left = side(&select.from.source)?;
    let right = side(&join.source)?;
    if left.source.name == right.source.name {
        return Err(PlanError::Invalid(format!(
            "Can not join '{0}' to '{0}': self joins are not yet supported.",
            left.source.name
        )));
    }
    let shape = match (left.source.kind, right.source.kind, &join.within) {
        (SourceKind::Stream, SourceKind::Stream, Some(within)) => {
            let (before, after) = match &within.bounds {
                WithinBounds::Symmetric(d) => (d.as_millis() as i64, d.as_millis() as i64),
                WithinBounds::Asymmetric { before, after } => {
                    (before.as_millis() as i64, after.as_millis() as i64)
                }
            };
            JoinShape::StreamStream { before, after, grace: within.grace.map(|g| g.as_millis() as i64) }
        }
        (SourceKind::Stream, SourceKind::Stream, None) => {
            return Err(PlanError::Invalid(
                "Stream-Stream joins must have a WITHIN clause specified. None was provided.".into(),
            ))
        }
        (_, _, Some(_)) => {
            return Err(PlanError::Invalid("A join with a table does not take a WITHIN clause.".into()))
        }
        (SourceKind::Stream, SourceKind::Table, None) => JoinShape::StreamTable,
        (SourceKind::Table, SourceKind::Table, None) => JoinShape::TableTable,
        (SourceKind::Table, SourceKind::Stream, None) => {
            return Err(PlanError::Invalid(
                "Invalid join order: table-stream joins are not supported; only stream-table joins.".into(),
            ))
        }
    };
    if shape == JoinShape::StreamTable && matches!(join.kind, JoinKind::Right | JoinKind::Full) {
        return Err(PlanError::Invalid(format!(
            "Invalid join type: {} join not supported for stream-table join. Only INNER and LEFT joins are supported.",
            if join.kind == JoinKind::Right { "RIGHT OUTER" } else { "FULL OUTER" }
        )));
    }
    if matches!(shape, JoinShape::StreamStream { grace: Some(_), .. }) && join.kind != JoinKind::Inner {
        // With a grace period ksqlDB holds unmatched rows until the window
        // closes; Sluice only has the eager behaviour of joins without one.
        return Err(PlanError::NotSupportedYet("An outer stream-stream join with a GRACE PERIOD".into()));
    }
    if left.source.window.is_some() || right.source.window.is_some() {
        return Err(PlanError::NotSupportedYet("Joining windowed sources".into()));
    }

    // The joined row: both sides' columns, prefixed, then ROWTIME.
    let prefixed = |side: &Side, column: &Column| format!("{}_{}", side.prefix, column.name);
    let mut fields: Vec<Field> = Vec::new();
    for side in [&left, &right] {
        for column in side.source.schema.columns() {
            fields.push(Field::new(prefixed(side, column), column.sql_type.to_arrow(), true));
        }
    }
    let left_width = left.source.schema.columns().len();
    fields.push(Field::new(ROWTIME, DataType::Int64, true));
    let joined_schema: SchemaRef = Arc::new(Schema::new(fields));

    let resolve = |expr: &Expr| -> Result<Expr> { rewrite_columns(expr, &left, &right) };

    // ON: one equality between an expression of each side.
    let Expr::Binary { left: on_left, op: BinaryOp::Eq, right: on_right } = &join.on else {
        return Err(PlanError::Invalid(format!(
            "Unsupported join expression: {}. Only equality joins between a left and a right expression are supported.",
            join.on
        )));
    };
    let side_of = |e: &Expr| -> Result<Option<bool>> {
        let mut sides = walk::columns(e)
            .into_iter()
            .map(|c| column_side(c, &left, &right))
            .collect::<Result<Vec<_>>>()?;
        sides.dedup();
        match sides.as_slice() {
            [one] => Ok(Some(*one)),
            [] => Ok(None),
            _ => Err(PlanError::Invalid(format!("Invalid comparison expression '{e}' in join '{}'. Each side of the join comparision must contain references from exactly one source.", join.on))),
        }
    };
    let (left_expr, right_expr) = match (side_of(on_left)?, side_of(on_right)?) {
        (Some(true), Some(false)) => (on_left.as_ref(), on_right.as_ref()),
        (Some(false), Some(true)) => (on_right.as_ref(), on_left.as_ref()),
        _ => {
            return Err(PlanError::Invalid(format!(
                "Invalid join condition: {}. Each side must reference exactly one of the sources.",
                join.on
            )))
        }
    };
    let strip = |e: &Expr| walk::unqualified(e);
    let left_schema = source_batch_schema(left.source);
    let right_schema = source_batch_schema(right.source);
    let left_key = compiler.compile(&strip(left_expr), &left_schema)?;
    let right_key = compiler.compile(&strip(right_expr), &right_schema)?;
    if left_key.data_type() != right_key.data_type() {
        let type_name =
            |t: &DataType| SqlType::from_arrow(t).map(|t| t.to_string()).unwrap_or_else(|| t.to_string());
        return Err(PlanError::Invalid(format!(
            "Invalid join condition: types don't match. Got {}{{{}}} = {}{{{}}}.",
            qualified(left_expr, &left),
            type_name(left_key.data_type()),
            qualified(right_expr, &right),
            type_name(right_key.data_type())
        )));
    }
    if shape == JoinShape::TableTable && !is_primary_key(right_expr, &right) {
        return Err(PlanError::Invalid(format!(
            "Invalid join condition: table-table joins require to join on the primary key of the right input \
             table. Got {} = {}.",
            qualified(left_expr, &left),
            qualified(right_expr, &right)
        )));
    }
    let foreign_key = shape == JoinShape::TableTable && !is_primary_key(left_expr, &left);
    let shape = if foreign_key {
        if matches!(join.kind, JoinKind::Right | JoinKind::Full) {
            return Err(PlanError::Invalid(
                "Invalid join type: RIGHT and FULL OUTER joins are not supported for foreign-key table-table joins.".into(),
            ));
        }
        JoinShape::ForeignKey
    } else {
        shape
    };

    // Items over the joined row.
    let mut items: Vec<(Option<String>, Expr)> = Vec::new();
    for item in &select.items {
        match item {
            SelectItem::Wildcard { source: qualifier } => {
                let sides: Vec<&Side> = match qualifier {
                    None => vec![&left, &right],
                    Some(q) if left.names.iter().any(|n| n == q.as_str()) => vec![&left],
                    Some(q) if right.names.iter().any(|n| n == q.as_str()) => vec![&right],
                    Some(q) => {
                        return Err(PlanError::Invalid(format!(
                            "Failed to prepare statement: '{}' is not a valid stream/table name or alias.",
                            q.as_str()
                        )))
                    }
                };
                // A wildcard's columns always carry their source's alias.
                for side in sides {
                    for column in side.source.schema.columns() {
                        let name = prefixed(side, column);
                        items.push((Some(name.clone()), Expr::column(name)));
                    }
                }
            }
            SelectItem::Expr { expr, alias } => {
                // A column keeps its name unless the other side has one
                // like it; then it is prefixed with its source's alias.
                let synthetic = |c: &ColumnRef| {
                    c.name.as_str() == "ROWKEY" && !left.has("ROWKEY") && !right.has("ROWKEY")
                };
                let name = match (alias, expr) {
                    (Some(a), _) => Some(a.0.clone()),
                    (None, Expr::Column(c)) if !synthetic(c) => {
                        let (mine, other) =
                            if column_side(c, &left, &right)? { (&left, &right) } else { (&right, &left) };
                        Some(output_name(mine, other, c.name.as_str()))
                    }
                    _ => None,
                };
                items.push((name, resolve(expr)?));
            }
            SelectItem::StructAll(_) => return Err(PlanError::NotSupportedYet("->* in a join".into())),
        }
    }
    let filter = match &select.where_clause {
        Some(condition) => Some(compiler.compile(&resolve(condition)?, &joined_schema)?),
        None => None,
    };

    // The output key: the item that is one of the join expressions, or,
    // when they are not plain columns, ROWKEY.
    let key_left = resolve(left_expr)?;
    let key_right = resolve(right_expr)?;
    // FULL OUTER joins and joins on expressions key by a synthetic ROWKEY.
    let plain = (matches!(key_left, Expr::Column(_)) || matches!(key_right, Expr::Column(_)))
        && join.kind != JoinKind::Full;
    let mut names = OutputNames::new(&items);
    let mut key: Option<ProjectedColumn> = None;
    let mut fk_keys: Vec<(usize, ProjectedColumn)> = Vec::new();
    let mut values: Vec<ProjectedColumn> = Vec::new();
    let rowkey_expr = Expr::column("ROWKEY");
    // A foreign-key join is keyed by the left table's primary key.
    let left_primary: Vec<Expr> =
        left.source.schema.key_columns().map(|c| Expr::column(prefixed(&left, c))).collect();
    for (alias, expr) in &items {
        if foreign_key {
            let name = names.name(alias.as_deref(), expr)?;
            let compiled = compiler.compile(expr, &joined_schema)?;
            let sql_type = SqlType::from_arrow(compiled.data_type()).ok_or_else(|| {
                PlanError::Invalid(format!("Expression {expr} has a type Sluice cannot store"))
            })?;
            match left_primary.iter().position(|k| k == expr) {
                Some(i) if !fk_keys.iter().any(|(k, _)| *k == i) => {
                    fk_keys.push((i, ProjectedColumn { name, expr: compiled, sql_type, is_key: true }))
                }
                Some(_) => {
                    return Err(PlanError::Invalid(format!(
                        "The projection contains a key column more than once: {name}"
                    )))
                }
                None => values.push(ProjectedColumn { name, expr: compiled, sql_type, is_key: false }),
            }
            continue;
        }
        let is_key = key.is_none()
            && ((plain && (*expr == key_left || *expr == key_right)) || (!plain && *expr == rowkey_expr));
        // The key is the join key, from whichever side an outer join has.
        let either_key = Expr::Function(sluice_sql::ast::FunctionCall {
            name: Ident::new("COALESCE"),
            args: vec![key_left.clone(), key_right.clone()],
            star: false,
        });
        let compiled_expr = match (is_key, join.kind) {
            (true, JoinKind::Right | JoinKind::Full) => either_key,
            (true, _) if !plain => key_left.clone(),
            _ => expr.clone(),
        };
        let name = match (alias, expr == &rowkey_expr) {
            (None, true) => "ROWKEY".to_string(),
            _ => names.name(alias.as_deref(), expr)?,
        };
        let compiled = compiler.compile(&compiled_expr, &joined_schema)?;
        let sql_type = SqlType::from_arrow(compiled.data_type())
            .ok_or_else(|| PlanError::Invalid(format!("Expression {expr} has a type Sluice cannot store")))?;
        let column = ProjectedColumn { name, expr: compiled, sql_type, is_key };
        if is_key {
            check_key_type(&column)?;
            key = Some(column);
        } else {
            values.push(column);
        }
    }
    if foreign_key {
        if fk_keys.len() < left_primary.len() {
            let keys: Vec<String> = left.source.schema.key_columns().map(|c| c.name.clone()).collect();
            return Err(PlanError::Invalid(format!(
                "The query used to build `{sink}` must include the key columns {} in its projection (eg, SELECT {}...).",
                keys.join(", "),
                keys.join(", ")
            )));
        }
        fk_keys.sort_by_key(|(i, _)| *i);
        key = fk_keys.first().map(|(_, c)| c.clone());
    }
    let Some(key) = key else {
        if !plain {
            return Err(PlanError::Invalid(format!(
                "The query used to build `{sink}` must include the join expression ROWKEY in its projection (eg, SELECT ROWKEY...)."
            )));
        }
        let show = |e: &Expr| e.to_string();
        return Err(PlanError::Invalid(format!(
            "The query used to build `{sink}` must include the join expressions {} or {} in its projection (eg, SELECT {}...).",
            show(left_expr), show(right_expr), show(left_expr)
        )));
    };
    if values.is_empty() {
        return Err(PlanError::Invalid("The projection contains no value columns.".into()));
    }
    let mut projection = if foreign_key { fk_keys.into_iter().map(|(_, c)| c).collect() } else { vec![key] };
    projection.extend(values);
    let output = LogicalSchema::new(
        projection
            .iter()
            .map(|c| Column {
                name: c.name.clone(),
                sql_type: c.sql_type.clone(),
                namespace: if c.is_key { Namespace::Key } else { Namespace::Value },
            })
            .collect(),
    );
    let plan = JoinPlan {
        kind: join.kind,
        shape,
        right: right.source.clone(),
        right_schema,
        left_key,
        right_key,
        joined_schema,
        left_width,
        left_primary_key: left
            .source
            .schema
            .key_columns()
            .filter_map(|c| left_schema.index_of(&c.name).ok())
            .collect(),
    };
    Ok(QueryPlan {
        source: left.source.clone(),
        input_schema: left_schema,
        filter,
        rekeyed: true,
        explode: None,
        join: Some(plan),
        aggregation: None,
        projection,
        output,
    })
}

/// Whether `expr` is exactly a primary key column of `side`.
fn is_primary_key(expr: &Expr, side: &Side) -> bool {
    let mut keys = side.source.schema.key_columns();
    match (walk::unqualified(expr), keys.next(), keys.next()) {
        (Expr::Column(c), Some(key), None) => key.name == c.name.as_str(),
        _ => false,
    }
}

/// `expr` with its columns qualified by their source's name, as ksqlDB
/// prints join conditions in messages.
fn qualified(expr: &Expr, side: &Side) -> String {
    let result: Result<Expr> = walk::transform(expr, &mut |e| match e {
        Expr::Column(c) => Ok(Some(Expr::Column(ColumnRef {
            source: Some(Ident::new(side.source.name.clone())),
            name: c.name.clone(),
        }))),
        _ => Ok(None),
    });
    result.map(|e| e.to_string()).unwrap_or_else(|_| expr.to_string())
}

/// A joined column's name in the output: its own, or `<ALIAS>_<NAME>` when
/// the other side has a column of the same name.
fn output_name(side: &Side, other: &Side, column: &str) -> String {
    if other.has(column) {
        format!("{}_{column}", side.prefix)
    } else {
        column.to_string()
    }
}

/// Which side a column belongs to: true for the left.
fn column_side(column: &ColumnRef, left: &Side, right: &Side) -> Result<bool> {
    let name = column.name.as_str();
    match &column.source {
        Some(q) if left.names.iter().any(|n| n == q.as_str()) => Ok(true),
        Some(q) if right.names.iter().any(|n| n == q.as_str()) => Ok(false),
        Some(q) => Err(PlanError::Invalid(format!(
            "Failed to prepare statement: '{}' is not a valid stream/table name or alias.",
            q.as_str()
        ))),
        None => match (left.has(name), right.has(name)) {
            (true, false) => Ok(true),
            (false, true) => Ok(false),
            (true, true) => Err(PlanError::Invalid(format!(
                "Column '{name}' is ambiguous. Could be {0}.{name} or {1}.{name}.",
                left.prefix, right.prefix
            ))),
            (false, false) => Err(PlanError::Invalid(format!("Column '{name}' cannot be resolved."))),
        },
    }
}

/// `expr` with its column references named as in the joined row.
fn rewrite_columns(expr: &Expr, left: &Side, right: &Side) -> Result<Expr> {
    walk::transform(expr, &mut |e| match e {
        Expr::Column(c)
            if c.source.is_none()
                && c.name.as_str() == "ROWKEY"
                && !left.has("ROWKEY")
                && !right.has("ROWKEY") =>
        {
            Ok(None)
        }
        Expr::Column(c) if c.source.is_none() && (c.name.as_str() == ROWTIME) => Ok(None),
        Expr::Column(c) => {
            let side = if column_side(c, left, right)? { left } else { right };
            Ok(Some(Expr::column(format!("{}_{}", side.prefix, c.name.as_str()))))
        }
        Expr::Literal(Literal::Null) => Ok(None),
        _ => Ok(None),
    })
}

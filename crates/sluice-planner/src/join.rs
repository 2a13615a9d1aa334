//! Joins: stream-stream (within a time window), stream-table, and
//! table-table on the right table's primary key or on a foreign key. Several
//! joins apply left to right, each joining the result so far to one more
//! source.
//!
//! The joined row holds every column of every source, named
//! `<ALIAS>_<COLUMN>` as ksqlDB names them, each source's pseudo columns
//! (`<ALIAS>_ROWTIME`, `_ROWPARTITION`, `_ROWOFFSET`), then the joined
//! row's ROWTIME. Column references (`l.a`, `l.ROWTIME`, or an unqualified
//! name only one source has) are rewritten to those names; WHERE and the
//! projection then run over joined rows.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use sluice_catalog::{is_reserved_column_name, Catalog, DataSource, SqlType, WindowType};
use sluice_sql::ast::{
    BinaryOp, ColumnRef, Expr, FunctionCall, Ident, JoinKind, Select, SelectItem, SourceKind, SourceRef,
    WithinBounds,
};

use crate::error::{PlanError, Result};
use crate::expr::{CompiledExpr, ExprCompiler};
use crate::query::{
    check_key_type, source_batch_schema, KeyRule, OutputNames, ProjectedColumn, QueryPlan, ROWOFFSET,
    ROWPARTITION, ROWTIME,
};
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

impl JoinShape {
    /// Whether the join's result is a table.
    pub fn is_table(&self) -> bool {
        matches!(self, JoinShape::TableTable | JoinShape::ForeignKey)
    }
}

/// One join: the result so far (or the first source) with one more source.
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

/// A source of a join and the names it goes by.
/// The pseudo columns each source of a join keeps in the joined row, in the
/// order a source's batches carry them.
const SIDE_PSEUDO_COLUMNS: [(&str, DataType); 3] =
    [(ROWTIME, DataType::Int64), (ROWPARTITION, DataType::Int32), (ROWOFFSET, DataType::Int64)];

struct Side<'a> {
    source: &'a DataSource,
    names: Vec<String>,
    prefix: String,
}

impl Side<'_> {
    fn has(&self, column: &str) -> bool {
        self.source.schema.find(column).is_some()
    }

    fn column(&self, column: &str) -> String {
        format!("{}_{column}", self.prefix)
    }
}

pub fn plan_join(
    select: &Select,
    catalog: &Catalog,
    compiler: &ExprCompiler,
    sink: &str,
) -> Result<QueryPlan> {
    if select.window.is_some() && select.group_by.is_empty() {
        return Err(PlanError::Invalid("WINDOW clause requires a GROUP BY clause.".into()));
    }
    let side = |reference: &SourceRef| -> Result<Side> {
        let source = catalog.source(reference.name.as_str()).ok_or_else(|| {
            PlanError::Invalid(format!(
                "Failed to prepare statement: {} does not exist.",
                reference.name.as_str()
            ))
        })?;
        let alias = reference.alias.as_ref().unwrap_or(&reference.name).as_str().to_string();
        let mut names = vec![reference.name.as_str().to_string()];
        if let Some(a) = &reference.alias {
            names.push(a.as_str().to_string());
        }
        Ok(Side { source, names, prefix: alias })
    };
    let mut sides = vec![side(&select.from.source)?];
    for join in &select.from.joins {
        sides.push(side(&join.source)?);
    }
    for (i, a) in sides.iter().enumerate() {
        if sides[..i].iter().any(|b| b.source.name == a.source.name) {
            return Err(PlanError::Invalid(format!(
                "Can not join '{0}' to '{0}': self joins are not yet supported.",
                a.source.name
            )));
        }
    }
    let first_schema = source_batch_schema(sides[0].source);
    let resolve = |expr: &Expr| -> Result<Expr> { rewrite_columns(expr, &sides) };

    let mut stages: Vec<JoinPlan> = Vec::new();
    // (left, right) key expressions of each join, over joined rows.
    let mut stage_keys: Vec<(Expr, Expr)> = Vec::new();
    let mut result_is_table = sides[0].source.kind == SourceKind::Table;
    for (index, join) in select.from.joins.iter().enumerate() {
        let right = &sides[index + 1];
        let left_sides = &sides[..=index];
        let shape = join_shape(result_is_table, right, join)?;
        if shape == JoinShape::StreamTable && matches!(join.kind, JoinKind::Right | JoinKind::Full) {
            return Err(PlanError::Invalid(format!(
                "Invalid join type: {} join not supported for stream-table join. Only INNER and LEFT joins are supported.",
                if join.kind == JoinKind::Right { "RIGHT OUTER" } else { "FULL OUTER" }
            )));
        }
        if matches!(shape, JoinShape::StreamStream { grace: Some(_), .. }) && join.kind != JoinKind::Inner {
            // With a grace period ksqlDB holds unmatched rows until the
            // window closes; Sluice only has the eager behaviour of joins
            // without one.
            return Err(PlanError::NotSupportedYet("An outer stream-stream join with a GRACE PERIOD".into()));
        }

        // ON: one equality between an expression of the left and the right.
        let Expr::Binary { left: on_left, op: BinaryOp::Eq, right: on_right } = &join.on else {
            return Err(PlanError::Invalid(format!(
                "Unsupported join expression: {}. Only equality joins between a left and a right expression are supported.",
                join.on
            )));
        };
        let side_of = |e: &Expr| -> Result<Option<bool>> {
            let mut on_right_side: Vec<bool> = walk::columns(e)
                .into_iter()
                .map(|c| column_side(c, &sides).map(|s| s == index + 1))
                .collect::<Result<_>>()?;
            on_right_side.dedup();
            match on_right_side.as_slice() {
                [one] => Ok(Some(*one)),
                [] => Ok(None),
                _ => Err(PlanError::Invalid(format!(
                    "Invalid comparison expression '{e}' in join '{}'. Each side of the join comparision must contain references from exactly one source.",
                    join.on
                ))),
            }
        };
        let (left_expr, right_expr) = match (side_of(on_left)?, side_of(on_right)?) {
            (Some(false), Some(true)) => (on_left.as_ref(), on_right.as_ref()),
            (Some(true), Some(false)) => (on_right.as_ref(), on_left.as_ref()),
            _ => {
                return Err(PlanError::Invalid(format!(
                    "Invalid join condition: {}. Each side must reference exactly one of the sources.",
                    join.on
                )))
            }
        };
        check_windows(&sides[0], right, left_expr, right_expr)?;
        let left_schema =
            if index == 0 { Arc::clone(&first_schema) } else { Arc::clone(&stages[index - 1].joined_schema) };
        let right_schema = source_batch_schema(right.source);
        // The first join reads the first source itself; later ones the
        // joined rows so far.
        let left_key_expr = if index == 0 { walk::unqualified(left_expr) } else { resolve(left_expr)? };
        let left_key = compiler.compile(&left_key_expr, &left_schema)?;
        let right_key = compiler.compile(&walk::unqualified(right_expr), &right_schema)?;
        if left_key.data_type() != right_key.data_type() {
            let type_name =
                |t: &DataType| SqlType::from_arrow(t).map(|t| t.to_string()).unwrap_or_else(|| t.to_string());
            return Err(PlanError::Invalid(format!(
                "Invalid join condition: types don't match. Got {}{{{}}} = {}{{{}}}.",
                qualified(left_expr, &sides),
                type_name(left_key.data_type()),
                qualified(right_expr, &sides),
                type_name(right_key.data_type())
            )));
        }
        let mut shape = shape;
        if shape == JoinShape::StreamTable && !is_primary_key(right_expr, right) {
            return Err(PlanError::Invalid(format!(
                "Invalid join condition: stream-table joins require to join on the table's primary key. Got {} = {}.",
                qualified(left_expr, &sides),
                qualified(right_expr, &sides)
            )));
        }
        if shape == JoinShape::TableTable {
            if !is_primary_key(right_expr, right) {
                return Err(PlanError::Invalid(format!(
                    "Invalid join condition: table-table joins require to join on the primary key of the right \
                     input table. Got {} = {}.",
                    qualified(left_expr, &sides),
                    qualified(right_expr, &sides)
                )));
            }
            let left_on_key = left_sides.iter().any(|s| is_primary_key(left_expr, s));
            if !left_on_key {
                if index > 0 {
                    return Err(PlanError::NotSupportedYet("A foreign-key join after another join".into()));
                }
                if matches!(join.kind, JoinKind::Right | JoinKind::Full) {
                    return Err(PlanError::Invalid(
                        "Invalid join type: RIGHT and FULL OUTER joins are not supported for foreign-key table-table joins.".into(),
                    ));
                }
                shape = JoinShape::ForeignKey;
            }
        }

        // The joined row of this join: every column so far, then the new
        // source's; each source's columns followed by its pseudo columns
        // (`L_ROWTIME`, `L_ROWPARTITION`, `L_ROWOFFSET`), which its batches
        // carry right after the columns.
        let mut fields: Vec<Field> = Vec::new();
        for s in &sides[..=index + 1] {
            for column in s.source.schema.columns() {
                fields.push(Field::new(s.column(&column.name), column.sql_type.to_arrow(), true));
            }
            for (pseudo, data_type) in SIDE_PSEUDO_COLUMNS {
                fields.push(Field::new(s.column(pseudo), data_type, true));
            }
        }
        let left_width: usize =
            left_sides.iter().map(|s| s.source.schema.columns().len() + SIDE_PSEUDO_COLUMNS.len()).sum();
        fields.push(Field::new(ROWTIME, DataType::Int64, true));
        let left_primary_key =
            sides[0].source.schema.key_columns().filter_map(|c| left_schema.index_of(&c.name).ok()).collect();
        stage_keys.push((resolve(left_expr)?, resolve(right_expr)?));
        stages.push(JoinPlan {
            kind: join.kind,
            shape,
            right: right.source.clone(),
            right_schema,
            left_key,
            right_key,
            joined_schema: Arc::new(Schema::new(fields)),
            left_width,
            left_primary_key,
        });
        result_is_table = shape.is_table();
    }
    let Some(last) = stages.last() else { return Err(PlanError::Invalid("a join needs a JOIN".into())) };
    let joined_schema = Arc::clone(&last.joined_schema);
    let last_shape = last.shape;

    let (key_candidates, plain) = key_candidates(&stage_keys, &select.from.joins);
    let synthetic = synthetic_key(&sides);

    // Items over the joined row.
    let mut items: Vec<(Option<String>, Expr)> = Vec::new();
    for item in &select.items {
        match item {
            SelectItem::Wildcard { source: qualifier } => {
                let chosen: Vec<&Side> = match qualifier {
                    None => sides.iter().collect(),
                    Some(q) => match sides.iter().find(|s| s.names.iter().any(|n| n == q.as_str())) {
                        Some(s) => vec![s],
                        None => {
                            return Err(PlanError::Invalid(format!(
                            "Failed to prepare statement: '{}' is not a valid stream/table name or alias.",
                            q.as_str()
                        )))
                        }
                    },
                };
                // `*` takes the synthetic key of a join that has one.
                if qualifier.is_none() && !plain {
                    items.push((None, Expr::column(synthetic.as_str())));
                }
                // A wildcard's columns always carry their source's alias.
                for s in chosen {
                    for column in s.source.schema.columns() {
                        let name = s.column(&column.name);
                        items.push((Some(name.clone()), Expr::column(name)));
                    }
                }
            }
            SelectItem::Expr { expr, alias } => {
                // A column keeps its name unless another source has one like
                // it; then it is prefixed with its source's alias.
                let name = match (alias, expr) {
                    (Some(a), _) => Some(a.0.clone()),
                    (None, Expr::Column(c)) if !is_synthetic(c, &sides) => {
                        let owner = &sides[column_side(c, &sides)?];
                        // Every source has pseudo columns (`l.ROWTIME`).
                        let shared = is_reserved_column_name(c.name.as_str())
                            || sides.iter().any(|s| !std::ptr::eq(s, owner) && s.has(c.name.as_str()));
                        Some(if shared { owner.column(c.name.as_str()) } else { c.name.0.clone() })
                    }
                    _ => None,
                };
                items.push((name, resolve(expr)?));
            }
            SelectItem::StructAll(_) => return Err(PlanError::NotSupportedYet("->* in a join".into())),
        }
    }
    let filter = match &select.where_clause {
        Some(condition) => Some(
            compiler
                .compile(&resolve(condition)?, &joined_schema)
                .map_err(|e| e.in_clause("WHERE", condition))?,
        ),
        None => None,
    };

    let aggregated = !select.group_by.is_empty()
        || select.having.is_some()
        || items.iter().any(|(_, e)| crate::aggregate::has_aggregate(e));
    if aggregated {
        return aggregate_joined(select, &items, &resolve, &sides, stages, filter, compiler, sink);
    }

    let outer = select.from.joins.iter().any(|j| matches!(j.kind, JoinKind::Right | JoinKind::Full));
    let rowkey = Expr::column(synthetic.as_str());
    let mut names = OutputNames::new(&items);
    let mut keys: Vec<(usize, ProjectedColumn)> = Vec::new();
    let mut values: Vec<ProjectedColumn> = Vec::new();
    let fk_keys: Vec<Expr> = if last_shape == JoinShape::ForeignKey {
        sides[0].source.schema.key_columns().map(|c| Expr::column(sides[0].column(&c.name))).collect()
    } else {
        Vec::new()
    };
    // PARTITION BY re-keys the joined rows: its expressions are the keys.
    let partition = match select.partition_by.is_empty() {
        true => None,
        false => Some(KeyRule::Partition(
            select
                .partition_by
                .iter()
                .map(|e| resolve(e).map(|e| walk::unqualified(&e)))
                .collect::<Result<_>>()?,
        )),
    };
    // Of the join columns the projection holds, the key is the one of the earliest
    // source in FROM (ksqlDB's choice); the others stay values.
    let chosen_key = key_candidates
        .iter()
        .filter(|c| matches!(c, Expr::Column(_)))
        .find(|c| items.iter().any(|(_, e)| e == *c));
    for (alias, expr) in &items {
        let key_position = if let Some(rule) = &partition {
            rule.key_of(expr)
        } else if last_shape == JoinShape::ForeignKey {
            fk_keys.iter().position(|k| k == expr)
        } else if keys.is_empty() && ((plain && Some(expr) == chosen_key) || (!plain && *expr == rowkey)) {
            Some(0)
        } else {
            None
        };
        // The key comes from whichever source an outer join has.
        let computed = match key_position {
            Some(_) if partition.is_none() && last_shape != JoinShape::ForeignKey && (outer || !plain) => {
                coalesce(&key_candidates)
            }
            _ => expr.clone(),
        };
        let name = match (alias, *expr == rowkey) {
            (None, true) if !plain => synthetic.clone(),
            _ => names.name(alias.as_deref(), expr)?,
        };
        let compiled = compiler.compile(&computed, &joined_schema)?;
        let sql_type = SqlType::from_arrow(compiled.data_type())
            .ok_or_else(|| PlanError::Invalid(format!("Expression {expr} has a type Sluice cannot store")))?;
        let column = ProjectedColumn {
            name,
            expr: compiled,
            sql_type,
            is_key: key_position.is_some(),
            reads_value: false,
        };
        match key_position {
            Some(i) => {
                if keys.iter().any(|(k, _)| *k == i) {
                    return Err(PlanError::Invalid(format!(
                        "The projection contains a key column more than once: {}",
                        column.name
                    )));
                }
                check_key_type(&column)?;
                keys.push((i, column));
            }
            None => values.push(column),
        }
    }
    if let Some(KeyRule::Partition(exprs)) = &partition {
        if keys.len() < exprs.len() {
            let rule = KeyRule::Partition(select.partition_by.clone());
            return Err(PlanError::Invalid(rule.missing(sink).unwrap_or_default()));
        }
    }
    let wanted = match (&partition, last_shape) {
        (Some(KeyRule::Partition(exprs)), _) => exprs.len(),
        (_, JoinShape::ForeignKey) => fk_keys.len(),
        _ => 1,
    };
    if keys.len() < wanted {
        return Err(PlanError::Invalid(missing_key_message(
            sink,
            plain,
            last_shape,
            &sides,
            &stage_keys,
            &select.from.joins,
        )));
    }
    if values.is_empty() {
        return Err(PlanError::Invalid("The projection contains no value columns.".into()));
    }
    keys.sort_by_key(|(i, _)| *i);
    let mut projection: Vec<ProjectedColumn> = keys.into_iter().map(|(_, c)| c).collect();
    projection.extend(values);
    let output = crate::query::output_schema(&projection);
    Ok(QueryPlan {
        source: sides[0].source.clone(),
        input_schema: first_schema,
        filter,
        rekeyed: true,
        explode: None,
        join: stages,
        aggregation: None,
        projection,
        output,
    })
}

/// GROUP BY over joined rows: the aggregation reads them as it would a
/// stream's rows.
#[allow(clippy::too_many_arguments)]
fn aggregate_joined(
    select: &Select,
    items: &[(Option<String>, Expr)],
    resolve: &dyn Fn(&Expr) -> Result<Expr>,
    sides: &[Side],
    stages: Vec<JoinPlan>,
    filter: Option<CompiledExpr>,
    compiler: &ExprCompiler,
    sink: &str,
) -> Result<QueryPlan> {
    let Some(last) = stages.last() else { return Err(PlanError::Invalid("a join needs a JOIN".into())) };
    if last.shape.is_table() {
        return Err(PlanError::NotSupportedYet("Aggregating the result of a table-table join".into()));
    }
    let joined_schema = Arc::clone(&last.joined_schema);
    let mut resolved = select.clone();
    resolved.group_by = select.group_by.iter().map(resolve).collect::<Result<_>>()?;
    resolved.having = select.having.as_ref().map(resolve).transpose()?;
    let (aggregation, projection) = crate::aggregate::plan_aggregation(
        items,
        &resolved,
        sides[0].source,
        &joined_schema,
        compiler,
        sink,
    )?;
    let output = crate::query::output_schema(&projection);
    Ok(QueryPlan {
        source: sides[0].source.clone(),
        input_schema: source_batch_schema(sides[0].source),
        filter,
        rekeyed: false,
        explode: None,
        join: stages,
        aggregation: Some(aggregation),
        projection,
        output,
    })
}

fn join_shape(left_is_table: bool, right: &Side, join: &sluice_sql::ast::Join) -> Result<JoinShape> {
    Ok(match (left_is_table, right.source.kind, &join.within) {
        (false, SourceKind::Stream, Some(within)) => {
            let (before, after) = match &within.bounds {
                WithinBounds::Symmetric(d) => (d.as_millis() as i64, d.as_millis() as i64),
                WithinBounds::Asymmetric { before, after } => {
                    (before.as_millis() as i64, after.as_millis() as i64)
                }
            };
            JoinShape::StreamStream { before, after, grace: within.grace.map(|g| g.as_millis() as i64) }
        }
        (false, SourceKind::Stream, None) => {
            return Err(PlanError::Invalid(
                "Stream-Stream joins must have a WITHIN clause specified. None was provided.".into(),
            ))
        }
        (_, _, Some(_)) => {
            return Err(PlanError::Invalid("A join with a table does not take a WITHIN clause.".into()))
        }
        (false, SourceKind::Table, None) => JoinShape::StreamTable,
        (true, SourceKind::Table, None) => JoinShape::TableTable,
        (true, SourceKind::Stream, None) => {
            return Err(PlanError::Invalid(
                "Invalid join order: table-stream joins are not supported; only stream-table joins.".into(),
            ))
        }
    })
}

/// The expressions the output key may be projected as: the last join's
/// two key expressions, and any expression an earlier join equated with
/// one of them. `plain` when one of those is a bare column (otherwise, and
/// for FULL OUTER joins, the key is a synthetic ROWKEY).
fn key_candidates(stage_keys: &[(Expr, Expr)], joins: &[sluice_sql::ast::Join]) -> (Vec<Expr>, bool) {
    let mut candidates: Vec<Expr> = Vec::new();
    if let Some((l, r)) = stage_keys.last() {
        candidates.push(l.clone());
        candidates.push(r.clone());
    }
    loop {
        let before = candidates.len();
        for (l, r) in stage_keys {
            if candidates.contains(l) && !candidates.contains(r) {
                candidates.push(r.clone());
            }
            if candidates.contains(r) && !candidates.contains(l) {
                candidates.push(l.clone());
            }
        }
        if candidates.len() == before {
            break;
        }
    }
    let full = joins.iter().any(|j| j.kind == JoinKind::Full);
    let plain = !full && candidates.iter().any(|c| matches!(c, Expr::Column(_)));
    (candidates, plain)
}

fn coalesce(candidates: &[Expr]) -> Expr {
    Expr::Function(FunctionCall { name: Ident::new("COALESCE"), args: candidates.to_vec(), star: false })
}

fn missing_key_message(
    sink: &str,
    plain: bool,
    shape: JoinShape,
    sides: &[Side],
    stage_keys: &[(Expr, Expr)],
    joins: &[sluice_sql::ast::Join],
) -> String {
    if shape == JoinShape::ForeignKey {
        let keys: Vec<String> = sides[0].source.schema.key_columns().map(|c| c.name.clone()).collect();
        return format!(
            "The query used to build `{sink}` must include the key columns {} in its projection (eg, SELECT {}...).",
            keys.join(", "),
            keys.join(", ")
        );
    }
    if !plain {
        return format!(
            "The query used to build `{sink}` must include the join expression ROWKEY in its projection (eg, SELECT ROWKEY...)."
        );
    }
    // Named as written, qualified by source.
    let (candidates, _) = key_candidates(stage_keys, joins);
    let shown: Vec<String> = candidates.iter().map(|c| unprefix(c, sides)).collect();
    let list = match shown.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
        [] => String::new(),
    };
    let first = shown.first().cloned().unwrap_or_default();
    format!("The query used to build `{sink}` must include the join expressions {list} in its projection (eg, SELECT {first}...).")
}

/// A joined-row expression written with `SOURCE.COLUMN` references.
fn unprefix(expr: &Expr, sides: &[Side]) -> String {
    let result: Result<Expr> = walk::transform(expr, &mut |e| match e {
        Expr::Column(c) => {
            let found = sides.iter().find_map(|s| {
                c.name
                    .as_str()
                    .strip_prefix(&format!("{}_", s.prefix))
                    .filter(|n| s.has(n))
                    .map(|n| (s, n.to_string()))
            });
            Ok(found.map(|(s, n)| {
                Expr::Column(ColumnRef { source: Some(Ident::new(s.prefix.clone())), name: Ident::new(n) })
            }))
        }
        _ => Ok(None),
    });
    result.map(|e| e.to_string()).unwrap_or_else(|_| expr.to_string())
}

/// Whether `expr` is exactly the (single-column) primary key of `side`.
fn is_primary_key(expr: &Expr, side: &Side) -> bool {
    let mut keys = side.source.schema.key_columns();
    let names_side =
        |c: &ColumnRef| c.source.as_ref().is_none_or(|q| side.names.iter().any(|n| n == q.as_str()));
    match (expr, keys.next(), keys.next()) {
        (Expr::Column(c), Some(key), None) => key.name == c.name.as_str() && names_side(c),
        _ => false,
    }
}

/// `expr` with its columns qualified by their source's name, as ksqlDB
/// prints join conditions in messages.
fn qualified(expr: &Expr, sides: &[Side]) -> String {
    let result: Result<Expr> = walk::transform(expr, &mut |e| match e {
        Expr::Column(c) => {
            let side = &sides[column_side(c, sides)?];
            Ok(Some(Expr::Column(ColumnRef {
                source: Some(Ident::new(side.source.name.clone())),
                name: c.name.clone(),
            })))
        }
        _ => Ok(None),
    });
    result.map(|e| e.to_string()).unwrap_or_else(|_| expr.to_string())
}

/// ksqlDB's rules for windowed sources in a join: both or neither windowed, session
/// windows only with session windows, and on the key columns (their rows cannot be
/// re-keyed). Sluice cannot match windows yet, so the joins ksqlDB runs are refused
/// as not supported.
fn check_windows(left: &Side, right: &Side, left_expr: &Expr, right_expr: &Expr) -> Result<()> {
    let kind = |s: &Side| s.source.window.map(|w| w.window_type);
    let name = |w: WindowType| match w {
        WindowType::Session => "SESSION",
        WindowType::Tumbling => "TUMBLING",
        WindowType::Hopping => "HOPPING",
    };
    match (kind(left), kind(right)) {
        (None, None) => Ok(()),
        (Some(w), None) | (None, Some(w)) => {
            let (windowed, plain) = if kind(left).is_some() { (left, right) } else { (right, left) };
            Err(PlanError::Invalid(format!(
                "Can not join windowed source to non-windowed source.\n`{}` is {} windowed\n`{}` is not windowed",
                windowed.source.name,
                name(w),
                plain.source.name
            )))
        }
        (Some(l), Some(r)) if (l == WindowType::Session) != (r == WindowType::Session) => {
            Err(PlanError::Invalid(format!(
                "Incompatible windowed sources.\nLeft source: {}\nRight source: {}\nSession windowed sources can only \
                 be joined to other session windowed sources, and may still not result in expected behaviour as \
                 session bounds must be an exact match for the join to work\nHopping and tumbling windowed sources \
                 can only be joined to other hopping and tumbling windowed sources",
                name(l),
                name(r)
            )))
        }
        // Two tables joined on the right one's key from a left column that
        // is not its key: a foreign-key join.
        _ if left.source.kind == SourceKind::Table
            && right.source.kind == SourceKind::Table
            && !is_key(left_expr, left)
            && is_key(right_expr, right) =>
        {
            Err(PlanError::Invalid("Foreign-key table-table joins are not supported on windowed tables.".into()))
        }
        _ if !is_key(left_expr, left) || !is_key(right_expr, right) => Err(PlanError::Invalid(
            "Implicit repartitioning of windowed sources is not supported. See https://github.com/confluentinc/ksql/issues/4385."
                .into(),
        )),
        _ => Err(PlanError::NotSupportedYet("Joining windowed sources".into())),
    }
}

/// Whether `expr` is a key column of the side's source.
fn is_key(expr: &Expr, side: &Side) -> bool {
    matches!(expr, Expr::Column(c) if side.source.schema.key_columns().any(|k| k.name == c.name.as_str()))
}

/// The name of the synthetic key of a join whose key is no single column (a FULL
/// join, or expressions): ROWKEY, or ROWKEY_n with the first n no source uses.
fn synthetic_key(sides: &[Side]) -> String {
    std::iter::once("ROWKEY".to_string())
        .chain((1..).map(|n| format!("ROWKEY_{n}")))
        .find(|name| !sides.iter().any(|s| s.has(name)))
        .unwrap_or_default()
}

fn is_synthetic(column: &ColumnRef, sides: &[Side]) -> bool {
    column.source.is_none() && column.name.as_str() == synthetic_key(sides)
}

/// Which source a column belongs to.
fn column_side(column: &ColumnRef, sides: &[Side]) -> Result<usize> {
    let name = column.name.as_str();
    if let Some(q) = &column.source {
        return sides.iter().position(|s| s.names.iter().any(|n| n == q.as_str())).ok_or_else(|| {
            PlanError::Invalid(format!(
                "Failed to prepare statement: '{}' is not a valid stream/table name or alias.",
                q.as_str()
            ))
        });
    }
    let owners: Vec<usize> = sides.iter().enumerate().filter(|(_, s)| s.has(name)).map(|(i, _)| i).collect();
    match owners.as_slice() {
        [one] => Ok(*one),
        [] => Err(PlanError::Invalid(format!("Column '{name}' cannot be resolved."))),
        [a, b, ..] => Err(PlanError::Invalid(format!(
            "Column '{name}' is ambiguous. Could be {0}.{name} or {1}.{name}.",
            sides[*a].prefix, sides[*b].prefix
        ))),
    }
}

/// `expr` with its column references named as in the joined row.
fn rewrite_columns(expr: &Expr, sides: &[Side]) -> Result<Expr> {
    walk::transform(expr, &mut |e| match e {
        Expr::Column(c) if is_synthetic(c, sides) => Ok(None),
        Expr::Column(c) if c.source.is_none() && c.name.as_str() == ROWTIME => Ok(None),
        Expr::Column(c) => {
            let side = &sides[column_side(c, sides)?];
            Ok(Some(Expr::column(side.column(c.name.as_str()))))
        }
        _ => Ok(None),
    })
}

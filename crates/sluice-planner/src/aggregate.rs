//! Plans for GROUP BY: which expressions form the group key, which
//! aggregates run per group, and how SELECT and HAVING read their results.
//!
//! Select items and HAVING are rewritten to read an intermediate row per
//! group: the group key values (`$key0`, ..), the aggregate results
//! (`$agg0`, ..) and ROWTIME. A select item that is exactly a group key
//! becomes a key column of the output.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::ScalarValue;
use sluice_catalog::{DataSource, SqlType};
use sluice_functions::aggregate::{
    aggregate_function, table_source_error, AggregateConfig, AggregateFunction,
};
use sluice_sql::ast::{ColumnRef, Expr, FunctionCall, Ident, Select};

use crate::error::{PlanError, Result};
use crate::expr::{literal_value, CompiledExpr, ExprCompiler};
use crate::query::{check_key_type, OutputNames, ProjectedColumn, ROWTIME};
use crate::walk;
use crate::window::{WindowPlan, WINDOWEND, WINDOWSTART};

/// One aggregate call: per-row arguments over the input, and constants.
#[derive(Clone)]
pub struct AggregateCall {
    pub function: &'static dyn AggregateFunction,
    pub args: Vec<CompiledExpr>,
    pub constants: Vec<ScalarValue>,
    pub return_type: DataType,
}

impl std::fmt::Debug for AggregateCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}({} args)", self.function.name(), self.args.len())
    }
}

#[derive(Debug, Clone)]
pub struct AggregationPlan {
    /// The group key expressions, over the input.
    pub group_by: Vec<CompiledExpr>,
    pub aggregates: Vec<AggregateCall>,
    /// `$key0.., $agg0.., ROWTIME`: what HAVING and the projection read.
    pub intermediate_schema: SchemaRef,
    /// Over the intermediate schema.
    pub having: Option<CompiledExpr>,
    /// Positions of the input's key columns: a table's rows are retracted
    /// by key when a new row for the same key arrives.
    pub source_key_columns: Vec<usize>,
    /// WINDOW: the intermediate rows then carry WINDOWSTART and WINDOWEND.
    pub window: Option<WindowPlan>,
    /// The query's `ksql.functions.*` properties (COLLECT_LIST/SET limits); the
    /// runtime sets them.
    pub config: AggregateConfig,
}

/// Whether `name` is an aggregate function.
pub fn is_aggregate(name: &str) -> bool {
    aggregate_function(name).is_some()
}

/// Whether `expr` calls an aggregate function anywhere.
pub fn has_aggregate(expr: &Expr) -> bool {
    walk::function_calls(expr).iter().any(|c| is_aggregate(c.name.as_str()))
}

fn key_column(i: usize) -> String {
    format!("$key{i}")
}

fn agg_column(i: usize) -> String {
    format!("$agg{i}")
}

/// Plans the aggregation of `items` (already expanded, with their aliases)
/// grouped by `group_by`, with an optional HAVING.
pub fn plan_aggregation(
    items: &[(Option<String>, Expr)],
    select: &Select,
    source: &DataSource,
    input_schema: &SchemaRef,
    compiler: &ExprCompiler,
    sink: &str,
) -> Result<(AggregationPlan, Vec<ProjectedColumn>)> {
    let group_by = &select.group_by;
    let having = select.having.as_ref();
    let window = select.window.as_ref().map(|w| WindowPlan::new(w, select.emit)).transpose()?;
    if group_by.is_empty() {
        // ksqlDB names COUNT(*) as it rewrites it: COUNT(ROWTIME).
        let calls: Vec<String> = items
            .iter()
            .flat_map(|(_, e)| walk::function_calls(e))
            .filter(|c| is_aggregate(c.name.as_str()))
            .map(|c| {
                let args: Vec<String> = c.args.iter().map(|a| a.to_string()).collect();
                let args = if c.star || args.is_empty() { "ROWTIME".to_string() } else { args.join(", ") };
                format!("{}({args})", c.name.as_str().to_ascii_uppercase())
            })
            .collect();
        return Err(PlanError::Invalid(format!(
            "CREATE TABLE AS SELECT statement does not support aggregate function [{}] without a GROUP BY clause.",
            calls.join(", ")
        )));
    }
    if source.value_format.name == "KAFKA" {
        return Err(PlanError::Invalid(format!(
            "Source(s) {} are using the 'KAFKA' value format. This format does not yet support GROUP BY.",
            source.name
        )));
    }
    let groups: Vec<Expr> = group_by.iter().map(walk::unqualified).collect();
    for group in &groups {
        if let Some(call) = walk::function_calls(group).into_iter().find(|c| is_aggregate(c.name.as_str())) {
            let name = call.name.as_str().to_ascii_uppercase();
            return Err(PlanError::Invalid(format!(
                "GROUP BY does not support aggregate functions: {name} is an aggregate function."
            )));
        }
    }
    let mut calls: Vec<FunctionCall> = Vec::new();
    let mut rewrite = |expr: &Expr| -> Result<Expr> {
        walk::transform(&walk::unqualified(expr), &mut |e| {
            if let Some(i) = groups.iter().position(|g| g == e) {
                return Ok(Some(Expr::column(key_column(i))));
            }
            match e {
                Expr::Function(call) if is_aggregate(call.name.as_str()) => {
                    if call.args.iter().any(has_aggregate) {
                        return Err(PlanError::Invalid(format!(
                            "Aggregate functions can not be nested: {}",
                            Expr::Function(call.clone())
                        )));
                    }
                    let index = match calls.iter().position(|c| c == call) {
                        Some(i) => i,
                        None => {
                            calls.push(call.clone());
                            calls.len() - 1
                        }
                    };
                    Ok(Some(Expr::column(agg_column(index))))
                }
                _ => Ok(None),
            }
        })
    };
    let rewritten: Vec<Expr> = items.iter().map(|(_, e)| rewrite(e)).collect::<Result<_>>()?;
    let having = having.map(&mut rewrite).transpose()?;

    let is_bound = |name: &str| name == WINDOWSTART || name == WINDOWEND;
    if let Some(h) = &having {
        if let Some(bound) = walk::columns(h).into_iter().find(|c| is_bound(c.name.as_str())) {
            return Err(bounds_outside_select(bound.name.as_str()));
        }
    }
    let stray: Vec<String> = rewritten
        .iter()
        .flat_map(walk::columns)
        .map(|c| c.name.as_str())
        .filter(|name| !name.starts_with('$'))
        .filter(|name| {
            // Window bounds are columns of a windowed aggregation's rows.
            !(window.is_some() && is_bound(name))
        })
        .map(str::to_string)
        .collect();
    if let Some(bound) = stray.iter().find(|n| is_bound(n)) {
        return Err(bounds_outside_select(bound));
    }
    if !stray.is_empty() {
        return Err(PlanError::Invalid(format!(
            "Non-aggregate SELECT expression(s) not part of GROUP BY: {}",
            stray.join(", ")
        )));
    }

    if source.kind == sluice_sql::ast::SourceKind::Table {
        if let Some(message) = table_source_error(calls.iter().map(|c| c.name.as_str())) {
            return Err(PlanError::Invalid(message));
        }
    }
    let group_by: Vec<CompiledExpr> =
        groups.iter().map(|g| compiler.compile(g, input_schema)).collect::<Result<_>>()?;
    let aggregates: Vec<AggregateCall> =
        calls.iter().map(|call| aggregate_call(call, input_schema, compiler)).collect::<Result<_>>()?;

    let mut fields: Vec<Field> = Vec::new();
    for (i, g) in group_by.iter().enumerate() {
        fields.push(Field::new(key_column(i), g.data_type().clone(), true));
    }
    for (i, a) in aggregates.iter().enumerate() {
        fields.push(Field::new(agg_column(i), a.return_type.clone(), true));
    }
    if window.is_some() {
        fields.push(Field::new(WINDOWSTART, DataType::Int64, false));
        fields.push(Field::new(WINDOWEND, DataType::Int64, false));
    }
    fields.push(Field::new(ROWTIME, DataType::Int64, false));
    let intermediate_schema: SchemaRef = Arc::new(Schema::new(fields));

    let having = having
        .map(|h| compiler.compile(&h, &intermediate_schema).map_err(|e| e.in_clause("HAVING", &h)))
        .transpose()?;

    let mut names = OutputNames::new(items);
    let mut keys: Vec<(usize, ProjectedColumn)> = Vec::new();
    let mut values: Vec<ProjectedColumn> = Vec::new();
    for ((alias, original), expr) in items.iter().zip(&rewritten) {
        let name = names.name(alias.as_deref(), original)?;
        let compiled = compiler.compile(expr, &intermediate_schema)?;
        let sql_type = SqlType::from_arrow(compiled.data_type()).ok_or_else(|| {
            PlanError::Invalid(format!("Expression {original} has a type Sluice cannot store"))
        })?;
        let group = match expr {
            Expr::Column(ColumnRef { source: None, name: Ident(n) }) => {
                n.strip_prefix("$key").and_then(|i| i.parse::<usize>().ok())
            }
            _ => None,
        };
        let column =
            ProjectedColumn { name, expr: compiled, sql_type, is_key: group.is_some(), reads_value: false };
        match group {
            Some(i) => {
                check_key_type(&column)?;
                if let Some((_, first)) = keys.iter().find(|(g, _)| *g == i) {
                    return Err(PlanError::Invalid(format!(
                        "The projection contains a key column (`{}`) more than once, aliased as: {} and {}.",
                        first.name, first.name, column.name
                    )));
                }
                keys.push((i, column));
            }
            None => values.push(column),
        }
    }
    for (i, group) in group_by_texts(&groups).iter().enumerate() {
        if !keys.iter().any(|(g, _)| *g == i) {
            return Err(PlanError::Invalid(format!(
                "The query used to build `{sink}` must include the grouping expression {group} in its projection \
                 (eg, SELECT {group}...)."
            )));
        }
    }
    if values.is_empty() {
        return Err(PlanError::Invalid("The projection contains no value columns.".into()));
    }
    // Key columns in GROUP BY order, then values in projection order.
    keys.sort_by_key(|(g, _)| *g);
    let mut projection: Vec<ProjectedColumn> = keys.into_iter().map(|(_, c)| c).collect();
    projection.extend(values);

    let source_key_columns =
        source.schema.key_columns().filter_map(|k| input_schema.index_of(&k.name).ok()).collect();
    Ok((
        AggregationPlan {
            group_by,
            aggregates,
            intermediate_schema,
            having,
            source_key_columns,
            window,
            config: AggregateConfig::default(),
        },
        projection,
    ))
}

fn bounds_outside_select(name: &str) -> PlanError {
    PlanError::Invalid(format!(
        "Window bounds column {name} can only be used in the SELECT clause of windowed aggregations"
    ))
}

fn group_by_texts(groups: &[Expr]) -> Vec<String> {
    groups.iter().map(|g| g.to_string()).collect()
}

fn aggregate_call(
    call: &FunctionCall,
    input_schema: &SchemaRef,
    compiler: &ExprCompiler,
) -> Result<AggregateCall> {
    let name = call.name.as_str().to_ascii_uppercase();
    let function = aggregate_function(&name)
        .ok_or_else(|| PlanError::Invalid(format!("Can't find any functions with the name '{name}'")))?;
    let column_args = if call.star { 0 } else { function.column_args(call.args.len()) };
    let (columns, constants) = call.args.split_at(column_args.min(call.args.len()));
    let args: Vec<CompiledExpr> =
        columns.iter().map(|a| compiler.compile(a, input_schema)).collect::<Result<_>>()?;
    let constants: Vec<ScalarValue> = constants
        .iter()
        .map(|c| match c {
            Expr::Literal(literal) => literal_value(literal),
            other => Err(PlanError::Invalid(format!(
                "Parameter {other} passed to function {name} must be a literal constant."
            ))),
        })
        .collect::<Result<_>>()?;
    let arg_types: Vec<DataType> = args.iter().map(|a| a.data_type().clone()).collect();
    let return_type = function.return_type(&arg_types, &constants).map_err(PlanError::Invalid)?;
    Ok(AggregateCall { function, args, constants, return_type })
}

//! Plans for the SELECT of a persistent query over one source: which rows
//! pass, which columns come out, and which of them form the key.
//!
//! Joins, windows, aggregation, PARTITION BY and table functions are
//! refused with a "not supported yet" error until their operators exist.

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use sluice_catalog::{
    is_reserved_column_name, Catalog, Column, DataSource, LogicalSchema, Namespace, SqlType,
};
use sluice_sql::ast::{Expr, Select, SelectItem};

use crate::aggregate::{has_aggregate, plan_aggregation, AggregationPlan};
use crate::error::{PlanError, Result};
use crate::expr::{CompiledExpr, ExprCompiler};
use crate::join::{plan_join, JoinPlan};
use crate::table_function::{plan_explode, ExplodePlan};
use crate::walk;
use crate::window::{WindowPlan, WINDOWEND, WINDOWSTART};

/// The record timestamp, carried as a column through every operator.
pub const ROWTIME: &str = "ROWTIME";
pub const ROWPARTITION: &str = "ROWPARTITION";
pub const ROWOFFSET: &str = "ROWOFFSET";

/// The Arrow schema of the batches a source produces: key, value and header
/// columns, then ROWTIME, ROWPARTITION and ROWOFFSET.
pub fn source_batch_schema(source: &DataSource) -> SchemaRef {
    let mut fields: Vec<Field> = source.schema.columns().iter().map(Column::to_arrow_field).collect();
    // Nullable: a source may read no event time for a record (it is then
    // skipped before any operator sees it).
    fields.push(Field::new(ROWTIME, DataType::Int64, true));
    fields.push(Field::new(ROWPARTITION, DataType::Int32, false));
    fields.push(Field::new(ROWOFFSET, DataType::Int64, false));
    if source.window.is_some() {
        // A windowed source's keys carry their window.
        fields.push(Field::new(WINDOWSTART, DataType::Int64, false));
        fields.push(Field::new(WINDOWEND, DataType::Int64, false));
    }
    Arc::new(Schema::new(fields))
}

/// One output column and how to compute it from an input batch.
#[derive(Debug, Clone)]
pub struct ProjectedColumn {
    pub name: String,
    pub expr: CompiledExpr,
    pub sql_type: SqlType,
    pub is_key: bool,
    /// A PARTITION BY key computed from more than the source's key columns: on a
    /// stream record with a null value it is null, as the value it reads is.
    pub reads_value: bool,
}

/// A stateless query over one source: filter, then project.
#[derive(Debug, Clone)]
pub struct QueryPlan {
    pub source: DataSource,
    /// The schema of the source's batches (see [`source_batch_schema`]).
    pub input_schema: SchemaRef,
    pub filter: Option<CompiledExpr>,
    /// PARTITION BY computes the output's keys.
    pub rekeyed: bool,
    /// Joins, applied in order: the source is the first join's left side;
    /// WHERE and the projection read the last join's rows.
    pub join: Vec<JoinPlan>,
    /// EXPLODE: when set, the projection reads its rows.
    pub explode: Option<ExplodePlan>,
    /// GROUP BY: when set, the projection reads its intermediate rows.
    pub aggregation: Option<AggregationPlan>,
    /// Key columns first, then value columns, in projection order.
    pub projection: Vec<ProjectedColumn>,
    /// The logical schema of what the query writes.
    pub output: LogicalSchema,
}

impl QueryPlan {
    /// The Arrow schema of output batches: the projected columns, then
    /// ROWTIME, then for a windowed aggregation WINDOWSTART and WINDOWEND
    /// (the sink writes them into the windowed key).
    pub fn output_batch_schema(&self) -> SchemaRef {
        let mut fields: Vec<Field> =
            self.projection.iter().map(|c| Field::new(&c.name, c.expr.data_type().clone(), true)).collect();
        fields.push(Field::new(ROWTIME, DataType::Int64, false));
        if self.windowed_output().is_some() {
            fields.push(Field::new(WINDOWSTART, DataType::Int64, false));
            fields.push(Field::new(WINDOWEND, DataType::Int64, false));
        }
        Arc::new(Schema::new(fields))
    }

    /// The window of a windowed aggregation.
    pub fn window(&self) -> Option<&WindowPlan> {
        self.aggregation.as_ref().and_then(|a| a.window.as_ref())
    }

    /// How the output's keys are windowed: by a windowed aggregation, or
    /// as the windowed source's were.
    pub fn windowed_output(&self) -> Option<sluice_catalog::WindowInfo> {
        match &self.aggregation {
            Some(aggregation) => aggregation.window.map(|w| w.window_info()),
            None => self.source.window,
        }
    }

    /// Whether each partition of the source can be processed on its own,
    /// by whichever process owns it: what one partition's records give does
    /// not depend on another's. That holds without a join, and for an
    /// aggregation that groups by exactly the source's key columns (all of
    /// a key's records are in one partition).
    pub fn partition_local(&self) -> bool {
        if !self.join.is_empty() {
            return false;
        }
        let Some(aggregation) = &self.aggregation else { return true };
        let grouped: std::collections::BTreeSet<Option<usize>> =
            aggregation.group_by.iter().map(|g| g.column_index()).collect();
        let keys: std::collections::BTreeSet<Option<usize>> =
            aggregation.source_key_columns.iter().map(|&k| Some(k)).collect();
        self.explode.is_none() && !keys.is_empty() && grouped == keys
    }
}

/// Plans `select` as the body of a persistent query writing to `sink`.
pub fn plan_select(
    select: &Select,
    catalog: &Catalog,
    compiler: &ExprCompiler,
    sink: &str,
) -> Result<QueryPlan> {
    plan(select, catalog, compiler, sink, false)
}

/// Plans `select` as a client's (push or pull) query, which, unlike a
/// persistent query, may read a windowed table.
pub fn plan_transient_select(
    select: &Select,
    catalog: &Catalog,
    compiler: &ExprCompiler,
    sink: &str,
) -> Result<QueryPlan> {
    plan(select, catalog, compiler, sink, true)
}

fn plan(
    select: &Select,
    catalog: &Catalog,
    compiler: &ExprCompiler,
    sink: &str,
    transient: bool,
) -> Result<QueryPlan> {
    if !select.from.joins.is_empty() {
        return plan_join(select, catalog, compiler, sink);
    }
    refuse_unsupported(select)?;
    let source_ref = &select.from.source;
    let source = catalog.source(source_ref.name.as_str()).ok_or_else(|| {
        PlanError::Invalid(format!(
            "Failed to prepare statement: {} does not exist.",
            source_ref.name.as_str()
        ))
    })?;
    let names: Vec<&str> = [Some(source_ref.name.as_str()), source_ref.alias.as_ref().map(|a| a.as_str())]
        .into_iter()
        .flatten()
        .collect();
    if !transient && source.window.is_some() && source.kind == sluice_sql::ast::SourceKind::Table {
        return Err(PlanError::Invalid(
            "KSQL does not support persistent queries on windowed tables.".into(),
        ));
    }
    let input_schema = source_batch_schema(source);

    let mut items: Vec<(Option<String>, Expr)> = Vec::new();
    for item in &select.items {
        match item {
            SelectItem::Wildcard { source: qualifier } => {
                if let Some(q) = qualifier {
                    check_qualifier(q.as_str(), &names)?;
                }
                // After PARTITION BY the old key columns are values, and
                // ksqlDB lists them after the other value columns.
                let repartitioned = !select.partition_by.is_empty();
                let key_last = |c: &&sluice_catalog::Column| repartitioned && c.namespace == Namespace::Key;
                let columns = source.schema.columns();
                for column in columns.iter().filter(|c| !key_last(c)).chain(columns.iter().filter(key_last)) {
                    items.push((Some(column.name.clone()), Expr::column(column.name.clone())));
                }
            }
            SelectItem::Expr { expr, alias } => {
                items.push((alias.as_ref().map(|a| a.0.clone()), expr.clone()))
            }
            SelectItem::StructAll(base) => {
                // `s->*`: one column per field, named by the field.
                let compiled = compiler.compile(base, &input_schema)?;
                let DataType::Struct(fields) = compiled.data_type() else {
                    return Err(PlanError::Invalid(format!(
                        "{base}->* needs a STRUCT, not {}",
                        compiled.data_type()
                    )));
                };
                for field in fields {
                    let name = sluice_sql::ast::Ident::new(field.name().clone());
                    let access = Expr::Dereference { base: Box::new(base.clone()), field: name };
                    items.push((Some(field.name().clone()), access));
                }
            }
        }
    }
    for (_, expr) in &items {
        check_columns(expr, &names)?;
    }
    if let (Some(having), Some(_)) = (&select.having, &select.window) {
        let bound =
            walk::columns(having).into_iter().find(|c| [WINDOWSTART, WINDOWEND].contains(&c.name.as_str()));
        if let Some(bound) = bound {
            return Err(PlanError::Invalid(format!(
                "Window bounds column {} can only be used in the SELECT clause of windowed aggregations",
                bound.name.as_str()
            )));
        }
    }
    for expr in select.where_clause.iter().chain(&select.group_by).chain(&select.having) {
        check_columns(expr, &names)?;
    }

    let filter = match &select.where_clause {
        Some(condition) => {
            let compiled =
                compiler.compile(condition, &input_schema).map_err(|e| e.in_clause("WHERE", condition))?;
            if compiled.data_type() != &DataType::Boolean && compiled.data_type() != &DataType::Null {
                return Err(PlanError::Invalid(format!(
                    "Type error in WHERE expression: Should evaluate to boolean but is {condition} ({}) instead.",
                    describe_type(compiled.data_type())
                )));
            }
            Some(compiled)
        }
        None => None,
    };

    let explode = plan_explode(&mut items, &input_schema, compiler)?;
    if explode.is_some() && source.kind == sluice_sql::ast::SourceKind::Table {
        return Err(PlanError::Invalid("Table functions are only supported on streams.".into()));
    }
    // Projections after EXPLODE read its rows: the input's and the elements.
    let projected_schema =
        explode.as_ref().map(|e| Arc::clone(&e.output_schema)).unwrap_or(Arc::clone(&input_schema));
    let aggregated =
        !select.group_by.is_empty() || select.having.is_some() || items.iter().any(|(_, e)| has_aggregate(e));
    if aggregated && explode.is_some() {
        return Err(not_yet("A table function in an aggregation"));
    }
    let (aggregation, projection) = if aggregated {
        let (plan, projection) = plan_aggregation(&items, select, source, &input_schema, compiler, sink)?;
        (Some(plan), projection)
    } else {
        let wildcard = select.items.iter().any(|i| matches!(i, SelectItem::Wildcard { .. }));
        (
            None,
            project(&items, wildcard, &key_rule(select, source)?, source, &projected_schema, compiler, sink)?,
        )
    };
    let output = output_schema(&projection);
    let rekeyed = !select.partition_by.is_empty();
    Ok(QueryPlan {
        source: source.clone(),
        input_schema,
        filter,
        rekeyed,
        join: Vec::new(),
        explode,
        aggregation,
        projection,
        output,
    })
}

/// The schema of the rows a projection produces: its keys, then its values.
pub(crate) fn output_schema(projection: &[ProjectedColumn]) -> LogicalSchema {
    LogicalSchema::new(
        projection
            .iter()
            .map(|c| Column {
                name: c.name.clone(),
                sql_type: c.sql_type.clone(),
                namespace: if c.is_key { Namespace::Key } else { Namespace::Value },
            })
            .collect(),
    )
}

/// Names output columns as ksqlDB does: the alias, else a column's or
/// struct field's name, else the next free `KSQL_COL_n`; reserved and
/// repeated names are errors.
pub(crate) struct OutputNames {
    taken: HashSet<String>,
    seen: HashSet<String>,
    generated: usize,
}

impl OutputNames {
    pub(crate) fn new(items: &[(Option<String>, Expr)]) -> Self {
        OutputNames {
            taken: items.iter().filter_map(|(alias, _)| alias.clone()).collect(),
            seen: HashSet::new(),
            generated: 0,
        }
    }

    /// Generated names also skip the source's column names (ksqlDB's
    /// `KSQL_COL_n` never names a source column, selected or not).
    pub(crate) fn avoiding<'a>(mut self, source_columns: impl Iterator<Item = &'a String>) -> Self {
        self.taken.extend(source_columns.cloned());
        self
    }

    /// The name of a key that `SELECT *` takes from PARTITION BY: a pseudo
    /// column keeps its name (`PARTITION BY ROWTIME` gives a `ROWTIME` key),
    /// which a select item could not have.
    fn partition_key_name(&mut self, expr: &Expr) -> Result<String> {
        match expr {
            Expr::Column(column) if is_reserved_column_name(column.name.as_str()) => {
                self.claim(column.name.0.clone())
            }
            _ => self.name(None, expr),
        }
    }

    /// Records an output name; each may be used once.
    fn claim(&mut self, name: String) -> Result<String> {
        if !self.seen.insert(name.clone()) {
            return Err(PlanError::Invalid(format!("Duplicate value columns found in schema: `{name}`")));
        }
        Ok(name)
    }

    pub(crate) fn name(&mut self, alias: Option<&str>, expr: &Expr) -> Result<String> {
        let name = match (alias, expr) {
            (Some(alias), _) => {
                if is_reserved_column_name(alias) {
                    return Err(PlanError::Invalid(format!(
                        "`{alias}` is a reserved column name. You cannot use it as an alias for a column."
                    )));
                }
                alias.to_string()
            }
            // A table function's elements are named like any expression.
            (None, Expr::Column(column)) if !column.name.as_str().starts_with('$') => column.name.0.clone(),
            // A struct field's name, numbered when a source column, an alias or an
            // earlier field already has it (`ITEMID_1`).
            (None, Expr::Dereference { field, .. }) => {
                let base = field.0.clone();
                let free = |n: &String| !self.taken.contains(n) && !self.seen.contains(n);
                let name = std::iter::once(base.clone())
                    .chain((1..).map(|i| format!("{base}_{i}")))
                    .find(free)
                    .unwrap_or(base);
                self.taken.insert(name.clone());
                name
            }
            (None, _) => loop {
                let candidate = format!("KSQL_COL_{}", self.generated);
                self.generated += 1;
                if self.taken.insert(candidate.clone()) {
                    break candidate;
                }
            },
        };
        if is_reserved_column_name(&name) {
            return Err(PlanError::Invalid(format!(
                "Reserved column name in select: `{name}`. Please remove or alias the column."
            )));
        }
        self.claim(name)
    }
}

/// What makes a select item a key column of the output.
pub(crate) enum KeyRule<'a> {
    /// The source's key columns, selected by name.
    SourceKeys(&'a DataSource),
    /// PARTITION BY: the items equal to these expressions (unqualified).
    Partition(Vec<Expr>),
}

impl KeyRule<'_> {
    /// Which key (by position) `expr` is, if any.
    pub(crate) fn key_of(&self, expr: &Expr) -> Option<usize> {
        match self {
            KeyRule::SourceKeys(source) => match expr {
                Expr::Column(c) => source.schema.key_columns().position(|k| k.name == c.name.as_str()),
                _ => None,
            },
            KeyRule::Partition(exprs) => {
                let expr = walk::unqualified(expr);
                exprs.iter().position(|p| *p == expr)
            }
        }
    }

    /// The error when key `i` is not in the projection.
    pub(crate) fn missing(&self, sink: &str) -> Option<String> {
        let names: Vec<String> = match self {
            KeyRule::SourceKeys(source) => {
                let key = source.schema.key_columns().next()?;
                return Some(format!(
                    "The query used to build `{sink}` must include the key column {} in its projection (eg, SELECT {}...).",
                    key.name, key.name
                ));
            }
            KeyRule::Partition(exprs) => exprs.iter().map(|e| e.to_string()).collect(),
        };
        let (what, list) = match names.as_slice() {
            [one] => ("partitioning expression", one.clone()),
            [init @ .., last] => ("partitioning expressions", format!("{} and {last}", init.join(", "))),
            [] => return None,
        };
        Some(format!(
            "The query used to build `{sink}` must include the {what} {list} in its projection (eg, SELECT {}...).",
            names.join(", ")
        ))
    }

    fn count(&self) -> usize {
        match self {
            KeyRule::SourceKeys(source) => source.schema.key_columns().count(),
            KeyRule::Partition(exprs) => exprs.len(),
        }
    }
}

/// Whether `expr` reads anything but the source's key columns (ROWTIME included:
/// ksqlDB takes it from the value).
fn reads_value(expr: &Expr, source: &DataSource) -> bool {
    walk::columns(expr).iter().any(|c| !source.schema.key_columns().any(|k| k.name == c.name.as_str()))
}

fn project(
    items: &[(Option<String>, Expr)],
    wildcard: bool,
    rule: &KeyRule,
    source: &DataSource,
    input_schema: &SchemaRef,
    compiler: &ExprCompiler,
    sink: &str,
) -> Result<Vec<ProjectedColumn>> {
    let mut names = OutputNames::new(items).avoiding(input_schema.fields().iter().map(|f| f.name()));
    let mut keys: Vec<(usize, ProjectedColumn)> = Vec::new();
    let mut values: Vec<ProjectedColumn> = Vec::new();
    for (alias, expr) in items {
        let name = names.name(alias.as_deref(), expr)?;
        let compiled = compiler.compile(expr, input_schema)?;
        let sql_type = SqlType::from_arrow(compiled.data_type()).ok_or_else(|| {
            PlanError::Invalid(format!(
                "Expression {expr} has a type Sluice cannot store: {}",
                compiled.data_type()
            ))
        })?;
        let key = rule.key_of(expr);
        let reads_value = key.is_some() && reads_value(expr, source);
        let column = ProjectedColumn { name, expr: compiled, sql_type, is_key: key.is_some(), reads_value };
        match key {
            Some(i) => {
                if let Some((_, first)) = keys.iter().find(|(k, _)| *k == i) {
                    return Err(PlanError::Invalid(format!(
                        "The projection contains a key column (`{}`) more than once, aliased as: {} and {}.",
                        first.name, first.name, column.name
                    )));
                }
                check_key_type(&column)?;
                keys.push((i, column));
            }
            None => values.push(column),
        }
    }
    if let KeyRule::Partition(exprs) = rule {
        // `SELECT *` takes the partitioning expressions it lacks as keys.
        if wildcard {
            for (i, expr) in exprs.iter().enumerate() {
                if !keys.iter().any(|(k, _)| *k == i) {
                    let name = names.partition_key_name(expr)?;
                    let compiled = compiler.compile(expr, input_schema)?;
                    let sql_type = SqlType::from_arrow(compiled.data_type()).ok_or_else(|| {
                        PlanError::Invalid(format!("Expression {expr} has a type Sluice cannot store"))
                    })?;
                    let reads_value = reads_value(expr, source);
                    let column =
                        ProjectedColumn { name, expr: compiled, sql_type, is_key: true, reads_value };
                    check_key_type(&column)?;
                    keys.push((i, column));
                }
            }
        }
        // Keys in PARTITION BY order.
        keys.sort_by_key(|(i, _)| *i);
    }
    if keys.len() < rule.count() {
        if let Some(message) = rule.missing(sink) {
            return Err(PlanError::Invalid(message));
        }
    }
    if values.is_empty() {
        return Err(PlanError::Invalid("The projection contains no value columns.".into()));
    }
    let mut projection: Vec<ProjectedColumn> = keys.into_iter().map(|(_, c)| c).collect();
    projection.extend(values);
    Ok(projection)
}

/// ksqlDB refuses keys holding maps: their serialized form is not stable.
pub(crate) fn check_key_type(column: &ProjectedColumn) -> Result<()> {
    if column.sql_type.contains_map() {
        return Err(PlanError::Invalid(format!(
            "Map keys, including types that contain maps, are not supported as they may lead to unexpected \
             behavior due to inconsistent serialization. Key column name: `{}`. Column type: {}. \
             See https://github.com/confluentinc/ksql/issues/6621 for more.",
            column.name, column.sql_type
        )));
    }
    Ok(())
}

/// The key rule of a query without GROUP BY.
fn key_rule<'a>(select: &Select, source: &'a DataSource) -> Result<KeyRule<'a>> {
    if select.partition_by.is_empty() {
        return Ok(KeyRule::SourceKeys(source));
    }
    if source.kind == sluice_sql::ast::SourceKind::Table {
        return Err(PlanError::Invalid("ksqlDB does not support PARTITION BY on a table".into()));
    }
    let is_null = |e: &Expr| matches!(e, Expr::Literal(sluice_sql::ast::Literal::Null));
    if select.partition_by.iter().any(is_null) {
        if select.partition_by.len() > 1 {
            return Err(PlanError::Invalid("Cannot PARTITION BY multiple columns including NULL".into()));
        }
        // PARTITION BY NULL: a stream without a key.
        return Ok(KeyRule::Partition(Vec::new()));
    }
    Ok(KeyRule::Partition(select.partition_by.iter().map(walk::unqualified).collect()))
}

fn refuse_unsupported(select: &Select) -> Result<()> {
    if select.window.is_some() && select.group_by.is_empty() {
        return Err(PlanError::Invalid("WINDOW clause requires a GROUP BY clause.".into()));
    }
    if !select.partition_by.is_empty() && (!select.group_by.is_empty() || select.window.is_some()) {
        return Err(PlanError::Invalid("PARTITION BY cannot be combined with GROUP BY or WINDOW".into()));
    }
    Ok(())
}

fn check_qualifier(qualifier: &str, names: &[&str]) -> Result<()> {
    if names.contains(&qualifier) {
        Ok(())
    } else {
        Err(PlanError::Invalid(format!(
            "Failed to prepare statement: '{qualifier}' is not a valid stream/table name or alias."
        )))
    }
}

/// Column qualifiers must name the source (or its alias).
fn check_columns(expr: &Expr, names: &[&str]) -> Result<()> {
    for column in walk::columns(expr) {
        if let Some(q) = &column.source {
            check_qualifier(q.as_str(), names)?;
        }
    }
    Ok(())
}

fn describe_type(data_type: &DataType) -> String {
    SqlType::from_arrow(data_type).map(|t| t.to_string()).unwrap_or_else(|| data_type.to_string())
}

fn not_yet(what: &str) -> PlanError {
    PlanError::NotSupportedYet(what.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_catalog::FormatDefaults;
    use sluice_sql::ast::Statement;
    use sluice_sql::parse_statement;

    fn catalog() -> Catalog {
        let mut catalog = Catalog::new(FormatDefaults::default());
        let Ok(Statement::CreateSource(create)) = parse_statement(
            "CREATE STREAM test (k STRING KEY, id BIGINT, name STRING) WITH (kafka_topic='t', value_format='JSON');",
        ) else {
            panic!("test statement")
        };
        catalog.create_source(&create).unwrap();
        catalog
    }

    fn plan(sql: &str) -> Result<QueryPlan> {
        let Ok(Statement::Query(select)) = parse_statement(sql) else { panic!("not a query: {sql}") };
        plan_select(&select, &catalog(), &ExprCompiler::default(), "OUT")
    }

    #[test]
    fn projection_names_keys_and_types() {
        let plan =
            plan("SELECT name, k, id + 1, id * 2 AS doubled FROM test t WHERE t.id > 100 EMIT CHANGES;")
                .unwrap();
        assert_eq!(
            plan.output.to_string(),
            "`K` STRING KEY, `NAME` STRING, `KSQL_COL_0` BIGINT, `DOUBLED` BIGINT"
        );
        assert!(plan.filter.is_some());
        let star = plan_then_schema("SELECT * FROM test;");
        assert_eq!(star, "`K` STRING KEY, `ID` BIGINT, `NAME` STRING");
    }

    fn plan_then_schema(sql: &str) -> String {
        plan(sql).unwrap().output.to_string()
    }

    #[test]
    fn ksqldb_rejections() {
        for (sql, message) in [
            ("SELECT name FROM test;", "must include the key column K in its projection"),
            ("SELECT k FROM test;", "The projection contains no value columns."),
            ("SELECT k, k AS k2, id FROM test;", "key column (`K`) more than once"),
            ("SELECT k, rowtime FROM test;", "Reserved column name in select: `ROWTIME`"),
            ("SELECT k, id AS windowstart FROM test;", "`WINDOWSTART` is a reserved column name"),
            ("SELECT k, x.id FROM test;", "'X' is not a valid stream/table name or alias"),
            ("SELECT k, id FROM test WHERE name;", "Should evaluate to boolean"),
            ("SELECT k, nope FROM test;", "Column 'NOPE' cannot be resolved."),
            ("SELECT k, id FROM nope;", "NOPE does not exist"),
            ("SELECT * FROM test a JOIN test b ON a.k = b.k;", "self joins are not yet supported"),
            (
                "SELECT k, COUNT(*) FROM test WINDOW TUMBLING (SIZE 1 SECOND);",
                "WINDOW clause requires a GROUP BY",
            ),
        ] {
            let err = plan(sql).expect_err(sql).to_string();
            assert!(err.contains(message), "{sql}\n  expected: {message}\n  got: {err}");
        }
    }
}

//! ksqlDB expressions compiled to DataFusion expressions, evaluated on
//! Arrow batches.
//!
//! The syntax tree is translated to a DataFusion logical `Expr`, which
//! DataFusion type-checks and coerces against the input schema, then turns
//! into a `PhysicalExpr`. Operators call [`CompiledExpr::evaluate`] once per
//! batch: no per-row interpretation.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::execution::context::SessionState;
use datafusion::execution::FunctionRegistry;
use datafusion::logical_expr::expr::{Case, InList, Like};
use datafusion::logical_expr::simplify::SimplifyContext;
use datafusion::logical_expr::{Between, BinaryExpr, Expr, ExprSchemable, Operator};
use datafusion::optimizer::simplify_expressions::ExprSimplifier;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::prelude::{cast, col, lit, SessionContext};
use sluice_catalog::SqlType;
use sluice_sql::ast;

use crate::error::{PlanError, Result};
use crate::query::ROWTIME;
use crate::window::{WINDOWEND, WINDOWSTART};

/// An expression ready to run on batches of one schema.
#[derive(Debug, Clone)]
pub struct CompiledExpr {
    physical: Arc<dyn PhysicalExpr>,
    data_type: DataType,
}

impl CompiledExpr {
    pub fn data_type(&self) -> &DataType {
        &self.data_type
    }

    /// The input column the expression is, when it is just a column.
    pub fn column_index(&self) -> Option<usize> {
        self.physical.downcast_ref::<datafusion::physical_expr::expressions::Column>().map(|c| c.index())
    }

    /// Evaluates the expression on every row of `batch`.
    ///
    /// A few DataFusion functions panic on extreme arguments (RPAD with a
    /// huge length allocates without bound); such a panic becomes an error
    /// here, so one bad record cannot bring the engine down.
    pub fn evaluate(&self, batch: &RecordBatch) -> Result<ArrayRef> {
        let evaluate =
            || -> Result<ArrayRef> { Ok(self.physical.evaluate(batch)?.into_array(batch.num_rows())?) };
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(evaluate)) {
            Ok(result) => result,
            Err(panic) => Err(PlanError::Invalid(format!(
                "evaluating {} failed: {}",
                self.physical,
                panic_message(panic.as_ref())
            ))),
        }
    }
}

/// Compiles expressions; holds DataFusion's function registry, in which
/// ksqlDB's scalar functions replace DataFusion's of the same name.
pub struct ExprCompiler {
    pub(crate) state: SessionState,
}

impl Default for ExprCompiler {
    fn default() -> Self {
        let mut state = SessionContext::new().state();
        for udf in sluice_functions::scalar::scalar_functions() {
            // Registering by name replaces DataFusion's function; it cannot fail.
            let _ = state.register_udf(Arc::new(udf));
        }
        ExprCompiler { state }
    }
}

impl ExprCompiler {
    /// Type-checks `expr` against `schema` and prepares it for evaluation.
    pub fn compile(&self, expr: &ast::Expr, schema: &SchemaRef) -> Result<CompiledExpr> {
        let df_schema = DFSchema::try_from(schema.as_ref().clone())?;
        let logical = self.to_logical(expr, &df_schema)?;
        // Some functions (COALESCE, NVL) only run after DataFusion's
        // simplifier has rewritten them, which needs coerced types first.
        let simplifier = ExprSimplifier::new(
            SimplifyContext::builder()
                .with_schema(Arc::new(df_schema.clone()))
                .with_config_options(Arc::clone(self.state.config_options()))
                .build(),
        );
        let logical = simplifier.simplify(simplifier.coerce(logical, &df_schema)?)?;
        let physical = self.state.create_physical_expr(logical, &df_schema)?;
        let data_type = physical.data_type(schema.as_ref())?;
        Ok(CompiledExpr { physical, data_type })
    }

    /// Translates a ksqlDB expression to a DataFusion one over `schema`.
    pub fn to_logical(&self, expr: &ast::Expr, schema: &DFSchema) -> Result<Expr> {
        let logical = |e: &ast::Expr| self.to_logical(e, schema);
        let boxed = |e: &ast::Expr| logical(e).map(Box::new);
        Ok(match expr {
            ast::Expr::Literal(literal) => lit(literal_value(literal)?),
            ast::Expr::Column(column) => {
                let name = column.name.as_str();
                if !schema.has_column_with_unqualified_name(name) {
                    return Err(PlanError::Invalid(format!("Column '{name}' cannot be resolved.")));
                }
                col(format!("\"{}\"", name.replace('"', "\"\"")))
            }
            ast::Expr::Unary { op, expr } => match op {
                ast::UnaryOp::Not => Expr::Not(boxed(expr)?),
                ast::UnaryOp::Minus => match expr.as_ref() {
                    // A negative literal is one number to ksqlDB: its overflow error names
                    // the sign.
                    ast::Expr::Literal(ast::Literal::Double(text)) => {
                        lit(literal_value(&ast::Literal::Double(format!("-{text}")))?)
                    }
                    _ => Expr::Negative(boxed(expr)?),
                },
                ast::UnaryOp::Plus => logical(expr)?,
            },
            ast::Expr::Binary { left, op, right } => {
                let (left_expr, right_expr) = if is_comparison(*op) {
                    let side = |e: &ast::Expr, other: &ast::Expr| match pseudo_timestamp(e, other)? {
                        Some(millis) => Ok(Box::new(millis)),
                        None => boxed(e),
                    };
                    (side(left, right)?, side(right, left)?)
                } else {
                    (boxed(left)?, boxed(right)?)
                };
                if !is_comparison(*op) && !matches!(op, ast::BinaryOp::And | ast::BinaryOp::Or) {
                    check_null_arithmetic(left, &left_expr, *op, right, &right_expr, schema)?;
                }
                if is_comparison(*op) {
                    if let (Ok(l), Ok(r)) = (left_expr.get_type(schema), right_expr.get_type(schema)) {
                        check_comparable(left, &l, *op, right, &r)?;
                    }
                }
                let is_text =
                    |e: &Expr| matches!(e.get_type(schema), Ok(DataType::Utf8 | DataType::LargeUtf8));
                // ksqlDB's `+` also concatenates strings.
                let op_df = match op {
                    ast::BinaryOp::Add if is_text(&left_expr) || is_text(&right_expr) => {
                        Operator::StringConcat
                    }
                    other => operator(*other),
                };
                let binary = Expr::BinaryExpr(BinaryExpr::new(left_expr, op_df, right_expr));
                if is_comparison(*op) {
                    let is_null = |e: &ast::Expr| matches!(e, ast::Expr::Literal(ast::Literal::Null));
                    if is_null(left) || is_null(right) {
                        return Err(PlanError::Invalid(format!(
                            "Comparison with NULL not supported: {left} {} {right}",
                            sluice_sql_operator(*op)
                        )));
                    }
                    // ksqlDB compares like Java: a comparison with a null
                    // operand is false, not unknown.
                    Expr::Case(Case::new(
                        None,
                        vec![(Box::new(binary.clone().is_null()), Box::new(lit(false)))],
                        Some(Box::new(binary)),
                    ))
                } else {
                    binary
                }
            }
            ast::Expr::IsNull { expr, negated: false } => Expr::IsNull(boxed(expr)?),
            ast::Expr::IsNull { expr, negated: true } => Expr::IsNotNull(boxed(expr)?),
            ast::Expr::IsDistinctFrom { left, right, negated } => {
                let op = if *negated { Operator::IsNotDistinctFrom } else { Operator::IsDistinctFrom };
                Expr::BinaryExpr(BinaryExpr::new(boxed(left)?, op, boxed(right)?))
            }
            ast::Expr::Between { expr, low, high, negated } => {
                let bound = |e: &ast::Expr| match pseudo_timestamp(e, expr)? {
                    Some(millis) => Ok(Box::new(millis)),
                    None => boxed(e),
                };
                Expr::Between(Between::new(boxed(expr)?, *negated, bound(low)?, bound(high)?))
            }
            ast::Expr::InList { expr, list, negated } => {
                let tested = boxed(expr)?;
                let list = match tested.get_type(schema) {
                    Ok(tested_type) => list
                        .iter()
                        .map(|e| in_list_element(self, &tested_type, e, schema))
                        .collect::<Result<_>>()?,
                    Err(_) => list.iter().map(logical).collect::<Result<_>>()?,
                };
                Expr::InList(InList::new(tested, list, *negated))
            }
            ast::Expr::Like { expr, pattern, escape, negated } => {
                let escape_char = match escape.as_deref().map(|e| e.chars().collect::<Vec<_>>()).as_deref() {
                    None => None,
                    Some([c]) => Some(*c),
                    Some(_) => {
                        return Err(PlanError::Invalid(
                            "The ESCAPE of LIKE must be a single character".into(),
                        ))
                    }
                };
                let tested = boxed(expr)?;
                let pattern = logical(pattern)?;
                for side in [&*tested, &pattern] {
                    match side.get_type(schema) {
                        Ok(DataType::Utf8 | DataType::LargeUtf8 | DataType::Null) | Err(_) => {}
                        Ok(other) => {
                            return Err(PlanError::Invalid(format!(
                                "The column type for Like condition must be VARCHAR. The column type is {}",
                                sql_type_name(&other)
                            )))
                        }
                    }
                }
                let pattern = crate::like::with_escape(pattern, escape_char);
                Expr::Like(Like::new(*negated, tested, Box::new(pattern), None, false))
            }
            ast::Expr::Case { operand, whens, else_result } => Expr::Case(Case::new(
                operand.as_deref().map(boxed).transpose()?,
                whens.iter().map(|w| Ok((boxed(&w.condition)?, boxed(&w.result)?))).collect::<Result<_>>()?,
                else_result.as_deref().map(boxed).transpose()?,
            )),
            ast::Expr::Cast { expr, data_type } => {
                // Custom type names are resolved by the caller's catalog;
                // a bare expression compiler only knows the built-in types.
                let sql_type = SqlType::resolve(data_type, &|_| None)?;
                let operand = logical(expr)?;
                let from = operand.get_type(schema)?;
                let nested =
                    |t: &SqlType| matches!(t, SqlType::Array(_) | SqlType::Map(..) | SqlType::Struct(_));
                let kind = |t: &SqlType| std::mem::discriminant(t);
                if let Some(from_sql) = SqlType::from_arrow(&from) {
                    // Only an ARRAY casts to an ARRAY, and so on (ksqlDB's rule).
                    if nested(&sql_type) && kind(&from_sql) != kind(&sql_type) {
                        return Err(PlanError::Invalid(format!(
                            "Cast of {from_sql} to {sql_type} is not supported"
                        )));
                    }
                }
                match (&sql_type, &from) {
                    (SqlType::String, DataType::List(_) | DataType::Map(..) | DataType::Struct(_)) => {
                        crate::cast::nested_to_string(operand)
                    }
                    (SqlType::Date, DataType::Utf8) => crate::cast::string_to_date(operand),
                    (to, from) if crate::cast::narrows(from, &to.to_arrow()) => {
                        crate::cast::java_cast(operand, to.to_arrow())
                    }
                    _ => cast(operand, sql_type.to_arrow()),
                }
            }
            ast::Expr::Function(call) if crate::lambda::is_lambda_function(call.name.as_str()) => {
                self.lambda_call(call, schema)?
            }
            ast::Expr::Function(call) => self.function(call, schema)?,
            ast::Expr::Dereference { .. }
            | ast::Expr::Subscript { .. }
            | ast::Expr::Array(_)
            | ast::Expr::Map(_)
            | ast::Expr::Struct(_) => self.nested(expr, schema)?,
            ast::Expr::Lambda { .. } => return Err(unsupported("lambda functions")),
            ast::Expr::AtTimeZone { .. } => return Err(unsupported("AT TIME ZONE")),
            // DATEADD(DAYS, ..) and friends take the unit as a string; where
            // else a unit may stand is for the function to decide.
            ast::Expr::TimeUnit(unit) => lit(unit.to_string()),
        })
    }

    fn function(&self, call: &ast::FunctionCall, schema: &DFSchema) -> Result<Expr> {
        let name = call.name.as_str().to_ascii_uppercase();
        let Some(udf) = self.state.scalar_functions().get(&name.to_ascii_lowercase()) else {
            if sluice_functions::KSQLDB_SCALAR_FUNCTIONS.contains(&name.as_str()) {
                return Err(PlanError::NotSupportedYet(format!("The function {name}")));
            }
            return Err(PlanError::Invalid(format!("Can't find any functions with the name '{name}'")));
        };
        if call.star {
            // ksqlDB reads F(*) as a call without arguments.
            sluice_functions::scalar::check_arguments(udf, &[]).map_err(PlanError::Invalid)?;
            return Err(PlanError::Invalid(format!("Function '{name}' does not accept '*'")));
        }
        let args = call.args.iter().map(|a| self.to_logical(a, schema)).collect::<Result<Vec<_>>>()?;
        // ksqlDB's own message for arguments no overload takes.
        let arg_types =
            args.iter().map(|a| a.get_type(schema)).collect::<std::result::Result<Vec<_>, _>>()?;
        sluice_functions::scalar::check_arguments(udf, &arg_types).map_err(PlanError::Invalid)?;
        let expr = udf.call(args);
        // Type-check now, so the error names this function.
        expr.get_type(schema).map_err(|e| {
            PlanError::Invalid(format!("Function '{name}' does not accept these arguments: {e}"))
        })?;
        Ok(expr)
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_string())
}

pub(crate) fn unsupported(what: &str) -> PlanError {
    PlanError::NotSupportedYet(format!("In expressions, {what}"))
}

fn is_comparison(op: ast::BinaryOp) -> bool {
    use ast::BinaryOp::*;
    matches!(op, Eq | NotEq | Lt | LtEq | Gt | GtEq)
}

/// The kinds of types ksqlDB's comparison rules tell apart.
#[derive(PartialEq)]
enum Comparable {
    Null,
    Number,
    Text,
    Boolean,
    Bytes,
    Time,
    Nested,
    Other,
}

fn comparable_kind(t: &DataType) -> Comparable {
    match t {
        DataType::Null => Comparable::Null,
        t if t.is_numeric() => Comparable::Number,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Comparable::Text,
        DataType::Boolean => Comparable::Boolean,
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => Comparable::Bytes,
        DataType::Timestamp(..)
        | DataType::Date32
        | DataType::Date64
        | DataType::Time32(_)
        | DataType::Time64(_) => Comparable::Time,
        DataType::List(_) | DataType::LargeList(_) | DataType::Map(..) | DataType::Struct(_) => {
            Comparable::Nested
        }
        _ => Comparable::Other,
    }
}

/// What ksqlDB lets a comparison compare: numbers with numbers, strings
/// with strings, booleans, bytes, dates and times with each other and with
/// strings; arrays, maps and structs only for (in)equality with the same
/// type. NULL compares with anything.
fn comparable(left: &DataType, right: &DataType, equality: bool) -> bool {
    use Comparable::*;
    match (comparable_kind(left), comparable_kind(right)) {
        (Null, _) | (_, Null) | (Other, _) | (_, Other) => true,
        (Time, Text) | (Text, Time) => true,
        (Nested, Nested) => equality && sql_type_name(left) == sql_type_name(right),
        (l, r) => l == r,
    }
}

/// ksqlDB refuses arithmetic with a bare NULL operand.
fn check_null_arithmetic(
    left: &ast::Expr,
    left_expr: &Expr,
    op: ast::BinaryOp,
    right: &ast::Expr,
    right_expr: &Expr,
    schema: &DFSchema,
) -> Result<()> {
    let is_null = |e: &ast::Expr| matches!(e, ast::Expr::Literal(ast::Literal::Null));
    if !is_null(left) && !is_null(right) {
        return Ok(());
    }
    let type_name = |e: &ast::Expr, logical: &Expr| {
        if is_null(e) {
            "null".to_string()
        } else {
            logical.get_type(schema).map(|t| sql_type_name(&t)).unwrap_or_else(|_| "?".into())
        }
    };
    Err(PlanError::Invalid(format!(
        "Error processing expression: ({} {op} {}). Arithmetic on types {} and {} are not supported.",
        ksql_text(left),
        ksql_text(right),
        type_name(left, left_expr),
        type_name(right, right_expr)
    )))
}

/// An expression as ksqlDB's messages print it, where that differs from
/// Sluice's own printing: `null` in lower case, `MAP(k:=v)`.
fn ksql_text(expr: &ast::Expr) -> String {
    match expr {
        ast::Expr::Literal(ast::Literal::Null) => "null".into(),
        ast::Expr::Map(entries) => format!(
            "MAP({})",
            entries
                .iter()
                .map(|(k, v)| format!("{}:={}", ksql_text(k), ksql_text(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

fn sql_type_name(t: &DataType) -> String {
    SqlType::from_arrow(t).map(|t| t.to_string()).unwrap_or_else(|| t.to_string())
}

fn check_comparable(
    left: &ast::Expr,
    left_type: &DataType,
    op: ast::BinaryOp,
    right: &ast::Expr,
    right_type: &DataType,
) -> Result<()> {
    let equality = matches!(op, ast::BinaryOp::Eq | ast::BinaryOp::NotEq);
    if comparable(left_type, right_type, equality) {
        return Ok(());
    }
    let operator = match op {
        ast::BinaryOp::Eq => "EQUAL",
        ast::BinaryOp::NotEq => "NOT_EQUAL",
        ast::BinaryOp::Lt => "LESS_THAN",
        ast::BinaryOp::LtEq => "LESS_THAN_OR_EQUAL",
        ast::BinaryOp::Gt => "GREATER_THAN",
        _ => "GREATER_THAN_OR_EQUAL",
    };
    Err(PlanError::Comparison(format!(
        "Cannot compare {left} ({}) to {right} ({}) with {operator}.",
        sql_type_name(left_type),
        sql_type_name(right_type)
    )))
}

/// Whether an IN element of type `element` can be compared with the tested
/// `tested`: comparable leaves, and nested types of the same shape whose
/// parts are (`ARRAY<INT>` with `ARRAY<BIGINT>`, a struct's common fields).
fn widens_to(tested: &DataType, element: &DataType) -> bool {
    match (tested, element) {
        (DataType::List(t) | DataType::LargeList(t), DataType::List(e) | DataType::LargeList(e)) => {
            widens_to(t.data_type(), e.data_type())
        }
        (DataType::Map(t, _), DataType::Map(e, _)) => widens_to(t.data_type(), e.data_type()),
        (DataType::Struct(t), DataType::Struct(e)) => t.iter().all(|tf| {
            e.iter()
                .find(|ef| ef.name() == tf.name())
                .is_none_or(|ef| widens_to(tf.data_type(), ef.data_type()))
        }),
        (t, e) => comparable_kind(t) != Comparable::Nested && comparable(t, e, true),
    }
}

/// One element of `expr IN (..)`. As in ksqlDB, a literal is read as the
/// tested expression's type where it can be (`name IN (10, true)` compares
/// with `'10'` and `'true'`; `amount IN ('4.0')` with 4.0); anything else
/// must be comparable with it.
fn in_list_element(
    compiler: &ExprCompiler,
    tested: &DataType,
    element: &ast::Expr,
    schema: &DFSchema,
) -> Result<Expr> {
    use ast::Literal as L;
    let kind = comparable_kind(tested);
    let coerced = match (element, &kind) {
        (ast::Expr::Literal(L::Null), _) => None,
        (ast::Expr::Literal(literal), Comparable::Text) => Some(lit(match literal {
            L::String(text) | L::Integer(text) | L::Decimal(text) | L::Double(text) => text.clone(),
            L::Boolean(b) => b.to_string(),
            L::Null => String::new(),
        })),
        (ast::Expr::Literal(L::String(text)), Comparable::Number) => {
            let number = if text.contains(['.', 'e', 'E']) {
                text.parse::<f64>().ok().map(|_| L::Decimal(text.clone()))
            } else {
                text.parse::<i64>().ok().map(|_| L::Integer(text.clone()))
            };
            match number.map(|n| literal_value(&n)) {
                Some(Ok(value)) => Some(lit(value)),
                _ => None,
            }
        }
        (ast::Expr::Literal(L::String(text)), Comparable::Boolean) => {
            match text.to_ascii_lowercase().as_str() {
                "true" => Some(lit(true)),
                "false" => Some(lit(false)),
                _ => None,
            }
        }
        _ => None,
    };
    if let Some(coerced) = coerced {
        return Ok(coerced);
    }
    let logical = compiler.to_logical(element, schema)?;
    if let Ok(element_type) = logical.get_type(schema) {
        if !widens_to(tested, &element_type) {
            return Err(PlanError::Invalid(format!(
                "Invalid Predicate: operator does not exist: {} = {} ({element})\n\
                 Hint: You might need to add explicit type casts.",
                sql_type_name(tested),
                sql_type_name(&element_type)
            )));
        }
    }
    Ok(logical)
}

/// How ksqlDB writes a comparison operator in messages.
fn sluice_sql_operator(op: ast::BinaryOp) -> &'static str {
    use ast::BinaryOp::*;
    match op {
        Eq => "=",
        NotEq => "<>",
        Lt => "<",
        LtEq => "<=",
        Gt => ">",
        GtEq => ">=",
        _ => "?",
    }
}

fn operator(op: ast::BinaryOp) -> Operator {
    match op {
        ast::BinaryOp::Add => Operator::Plus,
        ast::BinaryOp::Subtract => Operator::Minus,
        ast::BinaryOp::Multiply => Operator::Multiply,
        ast::BinaryOp::Divide => Operator::Divide,
        ast::BinaryOp::Modulo => Operator::Modulo,
        ast::BinaryOp::Concat => Operator::StringConcat,
        ast::BinaryOp::Eq => Operator::Eq,
        ast::BinaryOp::NotEq => Operator::NotEq,
        ast::BinaryOp::Lt => Operator::Lt,
        ast::BinaryOp::LtEq => Operator::LtEq,
        ast::BinaryOp::Gt => Operator::Gt,
        ast::BinaryOp::GtEq => Operator::GtEq,
        ast::BinaryOp::And => Operator::And,
        ast::BinaryOp::Or => Operator::Or,
    }
}

/// A string compared with ROWTIME, WINDOWSTART or WINDOWEND is a point in
/// time (ksqlDB's "magic" timestamps): `ROWTIME > '2018-01-01'`.
fn pseudo_timestamp(side: &ast::Expr, other: &ast::Expr) -> Result<Option<Expr>> {
    let (ast::Expr::Literal(ast::Literal::String(text)), ast::Expr::Column(column)) = (side, other) else {
        return Ok(None);
    };
    if ![ROWTIME, WINDOWSTART, WINDOWEND].contains(&column.name.as_str()) {
        return Ok(None);
    }
    let millis =
        sluice_functions::partial_timestamp::parse_partial_timestamp(text).map_err(PlanError::Invalid)?;
    Ok(Some(lit(millis)))
}

/// ksqlDB's literal types: an integer is INT when it fits, else BIGINT; a
/// number with a point is DECIMAL with the precision and scale as written;
/// a number with an exponent is DOUBLE.
pub fn literal_value(literal: &ast::Literal) -> Result<ScalarValue> {
    let bad = |text: &str, kind: &str| PlanError::Invalid(format!("Invalid {kind} literal: {text}"));
    Ok(match literal {
        ast::Literal::Null => ScalarValue::Null,
        ast::Literal::Boolean(b) => ScalarValue::Boolean(Some(*b)),
        ast::Literal::String(s) => ScalarValue::Utf8(Some(s.clone())),
        ast::Literal::Integer(text) => match text.parse::<i64>() {
            Ok(n) => match i32::try_from(n) {
                Ok(small) => ScalarValue::Int32(Some(small)),
                Err(_) => ScalarValue::Int64(Some(n)),
            },
            Err(_) => return Err(bad(text, "integer")),
        },
        ast::Literal::Double(text) => {
            let value: f64 = text.parse().map_err(|_| bad(text, "DOUBLE"))?;
            if value.is_infinite() {
                return Err(PlanError::Invalid(format!("Number overflows DOUBLE: {text}")));
            }
            ScalarValue::Float64(Some(value))
        }
        ast::Literal::Decimal(text) => decimal_literal(text).ok_or_else(|| bad(text, "DECIMAL"))?,
    })
}

/// `12.50` as DECIMAL(4, 2); `.5` as DECIMAL(1, 1).
fn decimal_literal(text: &str) -> Option<ScalarValue> {
    let (whole, fraction) = text.split_once('.')?;
    let whole = whole.trim_start_matches('-');
    let digits = format!("{whole}{fraction}");
    let significant = digits.trim_start_matches('0');
    let scale = fraction.len();
    let precision = significant.len().max(scale).max(1);
    if precision > 38 {
        return None;
    }
    let mut unscaled: i128 = if significant.is_empty() { 0 } else { significant.parse().ok()? };
    if text.starts_with('-') {
        unscaled = -unscaled;
    }
    Some(ScalarValue::Decimal128(Some(unscaled), precision as u8, scale as i8))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, BooleanArray, Int32Array, Int64Array, StringArray};
    use datafusion::arrow::datatypes::{Field, Schema};
    use sluice_sql::parse_expr;

    fn batch() -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("ID", DataType::Int32, true),
            Field::new("AMOUNT", DataType::Int64, true),
            Field::new("NAME", DataType::Utf8, true),
        ]));
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int32Array::from(vec![Some(1), Some(2), None])),
                Arc::new(Int64Array::from(vec![Some(6000), Some(10), Some(7000)])),
                Arc::new(StringArray::from(vec![Some("alice"), None, Some("bob")])),
            ],
        )
        .unwrap()
    }

    fn eval(sql: &str) -> Result<ArrayRef> {
        let batch = batch();
        let expr = parse_expr(sql).map_err(|e| PlanError::Invalid(e.to_string()))?;
        ExprCompiler::default().compile(&expr, &batch.schema())?.evaluate(&batch)
    }

    #[test]
    fn arithmetic_and_comparison_on_a_batch() {
        let doubled = eval("amount * 2").unwrap();
        let doubled = doubled.as_any().downcast_ref::<Int64Array>().unwrap();
        assert_eq!(doubled.values(), &[12000, 20, 14000]);

        let filter = eval("amount > 5000 AND id IS NOT NULL").unwrap();
        let filter = filter.as_any().downcast_ref::<BooleanArray>().unwrap();
        assert_eq!(filter.iter().collect::<Vec<_>>(), vec![Some(true), Some(false), Some(false)]);
    }

    #[test]
    fn predicates_case_and_functions() {
        let r =
            eval("CASE WHEN name LIKE 'a%' THEN UCASE(name) WHEN id IN (2, 3) THEN 'two' ELSE 'other' END")
                .unwrap();
        let r = r.as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![Some("ALICE"), Some("two"), Some("other")]);

        let r = eval("id BETWEEN 2 AND 5").unwrap();
        let r = r.as_any().downcast_ref::<BooleanArray>().unwrap();
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![Some(false), Some(true), None]);

        let r = eval("CAST(id AS STRING) || '-' || name").unwrap();
        assert_eq!(r.data_type(), &DataType::Utf8);
        let r = r.as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(r.value(0), "1-alice");
    }

    #[test]
    fn literal_types_follow_ksqldb() {
        assert_eq!(literal_value(&ast::Literal::Integer("7".into())).unwrap(), ScalarValue::Int32(Some(7)));
        assert_eq!(
            literal_value(&ast::Literal::Integer("3000000000".into())).unwrap(),
            ScalarValue::Int64(Some(3_000_000_000))
        );
        assert_eq!(
            literal_value(&ast::Literal::Decimal("12.50".into())).unwrap(),
            ScalarValue::Decimal128(Some(1250), 4, 2)
        );
        assert_eq!(
            literal_value(&ast::Literal::Decimal("0.05".into())).unwrap(),
            ScalarValue::Decimal128(Some(5), 2, 2)
        );
        assert_eq!(
            literal_value(&ast::Literal::Double("1.5E1".into())).unwrap(),
            ScalarValue::Float64(Some(15.0))
        );
        assert!(literal_value(&ast::Literal::Integer("99999999999999999999".into())).is_err());
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(eval("nope + 1").unwrap_err().to_string(), "Column 'NOPE' cannot be resolved.");
        assert_eq!(
            eval("NO_SUCH_FN(id)").unwrap_err().to_string(),
            "Can't find any functions with the name 'NO_SUCH_FN'"
        );
        assert!(matches!(
            eval("TRANSFORM(x, y => y)"),
            Err(PlanError::Invalid(_) | PlanError::NotSupportedYet(_))
        ));
        assert!(eval("name AT TIME ZONE 'UTC'").unwrap_err().to_string().ends_with("is not supported yet"));
        assert_eq!(eval("nope->f").unwrap_err().to_string(), "Column 'NOPE' cannot be resolved.");
    }

    #[test]
    fn comparisons_need_comparable_types() {
        assert_eq!(
            eval("id >= 'x'").unwrap_err().in_clause("WHERE", &"(ID >= 'x')").to_string(),
            "Error in WHERE expression: Cannot compare ID (INTEGER) to 'x' (STRING) with GREATER_THAN_OR_EQUAL.\nStatement: (ID >= 'x')"
        );
        assert!(eval("id = TRUE").is_err());
        assert!(eval("ARRAY[1] < ARRAY[2]").is_err());
        assert!(eval("ARRAY[1] = ARRAY[2]").is_ok());
        assert!(eval("id < amount AND name = 'a' AND id = NULL").is_err(), "NULL literals stay refused");
        assert!(eval("id < 2.5 AND CAST(NULL AS STRING) = name").is_ok());
    }

    #[test]
    fn in_lists_read_literals_as_the_tested_type() {
        let r = eval("name IN (TRUE, 10, 'bob')").unwrap();
        let r = r.as_any().downcast_ref::<BooleanArray>().unwrap();
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![Some(false), None, Some(true)]);
        let r = eval("id IN ('1', 2.5, 3)").unwrap();
        let r = r.as_any().downcast_ref::<BooleanArray>().unwrap();
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![Some(true), Some(false), None]);
        let r = eval("name IN (TRUE, 'alice') OR id IN ('2')").unwrap();
        let r = r.as_any().downcast_ref::<BooleanArray>().unwrap();
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![Some(true), Some(true), None]);
        assert_eq!(
            eval("id IN (1, name)").unwrap_err().to_string(),
            "Invalid Predicate: operator does not exist: INTEGER = STRING (NAME)\n\
             Hint: You might need to add explicit type casts."
        );
        assert!(eval("id IN (1, TRUE)").is_err());
    }

    #[test]
    fn strings_compared_with_rowtime_are_timestamps() {
        let batch = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new("ROWTIME", DataType::Int64, true)])),
            vec![Arc::new(Int64Array::from(vec![0, 86_400_000, 172_800_000]))],
        )
        .unwrap();
        let compiled = |sql: &str| {
            let expr = parse_expr(sql).unwrap();
            ExprCompiler::default().compile(&expr, &batch.schema())
        };
        let r = compiled("ROWTIME >= '1970-01-02' AND '1970-01-02T23:59:59.999' >= ROWTIME").unwrap();
        let r = r.evaluate(&batch).unwrap();
        let r = r.as_any().downcast_ref::<BooleanArray>().unwrap();
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![Some(false), Some(true), Some(false)]);
        assert!(compiled("ROWTIME BETWEEN '1970' AND 'soon'").is_err());
    }
}

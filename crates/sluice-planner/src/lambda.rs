//! TRANSFORM, FILTER and REDUCE: functions whose last arguments are lambdas.
//!
//! DataFusion has no lambdas, so each call site becomes a user-defined
//! function holding its compiled lambda bodies. A body is compiled over a
//! schema of the lambda's parameters followed by the outer columns it
//! captures; at run time the elements of every row's array or map are
//! evaluated together as one batch (REDUCE, being sequential, one element at
//! a time).

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, ListArray, MapArray, RecordBatch, StructArray, UInt32Array,
};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::compute::{cast, filter, take};
use datafusion::arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef};
use datafusion::common::{exec_err, DFSchema, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ExprSchemable, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::col;
use sluice_sql::ast;

use crate::error::{PlanError, Result};
use crate::expr::{CompiledExpr, ExprCompiler};
use crate::walk;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Transform,
    Filter,
    Reduce,
}

/// Whether `name` takes lambdas: one of the lambda functions
/// `sluice-functions` documents.
pub fn is_lambda_function(name: &str) -> bool {
    sluice_functions::lambda_function_names().any(|n| n.eq_ignore_ascii_case(name))
}

fn kind(name: &str) -> Option<Kind> {
    match name.to_ascii_uppercase().as_str() {
        "TRANSFORM" => Some(Kind::Transform),
        "FILTER" => Some(Kind::Filter),
        "REDUCE" => Some(Kind::Reduce),
        _ => None,
    }
}

impl ExprCompiler {
    /// A TRANSFORM, FILTER or REDUCE call as a DataFusion expression.
    pub(crate) fn lambda_call(&self, call: &ast::FunctionCall, schema: &DFSchema) -> Result<Expr> {
        let name = call.name.as_str().to_ascii_uppercase();
        let Some(kind) = kind(&name) else {
            return Err(PlanError::Invalid(format!("{name} takes no lambdas")));
        };
        let bad = || {
            PlanError::Invalid(format!("Invalid arguments for {name}: {}", ast::Expr::Function(call.clone())))
        };
        let (collection, rest) = call.args.split_first().ok_or_else(bad)?;
        let collection = self.to_logical(collection, schema)?;
        let (init, lambdas) = match kind {
            Kind::Reduce => {
                let (init, lambdas) = rest.split_first().ok_or_else(bad)?;
                (Some(self.to_logical(init, schema)?), lambdas)
            }
            _ => (None, rest),
        };
        let collection_type = collection.get_type(schema)?;
        let element_types: Vec<DataType> = match &collection_type {
            DataType::List(item) => vec![item.data_type().clone()],
            DataType::Map(entries, _) => match entries.data_type() {
                DataType::Struct(kv) if kv.len() == 2 => {
                    vec![kv[0].data_type().clone(), kv[1].data_type().clone()]
                }
                _ => return Err(bad()),
            },
            DataType::Null => return Err(PlanError::Invalid(format!("{name} of NULL is not supported"))),
            other => {
                return Err(PlanError::Invalid(format!(
                    "{name} takes an ARRAY or a MAP as its first argument, not {other}"
                )))
            }
        };
        let is_map = element_types.len() == 2;
        let expected_lambdas = if kind == Kind::Transform && is_map { 2 } else { 1 };
        if lambdas.len() != expected_lambdas {
            return Err(bad());
        }
        let mut param_types = element_types.clone();
        let acc_type = match &init {
            Some(init) => {
                let t = init.get_type(schema)?;
                param_types.insert(0, t.clone());
                Some(t)
            }
            None => None,
        };

        // The outer columns the lambdas read, in a fixed order.
        let mut captured: Vec<String> = Vec::new();
        let mut bodies_ast = Vec::new();
        for lambda in lambdas {
            let ast::Expr::Lambda { params, body } = lambda else { return Err(bad()) };
            if params.len() != param_types.len() {
                return Err(PlanError::Invalid(format!(
                    "The lambda of {name} takes {} parameters, not {}",
                    param_types.len(),
                    params.len()
                )));
            }
            for column in walk::columns(body) {
                let n = column.name.as_str();
                if !params.iter().any(|p| p.as_str() == n)
                    && schema.has_column_with_unqualified_name(n)
                    && !captured.iter().any(|c| c == n)
                {
                    captured.push(n.to_string());
                }
            }
            bodies_ast.push((params.clone(), body.as_ref().clone()));
        }
        let captured_types: Vec<DataType> = captured
            .iter()
            .map(|c| col(format!("\"{c}\"")).get_type(schema))
            .collect::<std::result::Result<_, _>>()?;
        let mut bodies = Vec::new();
        let mut guards = Vec::new();
        let mut body_schema: Option<SchemaRef> = None;
        for (params, body) in &bodies_ast {
            let mut fields: Vec<Field> = params
                .iter()
                .zip(&param_types)
                .map(|(p, t)| Field::new(p.as_str(), t.clone(), true))
                .collect();
            fields.extend(captured.iter().zip(&captured_types).map(|(c, t)| Field::new(c, t.clone(), true)));
            let lambda_schema: SchemaRef = Arc::new(Schema::new(fields));
            bodies.push(self.compile(body, &lambda_schema)?);
            // An operand that cannot be compiled on its own (it reads a nested
            // lambda's parameter) is not guarded.
            let mut operands = Vec::new();
            eager_arithmetic_operands(body, &mut operands);
            guards.extend(operands.into_iter().filter_map(|o| self.compile(o, &lambda_schema).ok()));
            body_schema = Some(lambda_schema);
        }
        let body_schema = body_schema.ok_or_else(bad)?;
        let return_type = match (kind, &collection_type) {
            (Kind::Transform, DataType::List(_)) => {
                DataType::List(Arc::new(Field::new("item", bodies[0].data_type().clone(), true)))
            }
            (Kind::Transform, DataType::Map(_, sorted)) => {
                let entries = Fields::from(vec![
                    Field::new("key", bodies[0].data_type().clone(), false),
                    Field::new("value", bodies[1].data_type().clone(), true),
                ]);
                DataType::Map(Arc::new(Field::new("entries", DataType::Struct(entries), false)), *sorted)
            }
            (Kind::Filter, t) => {
                if bodies[0].data_type() != &DataType::Boolean {
                    return Err(PlanError::Invalid("The lambda of FILTER must return a BOOLEAN".into()));
                }
                t.clone()
            }
            (Kind::Reduce, _) => acc_type.clone().ok_or_else(bad)?,
            _ => return Err(bad()),
        };
        let udf = LambdaUdf {
            name: name.to_ascii_lowercase(),
            kind,
            bodies,
            guards,
            body_schema,
            return_type,
            signature: Signature::variadic_any(Volatility::Immutable),
        };
        let mut args = vec![collection];
        args.extend(init);
        args.extend(captured.iter().map(|c| col(format!("\"{c}\""))));
        Ok(ScalarUDF::new_from_impl(udf).call(args))
    }
}

#[derive(Debug)]
struct LambdaUdf {
    name: String,
    kind: Kind,
    bodies: Vec<CompiledExpr>,
    /// Operands of the arithmetic the bodies always evaluate: ksqlDB's lambdas
    /// are Java code, where arithmetic on a null throws, so a null here fails the
    /// whole call and its result is null.
    guards: Vec<CompiledExpr>,
    body_schema: SchemaRef,
    return_type: DataType,
    signature: Signature,
}

// Call sites are told apart by what they compute.
impl PartialEq for LambdaUdf {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.return_type == other.return_type
            && self.body_schema == other.body_schema
            && format!("{:?}", self.bodies) == format!("{:?}", other.bodies)
    }
}

impl Eq for LambdaUdf {}

impl Hash for LambdaUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.kind.hash(state);
    }
}

impl ScalarUDFImpl for LambdaUdf {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> datafusion::common::Result<DataType> {
        Ok(self.return_type.clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> datafusion::common::Result<ColumnarValue> {
        let rows = args.number_rows;
        let arrays =
            args.args.iter().map(|a| a.to_array(rows)).collect::<datafusion::common::Result<Vec<_>>>()?;
        let result = match self.kind {
            Kind::Reduce => self.reduce(&arrays, rows),
            _ => self.per_element(&arrays),
        };
        result.map(ColumnarValue::Array).or_else(|e| exec_err!("{}: {e}", self.name))
    }
}

/// The element range of each row, and each element's row.
fn layout(offsets: &OffsetBuffer<i32>) -> (usize, usize, UInt32Array) {
    let first = offsets[0] as usize;
    let last = offsets[offsets.len() - 1] as usize;
    let parents: Vec<u32> = offsets
        .windows(2)
        .enumerate()
        .flat_map(|(row, w)| std::iter::repeat_n(row as u32, (w[1] - w[0]) as usize))
        .collect();
    (first, last, UInt32Array::from(parents))
}

fn rebased(offsets: &OffsetBuffer<i32>) -> OffsetBuffer<i32> {
    let first = offsets[0];
    OffsetBuffer::new(offsets.iter().map(|o| o - first).collect::<Vec<_>>().into())
}

impl LambdaUdf {
    /// The batch a lambda body runs on: its parameters, then the captured
    /// columns repeated for each element.
    fn body_batch(
        &self,
        params: Vec<ArrayRef>,
        captured: &[ArrayRef],
        parents: &UInt32Array,
    ) -> std::result::Result<RecordBatch, String> {
        let mut columns = params;
        for c in captured {
            columns.push(take(c.as_ref(), parents, None).map_err(|e| e.to_string())?);
        }
        let columns = columns
            .into_iter()
            .zip(self.body_schema.fields())
            .map(|(c, f)| if c.data_type() == f.data_type() { Ok(c) } else { cast(&c, f.data_type()) })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        RecordBatch::try_new(Arc::clone(&self.body_schema), columns).map_err(|e| e.to_string())
    }

    fn eval(&self, body: usize, batch: &RecordBatch) -> std::result::Result<ArrayRef, String> {
        self.bodies[body].evaluate(batch).map_err(|e| e.to_string())
    }

    /// Whether each element of `batch` makes the call fail (a guarded operand is null).
    fn failing(&self, batch: &RecordBatch) -> std::result::Result<Vec<bool>, String> {
        let mut failing = vec![false; batch.num_rows()];
        for guard in &self.guards {
            let operand = guard.evaluate(batch).map_err(|e| e.to_string())?;
            for (i, f) in failing.iter_mut().enumerate() {
                *f |= operand.is_null(i);
            }
        }
        Ok(failing)
    }

    /// `nulls` with the rows of failing elements made null too.
    fn failed_rows(
        &self,
        batch: &RecordBatch,
        parents: &UInt32Array,
        rows: usize,
        nulls: Option<&NullBuffer>,
        extra: &[bool],
    ) -> std::result::Result<Option<NullBuffer>, String> {
        let failing = self.failing(batch)?;
        let mut valid: Vec<bool> = (0..rows).map(|r| nulls.is_none_or(|n| n.is_valid(r))).collect();
        for (i, parent) in parents.values().iter().enumerate() {
            if failing[i] {
                valid[*parent as usize] = false;
            }
        }
        for (r, failed) in extra.iter().enumerate() {
            if *failed {
                valid[r] = false;
            }
        }
        Ok(if valid.iter().all(|v| *v) { None } else { Some(NullBuffer::from(valid)) })
    }

    /// TRANSFORM and FILTER: every element of every row at once.
    fn per_element(&self, arrays: &[ArrayRef]) -> std::result::Result<ArrayRef, String> {
        let (collection, captured) = arrays.split_first().ok_or("no arguments")?;
        if let Some(list) = collection.as_list_opt::<i32>() {
            let (first, last, parents) = layout(list.offsets());
            let values = list.values().slice(first, last - first);
            let batch = self.body_batch(vec![Arc::clone(&values)], captured, &parents)?;
            let result = self.eval(0, &batch)?;
            let nulls = self.failed_rows(&batch, &parents, list.len(), list.nulls(), &[])?;
            return match self.kind {
                Kind::Transform => {
                    let DataType::List(field) = &self.return_type else {
                        return Err("bad TRANSFORM type".into());
                    };
                    let list = ListArray::try_new(Arc::clone(field), rebased(list.offsets()), result, nulls)
                        .map_err(|e| e.to_string())?;
                    Ok(Arc::new(list))
                }
                _ => {
                    let (keep, offsets) = kept(&result, list.offsets())?;
                    let values = filter(values.as_ref(), &keep).map_err(|e| e.to_string())?;
                    let DataType::List(field) = list.data_type() else {
                        return Err("bad FILTER type".into());
                    };
                    let list = ListArray::try_new(Arc::clone(field), offsets, values, nulls)
                        .map_err(|e| e.to_string())?;
                    Ok(Arc::new(list))
                }
            };
        }
        let map = collection.as_map_opt().ok_or("not an ARRAY or a MAP")?;
        let (first, last, parents) = layout(map.offsets());
        let keys = map.keys().slice(first, last - first);
        let values = map.values().slice(first, last - first);
        let batch = self.body_batch(vec![Arc::clone(&keys), Arc::clone(&values)], captured, &parents)?;
        match self.kind {
            Kind::Transform => {
                let (new_keys, new_values) = (self.eval(0, &batch)?, self.eval(1, &batch)?);
                // Two entries given the same key fail the call, as in ksqlDB.
                let duplicated = duplicate_keys(&new_keys, map.offsets())?;
                let nulls = self.failed_rows(&batch, &parents, map.len(), map.nulls(), &duplicated)?;
                let DataType::Map(field, sorted) = &self.return_type else {
                    return Err("bad TRANSFORM type".into());
                };
                let DataType::Struct(kv) = field.data_type() else { return Err("bad TRANSFORM type".into()) };
                let entries = StructArray::try_new(kv.clone(), vec![new_keys, new_values], None)
                    .map_err(|e| e.to_string())?;
                let map =
                    MapArray::try_new(Arc::clone(field), rebased(map.offsets()), entries, nulls, *sorted)
                        .map_err(|e| e.to_string())?;
                Ok(Arc::new(map))
            }
            _ => {
                let result = self.eval(0, &batch)?;
                let nulls = self.failed_rows(&batch, &parents, map.len(), map.nulls(), &[])?;
                let (keep, offsets) = kept(&result, map.offsets())?;
                let entries = map.entries().slice(first, last - first);
                let entries = filter(&entries, &keep).map_err(|e| e.to_string())?;
                let DataType::Map(field, sorted) = map.data_type() else {
                    return Err("bad FILTER type".into());
                };
                let map = MapArray::try_new(
                    Arc::clone(field),
                    offsets,
                    entries.as_struct().clone(),
                    nulls,
                    *sorted,
                )
                .map_err(|e| e.to_string())?;
                Ok(Arc::new(map))
            }
        }
    }

    /// REDUCE: the state runs through each row's elements in order.
    fn reduce(&self, arrays: &[ArrayRef], rows: usize) -> std::result::Result<ArrayRef, String> {
        let [collection, init, captured @ ..] = arrays else {
            return Err("REDUCE needs a collection and a start".into());
        };
        let mut results: Vec<ScalarValue> = Vec::with_capacity(rows);
        for row in 0..rows {
            let mut state = ScalarValue::try_from_array(init, row).map_err(|e| e.to_string())?;
            // Nothing to fold: the result is the initial state.
            if collection.is_null(row) {
                results.push(state);
                continue;
            }
            let elements: Vec<ArrayRef> = match (collection.as_list_opt::<i32>(), collection.as_map_opt()) {
                (Some(list), _) => vec![list.value(row)],
                (_, Some(map)) => {
                    let entries = map.value(row);
                    vec![Arc::clone(entries.column(0)), Arc::clone(entries.column(1))]
                }
                _ => return Err("REDUCE of something that is not an ARRAY or a MAP".into()),
            };
            let parent = UInt32Array::from(vec![row as u32]);
            for i in 0..elements[0].len() {
                let mut params = vec![state.to_array().map_err(|e| e.to_string())?];
                params.extend(elements.iter().map(|e| e.slice(i, 1)));
                let batch = self.body_batch(params, captured, &parent)?;
                if self.failing(&batch)?.first() == Some(&true) {
                    state = ScalarValue::try_from(&self.return_type).map_err(|e| e.to_string())?;
                    break;
                }
                let next = self.eval(0, &batch)?;
                let next = cast(&next, &self.return_type).map_err(|e| e.to_string())?;
                state = ScalarValue::try_from_array(&next, 0).map_err(|e| e.to_string())?;
            }
            results.push(state);
        }
        let array = ScalarValue::iter_to_array(results).map_err(|e| e.to_string())?;
        cast(&array, &self.return_type).map_err(|e| e.to_string())
    }
}

/// The operands of the arithmetic in `body` that ksqlDB's generated Java code
/// evaluates whatever the values: not under CASE or IS NULL, nor in a nested
/// lambda (both sides of AND and OR are evaluated).
fn eager_arithmetic_operands<'a>(body: &'a ast::Expr, out: &mut Vec<&'a ast::Expr>) {
    use ast::{BinaryOp as B, Expr as E};
    match body {
        E::Binary { left, op, right } => {
            if matches!(op, B::Add | B::Subtract | B::Multiply | B::Divide | B::Modulo) {
                out.push(left);
                out.push(right);
            }
            eager_arithmetic_operands(left, out);
            eager_arithmetic_operands(right, out);
        }
        E::Unary { expr, .. } | E::Cast { expr, .. } => eager_arithmetic_operands(expr, out),
        E::Function(call) if !is_lambda_function(call.name.as_str()) => {
            call.args.iter().for_each(|a| eager_arithmetic_operands(a, out))
        }
        _ => {}
    }
}

/// Per row: whether two of its entries got the same key.
fn duplicate_keys(keys: &ArrayRef, offsets: &OffsetBuffer<i32>) -> std::result::Result<Vec<bool>, String> {
    let first = offsets[0] as usize;
    let mut out = Vec::with_capacity(offsets.len().saturating_sub(1));
    for window in offsets.windows(2) {
        let (start, end) = (window[0] as usize - first, window[1] as usize - first);
        let mut seen: Vec<ScalarValue> = Vec::with_capacity(end - start);
        let mut duplicated = false;
        for i in start..end {
            let key = ScalarValue::try_from_array(keys, i).map_err(|e| e.to_string())?;
            duplicated |= seen.contains(&key);
            seen.push(key);
        }
        out.push(duplicated);
    }
    Ok(out)
}

/// For FILTER: which elements stay (a null condition drops), and the new
/// offsets of each row.
fn kept(
    condition: &ArrayRef,
    offsets: &OffsetBuffer<i32>,
) -> std::result::Result<(BooleanArray, OffsetBuffer<i32>), String> {
    let condition = condition.as_boolean_opt().ok_or("the FILTER lambda did not return a BOOLEAN")?;
    let keep: BooleanArray = condition.iter().map(|c| Some(c == Some(true))).collect();
    let first = offsets[0];
    let mut new_offsets = Vec::with_capacity(offsets.len());
    let mut total = 0i32;
    new_offsets.push(0);
    for w in offsets.windows(2) {
        let (start, end) = ((w[0] - first) as usize, (w[1] - first) as usize);
        total += (start..end).filter(|&i| keep.value(i)).count() as i32;
        new_offsets.push(total);
    }
    Ok((keep, OffsetBuffer::new(new_offsets.into())))
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::Int32Builder;
    use datafusion::arrow::array::{Int32Array, Int64Array, ListBuilder};
    use sluice_sql::parse_expr;

    use super::*;

    fn batch() -> RecordBatch {
        let mut xs = ListBuilder::new(Int32Builder::new());
        xs.append_value([Some(1), Some(2), Some(3)]);
        xs.append_null();
        xs.append_value([Some(5)]);
        let schema = Arc::new(Schema::new(vec![
            Field::new("XS", DataType::List(Arc::new(Field::new("item", DataType::Int32, true))), true),
            Field::new("K", DataType::Int32, true),
        ]));
        RecordBatch::try_new(
            schema,
            vec![Arc::new(xs.finish()), Arc::new(Int32Array::from(vec![10, 20, 30]))],
        )
        .unwrap()
    }

    fn eval(sql: &str) -> ArrayRef {
        let batch = batch();
        let expr = parse_expr(sql).unwrap();
        ExprCompiler::default().compile(&expr, &batch.schema()).unwrap().evaluate(&batch).unwrap()
    }

    #[test]
    fn every_documented_lambda_function_is_compiled_here() {
        for name in sluice_functions::lambda_function_names() {
            assert!(kind(name).is_some(), "{name}");
        }
        assert!(is_lambda_function("transform") && !is_lambda_function("ucase"));
    }

    #[test]
    fn transform_captures_outer_columns() {
        let out = eval("TRANSFORM(xs, x => x * k)");
        let out = out.as_list::<i32>();
        assert_eq!(
            out.value(0).as_primitive::<datafusion::arrow::datatypes::Int32Type>().values(),
            &[10, 20, 30]
        );
        assert!(out.is_null(1));
        assert_eq!(out.value(2).as_primitive::<datafusion::arrow::datatypes::Int32Type>().values(), &[150]);
    }

    #[test]
    fn filter_and_reduce() {
        let kept = eval("FILTER(xs, x => x > 1)");
        assert_eq!(kept.as_list::<i32>().value(0).len(), 2);
        let sums = eval("REDUCE(xs, CAST(0 AS BIGINT), (s, x) => s + x)");
        let sums = sums.as_any().downcast_ref::<Int64Array>().unwrap();
        assert_eq!(sums.iter().collect::<Vec<_>>(), vec![Some(6), Some(0), Some(5)]);
    }

    #[test]
    fn arithmetic_on_a_null_element_nulls_the_call_as_in_java() {
        let batch = {
            let mut xs = ListBuilder::new(Int32Builder::new());
            xs.append_value([Some(1), None]);
            xs.append_value([Some(2)]);
            let schema = Arc::new(Schema::new(vec![Field::new(
                "XS",
                DataType::List(Arc::new(Field::new("item", DataType::Int32, true))),
                true,
            )]));
            RecordBatch::try_new(schema, vec![Arc::new(xs.finish())]).unwrap()
        };
        let run = |sql: &str| {
            let expr = parse_expr(sql).unwrap();
            ExprCompiler::default().compile(&expr, &batch.schema()).unwrap().evaluate(&batch).unwrap()
        };
        let plus = run("TRANSFORM(xs, x => x + 5)");
        assert!(plus.is_null(0) && plus.is_valid(1));
        // A CASE that checks for null first does not fail.
        let guarded = run("TRANSFORM(xs, x => CASE WHEN x IS NULL THEN 0 ELSE x + 5 END)");
        assert!(guarded.is_valid(0));
        let sum = run("REDUCE(xs, 0, (s, x) => s + x)");
        assert!(sum.is_null(0) && sum.is_valid(1));
    }
}

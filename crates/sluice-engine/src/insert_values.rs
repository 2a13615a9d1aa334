//! INSERT INTO .. VALUES: one record, encoded and appended to the topic.

use std::sync::Arc;

use datafusion::arrow::array::{
    new_null_array, Array, ArrayRef, Int64Array, ListArray, MapArray, RecordBatch, RecordBatchOptions,
    StructArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::common::ScalarValue;
use sluice_catalog::{DataSource, Namespace};
use sluice_formats::Registry;
use sluice_log::{Log, Record};
use sluice_planner::{literal_value, ExprCompiler};
use sluice_runtime::encoder;
use sluice_sql::ast::{Expr, Ident, Literal, UnaryOp};

use crate::error::{EngineError, Result};

/// Writes the row `columns` = `values` to `target`'s topic. ROWTIME may be
/// given as a column; otherwise the record gets `default_timestamp`.
pub fn insert_values(
    target: &DataSource,
    columns: &[Ident],
    values: &[Expr],
    default_timestamp: i64,
    log: &dyn Log,
    registry: &Registry,
    compiler: &ExprCompiler,
) -> Result<()> {
    if target.schema.header_columns().next().is_some() {
        return Err(EngineError::Invalid(format!(
            "Cannot insert into {} because it has header columns",
            target.name
        )));
    }
    let names: Vec<String> = if columns.is_empty() {
        target.schema.columns().iter().map(|c| c.name.clone()).collect()
    } else {
        columns.iter().map(|c| c.0.clone()).collect()
    };
    if names.len() != values.len() {
        return Err(EngineError::Invalid(format!(
            "Failed to prepare statement: Expected number columns and values to match: {}, {}",
            names.len(),
            values.len()
        )));
    }
    let mut timestamp = default_timestamp;
    let mut row: Vec<(String, ArrayRef)> = Vec::new();
    for (name, value) in names.iter().zip(values) {
        if name == "ROWTIME" {
            let scalar = literal_value(&constant(value)?)?;
            let ts = cast_scalar(&scalar, &DataType::Int64)
                .map_err(|_| EngineError::Invalid("ROWTIME must be a BIGINT".into()))?;
            timestamp = match ts.as_any().downcast_ref::<Int64Array>() {
                Some(ts) if ts.is_valid(0) => ts.value(0),
                _ => return Err(EngineError::Invalid("ROWTIME must be a BIGINT".into())),
            };
            continue;
        }
        if sluice_catalog::PSEUDO_COLUMNS.contains(&name.as_str()) {
            return Err(EngineError::Invalid(format!("Inserting into column `{name}` is not allowed.")));
        }
        let column = target
            .schema
            .find(name)
            .ok_or_else(|| EngineError::Invalid(format!("Column name {name} does not exist.")))?;
        let target_type = column.sql_type.to_arrow();
        let mismatch = || {
            EngineError::Invalid(format!(
                "Expected type {} for field {name} but got {value}",
                column.sql_type
            ))
        };
        let array = match constant(value) {
            Ok(literal) => cast_scalar(&literal_value(&literal)?, &target_type).map_err(|_| mismatch())?,
            // `STRUCT()` is a struct of the column's fields, all null.
            Err(EngineError::NotSupportedYet(_)) if matches!(value, Expr::Struct(fields) if fields.is_empty()) =>
            {
                let DataType::Struct(fields) = &target_type else { return Err(mismatch()) };
                let nulls = fields.iter().map(|f| new_null_array(f.data_type(), 1)).collect();
                Arc::new(StructArray::try_new(fields.clone(), nulls, None).map_err(|_| mismatch())?)
            }
            Err(EngineError::NotSupportedYet(_)) => {
                let evaluated = evaluate(value, compiler)?;
                coerce(&evaluated, &target_type).map_err(|_| mismatch())?
            }
            Err(other) => return Err(other),
        };
        row.push((name.clone(), array));
    }
    let side = |namespace: Namespace| -> Vec<ArrayRef> {
        target
            .schema
            .columns()
            .iter()
            .filter(|c| c.namespace == namespace)
            .map(|c| {
                row.iter()
                    .find(|(n, _)| *n == c.name)
                    .map(|(_, a)| Arc::clone(a))
                    .unwrap_or_else(|| new_null_array(&c.sql_type.to_arrow(), 1))
            })
            .collect()
    };
    let key = encoder(target, registry, true)?.encode(&side(Namespace::Key), 1);
    let value = encoder(target, registry, false)?.encode(&side(Namespace::Value), 1);
    let (Some(key), Some(value)) = (key.into_iter().next(), value.into_iter().next()) else {
        return Err(EngineError::Invalid("the encoders returned no payload".into()));
    };
    let record = Record { key: key?, value: value?, timestamp, headers: Vec::new() };
    log.append(&target.topic, 0, record)?;
    Ok(())
}

/// A one-row array of `scalar` as `data_type`.
fn cast_scalar(scalar: &ScalarValue, data_type: &DataType) -> std::result::Result<ArrayRef, String> {
    let array = scalar.to_array().map_err(|e| e.to_string())?;
    cast(&array, data_type).map_err(|e| e.to_string())
}

/// A VALUES expression that is not a literal, evaluated once: it may use
/// functions, operators and constructors, but no columns.
fn evaluate(expr: &Expr, compiler: &ExprCompiler) -> Result<ArrayRef> {
    let schema = Arc::new(Schema::empty());
    if let Some(column) = sluice_planner::walk::columns(expr).first() {
        let source = column.source.as_ref().map_or_else(|| column.name.0.clone(), |s| s.0.clone());
        return Err(EngineError::Invalid(format!(
            "Failed to prepare statement: '{source}' is not a valid stream/table name or alias."
        )));
    }
    let compiled = compiler.compile(expr, &schema)?;
    let one_row =
        RecordBatch::try_new_with_options(schema, vec![], &RecordBatchOptions::new().with_row_count(Some(1)))
            .map_err(|e| EngineError::Invalid(e.to_string()))?;
    Ok(compiled.evaluate(&one_row)?)
}

/// `array` as the column's type, as ksqlDB coerces INSERT VALUES: numbers
/// widen, and a STRUCT takes the column's fields by name (fields it lacks
/// are null, fields the column lacks are dropped), inside arrays and maps
/// too.
fn coerce(array: &ArrayRef, to: &DataType) -> std::result::Result<ArrayRef, String> {
    if array.data_type() == to {
        return Ok(Arc::clone(array));
    }
    match (array.data_type(), to) {
        (DataType::Null, _) => Ok(new_null_array(to, array.len())),
        (DataType::Struct(_), DataType::Struct(fields)) => {
            let given = array.as_any().downcast_ref::<StructArray>().ok_or("not a struct")?;
            let columns = fields
                .iter()
                .map(|field| match given.column_by_name(field.name()) {
                    Some(column) => coerce(column, field.data_type()),
                    None => Ok(new_null_array(field.data_type(), given.len())),
                })
                .collect::<std::result::Result<Vec<_>, String>>()?;
            StructArray::try_new(fields.clone(), columns, given.nulls().cloned())
                .map(|a| Arc::new(a) as ArrayRef)
                .map_err(|e| e.to_string())
        }
        (DataType::List(_), DataType::List(field)) => {
            let given = array.as_any().downcast_ref::<ListArray>().ok_or("not an array")?;
            let values = coerce(given.values(), field.data_type())?;
            ListArray::try_new(Arc::clone(field), given.offsets().clone(), values, given.nulls().cloned())
                .map(|a| Arc::new(a) as ArrayRef)
                .map_err(|e| e.to_string())
        }
        (DataType::Map(_, _), DataType::Map(entries, sorted)) => {
            let given = array.as_any().downcast_ref::<MapArray>().ok_or("not a map")?;
            let coerced = coerce(&(Arc::new(given.entries().clone()) as ArrayRef), entries.data_type())?;
            let coerced = coerced.as_any().downcast_ref::<StructArray>().ok_or("not map entries")?.clone();
            MapArray::try_new(
                Arc::clone(entries),
                given.offsets().clone(),
                coerced,
                given.nulls().cloned(),
                *sorted,
            )
            .map(|a| Arc::new(a) as ArrayRef)
            .map_err(|e| e.to_string())
        }
        _ => cast(array, to).map_err(|e| e.to_string()),
    }
}

/// The literal a VALUES expression stands for: literals, optionally signed.
fn constant(expr: &Expr) -> Result<Literal> {
    match expr {
        Expr::Literal(literal) => Ok(literal.clone()),
        Expr::Unary { op: UnaryOp::Minus, expr } => match constant(expr)? {
            Literal::Integer(t) => Ok(Literal::Integer(format!("-{t}"))),
            Literal::Decimal(t) => Ok(Literal::Decimal(format!("-{t}"))),
            Literal::Double(t) => Ok(Literal::Double(format!("-{t}"))),
            _ => Err(EngineError::Invalid(format!("Cannot negate {expr}"))),
        },
        Expr::Unary { op: UnaryOp::Plus, expr } => constant(expr),
        _ => Err(EngineError::NotSupportedYet(format!("INSERT VALUES with the expression {expr}"))),
    }
}

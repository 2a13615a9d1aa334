//! INSERT INTO .. VALUES: one record, encoded and appended to the topic.

use std::sync::Arc;

use datafusion::arrow::array::{new_null_array, Array, ArrayRef, Int64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use sluice_catalog::{DataSource, Namespace};
use sluice_formats::Registry;
use sluice_log::{Log, Record};
use sluice_planner::literal_value;
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
            "Expected number columns and values to match: {}, {}",
            names.len(),
            values.len()
        )));
    }
    let mut timestamp = default_timestamp;
    let mut row: Vec<(String, ArrayRef)> = Vec::new();
    for (name, value) in names.iter().zip(values) {
        let scalar = literal_value(&constant(value)?)?;
        if name == "ROWTIME" {
            let ts = cast_scalar(&scalar, &DataType::Int64)
                .map_err(|_| EngineError::Invalid("ROWTIME must be a BIGINT".into()))?;
            timestamp = match ts.as_any().downcast_ref::<Int64Array>() {
                Some(ts) if ts.is_valid(0) => ts.value(0),
                _ => return Err(EngineError::Invalid("ROWTIME must be a BIGINT".into())),
            };
            continue;
        }
        let column = target
            .schema
            .find(name)
            .ok_or_else(|| EngineError::Invalid(format!("Column name {name} does not exist.")))?;
        let array = cast_scalar(&scalar, &column.sql_type.to_arrow()).map_err(|_| {
            EngineError::Invalid(format!(
                "Expected type {} for field {name} but got {value}",
                column.sql_type
            ))
        })?;
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

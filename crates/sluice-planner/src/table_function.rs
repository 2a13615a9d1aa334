//! EXPLODE turns each element of an array into a row; CUBE_EXPLODE turns an
//! array into a row per combination of its elements (the others null). Several
//! table functions in one SELECT are zipped; shorter ones are padded with
//! nulls, as in ksqlDB.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use sluice_sql::ast::Expr;

use crate::error::{PlanError, Result};
use crate::expr::{CompiledExpr, ExprCompiler};
use crate::walk;

/// The table functions ksqlDB has (documented in `sluice-functions`).
pub const TABLE_FUNCTIONS: &[&str] = sluice_functions::KSQLDB_TABLE_FUNCTIONS;

/// A column holding one exploded element.
pub fn exploded_column(i: usize) -> String {
    format!("$tf{i}")
}

#[derive(Debug, Clone)]
pub struct ExplodePlan {
    /// The arrays to explode, over the input.
    pub arrays: Vec<CompiledExpr>,
    /// Per array: CUBE_EXPLODE (a row per combination) rather than EXPLODE.
    pub cube: Vec<bool>,
    /// The input's columns followed by one column per array (`$tf0`, ..).
    pub output_schema: SchemaRef,
}

fn is_table_function(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Function(call) => {
            let name = call.name.as_str().to_ascii_uppercase();
            TABLE_FUNCTIONS.contains(&name.as_str()).then_some(name)
        }
        _ => None,
    }
}

/// Replaces every EXPLODE call in `items` by a column of its elements and
/// plans the explosion; None when there is no table function.
pub fn plan_explode(
    items: &mut [(Option<String>, Expr)],
    input_schema: &SchemaRef,
    compiler: &ExprCompiler,
) -> Result<Option<ExplodePlan>> {
    let mut arguments: Vec<Expr> = Vec::new();
    let mut cube: Vec<bool> = Vec::new();
    for (_, item) in items.iter_mut() {
        *item = walk::transform(item, &mut |e| match is_table_function(e) {
            Some(name) if name == "EXPLODE" || name == "CUBE_EXPLODE" => {
                let Expr::Function(call) = e else { return Ok(None) };
                let [argument] = call.args.as_slice() else {
                    return Err(PlanError::Invalid(format!(
                        "Function '{}' does not accept parameters ({} arguments).",
                        name.to_lowercase(),
                        call.args.len()
                    )));
                };
                if walk::function_calls(argument)
                    .iter()
                    .any(|c| is_table_function(&Expr::Function((*c).clone())).is_some())
                {
                    return Err(PlanError::Invalid("Table functions cannot be nested.".into()));
                }
                arguments.push(argument.clone());
                cube.push(name == "CUBE_EXPLODE");
                Ok(Some(Expr::column(exploded_column(arguments.len() - 1))))
            }
            Some(name) => Err(PlanError::NotSupportedYet(format!("The table function {name}"))),
            None => Ok(None),
        })?;
    }
    if arguments.is_empty() {
        return Ok(None);
    }
    let arrays: Vec<CompiledExpr> =
        arguments.iter().map(|a| compiler.compile(a, input_schema)).collect::<Result<_>>()?;
    let mut fields: Vec<Field> = input_schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    for (i, (array, argument)) in arrays.iter().zip(&arguments).enumerate() {
        let element = match array.data_type() {
            // A combination is an array like the argument.
            list @ DataType::List(_) if cube[i] => list.clone(),
            DataType::List(item) | DataType::LargeList(item) => item.data_type().clone(),
            other => {
                let name = if cube[i] { "cube_explode" } else { "explode" };
                return Err(PlanError::Invalid(format!(
                    "Function '{name}' does not accept parameters ({argument}: {other}); it takes an ARRAY."
                )));
            }
        };
        fields.push(Field::new(exploded_column(i), element, true));
    }
    Ok(Some(ExplodePlan { arrays, cube, output_schema: Arc::new(Schema::new(fields)) }))
}

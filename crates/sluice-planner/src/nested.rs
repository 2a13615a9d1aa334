//! Structs, arrays and maps in expressions: `s->f`, `a[i]`, `m['k']`, and
//! the ARRAY, MAP and STRUCT constructors, in terms of DataFusion's nested
//! functions.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::DFSchema;
use datafusion::logical_expr::{Expr, ExprSchemable};
use datafusion::prelude::lit;
use sluice_sql::ast;

use crate::error::{PlanError, Result};
use crate::expr::{unsupported, ExprCompiler};

impl ExprCompiler {
    /// Translates the nested-type expressions (see the module docs).
    pub(crate) fn nested(&self, expr: &ast::Expr, schema: &DFSchema) -> Result<Expr> {
        match expr {
            ast::Expr::Dereference { base, field } => {
                let base = self.to_logical(base, schema)?;
                let DataType::Struct(fields) = base.get_type(schema)? else {
                    return Err(PlanError::Invalid(format!(
                        "Expected STRUCT type for '->' but got {}",
                        base.get_type(schema)?
                    )));
                };
                let name = field.as_str();
                if !fields.iter().any(|f| f.name() == name) {
                    return Err(PlanError::Invalid(format!("Could not find field '{name}' in struct.")));
                }
                self.call("get_field", vec![base, lit(name)])
            }
            ast::Expr::Subscript { base, index } => {
                let base = self.to_logical(base, schema)?;
                let index = self.to_logical(index, schema)?;
                match base.get_type(schema)? {
                    // 1-based; negative positions count from the end, as in ksqlDB.
                    DataType::List(_) | DataType::LargeList(_) => {
                        self.call("array_element", vec![base, index])
                    }
                    DataType::Map(..) => {
                        let values = self.call("map_extract", vec![base, index])?;
                        self.call("array_element", vec![values, lit(1i64)])
                    }
                    other => Err(PlanError::Invalid(format!(
                        "Subscripts are for ARRAY and MAP values, not {other}"
                    ))),
                }
            }
            ast::Expr::Array(items) => {
                let items = items.iter().map(|i| self.to_logical(i, schema)).collect::<Result<Vec<_>>>()?;
                self.call("make_array", items)
            }
            ast::Expr::Map(entries) => {
                let mut keys = Vec::with_capacity(entries.len());
                let mut values = Vec::with_capacity(entries.len());
                for (key, value) in entries {
                    keys.push(self.to_logical(key, schema)?);
                    values.push(self.to_logical(value, schema)?);
                }
                let keys = self.call("make_array", keys)?;
                let values = self.call("make_array", values)?;
                self.call("map", vec![keys, values])
            }
            ast::Expr::Struct(fields) => {
                if fields.is_empty() {
                    return Err(unsupported("An empty STRUCT()"));
                }
                for (i, (name, _)) in fields.iter().enumerate() {
                    if fields[..i].iter().any(|(other, _)| other.as_str() == name.as_str()) {
                        return Err(PlanError::Invalid(format!(
                            "Duplicate field names found in STRUCT: '{}'",
                            name.as_str()
                        )));
                    }
                }
                let mut args = Vec::with_capacity(fields.len() * 2);
                for (name, value) in fields {
                    args.push(lit(name.as_str()));
                    args.push(self.to_logical(value, schema)?);
                }
                self.call("named_struct", args)
            }
            other => Err(PlanError::Invalid(format!("{other} is not a nested-type expression"))),
        }
    }

    /// A call of one of DataFusion's built-in functions.
    fn call(&self, name: &str, args: Vec<Expr>) -> Result<Expr> {
        let udf = self
            .state
            .scalar_functions()
            .get(name)
            .ok_or_else(|| PlanError::Invalid(format!("DataFusion has no function {name}")))?;
        Ok(udf.call(args))
    }
}

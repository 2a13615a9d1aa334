//! CAST of an ARRAY, MAP or STRUCT to STRING, which Arrow cannot do: ksqlDB
//! writes the value as Java's `toString` does (`[1, 2]`, `{k=v}`, `Struct{A=1}`).

use std::sync::Arc;

use datafusion::arrow::array::StringArray;
use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use sluice_functions::scalar::java_string;

/// `CAST(expr AS STRING)` for a nested `expr`.
pub(crate) fn nested_to_string(expr: Expr) -> Expr {
    ScalarUDF::new_from_impl(NestedToString { signature: Signature::any(1, Volatility::Immutable) })
        .call(vec![expr])
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct NestedToString {
    signature: Signature,
}

impl ScalarUDFImpl for NestedToString {
    fn name(&self) -> &str {
        "cast_to_string"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> datafusion::common::Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> datafusion::common::Result<ColumnarValue> {
        let array = args.args[0].to_array(args.number_rows)?;
        let texts: StringArray = (0..array.len()).map(|row| java_string(array.as_ref(), row)).collect();
        Ok(ColumnarValue::Array(Arc::new(texts)))
    }
}

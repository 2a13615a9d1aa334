//! The CASTs ksqlDB does differently from Arrow: an ARRAY, MAP or STRUCT to
//! STRING is written as Java's `toString` does (`[1, 2]`, `{k=v}`,
//! `Struct{A=1}`), and a STRING to DATE may stop after the year or month
//! (`'1970-01'`), as ksqlDB's partial dates do.

use std::sync::Arc;

use datafusion::arrow::array::{AsArray, Date32Array, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use sluice_functions::partial_timestamp::parse_partial_timestamp;
use sluice_functions::scalar::java_string;

/// `CAST(expr AS STRING)` for a nested `expr`.
pub(crate) fn nested_to_string(expr: Expr) -> Expr {
    ScalarUDF::new_from_impl(NestedToString { signature: Signature::any(1, Volatility::Immutable) })
        .call(vec![expr])
}

/// `CAST(expr AS DATE)` for a STRING `expr`: a date that is not one is null.
pub(crate) fn string_to_date(expr: Expr) -> Expr {
    let signature = Signature::exact(vec![DataType::Utf8], Volatility::Immutable);
    ScalarUDF::new_from_impl(StringToDate { signature }).call(vec![expr])
}

const MILLIS_PER_DAY: i64 = 86_400_000;

#[derive(Debug, PartialEq, Eq, Hash)]
struct StringToDate {
    signature: Signature,
}

impl ScalarUDFImpl for StringToDate {
    fn name(&self) -> &str {
        "cast_to_date"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> datafusion::common::Result<DataType> {
        Ok(DataType::Date32)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> datafusion::common::Result<ColumnarValue> {
        let texts = args.args[0].to_array(args.number_rows)?;
        let days: Date32Array = texts
            .as_string::<i32>()
            .iter()
            .map(|t| {
                let millis = parse_partial_timestamp(t?.trim()).ok()?;
                i32::try_from(millis.div_euclid(MILLIS_PER_DAY)).ok()
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(days)))
    }
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

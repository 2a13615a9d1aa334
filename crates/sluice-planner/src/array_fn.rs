//! One-argument functions over whole Arrow arrays that the planner puts into
//! expressions where ksqlDB and Arrow differ (some CASTs, LIKE patterns).

use std::fmt::Debug;
use std::hash::Hash;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::error::ArrowError;
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// What an [`ArrayFn`] computes: the output array from the input and a parameter.
pub(crate) type Apply<P> = fn(&ArrayRef, &P) -> Result<ArrayRef, ArrowError>;

/// `apply(expr, param)` as an expression returning `return_type`; `input`, when
/// given, is the only argument type accepted.
pub(crate) fn call<P>(
    name: &'static str,
    expr: Expr,
    input: Option<DataType>,
    return_type: DataType,
    param: P,
    apply: Apply<P>,
) -> Expr
where
    P: Debug + PartialEq + Eq + Hash + Send + Sync + 'static,
{
    let signature = match input {
        Some(input) => Signature::exact(vec![input], Volatility::Immutable),
        None => Signature::any(1, Volatility::Immutable),
    };
    ScalarUDF::new_from_impl(ArrayFn { name, param, return_type, signature, apply }).call(vec![expr])
}

#[derive(Debug)]
struct ArrayFn<P> {
    name: &'static str,
    param: P,
    return_type: DataType,
    signature: Signature,
    apply: Apply<P>,
}

// Each name stands for one `apply`: two calls are the same function when their
// names, parameters and types are (function pointers do not compare reliably).
impl<P: PartialEq> PartialEq for ArrayFn<P> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.param == other.param
            && self.return_type == other.return_type
            && self.signature == other.signature
    }
}

impl<P: Eq> Eq for ArrayFn<P> {}

impl<P: Hash> Hash for ArrayFn<P> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.param.hash(state);
        self.return_type.hash(state);
    }
}

impl<P> ScalarUDFImpl for ArrayFn<P>
where
    P: Debug + PartialEq + Eq + Hash + Send + Sync + 'static,
{
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> datafusion::common::Result<DataType> {
        Ok(self.return_type.clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> datafusion::common::Result<ColumnarValue> {
        let array = args.args[0].to_array(args.number_rows)?;
        Ok(ColumnarValue::Array((self.apply)(&array, &self.param)?))
    }
}

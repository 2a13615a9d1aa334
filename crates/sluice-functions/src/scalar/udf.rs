//! The one `ScalarUDFImpl` every ksqlDB scalar function is built from.
//!
//! A function is a [`Def`]: its name, a one-line description, a resolver
//! that picks ksqlDB's overload for the argument types (and so the argument
//! casts DataFusion inserts and the result type), and a batch evaluator.
//! Resolution happens through DataFusion's user-defined coercion, so the
//! evaluator always receives exactly the Arrow types the resolver asked for.
//!
//! Evaluators work on whole arrays. A row whose arguments make ksqlDB's
//! function throw gives NULL for that row: ksqlDB logs such a failure to the
//! processing log and writes NULL in the column, so one bad record never
//! stops a query.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::{exec_err, plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::aggregate::types::type_name;
use crate::docs::Category;

/// Why a call matches no overload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reject {
    /// ksqlDB's standard "does not accept parameters (..)" message.
    NoMatch,
    /// A message of the function's own.
    Message(String),
}

/// The coerced argument types and the result type of a call.
pub(crate) type Resolved = std::result::Result<(Vec<DataType>, DataType), Reject>;

/// The arguments of one evaluation: every argument as an array of `rows`
/// rows, already cast to the types the resolver chose.
pub(crate) struct Call<'a> {
    pub args: &'a [ArrayRef],
    pub rows: usize,
    pub ret: &'a DataType,
}

/// A ksqlDB scalar function.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Def {
    /// As ksqlDB spells it in messages (`UdfDescription.name`).
    pub ksql: &'static str,
    /// One line for SHOW FUNCTIONS / DESCRIBE FUNCTION.
    pub description: &'static str,
    pub volatility: Volatility,
    /// The overloads in ksqlDB's notation, one per entry, e.g.
    /// `UCASE(str STRING) -> STRING`; a trailing `...` repeats the last
    /// parameter. Documentation only: `resolve` decides what a call takes,
    /// and a test checks that it accepts every signature listed here.
    pub signatures: &'static [&'static str],
    /// The group in docs/functions.md; None takes the family's (see
    /// `scalar::DEFS`).
    pub category: Option<Category>,
    pub resolve: fn(&[DataType]) -> Resolved,
    pub invoke: fn(&Call) -> Result<ArrayRef>,
}

impl Def {
    pub(crate) const fn new(
        ksql: &'static str,
        description: &'static str,
        resolve: fn(&[DataType]) -> Resolved,
        invoke: fn(&Call) -> Result<ArrayRef>,
    ) -> Def {
        Def {
            ksql,
            description,
            volatility: Volatility::Immutable,
            signatures: &[],
            category: None,
            resolve,
            invoke,
        }
    }

    /// The documented overloads (see [`Def::signatures`]).
    pub(crate) const fn sigs(self, signatures: &'static [&'static str]) -> Def {
        Def { signatures, ..self }
    }

    /// A group other than the family's.
    pub(crate) const fn category(self, category: Category) -> Def {
        Def { category: Some(category), ..self }
    }

    /// For functions whose result changes between calls (RANDOM, UUID, the
    /// current time), so DataFusion never folds them into a constant.
    pub(crate) const fn volatile(self) -> Def {
        Def { volatility: Volatility::Volatile, ..self }
    }

    /// The lower-case name the function is registered under; it replaces
    /// any DataFusion function of the same name.
    pub(crate) fn name(&self) -> String {
        self.ksql.to_ascii_lowercase()
    }

    /// ksqlDB's error for arguments no overload accepts.
    pub(crate) fn check(&self, args: &[DataType]) -> std::result::Result<(), String> {
        match (self.resolve)(args) {
            Ok(_) => Ok(()),
            Err(reject) => Err(self.message(reject, args)),
        }
    }

    fn message(&self, reject: Reject, args: &[DataType]) -> String {
        match reject {
            Reject::Message(message) => message,
            Reject::NoMatch => {
                format!("Function '{}' does not accept parameters ({}).", self.ksql, type_list(args))
            }
        }
    }
}

/// `INTEGER, STRING, null`: how ksqlDB lists argument types in messages.
pub(crate) fn type_list(args: &[DataType]) -> String {
    args.iter().map(arg_type_name).collect::<Vec<_>>().join(", ")
}

pub(crate) fn arg_type_name(t: &DataType) -> String {
    match t {
        DataType::Null => "null".into(),
        other => type_name(other),
    }
}

/// The DataFusion face of a [`Def`].
#[derive(Debug)]
pub(crate) struct KsqlUdf {
    name: String,
    def: Def,
    signature: Signature,
}

impl KsqlUdf {
    pub(crate) fn new(def: Def) -> KsqlUdf {
        KsqlUdf { name: def.name(), signature: Signature::user_defined(def.volatility), def }
    }

    pub(crate) fn def(&self) -> &Def {
        &self.def
    }
}

// Two instances are the same function when they have the same name: the
// registry holds one function per name.
impl PartialEq for KsqlUdf {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for KsqlUdf {}

impl Hash for KsqlUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for KsqlUdf {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match (self.def.resolve)(arg_types) {
            Ok((args, _)) => Ok(args),
            Err(reject) => plan_err!("{}", self.def.message(reject, arg_types)),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match (self.def.resolve)(arg_types) {
            Ok((_, ret)) => Ok(ret),
            Err(reject) => plan_err!("{}", self.def.message(reject, arg_types)),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        // Constant arguments are evaluated once, as one row; DataFusion turns
        // a one-row result of all-constant arguments back into a constant.
        // Functions without arguments (UUID, RANDOM) need one value per row.
        let all_scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if !args.args.is_empty() && all_scalar { 1 } else { args.number_rows };
        let arrays = args.args.iter().map(|a| a.to_array(rows)).collect::<Result<Vec<_>>>()?;
        let ret = args.return_type().clone();
        let out = (self.def.invoke)(&Call { args: &arrays, rows, ret: &ret })?;
        if out.len() != rows || out.data_type() != &ret {
            return exec_err!(
                "{} returned {} rows of {} for {rows} rows of {ret}",
                self.name,
                out.len(),
                out.data_type()
            );
        }
        Ok(ColumnarValue::Array(out))
    }
}

/// The [`Def`] behind a registered function, if it is one of ours.
pub(crate) fn def_of(udf: &ScalarUDF) -> Option<&Def> {
    let inner: &Arc<dyn ScalarUDFImpl> = udf.inner();
    inner.as_ref().downcast_ref::<KsqlUdf>().map(KsqlUdf::def)
}

// ---------------------------------------------------------------------------
// Overload resolution helpers.
// ---------------------------------------------------------------------------

/// A parameter type of a ksqlDB overload, with ksqlDB's implicit widening:
/// an INT argument fits a BIGINT, DECIMAL or DOUBLE parameter, a BIGINT fits
/// DECIMAL or DOUBLE, a DECIMAL fits DOUBLE. NULL fits anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum P {
    Str,
    Bytes,
    Bool,
    Int,
    Bigint,
    Double,
    /// Any DECIMAL, keeping its precision and scale.
    Decimal,
    Date,
    Time,
    Timestamp,
}

pub(crate) const STRING: DataType = DataType::Utf8;
pub(crate) const BYTES: DataType = DataType::Binary;
pub(crate) const TIMESTAMP: DataType = DataType::Timestamp(TimeUnit::Millisecond, None);
pub(crate) const TIME: DataType = DataType::Time32(TimeUnit::Millisecond);

fn is_int(t: &DataType) -> bool {
    matches!(t, DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::UInt8 | DataType::UInt16)
}

fn is_bigint(t: &DataType) -> bool {
    is_int(t) || matches!(t, DataType::Int64 | DataType::UInt32)
}

/// The type an argument of type `t` is cast to for a parameter `p`.
pub(crate) fn fit(t: &DataType, p: P) -> Option<DataType> {
    let null = matches!(t, DataType::Null);
    Some(match p {
        P::Str if null || matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) => STRING,
        P::Bytes if null || matches!(t, DataType::Binary | DataType::LargeBinary | DataType::BinaryView) => {
            BYTES
        }
        P::Bool if null || t == &DataType::Boolean => DataType::Boolean,
        P::Int if null || is_int(t) => DataType::Int32,
        P::Bigint if null || is_bigint(t) => DataType::Int64,
        P::Double
            if null
                || is_bigint(t)
                || matches!(t, DataType::Float32 | DataType::Float64 | DataType::Decimal128(..)) =>
        {
            DataType::Float64
        }
        P::Decimal => match t {
            DataType::Decimal128(..) => t.clone(),
            _ if is_int(t) => DataType::Decimal128(10, 0),
            _ if is_bigint(t) => DataType::Decimal128(19, 0),
            _ => return None,
        },
        P::Date if null || t == &DataType::Date32 => DataType::Date32,
        P::Time if null || t == &TIME => TIME,
        P::Timestamp if null || t == &TIMESTAMP => TIMESTAMP,
        _ => return None,
    })
}

/// The casts for a call with exactly these parameters.
pub(crate) fn exact(types: &[DataType], params: &[P]) -> Option<Vec<DataType>> {
    if types.len() != params.len() {
        return None;
    }
    types.iter().zip(params).map(|(t, p)| fit(t, *p)).collect()
}

/// The casts for `fixed` parameters followed by at least `min_rest` of `rest`.
pub(crate) fn variadic(types: &[DataType], fixed: &[P], rest: P, min_rest: usize) -> Option<Vec<DataType>> {
    if types.len() < fixed.len() + min_rest {
        return None;
    }
    let (head, tail) = types.split_at(fixed.len());
    let mut out = exact(head, fixed)?;
    for t in tail {
        out.push(fit(t, rest)?);
    }
    Some(out)
}

/// Resolves to the first overload whose parameters fit.
pub(crate) fn first_of(types: &[DataType], overloads: &[(&[P], DataType)]) -> Resolved {
    overloads
        .iter()
        .find_map(|(params, ret)| exact(types, params).map(|args| (args, ret.clone())))
        .ok_or(Reject::NoMatch)
}

/// True for the numeric SQL types (INT, BIGINT, DOUBLE, DECIMAL).
pub(crate) fn is_numeric(t: &DataType) -> bool {
    is_bigint(t) || matches!(t, DataType::Float32 | DataType::Float64 | DataType::Decimal128(..))
}

//! ksqlDB's scalar functions as DataFusion scalar UDFs.
//!
//! Every function is registered under ksqlDB's name in lower case, so it
//! replaces a DataFusion function of the same name (`concat`, `substring`,
//! `round`, ..) in the session that registers [`scalar_functions`]. Each
//! family lives in its own file; [`udf`] has the shared machinery: overload
//! resolution with ksqlDB's implicit casts, and evaluation over whole Arrow
//! arrays with per-row failures giving NULL, as ksqlDB does.

mod args;
mod bytes;
mod collections;
mod compare;
mod datetime;
mod interval;
pub(crate) mod javafmt;
mod javatime;
mod json;
mod json_value;
mod maps;
mod mask;
mod math;
mod nulls;
mod regex;
mod round;
mod string;
mod udf;
mod url;
mod zone;

use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::ScalarUDF;

use crate::docs::{Category, FunctionDoc, FunctionKind};
use udf::{Def, KsqlUdf};

// The java.time pattern engine, shared with TIMESTAMP_FORMAT (`java_time`).
pub(crate) use datetime::parse_timestamp_value as parse_timestamp_millis;
pub use javafmt::java_string;
pub(crate) use javatime::Format;
pub(crate) use zone::Zone;

/// Every function, each family with the category its functions are in
/// unless a function names another.
static DEFS: LazyLock<Vec<Def>> = LazyLock::new(|| {
    let families = [
        (Category::String, string::defs()),
        (Category::String, regex::defs()),
        (Category::Bytes, bytes::defs()),
        (Category::Numeric, math::defs()),
        (Category::Numeric, round::defs()),
        (Category::Numeric, compare::defs()),
        (Category::Nulls, nulls::defs()),
        (Category::DateTime, datetime::defs()),
        (Category::DateTime, interval::defs()),
        (Category::Url, url::defs()),
        (Category::Json, json::defs()),
        (Category::Arrays, collections::defs()),
        (Category::Maps, maps::defs()),
        (Category::String, mask::defs()),
    ];
    families
        .into_iter()
        .flat_map(|(category, defs)| {
            defs.into_iter().map(move |d| Def { category: d.category.or(Some(category)), ..d })
        })
        .collect()
});

/// Every scalar function Sluice implements, ready to register in a
/// DataFusion session.
pub fn scalar_functions() -> Vec<ScalarUDF> {
    DEFS.iter().map(|def| ScalarUDF::new_from_impl(KsqlUdf::new(*def))).collect()
}

/// The upper-case names of the scalar functions defined here. SHOW FUNCTIONS
/// wants [`crate::function_docs`], which has every function.
pub fn function_names() -> Vec<String> {
    let mut names: Vec<String> = DEFS.iter().map(|d| d.ksql.to_ascii_uppercase()).collect();
    names.sort();
    names
}

/// A one-line description of a scalar function defined here, by name in any
/// case; [`crate::describe_function`] knows every function.
pub fn describe(name: &str) -> Option<&'static str> {
    DEFS.iter().find(|d| d.ksql.eq_ignore_ascii_case(name)).map(|d| d.description)
}

/// The documentation of every scalar function implemented here (not
/// DataFusion's functions that stand in for ksqlDB's, nor the lambda
/// functions, which `crate::docs` lists).
pub(crate) fn scalar_docs() -> impl Iterator<Item = FunctionDoc> {
    DEFS.iter().map(|d| FunctionDoc {
        name: d.ksql.to_ascii_uppercase(),
        kind: FunctionKind::Scalar,
        category: d.category.unwrap_or(Category::Other),
        description: d.description,
        signatures: d.signatures,
    })
}

/// ksqlDB's error for a call of `udf` with these argument types, e.g.
/// `Function 'datesub' does not accept parameters (DATE, INTEGER, DATE).`
/// Calls of functions that are not Sluice's are not checked here.
pub fn check_arguments(udf: &ScalarUDF, args: &[DataType]) -> Result<(), String> {
    match udf::def_of(udf) {
        Some(def) => def.check(args),
        None => Ok(()),
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Calls a function the way DataFusion would: resolve, cast, evaluate.
    use datafusion::arrow::array::ArrayRef;
    use datafusion::arrow::compute::cast;

    use super::udf::Call;
    use super::DEFS;

    pub(crate) fn call(name: &str, args: Vec<ArrayRef>) -> ArrayRef {
        let def = DEFS.iter().find(|d| d.name() == name).unwrap_or_else(|| panic!("no function {name}"));
        let types: Vec<_> = args.iter().map(|a| a.data_type().clone()).collect();
        let (casts, ret) = (def.resolve)(&types).unwrap_or_else(|e| panic!("{name}{types:?}: {e:?}"));
        let rows = args.iter().map(|a| a.len()).max().unwrap_or(1);
        let args: Vec<ArrayRef> = args.iter().zip(&casts).map(|(a, t)| cast(a, t).expect("cast")).collect();
        let out = (def.invoke)(&Call { args: &args, rows, ret: &ret }).expect("invoke");
        assert_eq!(out.data_type(), &ret, "{name} result type");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_unique_and_described() {
        let names = function_names();
        let mut unique = names.clone();
        unique.dedup();
        assert_eq!(names, unique);
        assert!(names.iter().all(|n| describe(n).is_some_and(|d| !d.is_empty())));
        assert_eq!(describe("ucase"), Some("Converts a string to upper case."));
    }

    #[test]
    fn names_replace_datafusion_functions() {
        let udfs = scalar_functions();
        assert!(udfs.iter().any(|u| u.name() == "substring"));
        assert!(udfs.iter().all(|u| u.name() == u.name().to_ascii_lowercase()));
    }

    #[test]
    fn argument_errors_read_like_ksqldb() {
        let udfs = scalar_functions();
        let datesub = udfs.iter().find(|u| u.name() == "datesub").expect("datesub");
        assert_eq!(
            check_arguments(datesub, &[DataType::Date32, DataType::Int32, DataType::Date32]),
            Err("Function 'datesub' does not accept parameters (DATE, INTEGER, DATE).".into())
        );
        assert_eq!(check_arguments(datesub, &[DataType::Utf8, DataType::Int32, DataType::Date32]), Ok(()));
    }
}

#[cfg(test)]
mod signature_tests;

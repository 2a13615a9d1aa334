use std::collections::HashSet;

use datafusion::prelude::SessionContext;

use super::*;
use crate::{scalar, KSQLDB_SCALAR_FUNCTIONS, KSQLDB_TABLE_FUNCTIONS};

#[test]
fn every_function_has_signatures_a_category_and_a_description() {
    let docs = function_docs();
    assert!(docs.len() > 140, "{} functions", docs.len());
    for doc in &docs {
        assert_eq!(doc.name, doc.name.to_ascii_uppercase());
        assert!(!doc.description.trim().is_empty(), "{} has no description", doc.name);
        assert!(!doc.description.contains('\n'), "{}'s description is not one line", doc.name);
        assert!(!doc.signatures.is_empty(), "{} has no signature", doc.name);
        let prefix = format!("{}(", doc.name);
        for signature in doc.signatures {
            assert!(signature.starts_with(&prefix), "{}'s signature {signature:?}", doc.name);
            assert!(signature.contains(") -> "), "{}'s signature {signature:?} has no result", doc.name);
        }
        let categories_of_kind: &[Category] = match doc.kind {
            FunctionKind::Scalar => &[
                Category::Numeric,
                Category::String,
                Category::Bytes,
                Category::Json,
                Category::Arrays,
                Category::Maps,
                Category::Lambda,
                Category::Nulls,
                Category::DateTime,
                Category::Url,
                Category::Other,
            ],
            FunctionKind::Aggregate => {
                &[Category::Counting, Category::Statistics, Category::Collecting, Category::Selection]
            }
            FunctionKind::Table => &[Category::Table],
        };
        assert!(categories_of_kind.contains(&doc.category), "{}: {:?}", doc.name, doc.category);
    }
}

#[test]
fn names_are_unique_and_sorted() {
    let names: Vec<String> = function_docs().into_iter().map(|d| d.name).collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(names, sorted);
}

#[test]
fn every_kind_is_there() {
    let kind = |name: &str| describe_function(name).map(|d| (d.kind, d.category));
    assert_eq!(kind("ucase"), Some((FunctionKind::Scalar, Category::String)));
    assert_eq!(kind("Array_Contains"), Some((FunctionKind::Scalar, Category::Arrays)));
    assert_eq!(kind("transform"), Some((FunctionKind::Scalar, Category::Lambda)));
    assert_eq!(kind("topk"), Some((FunctionKind::Aggregate, Category::Selection)));
    assert_eq!(kind("explode"), Some((FunctionKind::Table, Category::Table)));
    assert_eq!(kind("as_value"), Some((FunctionKind::Scalar, Category::Other)));
    assert_eq!(kind("no_such_function"), None);
    let ucase = describe_function("UCASE").expect("UCASE");
    assert_eq!(ucase.description, "Converts a string to upper case.");
    assert_eq!(ucase.signatures, &["UCASE(str STRING) -> STRING"]);
}

/// The old entry points read the same definitions.
#[test]
fn scalar_names_and_descriptions_agree() {
    for name in scalar::function_names() {
        let doc = describe_function(&name).unwrap_or_else(|| panic!("{name} is not documented"));
        assert_eq!(doc.kind, FunctionKind::Scalar);
        assert_eq!(scalar::describe(&name), Some(doc.description));
    }
}

/// Every documented function is one ksqlDB has; the ones ksqlDB has that
/// are missing here are the constructors ARRAY[..] and MAP(..), which are
/// syntax in Sluice, not functions.
#[test]
fn documented_functions_are_ksqldb_functions() {
    let docs = function_docs();
    let documented: HashSet<&str> = docs.iter().map(|d| d.name.as_str()).collect();
    for doc in &docs {
        match doc.kind {
            FunctionKind::Scalar => {
                assert!(KSQLDB_SCALAR_FUNCTIONS.contains(&doc.name.as_str()), "{}", doc.name)
            }
            FunctionKind::Table => {
                assert!(KSQLDB_TABLE_FUNCTIONS.contains(&doc.name.as_str()), "{}", doc.name)
            }
            FunctionKind::Aggregate => {}
        }
    }
    let missing: Vec<&str> =
        KSQLDB_SCALAR_FUNCTIONS.iter().copied().filter(|n| !documented.contains(n)).collect();
    assert_eq!(missing, ["ARRAY", "MAP"]);
}

/// The functions documented as DataFusion's are DataFusion's, under the
/// name the planner looks up, and Sluice defines none of them itself.
#[test]
fn datafusion_functions_exist() {
    let state = SessionContext::new().state();
    let ours = scalar::function_names();
    for listed in DATAFUSION_SCALARS {
        assert!(state.scalar_functions().contains_key(&listed.name.to_ascii_lowercase()), "{}", listed.name);
        assert!(!ours.iter().any(|n| n == listed.name), "{} is defined in Sluice too", listed.name);
    }
}

#[test]
fn markdown_lists_every_function_once() {
    let markdown = functions_markdown();
    assert!(markdown.contains("SLUICE_WRITE_DOCS=1 cargo test -p sluice-functions --test functions_doc"));
    for doc in function_docs() {
        let row = format!("\n| {} | `", doc.name);
        assert_eq!(markdown.matches(&row).count(), 1, "{}", doc.name);
    }
    // JSON_CONCAT's description mentions `||`, which would end the cell.
    assert!(markdown.contains("PostgreSQL's \\|\\|"));
    assert!(markdown.contains("`ARRAY_LENGTH(array ARRAY<T>) -> INT`"));
}

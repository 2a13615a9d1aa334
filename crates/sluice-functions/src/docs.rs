//! The documentation of every function: name, kind, category, signatures
//! and a one-line description, for SHOW FUNCTIONS, DESCRIBE FUNCTION and
//! docs/functions.md.
//!
//! Scalar functions carry theirs in their definitions (`scalar`), aggregate
//! functions through [`AggregateFunction`](crate::aggregate::AggregateFunction).
//! The functions that are not defined in this crate are listed here: the
//! ksqlDB functions DataFusion's own implementations serve, the lambda
//! functions and the table functions, which the planner handles.

use std::fmt::Write;

use crate::aggregate::aggregate_functions;
use crate::scalar::scalar_docs;

/// What a function is called on and what it gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FunctionKind {
    /// One value per row.
    Scalar,
    /// One value per group of rows.
    Aggregate,
    /// Any number of rows per row.
    Table,
}

impl FunctionKind {
    /// As ksqlDB's DESCRIBE FUNCTION prints it (`Type: SCALAR`).
    pub fn as_str(self) -> &'static str {
        match self {
            FunctionKind::Scalar => "SCALAR",
            FunctionKind::Aggregate => "AGGREGATE",
            FunctionKind::Table => "TABLE",
        }
    }
}

/// The group a function is documented in; the scalar groups follow
/// ksqlDB's documentation. Declaration order is the order of
/// docs/functions.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Numeric,
    String,
    Bytes,
    Json,
    Arrays,
    Maps,
    Lambda,
    Nulls,
    DateTime,
    Url,
    Other,
    /// Aggregates that count rows or values.
    Counting,
    /// Aggregates that compute a statistic of numbers (or, MIN and MAX,
    /// of any comparable values).
    Statistics,
    /// Aggregates that gather values into a collection.
    Collecting,
    /// Aggregates that pick some of the values.
    Selection,
    /// Table functions.
    Table,
}

impl Category {
    /// The heading in docs/functions.md.
    pub fn title(self) -> &'static str {
        match self {
            Category::Numeric => "Numeric",
            Category::String => "Strings",
            Category::Bytes => "Bytes",
            Category::Json => "JSON",
            Category::Arrays => "Arrays",
            Category::Maps => "Maps",
            Category::Lambda => "Lambda (invocation) functions",
            Category::Nulls => "Nulls",
            Category::DateTime => "Date and time",
            Category::Url => "URL",
            Category::Other => "Other",
            Category::Counting => "Counting",
            Category::Statistics => "Statistics",
            Category::Collecting => "Collecting",
            Category::Selection => "Selecting values",
            Category::Table => "Table functions",
        }
    }
}

/// One function as SHOW FUNCTIONS and DESCRIBE FUNCTION see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionDoc {
    /// Upper case, e.g. `UCASE`.
    pub name: String,
    pub kind: FunctionKind,
    pub category: Category,
    /// One line.
    pub description: &'static str,
    /// One per overload in ksqlDB's notation, e.g.
    /// `SUBSTRING(str STRING, pos INT) -> STRING`; a trailing `...` repeats
    /// the last parameter, `T`, `K` and `V` stand for any type.
    pub signatures: &'static [&'static str],
}

/// A function documented here rather than next to its definition.
struct Listed {
    name: &'static str,
    kind: FunctionKind,
    category: Category,
    description: &'static str,
    signatures: &'static [&'static str],
}

impl Listed {
    fn doc(&self) -> FunctionDoc {
        FunctionDoc {
            name: self.name.to_string(),
            kind: self.kind,
            category: self.category,
            description: self.description,
            signatures: self.signatures,
        }
    }
}

const fn scalar(
    name: &'static str,
    category: Category,
    description: &'static str,
    signatures: &'static [&'static str],
) -> Listed {
    Listed { name, kind: FunctionKind::Scalar, category, description, signatures }
}

/// ksqlDB functions whose DataFusion implementation (registered under the
/// same name) behaves as ksqlDB's, so Sluice defines no function of its own.
static DATAFUSION_SCALARS: &[Listed] = &[
    scalar(
        "ARRAY_CONCAT",
        Category::Arrays,
        "The elements of the first array followed by those of the second.",
        &["ARRAY_CONCAT(array1 ARRAY<T>, array2 ARRAY<T>) -> ARRAY<T>"],
    ),
    scalar(
        "ARRAY_CONTAINS",
        Category::Arrays,
        "Whether an array contains a value.",
        &["ARRAY_CONTAINS(array ARRAY<T>, value T) -> BOOLEAN"],
    ),
    scalar(
        "ARRAY_DISTINCT",
        Category::Arrays,
        "The distinct elements of an array, in the order they first appear.",
        &["ARRAY_DISTINCT(array ARRAY<T>) -> ARRAY<T>"],
    ),
    scalar(
        "ARRAY_EXCEPT",
        Category::Arrays,
        "The distinct elements of the first array that are not in the second.",
        &["ARRAY_EXCEPT(array1 ARRAY<T>, array2 ARRAY<T>) -> ARRAY<T>"],
    ),
    scalar(
        "ARRAY_INTERSECT",
        Category::Arrays,
        "The distinct elements that are in both arrays.",
        &["ARRAY_INTERSECT(array1 ARRAY<T>, array2 ARRAY<T>) -> ARRAY<T>"],
    ),
    scalar(
        "ARRAY_MAX",
        Category::Arrays,
        "The largest non-NULL element of an array.",
        &["ARRAY_MAX(array ARRAY<T>) -> T"],
    ),
    scalar(
        "ARRAY_MIN",
        Category::Arrays,
        "The smallest non-NULL element of an array.",
        &["ARRAY_MIN(array ARRAY<T>) -> T"],
    ),
    scalar(
        "ARRAY_UNION",
        Category::Arrays,
        "The distinct elements of both arrays.",
        &["ARRAY_UNION(array1 ARRAY<T>, array2 ARRAY<T>) -> ARRAY<T>"],
    ),
    scalar(
        "MAP_KEYS",
        Category::Maps,
        "The keys of a MAP, as an array.",
        &["MAP_KEYS(map MAP<STRING, V>) -> ARRAY<STRING>"],
    ),
    scalar(
        "MAP_VALUES",
        Category::Maps,
        "The values of a MAP, as an array.",
        &["MAP_VALUES(map MAP<STRING, V>) -> ARRAY<V>"],
    ),
];

/// The functions that take lambdas; the planner compiles their calls
/// (`sluice-planner`'s `lambda.rs`).
static LAMBDA_FUNCTIONS: &[Listed] = &[
    scalar(
        "FILTER",
        Category::Lambda,
        "The elements of an array, or the entries of a map, for which a lambda is true.",
        &[
            "FILTER(array ARRAY<T>, predicate (T) => BOOLEAN) -> ARRAY<T>",
            "FILTER(map MAP<K, V>, predicate (K, V) => BOOLEAN) -> MAP<K, V>",
        ],
    ),
    scalar(
        "REDUCE",
        Category::Lambda,
        "Folds the elements of an array, or the entries of a map, into a state with a lambda, from a start value.",
        &[
            "REDUCE(array ARRAY<T>, start S, reducer (S, T) => S) -> S",
            "REDUCE(map MAP<K, V>, start S, reducer (S, K, V) => S) -> S",
        ],
    ),
    scalar(
        "TRANSFORM",
        Category::Lambda,
        "Applies a lambda to every element of an array, or lambdas to every key and value of a map.",
        &[
            "TRANSFORM(array ARRAY<T>, transform (T) => U) -> ARRAY<U>",
            "TRANSFORM(map MAP<K, V>, key_transform (K, V) => K2, value_transform (K, V) => V2) -> MAP<K2, V2>",
        ],
    ),
];

/// The table functions Sluice runs; the planner plans them
/// (`sluice-planner`'s `table_function.rs`).
static TABLE_FUNCTIONS: &[Listed] = &[
    Listed {
        name: "CUBE_EXPLODE",
        kind: FunctionKind::Table,
        category: Category::Table,
        description: "One row per distinct combination of an array's elements, the elements left out NULL.",
        signatures: &["CUBE_EXPLODE(array ARRAY<T>) -> ARRAY<T>"],
    },
    Listed {
        name: "EXPLODE",
        kind: FunctionKind::Table,
        category: Category::Table,
        description:
            "One row per element of an array; several in one SELECT are zipped, shorter arrays padded with NULL.",
        signatures: &["EXPLODE(array ARRAY<T>) -> T"],
    },
];

/// Upper-case names of the lambda functions, for the planner.
pub fn lambda_function_names() -> impl Iterator<Item = &'static str> {
    LAMBDA_FUNCTIONS.iter().map(|l| l.name)
}

/// Every function Sluice has, sorted by name (and by kind for a name with
/// several kinds).
pub fn function_docs() -> Vec<FunctionDoc> {
    let mut docs: Vec<FunctionDoc> = scalar_docs()
        .chain(DATAFUSION_SCALARS.iter().map(Listed::doc))
        .chain(LAMBDA_FUNCTIONS.iter().map(Listed::doc))
        .chain(aggregate_functions().map(|f| FunctionDoc {
            name: f.name().to_ascii_uppercase(),
            kind: FunctionKind::Aggregate,
            category: f.category(),
            description: f.description(),
            signatures: f.signatures(),
        }))
        .chain(TABLE_FUNCTIONS.iter().map(Listed::doc))
        .collect();
    docs.sort_by(|a, b| (&a.name, a.kind).cmp(&(&b.name, b.kind)));
    docs
}

/// The function called `name`, in any case, for DESCRIBE FUNCTION.
pub fn describe_function(name: &str) -> Option<FunctionDoc> {
    function_docs().into_iter().find(|d| d.name.eq_ignore_ascii_case(name))
}

/// docs/functions.md, generated from [`function_docs`].
pub fn functions_markdown() -> String {
    let docs = function_docs();
    let count = |kind| docs.iter().filter(|d| d.kind == kind).count();
    let mut out = String::new();
    out.push_str("# Functions\n\n");
    out.push_str(
        "<!-- Generated from the function registry in crates/sluice-functions; do not edit by hand. -->\n\n",
    );
    out.push_str(
        "This file is generated from the function registry in `crates/sluice-functions`\n\
         (`sluice_functions::functions_markdown()`), the same data SHOW FUNCTIONS and\n\
         DESCRIBE FUNCTION read. A test fails when it is stale; regenerate it with\n\n\
         ```sh\n\
         SLUICE_WRITE_DOCS=1 cargo test -p sluice-functions --test functions_doc\n\
         ```\n\n",
    );
    let _ = writeln!(
        out,
        "{} functions: {} scalar, {} aggregate, {} table. In signatures, type variables\n\
         (`T`, `U`, `K`, `V`, ..) stand for any type, a trailing `...` repeats the last\n\
         parameter, and numeric arguments are widened as ksqlDB does (an INT is accepted\n\
         for a BIGINT, DECIMAL or DOUBLE parameter). `INTERVALUNIT` is a unit keyword such\n\
         as `DAYS`.",
        docs.len(),
        count(FunctionKind::Scalar),
        count(FunctionKind::Aggregate),
        count(FunctionKind::Table),
    );
    for (kind, heading) in [
        (FunctionKind::Scalar, "Scalar functions"),
        (FunctionKind::Aggregate, "Aggregate functions"),
        (FunctionKind::Table, "Table functions"),
    ] {
        let _ = write!(out, "\n## {heading}\n");
        let mut categories: Vec<Category> =
            docs.iter().filter(|d| d.kind == kind).map(|d| d.category).collect();
        categories.sort();
        categories.dedup();
        for category in categories {
            if kind != FunctionKind::Table {
                let _ = write!(out, "\n### {}\n", category.title());
            }
            out.push_str("\n| Function | Signatures | Description |\n|---|---|---|\n");
            for doc in docs.iter().filter(|d| d.kind == kind && d.category == category) {
                let signatures: Vec<String> =
                    doc.signatures.iter().map(|s| format!("`{}`", cell(s, true))).collect();
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    doc.name,
                    signatures.join("<br>"),
                    cell(doc.description, false)
                );
            }
        }
    }
    out
}

/// Text for a Markdown table cell: `|` would end the cell (in a code
/// span too), and outside code spans `<` could open an HTML tag.
fn cell(text: &str, code: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '|' || (c == '<' && !code) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
#[path = "docs_tests.rs"]
mod tests;

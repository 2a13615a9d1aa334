//! Aggregate functions (COUNT, SUM, ..): their type rules and accumulators.
//!
//! An aggregate is called as `NAME(columns.., constants..)`: the first
//! [`AggregateFunction::column_args`] arguments are evaluated for every row,
//! the rest must be literals and configure the accumulator (TOPK's `k`).
//!
//! Every function lives in its own file and is listed once in `REGISTRY`
//! together with the facts the planner needs besides the trait: the name
//! ksqlDB prints in messages, whether it can run over a table (ksqlDB's
//! `TableUdaf`, which can undo a row) and whether its intermediate state is
//! a primitive (DELIMITED cannot store ARRAY, MAP or STRUCT state).

mod attr;
mod avg;
mod by_offset;
mod collect;
mod correlation;
mod count;
mod count_distinct;
mod histogram;
mod min_max;
mod stddev;
mod sum;
mod topk;
pub(crate) mod types;
mod values;

pub use values::read_row;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;

use crate::docs::Category;

/// An aggregate function as the planner and SHOW FUNCTIONS see it.
pub trait AggregateFunction: Send + Sync {
    /// Upper-case name, e.g. `COUNT`.
    fn name(&self) -> &'static str;

    /// One line for DESCRIBE FUNCTION.
    fn description(&self) -> &'static str;

    /// The overloads in ksqlDB's notation, one per entry, e.g.
    /// `SUM(col INT) -> INT` (see [`crate::FunctionDoc::signatures`]).
    fn signatures(&self) -> &'static [&'static str];

    /// The group in docs/functions.md.
    fn category(&self) -> Category;

    /// How many leading arguments are per-row values, for a call with
    /// `total_args` arguments (COUNT(*) has none). Most aggregates take no
    /// constant parameters: every argument is a column.
    fn column_args(&self, total_args: usize) -> usize {
        total_args
    }

    /// The result type for these per-row argument types and constants, or
    /// ksqlDB's error text, e.g. `Function 'SUM' does not accept parameters (STRING).`
    fn return_type(&self, args: &[DataType], constants: &[ScalarValue]) -> Result<DataType, String>;

    /// A fresh accumulator for one group.
    fn accumulator(
        &self,
        args: &[DataType],
        constants: &[ScalarValue],
    ) -> Result<Box<dyn Accumulator>, String>;
}

/// The running state of one aggregate for one group.
pub trait Accumulator: Send {
    /// Adds one row's argument values.
    fn add(&mut self, args: &[ScalarValue]) -> Result<(), String>;

    /// Adds the argument values at `row` of `args` (one array per argument
    /// column), as [`Accumulator::add`] would. Aggregations call this for
    /// every input row. The default reads the values into `scratch`, a
    /// buffer the caller reuses; COUNT, SUM, MIN and MAX of plain numbers
    /// read their arrays directly, as building and dropping a `ScalarValue`
    /// per row and argument cost more than the addition itself.
    fn add_at(
        &mut self,
        args: &[ArrayRef],
        row: usize,
        scratch: &mut Vec<ScalarValue>,
    ) -> Result<(), String> {
        add_read(self, args, row, scratch)
    }

    /// Takes back a row added earlier (aggregation over a table retracts a
    /// key's old row before adding its new one).
    fn retract(&mut self, args: &[ScalarValue]) -> Result<(), String>;

    /// The current result.
    fn value(&self) -> ScalarValue;
}

/// [`Accumulator::add`] of the values at `row` of `args`, read into
/// `scratch`: what [`Accumulator::add_at`] does unless an accumulator reads
/// its arrays itself. Out of line, so that the direct reads beside it, which
/// run for every row, do not pay for its stack frame.
#[cold]
#[inline(never)]
pub(crate) fn add_read<A: Accumulator + ?Sized>(
    acc: &mut A,
    args: &[ArrayRef],
    row: usize,
    scratch: &mut Vec<ScalarValue>,
) -> Result<(), String> {
    read_row(args, row, scratch)?;
    acc.add(scratch)
}

/// One registered aggregate and what the planner needs to know about it.
struct Entry {
    function: &'static dyn AggregateFunction,
    /// The name as ksqlDB declares it, which is what its messages print
    /// (`collect_set`, `MIN`, ..).
    declared: &'static str,
    /// Can aggregate a table: ksqlDB only allows functions that can undo.
    table: bool,
    /// Whether the intermediate state is a primitive value.
    primitive_state: bool,
}

const TABLE: bool = true;
const STREAM_ONLY: bool = false;
const PRIMITIVE: bool = true;
const STRUCTURED: bool = false;

const fn e(
    function: &'static dyn AggregateFunction,
    declared: &'static str,
    table: bool,
    primitive_state: bool,
) -> Entry {
    Entry { function, declared, table, primitive_state }
}

/// Every aggregate function, in SHOW FUNCTIONS order. Unit structs behind
/// shared references: no state, nothing to initialise.
static REGISTRY: &[Entry] = &[
    e(&attr::Attr, "ATTR", TABLE, STRUCTURED),
    e(&avg::Avg, "avg", TABLE, STRUCTURED),
    e(&collect::CollectList, "collect_list", TABLE, STRUCTURED),
    e(&collect::CollectSet, "collect_set", STREAM_ONLY, STRUCTURED),
    e(&correlation::Correlation, "correlation", TABLE, STRUCTURED),
    e(&count::Count, "COUNT", TABLE, PRIMITIVE),
    e(&count_distinct::CountDistinct, "COUNT_DISTINCT", STREAM_ONLY, STRUCTURED),
    e(&by_offset::EarliestByOffset, "EARLIEST_BY_OFFSET", STREAM_ONLY, STRUCTURED),
    e(&histogram::Histogram, "histogram", TABLE, STRUCTURED),
    e(&by_offset::LatestByOffset, "LATEST_BY_OFFSET", STREAM_ONLY, STRUCTURED),
    e(&min_max::Max, "MAX", STREAM_ONLY, PRIMITIVE),
    e(&min_max::Min, "MIN", STREAM_ONLY, PRIMITIVE),
    e(&stddev::StddevSamp, "STDDEV_SAMP", TABLE, STRUCTURED),
    e(&stddev::StddevSample, "STDDEV_SAMPLE", TABLE, STRUCTURED),
    e(&sum::Sum, "SUM", TABLE, PRIMITIVE),
    e(&sum::SumList, "sum_list", TABLE, PRIMITIVE),
    e(&topk::TopK, "TOPK", STREAM_ONLY, STRUCTURED),
    e(&topk::TopKDistinct, "TOPKDISTINCT", STREAM_ONLY, STRUCTURED),
];

fn entry(name: &str) -> Option<&'static Entry> {
    REGISTRY.iter().find(|e| e.function.name().eq_ignore_ascii_case(name))
}

/// The aggregate function called `name` (any case), if there is one.
pub fn aggregate_function(name: &str) -> Option<&'static dyn AggregateFunction> {
    entry(name).map(|e| e.function)
}

/// Every aggregate function (SHOW FUNCTIONS reads them through
/// [`crate::function_docs`]).
pub fn aggregate_functions() -> impl Iterator<Item = &'static dyn AggregateFunction> {
    REGISTRY.iter().map(|e| e.function)
}

/// Whether the aggregate can run over a table source. ksqlDB refuses the
/// others there (they cannot retract a row), and their accumulators return
/// that refusal from [`Accumulator::retract`].
pub fn supports_table_source(name: &str) -> bool {
    entry(name).is_some_and(|e| e.table)
}

/// ksqlDB's refusal of an aggregation over a table that calls functions
/// which cannot undo, given the aggregate calls' names in query order; None
/// when all of them can. E.g. `The aggregation functions LATEST_BY_OFFSET,
/// MIN and MAX cannot be applied to a table source, only to a stream source.`
pub fn table_source_error<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut refused: Vec<&str> = Vec::new();
    for e in names.into_iter().filter_map(entry).filter(|e| !e.table) {
        if !refused.contains(&e.declared) {
            refused.push(e.declared);
        }
    }
    (!refused.is_empty()).then(|| types::table_source_message(&refused))
}

/// Whether the aggregate's intermediate state is a primitive value; when it
/// is not, ksqlDB refuses value formats without ARRAY/MAP/STRUCT (DELIMITED)
/// with: `One of the functions used in the statement has an intermediate
/// type that the value format can not handle. Please remove the function or
/// change the format.`
pub fn has_primitive_intermediate(name: &str) -> bool {
    entry(name).is_some_and(|e| e.primitive_state)
}

/// Query properties that configure aggregates (`ksql.functions.*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AggregateConfig {
    /// `ksql.functions.collect_list.limit`; None (the default, as in
    /// ksqlDB's UDAF when the property is unset) means no limit.
    pub collect_list_limit: Option<usize>,
    /// `ksql.functions.collect_set.limit`, likewise.
    pub collect_set_limit: Option<usize>,
}

impl AggregateConfig {
    /// Reads the properties this module knows and ignores the rest. Like
    /// ksqlDB, a negative limit means no limit and a limit that is not an
    /// integer is an error.
    pub fn from_properties<'a>(props: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, String> {
        let mut config = Self::default();
        for (key, value) in props {
            let slot = match key {
                collect::LIST_LIMIT_CONFIG => &mut config.collect_list_limit,
                collect::SET_LIMIT_CONFIG => &mut config.collect_set_limit,
                _ => continue,
            };
            let limit: i64 = value.trim().parse().map_err(|_| format!("For input string: \"{value}\""))?;
            *slot = usize::try_from(limit).ok();
        }
        Ok(config)
    }
}

/// Like [`AggregateFunction::accumulator`], applying the query's
/// `ksql.functions.*` properties to the functions that read them.
pub fn accumulator_with_config(
    function: &dyn AggregateFunction,
    args: &[DataType],
    constants: &[ScalarValue],
    config: &AggregateConfig,
) -> Result<Box<dyn Accumulator>, String> {
    match function.name() {
        "COLLECT_LIST" => collect::list_accumulator(args, constants, config.collect_list_limit),
        "COLLECT_SET" => collect::set_accumulator(args, constants, config.collect_set_limit),
        _ => function.accumulator(args, constants),
    }
}

#[cfg(test)]
mod tests;

//! The typed syntax tree of the ksqlDB dialect.
//!
//! Names are stored resolved: an unquoted identifier is upper-cased by the
//! parser, a quoted one is kept as written. Every node prints back to
//! canonical SQL through `Display` (see `crate::print`), and parsing that text
//! gives an equal tree.

mod expr;
mod kind;
mod query;
mod statement;
mod types;

pub use expr::*;
pub use query::*;
pub use statement::*;
pub use types::*;

/// An identifier after case resolution: `foo` is `FOO`, `` `foo` `` is `foo`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ident(pub String);

impl Ident {
    pub fn new(name: impl Into<String>) -> Self {
        Ident(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The time units ksqlDB accepts in window, WITHIN and TIMEOUT clauses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    Milliseconds,
    Seconds,
    Minutes,
    Hours,
    Days,
}

impl TimeUnit {
    pub fn millis(self) -> u64 {
        match self {
            TimeUnit::Milliseconds => 1,
            TimeUnit::Seconds => 1_000,
            TimeUnit::Minutes => 60_000,
            TimeUnit::Hours => 3_600_000,
            TimeUnit::Days => 86_400_000,
        }
    }
}

/// A span of time as written, e.g. `10 SECONDS`. The unit is kept so that the
/// statement prints back the way the user wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Duration {
    pub value: u64,
    pub unit: TimeUnit,
}

impl Duration {
    pub fn as_millis(&self) -> u64 {
        self.value.saturating_mul(self.unit.millis())
    }
}

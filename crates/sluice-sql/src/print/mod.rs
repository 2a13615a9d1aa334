//! Canonical SQL for the syntax tree: `Display` for every AST node.
//!
//! The output is what the parser reads back into an equal tree, so it is
//! written to be unambiguous rather than pretty: every binary operation and
//! predicate is parenthesized, identifiers are quoted whenever a bare word
//! would read back differently, keywords are upper case and separated by
//! single spaces, and list items by `, `. Statements carry no trailing `;`.

mod expr;
mod query;
mod statement;

use std::fmt::{self, Display, Formatter};

use crate::ast::{DataType, Duration, Ident, Literal, StructField, TimeUnit};
use crate::keywords::is_plain_identifier;

/// `items` separated by `, `, each printed with its own `Display`.
pub(crate) fn comma_list<T: Display>(items: &[T]) -> CommaList<'_, T> {
    CommaList(items)
}

pub(crate) struct CommaList<'a, T>(&'a [T]);

impl<T: Display> Display for CommaList<'_, T> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_comma_separated(f, self.0, |f, item| write!(f, "{item}"))
    }
}

/// Writes `items` separated by `, `, each through `each`: for lists whose
/// items have no `Display` of their own (map entries, struct fields, ..).
pub(crate) fn write_comma_separated<T>(
    f: &mut Formatter<'_>,
    items: impl IntoIterator<Item = T>,
    mut each: impl FnMut(&mut Formatter<'_>, T) -> fmt::Result,
) -> fmt::Result {
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        each(f, item)?;
    }
    Ok(())
}

/// `text` when `cond` holds, else nothing: for optional keywords such as
/// `IF NOT EXISTS ` in a format string.
pub(crate) fn flag(cond: bool, text: &'static str) -> &'static str {
    if cond {
        text
    } else {
        ""
    }
}

/// `s` as a SQL string literal: single quotes, inner `'` doubled.
pub(crate) fn quote_string(s: &str) -> Quoted<'_> {
    Quoted { text: s, quote: '\'' }
}

/// Text between a pair of quote characters, with each inner quote doubled.
pub(crate) struct Quoted<'a> {
    text: &'a str,
    quote: char,
}

impl Display for Quoted<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let q = self.quote;
        write!(f, "{q}")?;
        for (i, part) in self.text.split(q).enumerate() {
            if i > 0 {
                write!(f, "{q}{q}")?;
            }
            f.write_str(part)?;
        }
        write!(f, "{q}")
    }
}

impl Display for Ident {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        ident_quoted_if(self, false).fmt(f)
    }
}

/// `ident`, backtick-quoted when it is not a plain identifier, and also when
/// `keyword_here` holds: where the grammar would read the bare word as syntax
/// (`ARRAY[..]`, `MAP(..)`, a type name, a time unit) rather than as a name.
pub(crate) fn ident_quoted_if(ident: &Ident, keyword_here: bool) -> IdentIn<'_> {
    IdentIn { ident, force_quotes: keyword_here }
}

pub(crate) struct IdentIn<'a> {
    ident: &'a Ident,
    force_quotes: bool,
}

impl Display for IdentIn<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let name = self.ident.as_str();
        if is_plain_identifier(name) && !self.force_quotes {
            f.write_str(name)
        } else {
            Quoted { text: name, quote: '`' }.fmt(f)
        }
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("NULL"),
            Literal::Boolean(true) => f.write_str("TRUE"),
            Literal::Boolean(false) => f.write_str("FALSE"),
            Literal::Integer(text) | Literal::Decimal(text) | Literal::Double(text) => f.write_str(text),
            Literal::String(s) => quote_string(s).fmt(f),
        }
    }
}

impl Display for TimeUnit {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeUnit::Milliseconds => "MILLISECONDS",
            TimeUnit::Seconds => "SECONDS",
            TimeUnit::Minutes => "MINUTES",
            TimeUnit::Hours => "HOURS",
            TimeUnit::Days => "DAYS",
        })
    }
}

impl Display for Duration {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.value, self.unit)
    }
}

impl Display for DataType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            DataType::Boolean => f.write_str("BOOLEAN"),
            DataType::Int => f.write_str("INTEGER"),
            DataType::Bigint => f.write_str("BIGINT"),
            DataType::Double => f.write_str("DOUBLE"),
            DataType::Decimal { precision, scale } => write!(f, "DECIMAL({precision}, {scale})"),
            DataType::String => f.write_str("STRING"),
            DataType::Bytes => f.write_str("BYTES"),
            DataType::Date => f.write_str("DATE"),
            DataType::Time => f.write_str("TIME"),
            DataType::Timestamp => f.write_str("TIMESTAMP"),
            DataType::Array(element) => write!(f, "ARRAY<{element}>"),
            DataType::Map { key, value } => write!(f, "MAP<{key}, {value}>"),
            DataType::Struct(fields) => write!(f, "STRUCT<{}>", comma_list(fields)),
            DataType::Custom(name) => ident_quoted_if(name, is_type_word(name.as_str())).fmt(f),
        }
    }
}

/// Whether a bare `word` would read as a built-in type rather than a custom one.
fn is_type_word(word: &str) -> bool {
    const TYPE_WORDS: &[&str] = &[
        "BOOLEAN",
        "INT",
        "INTEGER",
        "BIGINT",
        "DOUBLE",
        "DECIMAL",
        "STRING",
        "VARCHAR",
        "BYTES",
        "DATE",
        "TIME",
        "TIMESTAMP",
        "ARRAY",
        "MAP",
        "STRUCT",
    ];
    TYPE_WORDS.iter().any(|t| t.eq_ignore_ascii_case(word))
}

impl Display for StructField {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.data_type)
    }
}

#[cfg(test)]
mod tests;

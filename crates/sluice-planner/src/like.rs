//! ksqlDB's LIKE patterns in Arrow's form. Arrow's LIKE always treats a backslash
//! as the escape character; in ksqlDB a pattern has no escape character unless
//! `ESCAPE 'c'` names one. The pattern is rewritten into the backslash form first.

use std::sync::Arc;

use datafusion::arrow::array::{AsArray, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::Expr;

use crate::array_fn;

/// `pattern` with `escape` (or no) escape character, as a backslash-escaped pattern.
pub(crate) fn with_escape(pattern: Expr, escape: Option<char>) -> Expr {
    array_fn::call(
        "like_escape",
        pattern,
        Some(DataType::Utf8),
        DataType::Utf8,
        escape,
        |patterns, escape| {
            let rewritten: StringArray =
                patterns.as_string::<i32>().iter().map(|p| p.map(|p| rewrite(p, *escape))).collect();
            Ok(Arc::new(rewritten))
        },
    )
}

/// The backslash form of `pattern`: `!%` becomes `\%`, `!!` a plain `!`, and a
/// backslash that escapes nothing in the original is escaped itself.
fn rewrite(pattern: &str, escape: Option<char>) -> String {
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            c if Some(c) == escape => match chars.next() {
                Some(next @ ('%' | '_' | '\\')) => {
                    out.push('\\');
                    out.push(next);
                }
                Some(next) => out.push(next),
                None => out.push(c),
            },
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::rewrite;

    #[test]
    fn patterns_take_the_backslash_form() {
        let bang = Some('!');
        assert_eq!(rewrite("!%", bang), "\\%");
        assert_eq!(rewrite("a!_b%", bang), "a\\_b%");
        assert_eq!(rewrite("!!", bang), "!");
        assert_eq!(rewrite("a\\b", bang), "a\\\\b");
        // Without ESCAPE a backslash is an ordinary character.
        assert_eq!(rewrite("a\\%", None), "a\\\\%");
    }
}

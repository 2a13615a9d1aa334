//! Tokens of the ksqlDB dialect, produced by sqlparser's tokenizer with a
//! dialect that knows ksqlDB's identifier rules.

use datafusion::sql::sqlparser::dialect::Dialect;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};

use crate::ParseError;

/// ksqlDB's lexical rules: identifiers are letters, digits, `_` and `@`;
/// `"..."` and `` `...` `` quote identifiers; strings use `''` escapes only.
#[derive(Debug)]
struct KsqlDialect;

impl Dialect for KsqlDialect {
    fn is_identifier_start(&self, ch: char) -> bool {
        ch.is_alphabetic() || ch == '_'
    }

    fn is_identifier_part(&self, ch: char) -> bool {
        ch.is_alphanumeric() || ch == '_' || ch == '@'
    }

    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        ch == '`' || ch == '"'
    }

    /// ksqlDB's DIGIT_IDENTIFIER: `1R` is a name, not a number and a name.
    fn supports_numeric_prefix(&self) -> bool {
        true
    }
}

/// A token with the file position of its first character and its length in
/// characters (for the caret under an error).
#[derive(Debug, Clone)]
pub(crate) struct Tok {
    pub token: Token,
    pub line: u64,
    pub column: u64,
    pub width: u64,
}

/// Tokenizes `sql`, whose first character sits at `line`:`column` of the
/// file, dropping whitespace and comments. The last token is always EOF,
/// placed just after the final real token.
pub(crate) fn tokenize(sql: &str, line: u64, column: u64) -> Result<Vec<Tok>, ParseError> {
    let place = |l: u64, c: u64| {
        if l <= 1 {
            (line, c + column - 1)
        } else {
            (l + line - 1, c)
        }
    };
    let raw = Tokenizer::new(&KsqlDialect, sql).tokenize_with_location().map_err(|e| {
        let (l, c) = place(e.location.line, e.location.column);
        ParseError::new(l, c, tidy_tokenizer_message(&e.message))
    })?;
    let mut out = Vec::with_capacity(raw.len() + 1);
    for t in raw {
        if matches!(t.token, Token::Whitespace(_)) {
            continue;
        }
        let (l, c) = place(t.span.start.line, t.span.start.column);
        let width = if t.span.end.line == t.span.start.line {
            t.span.end.column.saturating_sub(t.span.start.column).max(1)
        } else {
            1
        };
        if t.token == Token::ShiftRight {
            // ksqlDB has no shift operator; `>>` only ever closes two nested
            // types, as in `ARRAY<ARRAY<INT>>`.
            out.push(Tok { token: Token::Gt, line: l, column: c, width: 1 });
            out.push(Tok { token: Token::Gt, line: l, column: c + 1, width: 1 });
            continue;
        }
        out.push(Tok { token: t.token, line: l, column: c, width });
    }
    let (eof_line, eof_column) = match out.last() {
        Some(t) => (t.line, t.column + t.width),
        None => (line, column),
    };
    out.push(Tok { token: Token::EOF, line: eof_line, column: eof_column, width: 1 });
    Ok(out)
}

/// sqlparser words its errors for its own dialects; keep only the part that
/// helps a ksqlDB user.
fn tidy_tokenizer_message(message: &str) -> String {
    match message.split(" at Line:").next() {
        Some(head) if !head.is_empty() => head.to_string(),
        _ => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_shifted_to_the_file() {
        let toks = tokenize("a\n  bc", 3, 5).unwrap();
        assert_eq!((toks[0].line, toks[0].column), (3, 5));
        assert_eq!((toks[1].line, toks[1].column, toks[1].width), (4, 3, 2));
        assert!(matches!(toks[2].token, Token::EOF));
    }

    #[test]
    fn ksql_identifiers_and_operators() {
        let toks = tokenize("a@b->c => `x y` := 'it''s' -- c\n", 1, 1).unwrap();
        let kinds: Vec<String> = toks.iter().map(|t| format!("{}", t.token)).collect();
        assert_eq!(kinds, vec!["a@b", "->", "c", "=>", "`x y`", ":=", "'it's'", "EOF"]);
    }

    #[test]
    fn numbers_and_digit_identifiers() {
        let toks = tokenize("1R 1 1.5 1.5E3 .5 2e-3", 1, 1).unwrap();
        let kinds: Vec<String> = toks.iter().map(|t| format!("{:?}", t.token)).collect();
        assert!(kinds[0].starts_with("Word"), "{kinds:?}");
        for (i, text) in ["1", "1.5", "1.5E3", ".5", "2e-3"].iter().enumerate() {
            assert_eq!(toks[i + 1].token, Token::Number(text.to_string(), false), "{kinds:?}");
        }
    }

    #[test]
    fn unterminated_string_is_an_error_with_position() {
        let err = tokenize("SELECT 'abc", 1, 1).unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.message.to_lowercase().contains("unterminated"), "{}", err.message);
    }
}

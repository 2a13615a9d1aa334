use std::fmt;

/// A syntax error at a position in the source text.
///
/// `line` and `column` are 1-based; columns count characters, not bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    pub line: u64,
    pub column: u64,
    /// What went wrong, e.g. "expected FROM, found 'FRM'".
    pub message: String,
    /// How many characters the caret line should underline (at least 1).
    pub width: u64,
}

impl ParseError {
    pub fn new(line: u64, column: u64, message: impl Into<String>) -> Self {
        ParseError { line: line.max(1), column: column.max(1), message: message.into(), width: 1 }
    }

    pub fn with_width(mut self, width: u64) -> Self {
        self.width = width.max(1);
        self
    }

    /// The error as a compiler would print it: the position and message, then
    /// the offending line of `source` with a caret under the position.
    pub fn render(&self, source: &str) -> String {
        match self.excerpt(source) {
            Some(excerpt) => format!("{self}\n{excerpt}"),
            None => self.to_string(),
        }
    }

    /// The offending line of `source` and a caret line under the error's
    /// position, each indented by two spaces; None when the line is not in
    /// `source`.
    pub fn excerpt(&self, source: &str) -> Option<String> {
        let text = source.lines().nth((self.line - 1) as usize)?.replace('\t', " ");
        let indent = " ".repeat((self.column - 1) as usize);
        let line_len = text.chars().count() as u64;
        let room = line_len.saturating_sub(self.column - 1).max(1);
        let carets = "^".repeat(self.width.min(room) as usize);
        Some(format!("  {text}\n  {indent}{carets}"))
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}:{}: {}", self.line, self.column, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_puts_caret_under_column() {
        let e = ParseError::new(2, 10, "expected FROM, found 'FRM'").with_width(3);
        let src = "-- comment\nSELECT * FRM s;";
        assert_eq!(e.render(src), "line 2:10: expected FROM, found 'FRM'\n  SELECT * FRM s;\n           ^^^");
    }
}

//! Scripts: several statements separated by `;`.
//!
//! [`split_statements`] cuts a script into statement texts without parsing
//! them, keeping each one's position in the file; [`parse_script`] parses the
//! pieces in order, substituting `${variables}` as `DEFINE` and `UNDEFINE`
//! statements change them, as the ksqlDB CLI does when it runs a script.

use std::collections::HashMap;

use crate::ast::Statement;
use crate::parser::parse_statement_at;
use crate::variables::substitute_variables;
use crate::ParseError;

/// One statement's text within a script, without its `;`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementText<'a> {
    /// From the statement's first character (leading whitespace and comments
    /// skipped) to just before its `;`, trailing whitespace trimmed.
    pub text: &'a str,
    /// 1-based line of the first character.
    pub line: u64,
    /// 1-based column of the first character, counted in characters.
    pub column: u64,
    /// Byte offset of the first character in the script.
    pub offset: usize,
}

/// A parsed statement of a script, with where it started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptStatement {
    pub statement: Statement,
    /// The statement's text after variable substitution, without its `;`.
    pub text: String,
    /// 1-based line and column (in characters) of the statement's first
    /// character in the script.
    pub line: u64,
    pub column: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Normal,
    /// Inside `'..'`; `''` is read as closing and reopening, which is the same.
    String,
    /// Inside `".."`.
    DoubleQuoted,
    /// Inside `` `..` ``.
    BackQuoted,
    /// After `--`, up to the end of the line.
    LineComment,
    /// Inside `/* .. */` (not nested).
    BlockComment,
}

/// Split `source` at every `;` that is not inside a string literal, a quoted
/// identifier or a comment.
///
/// Pieces holding only whitespace and comments are dropped; a last piece with
/// no `;` after it is kept (an unterminated string or comment runs to the end
/// of the script, and the parser reports it).
pub fn split_statements(source: &str) -> Vec<StatementText<'_>> {
    let mut pieces = Vec::new();
    let mut state = State::Normal;
    // The current piece's first real character: (offset, line, column).
    let mut start: Option<(usize, u64, u64)> = None;
    let (mut line, mut column) = (1u64, 1u64);
    let mut chars = source.char_indices().peekable();

    while let Some((offset, c)) = chars.next() {
        let (here_line, here_column) = (line, column);
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
        let next = chars.peek().map(|&(_, n)| n);
        match state {
            State::Normal => match c {
                ';' => {
                    if let Some(begin) = start.take() {
                        pieces.push(piece(source, begin, offset));
                    }
                }
                '-' if next == Some('-') => {
                    chars.next();
                    column += 1;
                    state = State::LineComment;
                }
                '/' if next == Some('*') => {
                    chars.next();
                    column += 1;
                    state = State::BlockComment;
                }
                c if c.is_whitespace() => {}
                c => {
                    start.get_or_insert((offset, here_line, here_column));
                    state = match c {
                        '\'' => State::String,
                        '"' => State::DoubleQuoted,
                        '`' => State::BackQuoted,
                        _ => State::Normal,
                    };
                }
            },
            State::String if c == '\'' => state = State::Normal,
            State::DoubleQuoted if c == '"' => state = State::Normal,
            State::BackQuoted if c == '`' => state = State::Normal,
            State::LineComment if c == '\n' => state = State::Normal,
            State::BlockComment if c == '*' && next == Some('/') => {
                chars.next();
                column += 1;
                state = State::Normal;
            }
            _ => {}
        }
    }
    if let Some(begin) = start {
        pieces.push(piece(source, begin, source.len()));
    }
    pieces
}

fn piece(source: &str, (offset, line, column): (usize, u64, u64), end: usize) -> StatementText<'_> {
    StatementText { text: source[offset..end].trim_end(), line, column, offset }
}

/// Parse every statement of a script, in order.
///
/// Before a statement is parsed, `${name}` references in its text are
/// replaced from `variables` (keys upper-cased); a successful `DEFINE` adds
/// its variable to the map and `UNDEFINE` removes it, so later statements see
/// the change. The map is left as the script leaves it.
///
/// A statement that fails to parse gives an `Err` and the next ones are still
/// parsed: the caller decides whether to stop. Error positions are positions
/// in `source` (after a substitution on the same line, columns further right
/// refer to the substituted text).
pub fn parse_script(
    source: &str,
    variables: &mut HashMap<String, String>,
) -> Vec<Result<ScriptStatement, ParseError>> {
    let mut results = Vec::new();
    for piece in split_statements(source) {
        let text = substitute_variables(piece.text, variables);
        let result = parse_statement_at(&text, piece.line, piece.column);
        if let Ok(statement) = &result {
            match statement {
                Statement::DefineVariable { name, value } => {
                    variables.insert(name.as_str().to_uppercase(), value.clone());
                }
                Statement::UndefineVariable { name } => {
                    variables.remove(&name.as_str().to_uppercase());
                }
                _ => {}
            }
        }
        results.push(result.map(|statement| ScriptStatement {
            statement,
            text,
            line: piece.line,
            column: piece.column,
        }));
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (text, line, column, offset) of every piece.
    fn split(source: &str) -> Vec<(&str, u64, u64, usize)> {
        split_statements(source).into_iter().map(|p| (p.text, p.line, p.column, p.offset)).collect()
    }

    #[test]
    fn splits_at_semicolons_and_keeps_a_last_piece_without_one() {
        assert_eq!(
            split("SHOW STREAMS;SHOW TABLES ;\n  LIST TOPICS"),
            vec![("SHOW STREAMS", 1, 1, 0), ("SHOW TABLES", 1, 14, 13), ("LIST TOPICS", 2, 3, 29),]
        );
    }

    #[test]
    fn semicolons_in_strings_and_quoted_identifiers_do_not_split() {
        let src = "SELECT 'a;b', 'it''s;', \"x;y\", `p;q` FROM s;SHOW TABLES;";
        assert_eq!(
            split(src),
            vec![("SELECT 'a;b', 'it''s;', \"x;y\", `p;q` FROM s", 1, 1, 0), ("SHOW TABLES", 1, 45, 44),]
        );
    }

    #[test]
    fn semicolons_in_comments_do_not_split() {
        let src = "-- intro; not a statement\nSELECT 1 /* a; b */ FROM s; -- done;\n/* ; */";
        assert_eq!(split(src), vec![("SELECT 1 /* a; b */ FROM s", 2, 1, 26)]);
    }

    #[test]
    fn leading_comments_are_skipped_and_positions_follow_lines() {
        let src = "SHOW STREAMS;\n\n-- the next one\n/* block\n comment */   DESCRIBE s;\n";
        let pieces = split_statements(src);
        assert_eq!(pieces.len(), 2);
        assert_eq!((pieces[1].text, pieces[1].line, pieces[1].column), ("DESCRIBE s", 5, 15));
        assert_eq!(&src[pieces[1].offset..pieces[1].offset + 8], "DESCRIBE");
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let pieces = split_statements("SELECT 'é;ü';  SHOW TOPICS;");
        assert_eq!(pieces[0].text, "SELECT 'é;ü'");
        assert_eq!((pieces[1].line, pieces[1].column), (1, 16));
        assert_eq!(pieces[1].offset, 17);
    }

    #[test]
    fn empty_pieces_are_dropped() {
        assert!(split("").is_empty());
        assert!(split(" ;; \n -- only a comment;\n /* and; another */ ;").is_empty());
    }

    #[test]
    fn comment_markers_inside_strings_are_text() {
        assert_eq!(
            split("SELECT '--', '/*' FROM s; SHOW TYPES"),
            vec![("SELECT '--', '/*' FROM s", 1, 1, 0), ("SHOW TYPES", 1, 27, 26)]
        );
    }

    #[test]
    fn unterminated_string_runs_to_the_end() {
        assert_eq!(split("SELECT 'a; SHOW TABLES;"), vec![("SELECT 'a; SHOW TABLES;", 1, 1, 0)]);
    }

    #[test]
    fn crlf_line_endings() {
        let pieces = split_statements("SHOW STREAMS;\r\n  SHOW TABLES;\r\n");
        assert_eq!((pieces[1].text, pieces[1].line, pieces[1].column), ("SHOW TABLES", 2, 3));
    }

    #[test]
    fn parse_script_substitutes_defined_variables() {
        let mut vars = HashMap::new();
        let src = "DEFINE topic = 'pv';\nSELECT * FROM ${TOPIC} EMIT CHANGES;\nUNDEFINE topic;";
        let results = parse_script(src, &mut vars);
        assert_eq!(results.len(), 3);
        let query = results[1].as_ref().expect("the query parses");
        assert_eq!(query.text, "SELECT * FROM pv EMIT CHANGES");
        assert_eq!((query.line, query.column), (2, 1));
        assert!(matches!(query.statement, Statement::Query(_)));
        assert!(results[2].is_ok());
        assert!(vars.is_empty(), "UNDEFINE removed the variable: {vars:?}");
    }

    #[test]
    fn parse_script_keeps_defined_variables_for_the_caller() {
        let mut vars = HashMap::new();
        let results = parse_script("DEFINE fmt = 'JSON';", &mut vars);
        assert!(results[0].is_ok());
        assert_eq!(vars.get("FMT").map(String::as_str), Some("JSON"));
    }

    #[test]
    fn parse_script_goes_on_after_errors_with_file_positions() {
        let mut vars = HashMap::new();
        let results = parse_script("SHOW STREAMS;\n  SELECT * FRM s EMIT CHANGES;\nSHOW TABLES;", &mut vars);
        assert_eq!(results.len(), 3);
        assert!(results[0].is_ok());
        let err = results[1].as_ref().expect_err("FRM is a typo");
        assert_eq!((err.line, err.column), (2, 12));
        assert!(results[2].is_ok());
    }
}

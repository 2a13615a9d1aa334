//! A recursive-descent parser for the ksqlDB statement language.
//!
//! The grammar follows ksqlDB's `SqlBase.g4`; tokens come from sqlparser's
//! tokenizer (see `crate::lexer`). Every error carries the file position of
//! the token where parsing stopped and says what was expected there.

mod expr;
mod query;
mod statement;
mod types;

use datafusion::sql::sqlparser::tokenizer::{Token, Word};

use crate::ast::{Duration, Expr, Ident, Statement, TimeUnit};
use crate::keywords::is_reserved;
use crate::lexer::{tokenize, Tok};
use crate::ParseError;

type Result<T> = std::result::Result<T, ParseError>;

/// How deeply expressions and types may nest before the parser gives up;
/// this keeps hostile input from overflowing the stack.
const MAX_DEPTH: usize = 100;

/// Parses one statement. A trailing `;` is allowed.
pub fn parse_statement(sql: &str) -> Result<Statement> {
    parse_statement_at(sql, 1, 1)
}

/// Parses one statement whose text starts at `line`:`column` of a larger
/// file, so that error positions are positions in that file.
pub(crate) fn parse_statement_at(sql: &str, line: u64, column: u64) -> Result<Statement> {
    let mut parser = Parser::new(tokenize(sql, line, column)?);
    let statement = parser.parse_statement()?;
    parser.consume_token(&Token::SemiColon);
    parser.expect_end()?;
    Ok(statement)
}

/// Parses a single expression, e.g. `a + 1`.
pub fn parse_expr(sql: &str) -> Result<Expr> {
    let mut parser = Parser::new(tokenize(sql, 1, 1)?);
    let expr = parser.parse_expr()?;
    parser.expect_end()?;
    Ok(expr)
}

pub(crate) struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn new(toks: Vec<Tok>) -> Self {
        Parser { toks, pos: 0, depth: 0 }
    }

    // ---- looking at tokens -------------------------------------------------

    fn peek(&self) -> &Tok {
        self.peek_nth(0)
    }

    /// The token `n` places ahead; EOF past the end.
    fn peek_nth(&self, n: usize) -> &Tok {
        let last = self.toks.len() - 1; // tokenize always ends with EOF
        &self.toks[(self.pos + n).min(last)]
    }

    fn peek_token(&self) -> &Token {
        &self.peek().token
    }

    fn advance(&mut self) -> Tok {
        let tok = self.peek().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        tok
    }

    /// The unquoted word at `n` places ahead, if it is one.
    fn word_at(&self, n: usize) -> Option<&Word> {
        match &self.peek_nth(n).token {
            Token::Word(w) if w.quote_style.is_none() => Some(w),
            _ => None,
        }
    }

    fn is_keyword_at(&self, n: usize, keyword: &str) -> bool {
        self.word_at(n).is_some_and(|w| w.value.eq_ignore_ascii_case(keyword))
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        self.is_keyword_at(0, keyword)
    }

    /// Consumes `keyword` if it is next.
    fn parse_keyword(&mut self, keyword: &str) -> bool {
        let found = self.peek_keyword(keyword);
        if found {
            self.advance();
        }
        found
    }

    /// Consumes the whole sequence if it is next, or nothing.
    fn parse_keywords(&mut self, keywords: &[&str]) -> bool {
        let found = keywords.iter().enumerate().all(|(i, k)| self.is_keyword_at(i, k));
        if found {
            self.pos += keywords.len();
        }
        found
    }

    fn expect_keyword(&mut self, keyword: &str) -> Result<()> {
        if self.parse_keyword(keyword) {
            Ok(())
        } else {
            Err(self.expected(keyword))
        }
    }

    fn expect_keywords(&mut self, keywords: &[&str]) -> Result<()> {
        keywords.iter().try_for_each(|k| self.expect_keyword(k))
    }

    fn consume_token(&mut self, token: &Token) -> bool {
        let found = self.peek_token() == token;
        if found {
            self.advance();
        }
        found
    }

    fn expect_token(&mut self, token: &Token) -> Result<()> {
        if self.consume_token(token) {
            Ok(())
        } else {
            Err(self.expected(&format!("'{token}'")))
        }
    }

    fn expect_end(&self) -> Result<()> {
        if matches!(self.peek_token(), Token::EOF) {
            Ok(())
        } else {
            Err(self.expected("end of statement"))
        }
    }

    // ---- errors ------------------------------------------------------------

    /// An error at the next token: "expected `what`, found `token`".
    fn expected(&self, what: &str) -> ParseError {
        let tok = self.peek();
        let found = match &tok.token {
            Token::EOF => "end of input".to_string(),
            Token::Word(w) if w.quote_style.is_none() && is_reserved(&w.value) => {
                format!("reserved word '{}'", w.value.to_uppercase())
            }
            other => format!("'{other}'"),
        };
        self.error_here(format!("expected {what}, found {found}"))
    }

    fn error_here(&self, message: String) -> ParseError {
        let tok = self.peek();
        ParseError::new(tok.line, tok.column, message).with_width(tok.width)
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_here(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // ---- shared small pieces -------------------------------------------------

    /// An identifier: unquoted words are upper-cased and may not be reserved;
    /// quoted ones are taken as written.
    fn parse_identifier(&mut self) -> Result<Ident> {
        match &self.peek().token {
            Token::Word(w) if w.quote_style.is_some() => {
                let name = w.value.clone();
                self.advance();
                Ok(Ident(name))
            }
            Token::Word(w) if !is_reserved(&w.value) => {
                let name = w.value.to_uppercase();
                self.advance();
                Ok(Ident(name))
            }
            _ => Err(self.expected("an identifier")),
        }
    }

    /// A name where even reserved words are fine because nothing else can
    /// follow (struct fields after `->`, field names in type definitions).
    fn parse_any_name(&mut self) -> Result<Ident> {
        match &self.peek().token {
            Token::Word(w) => {
                let name = if w.quote_style.is_some() { w.value.clone() } else { w.value.to_uppercase() };
                self.advance();
                Ok(Ident(name))
            }
            _ => Err(self.expected("a name")),
        }
    }

    fn parse_identifier_list(&mut self) -> Result<Vec<Ident>> {
        let mut names = vec![self.parse_identifier()?];
        while self.consume_token(&Token::Comma) {
            names.push(self.parse_identifier()?);
        }
        Ok(names)
    }

    fn parse_string(&mut self) -> Result<String> {
        match &self.peek().token {
            Token::SingleQuotedString(s) => {
                let s = s.clone();
                self.advance();
                Ok(s)
            }
            _ => Err(self.expected("a string literal")),
        }
    }

    /// A name given either as an identifier or as a string (topic names,
    /// property names): identifiers are case-resolved, strings kept.
    fn parse_identifier_or_string(&mut self) -> Result<Ident> {
        match &self.peek().token {
            Token::SingleQuotedString(_) => self.parse_string().map(Ident),
            _ => self.parse_identifier(),
        }
    }

    fn parse_unsigned(&mut self) -> Result<u64> {
        match &self.peek().token {
            Token::Number(text, _) => match text.parse::<u64>() {
                Ok(n) => {
                    self.advance();
                    Ok(n)
                }
                Err(_) => Err(self.error_here(format!("expected a whole number, found '{text}'"))),
            },
            _ => Err(self.expected("a whole number")),
        }
    }

    fn parse_time_unit(&mut self) -> Result<TimeUnit> {
        match self.word_at(0).and_then(|w| time_unit(&w.value)) {
            Some(unit) => {
                self.advance();
                Ok(unit)
            }
            None => Err(self.expected("a time unit (MILLISECONDS, SECONDS, MINUTES, HOURS or DAYS)")),
        }
    }

    /// `n unit`, e.g. `10 SECONDS`.
    fn parse_duration(&mut self) -> Result<Duration> {
        let value = self.parse_unsigned()?;
        let unit = self.parse_time_unit()?;
        Ok(Duration { value, unit })
    }
}

/// The unit a word names, in singular or plural.
fn time_unit(word: &str) -> Option<TimeUnit> {
    let upper = word.to_ascii_uppercase();
    let singular = upper.strip_suffix('S').unwrap_or(&upper);
    match singular {
        "MILLISECOND" => Some(TimeUnit::Milliseconds),
        "SECOND" => Some(TimeUnit::Seconds),
        "MINUTE" => Some(TimeUnit::Minutes),
        "HOUR" => Some(TimeUnit::Hours),
        "DAY" => Some(TimeUnit::Days),
        _ => None,
    }
}

//! SELECT: items, FROM with joins, WINDOW, WHERE, GROUP BY, PARTITION BY,
//! HAVING, EMIT and LIMIT, in ksqlDB's fixed clause order.

use datafusion::sql::sqlparser::tokenizer::Token;

use super::{Parser, Result};
use crate::ast::{
    Emit, Expr, From, Join, JoinKind, Select, SelectItem, SourceRef, Window, WindowKind, Within, WithinBounds,
};
use crate::keywords::is_reserved;

impl Parser {
    pub(super) fn parse_select(&mut self) -> Result<Select> {
        self.expect_keyword("SELECT")?;
        let mut items = vec![self.parse_select_item()?];
        while self.consume_token(&Token::Comma) {
            items.push(self.parse_select_item()?);
        }
        self.expect_keyword("FROM")?;
        let from = self.parse_from()?;
        let window = if self.parse_keyword("WINDOW") { Some(self.parse_window()?) } else { None };
        let where_clause = if self.parse_keyword("WHERE") { Some(self.parse_expr()?) } else { None };
        let group_by =
            if self.parse_keywords(&["GROUP", "BY"]) { self.parse_grouping()? } else { Vec::new() };
        let partition_by =
            if self.parse_keywords(&["PARTITION", "BY"]) { self.parse_grouping()? } else { Vec::new() };
        let having = if self.parse_keyword("HAVING") { Some(self.parse_expr()?) } else { None };
        let emit = if self.parse_keyword("EMIT") {
            if self.parse_keyword("CHANGES") {
                Some(Emit::Changes)
            } else if self.parse_keyword("FINAL") {
                Some(Emit::Final)
            } else {
                return Err(self.expected("CHANGES or FINAL"));
            }
        } else {
            None
        };
        let limit = if self.parse_keyword("LIMIT") { Some(self.parse_limit(emit.is_none())?) } else { None };
        Ok(Select { items, from, window, where_clause, group_by, partition_by, having, emit, limit })
    }

    /// LIMIT's count, with ksqlDB's messages for a negative count (that a
    /// pull query, without EMIT, refuses) and for a fraction.
    fn parse_limit(&mut self, pull: bool) -> Result<u64> {
        let negative = matches!(self.peek().token, Token::Minus);
        if negative && pull {
            return Err(self.error_here(
                "Pull queries don't support negative integers in the LIMIT clause. See https://cnfl.io/queries \
                 for more info."
                    .into(),
            ));
        }
        if let Token::Number(text, _) = &self.peek().token {
            if text.contains(['.', 'e', 'E']) {
                return Err(self.error_here(
                    "Failed to prepare statement: Value must be integer for command: LIMIT".into(),
                ));
            }
        }
        self.parse_unsigned()
    }

    fn parse_select_item(&mut self) -> Result<SelectItem> {
        if self.consume_token(&Token::Mul) {
            return Ok(SelectItem::Wildcard { source: None });
        }
        if matches!(self.peek_token(), Token::Word(_))
            && self.peek_nth(1).token == Token::Period
            && self.peek_nth(2).token == Token::Mul
        {
            let source = self.parse_identifier()?;
            self.advance();
            self.advance();
            return Ok(SelectItem::Wildcard { source: Some(source) });
        }
        let expr = self.parse_expr()?;
        if self.peek_token() == &Token::Arrow && self.peek_nth(1).token == Token::Mul {
            self.advance();
            self.advance();
            return Ok(SelectItem::StructAll(expr));
        }
        let alias = self.parse_optional_alias()?;
        Ok(SelectItem::Expr { expr, alias })
    }

    /// `[AS] name`: without AS, any word that is not reserved is an alias.
    fn parse_optional_alias(&mut self) -> Result<Option<crate::ast::Ident>> {
        if self.parse_keyword("AS") {
            return self.parse_identifier().map(Some);
        }
        match &self.peek().token {
            Token::Word(w) if w.quote_style.is_some() || !is_reserved(&w.value) => {
                self.parse_identifier().map(Some)
            }
            _ => Ok(None),
        }
    }

    fn parse_source_ref(&mut self) -> Result<SourceRef> {
        let name = self.parse_identifier()?;
        let alias = self.parse_optional_alias()?;
        Ok(SourceRef { name, alias })
    }

    fn parse_from(&mut self) -> Result<From> {
        let source = self.parse_source_ref()?;
        let mut joins = Vec::new();
        while let Some(kind) = self.parse_join_kind()? {
            let source = self.parse_source_ref()?;
            let within = if self.parse_keyword("WITHIN") { Some(self.parse_within()?) } else { None };
            self.expect_keyword("ON")?;
            let on = self.parse_expr()?;
            joins.push(Join { kind, source, within, on });
        }
        Ok(From { source, joins })
    }

    /// `[INNER] JOIN`, `LEFT [OUTER] JOIN`, `RIGHT [OUTER] JOIN`,
    /// `FULL [OUTER] JOIN`; None when no join follows.
    fn parse_join_kind(&mut self) -> Result<Option<JoinKind>> {
        let kind = if self.parse_keyword("JOIN") {
            return Ok(Some(JoinKind::Inner));
        } else if self.parse_keyword("INNER") {
            JoinKind::Inner
        } else if self.parse_keyword("LEFT") {
            JoinKind::Left
        } else if self.parse_keyword("RIGHT") {
            JoinKind::Right
        } else if self.parse_keyword("FULL") {
            JoinKind::Full
        } else {
            return Ok(None);
        };
        if kind != JoinKind::Inner {
            self.parse_keyword("OUTER");
        }
        self.expect_keyword("JOIN")?;
        Ok(Some(kind))
    }

    /// After WITHIN: `n unit` or `(before, after)`, then `[GRACE PERIOD d]`.
    fn parse_within(&mut self) -> Result<Within> {
        let bounds = if self.consume_token(&Token::LParen) {
            let before = self.parse_duration()?;
            self.expect_token(&Token::Comma)?;
            let after = self.parse_duration()?;
            self.expect_token(&Token::RParen)?;
            WithinBounds::Asymmetric { before, after }
        } else {
            WithinBounds::Symmetric(self.parse_duration()?)
        };
        let grace =
            if self.parse_keywords(&["GRACE", "PERIOD"]) { Some(self.parse_duration()?) } else { None };
        Ok(Within { bounds, grace })
    }

    /// After WINDOW: `TUMBLING (SIZE d, ..)`, `HOPPING (SIZE d, ADVANCE BY
    /// d, ..)` or `SESSION (d, ..)`, each with optional RETENTION and GRACE
    /// PERIOD.
    fn parse_window(&mut self) -> Result<Window> {
        // ksqlDB accepts a name before the window kind and never uses it.
        let kinds = ["TUMBLING", "HOPPING", "SESSION"];
        if !kinds.iter().any(|k| self.peek_keyword(k)) && kinds.iter().any(|k| self.is_keyword_at(1, k)) {
            self.parse_identifier()?;
        }
        let kind = if self.parse_keyword("TUMBLING") {
            self.expect_token(&Token::LParen)?;
            self.expect_keyword("SIZE")?;
            WindowKind::Tumbling { size: self.parse_duration()? }
        } else if self.parse_keyword("HOPPING") {
            self.expect_token(&Token::LParen)?;
            self.expect_keyword("SIZE")?;
            let size = self.parse_duration()?;
            self.expect_token(&Token::Comma)?;
            self.expect_keywords(&["ADVANCE", "BY"])?;
            WindowKind::Hopping { size, advance: self.parse_duration()? }
        } else if self.parse_keyword("SESSION") {
            self.expect_token(&Token::LParen)?;
            WindowKind::Session { gap: self.parse_duration()? }
        } else {
            return Err(self.expected("TUMBLING, HOPPING or SESSION"));
        };
        let mut retention = None;
        let mut grace = None;
        while self.consume_token(&Token::Comma) {
            if retention.is_none() && grace.is_none() && self.parse_keyword("RETENTION") {
                retention = Some(self.parse_duration()?);
            } else if grace.is_none() && self.parse_keywords(&["GRACE", "PERIOD"]) {
                grace = Some(self.parse_duration()?);
            } else if grace.is_some() && self.peek_keyword("RETENTION") {
                return Err(self.error_here("RETENTION must come before GRACE PERIOD".into()));
            } else {
                return Err(self.expected("RETENTION or GRACE PERIOD"));
            }
        }
        self.expect_token(&Token::RParen)?;
        Ok(Window { kind, retention, grace })
    }

    /// The expressions of GROUP BY or PARTITION BY: `a, b` or `(a, b)`.
    fn parse_grouping(&mut self) -> Result<Vec<Expr>> {
        if self.peek_token() == &Token::LParen {
            let start = self.pos;
            self.advance();
            if self.peek_token() == &Token::RParen {
                return Err(self.expected("an expression"));
            }
            if let Ok(list) = self.parse_expr_list(&Token::RParen) {
                if list.len() != 1 && self.grouping_ends_here() {
                    return Ok(list);
                }
            }
            // Not a bare list: an expression that starts with a parenthesis.
            self.pos = start;
        }
        let mut exprs = vec![self.parse_expr()?];
        while self.consume_token(&Token::Comma) {
            exprs.push(self.parse_expr()?);
        }
        Ok(exprs)
    }

    /// Whether the next token ends a GROUP BY / PARTITION BY list.
    fn grouping_ends_here(&self) -> bool {
        matches!(self.peek_token(), Token::EOF | Token::SemiColon)
            || ["PARTITION", "HAVING", "EMIT", "LIMIT"].iter().any(|k| self.peek_keyword(k))
    }
}

//! Expressions, by precedence climbing. From loosest to tightest: OR, AND,
//! NOT, predicates (comparison, IS, BETWEEN, IN, LIKE), `||`, `+ -`,
//! `* / %`, unary `+ -`, AT TIME ZONE, then postfix `[i]` and `->f`.

use datafusion::sql::sqlparser::tokenizer::Token;

use super::{time_unit, Parser, Result};
use crate::ast::{BinaryOp, ColumnRef, Expr, FunctionCall, Ident, Literal, UnaryOp, WhenClause};
use crate::keywords::is_reserved;

const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const PREDICATE: u8 = 4;
const CONCAT: u8 = 5;
const ADDITIVE: u8 = 6;
const MULTIPLICATIVE: u8 = 7;
const UNARY: u8 = 8;
const AT_TIME_ZONE: u8 = 9;

impl Parser {
    pub(crate) fn parse_expr(&mut self) -> Result<Expr> {
        self.parse_expr_bp(0)
    }

    /// Parses an expression whose operators all bind tighter than `min_bp`.
    fn parse_expr_bp(&mut self, min_bp: u8) -> Result<Expr> {
        self.enter()?;
        let expr = self.parse_expr_bp_inner(min_bp);
        self.leave();
        expr
    }

    fn parse_expr_bp_inner(&mut self, min_bp: u8) -> Result<Expr> {
        let mut left = self.parse_prefix()?;
        loop {
            let bp = self.infix_binding_power();
            if bp == 0 || bp <= min_bp {
                return Ok(left);
            }
            left = self.parse_infix(left, bp)?;
        }
    }

    fn parse_prefix(&mut self) -> Result<Expr> {
        if self.parse_keyword("NOT") {
            let expr = self.parse_expr_bp(NOT)?;
            return Ok(Expr::Unary { op: UnaryOp::Not, expr: Box::new(expr) });
        }
        let sign = match self.peek_token() {
            Token::Minus => Some(UnaryOp::Minus),
            Token::Plus => Some(UnaryOp::Plus),
            _ => None,
        };
        if let Some(op) = sign {
            self.advance();
            let expr = self.parse_expr_bp(UNARY)?;
            return Ok(Expr::Unary { op, expr: Box::new(expr) });
        }
        let primary = self.parse_primary()?;
        self.parse_postfix(primary)
    }

    /// The binding power of the operator at the current token, 0 if none.
    fn infix_binding_power(&self) -> u8 {
        match self.peek_token() {
            Token::Word(w) if w.quote_style.is_none() => match w.value.to_ascii_uppercase().as_str() {
                "OR" => OR,
                "AND" => AND,
                "IS" | "BETWEEN" | "IN" | "LIKE" => PREDICATE,
                "NOT" if ["BETWEEN", "IN", "LIKE"].iter().any(|k| self.is_keyword_at(1, k)) => PREDICATE,
                "AT" => AT_TIME_ZONE,
                _ => 0,
            },
            Token::Eq | Token::Neq | Token::Lt | Token::LtEq | Token::Gt | Token::GtEq => PREDICATE,
            Token::StringConcat => CONCAT,
            Token::Plus | Token::Minus => ADDITIVE,
            Token::Mul | Token::Div | Token::Mod => MULTIPLICATIVE,
            _ => 0,
        }
    }

    fn parse_infix(&mut self, left: Expr, bp: u8) -> Result<Expr> {
        let tok = self.advance();
        if let Some(op) = binary_op(&tok.token) {
            let right = self.parse_expr_bp(bp)?;
            return Ok(Expr::Binary { left: Box::new(left), op, right: Box::new(right) });
        }
        let keyword = match &tok.token {
            Token::Word(w) => w.value.to_ascii_uppercase(),
            _ => String::new(),
        };
        match keyword.as_str() {
            "AT" => {
                self.expect_keywords(&["TIME", "ZONE"])?;
                let zone = self.parse_string()?;
                Ok(Expr::AtTimeZone { expr: Box::new(left), zone })
            }
            "IS" => self.parse_is(left),
            "NOT" => {
                let negated_op = self.advance();
                self.parse_negatable_predicate(left, &negated_op.token, true)
            }
            _ => self.parse_negatable_predicate(left, &tok.token, false),
        }
    }

    fn parse_is(&mut self, left: Expr) -> Result<Expr> {
        let negated = self.parse_keyword("NOT");
        if self.parse_keyword("NULL") {
            return Ok(Expr::IsNull { expr: Box::new(left), negated });
        }
        if self.parse_keywords(&["DISTINCT", "FROM"]) {
            let right = self.parse_expr_bp(PREDICATE)?;
            return Ok(Expr::IsDistinctFrom { left: Box::new(left), right: Box::new(right), negated });
        }
        Err(self.expected("NULL or DISTINCT FROM"))
    }

    /// BETWEEN, IN or LIKE, after the operator word (and NOT) were consumed.
    fn parse_negatable_predicate(&mut self, left: Expr, op: &Token, negated: bool) -> Result<Expr> {
        let keyword = match op {
            Token::Word(w) => w.value.to_ascii_uppercase(),
            _ => String::new(),
        };
        let expr = Box::new(left);
        match keyword.as_str() {
            "BETWEEN" => {
                let low = Box::new(self.parse_expr_bp(PREDICATE)?);
                self.expect_keyword("AND")?;
                let high = Box::new(self.parse_expr_bp(PREDICATE)?);
                Ok(Expr::Between { expr, low, high, negated })
            }
            "IN" => {
                self.expect_token(&Token::LParen)?;
                let list = self.parse_expr_list(&Token::RParen)?;
                Ok(Expr::InList { expr, list, negated })
            }
            "LIKE" => {
                let pattern = Box::new(self.parse_expr_bp(PREDICATE)?);
                let escape = if self.parse_keyword("ESCAPE") { Some(self.parse_string()?) } else { None };
                Ok(Expr::Like { expr, pattern, escape, negated })
            }
            _ => Err(self.expected("BETWEEN, IN or LIKE")),
        }
    }

    /// Comma-separated expressions up to and including `close`; may be empty.
    pub(super) fn parse_expr_list(&mut self, close: &Token) -> Result<Vec<Expr>> {
        let mut items = Vec::new();
        if self.consume_token(close) {
            return Ok(items);
        }
        loop {
            items.push(self.parse_expr()?);
            if self.consume_token(close) {
                return Ok(items);
            }
            if !self.consume_token(&Token::Comma) {
                return Err(self.expected(&format!("',' or '{close}'")));
            }
        }
    }

    /// `[index]` and `->field` after a primary expression. `->*` is left
    /// alone: only a select item may expand a struct.
    fn parse_postfix(&mut self, mut expr: Expr) -> Result<Expr> {
        loop {
            match self.peek_token() {
                Token::LBracket => {
                    self.advance();
                    let index = self.parse_expr()?;
                    self.expect_token(&Token::RBracket)?;
                    expr = Expr::Subscript { base: Box::new(expr), index: Box::new(index) };
                }
                Token::Arrow if self.peek_nth(1).token != Token::Mul => {
                    self.advance();
                    let field = self.parse_any_name()?;
                    expr = Expr::Dereference { base: Box::new(expr), field };
                }
                _ => return Ok(expr),
            }
        }
    }

    fn parse_primary(&mut self) -> Result<Expr> {
        let tok = self.peek().clone();
        match &tok.token {
            Token::Number(text, _) => {
                self.advance();
                Ok(Expr::Literal(number_literal(text)))
            }
            Token::SingleQuotedString(s) => {
                self.advance();
                Ok(Expr::Literal(Literal::String(s.clone())))
            }
            Token::LParen => self.parse_parenthesized(),
            Token::Word(w) if w.quote_style.is_none() => {
                let upper = w.value.to_ascii_uppercase();
                let next = self.peek_nth(1).token.clone();
                match (upper.as_str(), &next) {
                    ("NULL", _) => self.literal(Literal::Null),
                    ("TRUE", _) => self.literal(Literal::Boolean(true)),
                    ("FALSE", _) => self.literal(Literal::Boolean(false)),
                    ("CASE", _) => self.parse_case(),
                    ("CAST", Token::LParen) => self.parse_cast(),
                    ("ARRAY", Token::LBracket) => {
                        self.advance();
                        self.advance();
                        Ok(Expr::Array(self.parse_expr_list(&Token::RBracket)?))
                    }
                    ("MAP", Token::LParen) => self.parse_map(),
                    ("STRUCT", Token::LParen) => self.parse_struct(),
                    _ if is_reserved(&upper) => Err(self.expected("an expression")),
                    _ => self.parse_name_expression(),
                }
            }
            Token::Word(_) => self.parse_name_expression(),
            _ => Err(self.expected("an expression")),
        }
    }

    fn literal(&mut self, literal: Literal) -> Result<Expr> {
        self.advance();
        Ok(Expr::Literal(literal))
    }

    /// An expression that starts with a name: a lambda `x => ..`, a function
    /// call, or a (qualified) column.
    fn parse_name_expression(&mut self) -> Result<Expr> {
        if self.peek_nth(1).token == Token::RArrow {
            let param = self.parse_identifier()?;
            self.advance();
            let body = self.parse_expr()?;
            return Ok(Expr::Lambda { params: vec![param], body: Box::new(body) });
        }
        let name = self.parse_identifier()?;
        if self.consume_token(&Token::LParen) {
            return self.parse_function_call(name);
        }
        if self.peek_token() == &Token::Period && matches!(self.peek_nth(1).token, Token::Word(_)) {
            self.advance();
            let column = self.parse_identifier()?;
            return Ok(Expr::Column(ColumnRef { source: Some(name), name: column }));
        }
        Ok(Expr::Column(ColumnRef { source: None, name }))
    }

    fn parse_function_call(&mut self, name: Ident) -> Result<Expr> {
        if self.peek_token() == &Token::Mul && self.peek_nth(1).token == Token::RParen {
            self.advance();
            self.advance();
            return Ok(Expr::Function(FunctionCall { name, args: Vec::new(), star: true }));
        }
        let mut args = Vec::new();
        if !self.consume_token(&Token::RParen) {
            loop {
                args.push(self.parse_function_arg()?);
                if self.consume_token(&Token::RParen) {
                    break;
                }
                if !self.consume_token(&Token::Comma) {
                    return Err(self.expected("',' or ')'"));
                }
            }
        }
        Ok(Expr::Function(FunctionCall { name, args, star: false }))
    }

    /// A function argument: an expression, or a bare time unit as in
    /// `TIMESTAMPADD(SECONDS, 5, ts)`.
    fn parse_function_arg(&mut self) -> Result<Expr> {
        let unit = self.word_at(0).and_then(|w| time_unit(&w.value));
        let ends_arg = matches!(self.peek_nth(1).token, Token::Comma | Token::RParen);
        match unit {
            Some(unit) if ends_arg => {
                self.advance();
                Ok(Expr::TimeUnit(unit))
            }
            _ => self.parse_expr(),
        }
    }

    /// `( expr )`, or a lambda's parameter list `(x, y) => ..`.
    fn parse_parenthesized(&mut self) -> Result<Expr> {
        if self.lambda_params_ahead() {
            self.advance();
            let params = self.parse_identifier_list()?;
            self.expect_token(&Token::RParen)?;
            self.expect_token(&Token::RArrow)?;
            let body = self.parse_expr()?;
            return Ok(Expr::Lambda { params, body: Box::new(body) });
        }
        self.advance();
        let expr = self.parse_expr()?;
        self.expect_token(&Token::RParen)?;
        Ok(expr)
    }

    /// Whether the tokens ahead read `( name [, name]* ) =>`.
    fn lambda_params_ahead(&self) -> bool {
        let mut n = 1;
        loop {
            if !matches!(self.peek_nth(n).token, Token::Word(_)) {
                return false;
            }
            match self.peek_nth(n + 1).token {
                Token::Comma => n += 2,
                Token::RParen => return self.peek_nth(n + 2).token == Token::RArrow,
                _ => return false,
            }
        }
    }

    fn parse_case(&mut self) -> Result<Expr> {
        self.expect_keyword("CASE")?;
        let operand = if self.peek_keyword("WHEN") { None } else { Some(Box::new(self.parse_expr()?)) };
        let mut whens = Vec::new();
        while self.parse_keyword("WHEN") {
            let condition = self.parse_expr()?;
            self.expect_keyword("THEN")?;
            let result = self.parse_expr()?;
            whens.push(WhenClause { condition, result });
        }
        if whens.is_empty() {
            return Err(self.expected("WHEN"));
        }
        let else_result = if self.parse_keyword("ELSE") { Some(Box::new(self.parse_expr()?)) } else { None };
        self.expect_keyword("END")?;
        Ok(Expr::Case { operand, whens, else_result })
    }

    fn parse_cast(&mut self) -> Result<Expr> {
        self.expect_keyword("CAST")?;
        self.expect_token(&Token::LParen)?;
        let expr = self.parse_expr()?;
        self.expect_keyword("AS")?;
        let data_type = self.parse_data_type()?;
        self.expect_token(&Token::RParen)?;
        Ok(Expr::Cast { expr: Box::new(expr), data_type })
    }

    /// `MAP(k := v, ..)`
    fn parse_map(&mut self) -> Result<Expr> {
        self.advance();
        self.advance();
        let mut entries = Vec::new();
        if self.consume_token(&Token::RParen) {
            return Ok(Expr::Map(entries));
        }
        loop {
            let key = self.parse_expr()?;
            self.expect_token(&Token::Assignment)?;
            let value = self.parse_expr()?;
            entries.push((key, value));
            if self.consume_token(&Token::RParen) {
                return Ok(Expr::Map(entries));
            }
            if !self.consume_token(&Token::Comma) {
                return Err(self.expected("',' or ')'"));
            }
        }
    }

    /// `STRUCT(name := v, ..)`
    fn parse_struct(&mut self) -> Result<Expr> {
        self.advance();
        self.advance();
        let mut fields = Vec::new();
        if self.consume_token(&Token::RParen) {
            return Ok(Expr::Struct(fields));
        }
        loop {
            let name = self.parse_any_name()?;
            self.expect_token(&Token::Assignment)?;
            let value = self.parse_expr()?;
            fields.push((name, value));
            if self.consume_token(&Token::RParen) {
                return Ok(Expr::Struct(fields));
            }
            if !self.consume_token(&Token::Comma) {
                return Err(self.expected("',' or ')'"));
            }
        }
    }
}

fn binary_op(token: &Token) -> Option<BinaryOp> {
    Some(match token {
        Token::Eq => BinaryOp::Eq,
        Token::Neq => BinaryOp::NotEq,
        Token::Lt => BinaryOp::Lt,
        Token::LtEq => BinaryOp::LtEq,
        Token::Gt => BinaryOp::Gt,
        Token::GtEq => BinaryOp::GtEq,
        Token::StringConcat => BinaryOp::Concat,
        Token::Plus => BinaryOp::Add,
        Token::Minus => BinaryOp::Subtract,
        Token::Mul => BinaryOp::Multiply,
        Token::Div => BinaryOp::Divide,
        Token::Mod => BinaryOp::Modulo,
        Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("AND") => BinaryOp::And,
        Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("OR") => BinaryOp::Or,
        _ => return None,
    })
}

/// ksqlDB's literal kinds: an exponent makes a DOUBLE, a point a DECIMAL.
pub(super) fn number_literal(text: &str) -> Literal {
    if text.contains(['e', 'E']) {
        Literal::Double(text.to_string())
    } else if text.contains('.') {
        Literal::Decimal(text.to_string())
    } else {
        Literal::Integer(text.to_string())
    }
}

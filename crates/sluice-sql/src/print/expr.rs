//! Expressions. Every binary operation and predicate prints inside its own
//! parentheses, so precedence never has to be reconstructed on the way back.

use std::fmt::{self, Display, Formatter};

use super::{comma_list, flag, ident_quoted_if, quote_string, write_comma_separated};
use crate::ast::{BinaryOp, ColumnRef, Expr, FunctionCall, Ident, Literal, UnaryOp, WhenClause};

impl Display for UnaryOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnaryOp::Plus => "+",
            UnaryOp::Minus => "-",
            UnaryOp::Not => "NOT",
        })
    }
}

impl Display for BinaryOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BinaryOp::Add => "+",
            BinaryOp::Subtract => "-",
            BinaryOp::Multiply => "*",
            BinaryOp::Divide => "/",
            BinaryOp::Modulo => "%",
            BinaryOp::Concat => "||",
            BinaryOp::Eq => "=",
            BinaryOp::NotEq => "<>",
            BinaryOp::Lt => "<",
            BinaryOp::LtEq => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::GtEq => ">=",
            BinaryOp::And => "AND",
            BinaryOp::Or => "OR",
        })
    }
}

impl Display for ColumnRef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(source) = &self.source {
            write!(f, "{source}.")?;
        }
        self.name.fmt(f)
    }
}

/// `NAME(args)`. A function named `MAP` or `STRUCT` is quoted, since the bare
/// word followed by `(` is a constructor.
impl Display for FunctionCall {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let constructor = ["MAP", "STRUCT"].iter().any(|w| w.eq_ignore_ascii_case(self.name.as_str()));
        write!(f, "{}(", ident_quoted_if(&self.name, constructor))?;
        if self.star {
            f.write_str("*")?;
        } else {
            write_comma_separated(f, &self.args, write_function_arg)?;
        }
        f.write_str(")")
    }
}

/// One function argument. An unqualified column named like a time unit is
/// quoted: bare, a whole argument such as `DAYS` reads as [`Expr::TimeUnit`].
fn write_function_arg(f: &mut Formatter<'_>, arg: &Expr) -> fmt::Result {
    match arg {
        Expr::Column(ColumnRef { source: None, name }) => {
            ident_quoted_if(name, is_time_unit_word(name.as_str())).fmt(f)
        }
        // A whole argument ends at `,` or `)`, so the lambda needs no parentheses.
        Expr::Lambda { params, body } => write_lambda(f, params, body),
        _ => arg.fmt(f),
    }
}

fn write_lambda(f: &mut Formatter<'_>, params: &[Ident], body: &Expr) -> fmt::Result {
    match params {
        [param] => write!(f, "{param} => {body}"),
        _ => write!(f, "({}) => {body}", comma_list(params)),
    }
}

/// Whether the parser reads `word` as a time unit: any of MILLISECOND,
/// SECOND, MINUTE, HOUR, DAY, singular or plural, in any case.
fn is_time_unit_word(word: &str) -> bool {
    let upper = word.to_ascii_uppercase();
    let singular = upper.strip_suffix('S').unwrap_or(&upper);
    ["MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY"].contains(&singular)
}

impl Display for WhenClause {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "WHEN {} THEN {}", self.condition, self.result)
    }
}

/// Whether `expr` would bind differently if printed bare right after a sign,
/// before `->` / `[..]`, or before `AT TIME ZONE`: a signed expression (`-X[1]`
/// reads as `-(X[1])`), a negative number, or a lambda (whose body would
/// swallow whatever follows).
fn is_open_ended(expr: &Expr) -> bool {
    match expr {
        Expr::Unary { op: UnaryOp::Plus | UnaryOp::Minus, .. } | Expr::Lambda { .. } => true,
        Expr::Literal(Literal::Integer(text) | Literal::Decimal(text) | Literal::Double(text)) => {
            text.starts_with('-')
        }
        _ => false,
    }
}

/// `expr`, in parentheses when `wrap` holds.
fn write_maybe_wrapped(f: &mut Formatter<'_>, expr: &Expr, wrap: bool) -> fmt::Result {
    if wrap {
        write!(f, "({expr})")
    } else {
        expr.fmt(f)
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Literal(literal) => literal.fmt(f),
            Expr::Column(column) => column.fmt(f),
            Expr::Dereference { base, field } => {
                write_maybe_wrapped(f, base, is_open_ended(base))?;
                write!(f, "->{field}")
            }
            Expr::Subscript { base, index } => {
                match &**base {
                    // Bare, `ARRAY[..]` is an array constructor.
                    Expr::Column(ColumnRef { source: None, name }) => {
                        ident_quoted_if(name, name.as_str().eq_ignore_ascii_case("ARRAY")).fmt(f)?
                    }
                    _ => write_maybe_wrapped(f, base, is_open_ended(base))?,
                }
                write!(f, "[{index}]")
            }
            Expr::Unary { op: UnaryOp::Not, expr } => write!(f, "(NOT {expr})"),
            Expr::Unary { op, expr } => {
                // A bare nested sign could print `--`, which starts a comment.
                write!(f, "{op}")?;
                let wrap = matches!(**expr, Expr::Unary { .. }) || is_open_ended(expr);
                write_maybe_wrapped(f, expr, wrap)
            }
            Expr::Binary { left, op, right } => write!(f, "({left} {op} {right})"),
            Expr::IsNull { expr, negated } => {
                write!(f, "({expr} IS {}NULL)", flag(*negated, "NOT "))
            }
            Expr::IsDistinctFrom { left, right, negated } => {
                write!(f, "({left} IS {}DISTINCT FROM {right})", flag(*negated, "NOT "))
            }
            Expr::Between { expr, low, high, negated } => {
                write!(f, "({expr} {}BETWEEN {low} AND {high})", flag(*negated, "NOT "))
            }
            Expr::InList { expr, list, negated } => {
                write!(f, "({expr} {}IN ({}))", flag(*negated, "NOT "), comma_list(list))
            }
            Expr::Like { expr, pattern, escape, negated } => {
                write!(f, "({expr} {}LIKE {pattern}", flag(*negated, "NOT "))?;
                if let Some(escape) = escape {
                    write!(f, " ESCAPE {}", quote_string(escape))?;
                }
                f.write_str(")")
            }
            Expr::Case { operand, whens, else_result } => {
                f.write_str("CASE")?;
                if let Some(operand) = operand {
                    write!(f, " {operand}")?;
                }
                for when in whens {
                    write!(f, " {when}")?;
                }
                if let Some(else_result) = else_result {
                    write!(f, " ELSE {else_result}")?;
                }
                f.write_str(" END")
            }
            Expr::Cast { expr, data_type } => write!(f, "CAST({expr} AS {data_type})"),
            Expr::AtTimeZone { expr, zone } => {
                // AT TIME ZONE binds tighter than a sign: `-X AT ..` is `-(X AT ..)`.
                f.write_str("(")?;
                write_maybe_wrapped(f, expr, is_open_ended(expr))?;
                write!(f, " AT TIME ZONE {})", quote_string(zone))
            }
            Expr::Function(call) => call.fmt(f),
            Expr::Array(elements) => write!(f, "ARRAY[{}]", comma_list(elements)),
            Expr::Map(entries) => {
                f.write_str("MAP(")?;
                write_comma_separated(f, entries, |f, (key, value)| write!(f, "{key}:={value}"))?;
                f.write_str(")")
            }
            Expr::Struct(fields) => {
                f.write_str("STRUCT(")?;
                write_comma_separated(f, fields, |f, (name, value)| write!(f, "{name}:={value}"))?;
                f.write_str(")")
            }
            Expr::TimeUnit(unit) => unit.fmt(f),
            // Anywhere but as a whole function argument, a bare lambda's
            // body would swallow whatever follows it.
            Expr::Lambda { params, body } => {
                f.write_str("(")?;
                write_lambda(f, params, body)?;
                f.write_str(")")
            }
        }
    }
}

//! Read-only walks over expression trees.

use sluice_sql::ast::{ColumnRef, Expr, FunctionCall};

/// Calls `visit` on `expr` and every expression inside it, parents first.
pub fn walk<'a>(expr: &'a Expr, visit: &mut dyn FnMut(&'a Expr)) {
    visit(expr);
    let mut each = |e: &'a Expr| walk(e, visit);
    match expr {
        Expr::Literal(_) | Expr::Column(_) | Expr::TimeUnit(_) => {}
        Expr::Dereference { base, .. } => each(base),
        Expr::Subscript { base, index } => {
            each(base);
            each(index);
        }
        Expr::Unary { expr, .. } | Expr::IsNull { expr, .. } | Expr::Cast { expr, .. } => each(expr),
        Expr::AtTimeZone { expr, .. } => each(expr),
        Expr::Binary { left, right, .. } | Expr::IsDistinctFrom { left, right, .. } => {
            each(left);
            each(right);
        }
        Expr::Between { expr, low, high, .. } => {
            each(expr);
            each(low);
            each(high);
        }
        Expr::InList { expr, list, .. } => {
            each(expr);
            list.iter().for_each(each);
        }
        Expr::Like { expr, pattern, .. } => {
            each(expr);
            each(pattern);
        }
        Expr::Case { operand, whens, else_result } => {
            operand.iter().for_each(|e| each(e));
            for when in whens {
                each(&when.condition);
                each(&when.result);
            }
            else_result.iter().for_each(|e| each(e));
        }
        Expr::Function(FunctionCall { args, .. }) | Expr::Array(args) => args.iter().for_each(each),
        Expr::Map(entries) => {
            for (key, value) in entries {
                each(key);
                each(value);
            }
        }
        Expr::Struct(fields) => fields.iter().for_each(|(_, value)| each(value)),
        Expr::Lambda { body, .. } => each(body),
    }
}

/// Every column reference in `expr`.
pub fn columns(expr: &Expr) -> Vec<&ColumnRef> {
    let mut found = Vec::new();
    walk(expr, &mut |e| {
        if let Expr::Column(c) = e {
            found.push(c);
        }
    });
    found
}

/// Every function call in `expr`.
pub fn function_calls(expr: &Expr) -> Vec<&FunctionCall> {
    let mut found = Vec::new();
    walk(expr, &mut |e| {
        if let Expr::Function(call) = e {
            found.push(call);
        }
    });
    found
}

/// Rebuilds `expr` top-down: where `replace` returns a new expression it
/// takes the place of the node (and is not walked further); elsewhere the
/// node is kept and its children are rebuilt.
pub fn transform<E>(
    expr: &Expr,
    replace: &mut dyn FnMut(&Expr) -> Result<Option<Expr>, E>,
) -> Result<Expr, E> {
    if let Some(new) = replace(expr)? {
        return Ok(new);
    }
    let mut t = |e: &Expr| transform(e, replace).map(Box::new);
    Ok(match expr {
        Expr::Literal(_) | Expr::Column(_) | Expr::TimeUnit(_) => expr.clone(),
        Expr::Dereference { base, field } => Expr::Dereference { base: t(base)?, field: field.clone() },
        Expr::Subscript { base, index } => Expr::Subscript { base: t(base)?, index: t(index)? },
        Expr::Unary { op, expr } => Expr::Unary { op: *op, expr: t(expr)? },
        Expr::Binary { left, op, right } => Expr::Binary { left: t(left)?, op: *op, right: t(right)? },
        Expr::IsNull { expr, negated } => Expr::IsNull { expr: t(expr)?, negated: *negated },
        Expr::IsDistinctFrom { left, right, negated } => {
            Expr::IsDistinctFrom { left: t(left)?, right: t(right)?, negated: *negated }
        }
        Expr::Between { expr, low, high, negated } => {
            Expr::Between { expr: t(expr)?, low: t(low)?, high: t(high)?, negated: *negated }
        }
        Expr::InList { expr, list, negated } => {
            let expr = t(expr)?;
            let list = list.iter().map(|e| t(e).map(|b| *b)).collect::<Result<_, E>>()?;
            Expr::InList { expr, list, negated: *negated }
        }
        Expr::Like { expr, pattern, escape, negated } => {
            Expr::Like { expr: t(expr)?, pattern: t(pattern)?, escape: escape.clone(), negated: *negated }
        }
        Expr::Case { operand, whens, else_result } => Expr::Case {
            operand: operand.as_deref().map(&mut t).transpose()?,
            whens: whens
                .iter()
                .map(|w| {
                    Ok(sluice_sql::ast::WhenClause { condition: *t(&w.condition)?, result: *t(&w.result)? })
                })
                .collect::<Result<_, E>>()?,
            else_result: else_result.as_deref().map(&mut t).transpose()?,
        },
        Expr::Cast { expr, data_type } => Expr::Cast { expr: t(expr)?, data_type: data_type.clone() },
        Expr::AtTimeZone { expr, zone } => Expr::AtTimeZone { expr: t(expr)?, zone: zone.clone() },
        Expr::Function(call) => Expr::Function(FunctionCall {
            name: call.name.clone(),
            args: call.args.iter().map(|a| t(a).map(|b| *b)).collect::<Result<_, E>>()?,
            star: call.star,
        }),
        Expr::Array(items) => Expr::Array(items.iter().map(|a| t(a).map(|b| *b)).collect::<Result<_, E>>()?),
        Expr::Map(entries) => {
            Expr::Map(entries.iter().map(|(k, v)| Ok((*t(k)?, *t(v)?))).collect::<Result<_, E>>()?)
        }
        Expr::Struct(fields) => {
            Expr::Struct(fields.iter().map(|(name, v)| Ok((name.clone(), *t(v)?))).collect::<Result<_, E>>()?)
        }
        Expr::Lambda { params, body } => Expr::Lambda { params: params.clone(), body: t(body)? },
    })
}

/// `expr` with every column qualifier removed: with a single source, `S.A`
/// and `A` are the same column.
pub fn unqualified(expr: &Expr) -> Expr {
    let result: Result<Expr, std::convert::Infallible> = transform(expr, &mut |e| {
        Ok(match e {
            Expr::Column(c) if c.source.is_some() => {
                Some(Expr::Column(ColumnRef { source: None, name: c.name.clone() }))
            }
            _ => None,
        })
    });
    match result {
        Ok(e) => e,
        Err(never) => match never {},
    }
}

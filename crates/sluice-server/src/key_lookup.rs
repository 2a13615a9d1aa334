//! A pull query that looks keys up (`WHERE ID IN (10, 8)`) answers in the
//! order it names the keys, as ksqlDB does: one lookup per key, in turn.

use serde_json::Value;
use sluice_catalog::DataSource;
use sluice_sql::ast::{BinaryOp, Expr, Literal, Select, UnaryOp};

use crate::pull_check::split;

/// The keys a pull query on a one-key `source` looks up, as JSON values in
/// the order the WHERE clause names them; None when it is not a lookup
/// (a scan answers in the table's order).
pub fn looked_up_keys(source: &DataSource, select: &Select) -> Option<Vec<Value>> {
    let mut keys = source.schema.key_columns();
    let key = keys.next()?;
    if keys.next().is_some() {
        return None;
    }
    let condition = select.where_clause.as_ref()?;
    // Only a lone IN on the key names the order; other conditions on the
    // key (`(ID = 10 OR ID = 50) AND ID IN (..)`) make other lookups.
    let on_key: Vec<&Expr> = split(condition, BinaryOp::And)
        .into_iter()
        .filter(|c| sluice_planner::walk::columns(c).iter().any(|col| col.name.as_str() == key.name))
        .collect();
    let [Expr::InList { expr, list, negated: false }] = on_key.as_slice() else { return None };
    let Expr::Column(column) = &**expr else { return None };
    if column.name.as_str() != key.name {
        return None;
    }
    list.iter().map(literal_json).collect()
}

/// Where `key` comes in `keys` (numbers compare by value).
pub fn lookup_position(keys: &[Value], key: &Value) -> Option<usize> {
    keys.iter().position(|k| match (k.as_f64(), key.as_f64()) {
        (Some(a), Some(b)) => a == b,
        _ => k == key,
    })
}

fn literal_json(expr: &Expr) -> Option<Value> {
    match expr {
        Expr::Literal(Literal::String(s)) => Some(Value::String(s.clone())),
        Expr::Literal(Literal::Integer(n) | Literal::Decimal(n) | Literal::Double(n)) => {
            n.parse::<f64>().ok().map(Value::from)
        }
        Expr::Literal(Literal::Boolean(b)) => Some(Value::Bool(*b)),
        Expr::Unary { op: UnaryOp::Minus, expr } => literal_json(expr)?.as_f64().map(|n| Value::from(-n)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::lookup_position;

    #[test]
    fn numbers_match_by_value() {
        let keys = vec![json!(10.0), json!(8.0)];
        assert_eq!(lookup_position(&keys, &json!(8)), Some(1));
        assert_eq!(lookup_position(&[json!("a")], &json!("a")), Some(0));
        assert_eq!(lookup_position(&[json!("a")], &json!(1)), None);
    }
}

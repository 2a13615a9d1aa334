//! SELECT and its clauses.

use std::fmt::{self, Display, Formatter};

use super::comma_list;
use crate::ast::{
    Emit, From, Join, JoinKind, Select, SelectItem, SourceRef, Window, WindowKind, Within, WithinBounds,
};

impl Display for SelectItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            SelectItem::Expr { expr, alias: None } => expr.fmt(f),
            SelectItem::Expr { expr, alias: Some(alias) } => write!(f, "{expr} AS {alias}"),
            SelectItem::Wildcard { source: None } => f.write_str("*"),
            SelectItem::Wildcard { source: Some(source) } => write!(f, "{source}.*"),
            SelectItem::StructAll(expr) => write!(f, "{expr}->*"),
        }
    }
}

impl Display for SourceRef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.name.fmt(f)?;
        if let Some(alias) = &self.alias {
            write!(f, " AS {alias}")?;
        }
        Ok(())
    }
}

/// `FROM source[ join ..]`
impl Display for From {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "FROM {}", self.source)?;
        for join in &self.joins {
            write!(f, " {join}")?;
        }
        Ok(())
    }
}

/// The words before `JOIN`: `INNER`, `LEFT OUTER`, ..
impl Display for JoinKind {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JoinKind::Inner => "INNER",
            JoinKind::Left => "LEFT OUTER",
            JoinKind::Right => "RIGHT OUTER",
            JoinKind::Full => "FULL OUTER",
        })
    }
}

/// `INNER JOIN source[ WITHIN ..] ON expr` (no leading space: `From` adds it).
impl Display for Join {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} JOIN {}", self.kind, self.source)?;
        if let Some(within) = &self.within {
            write!(f, " {within}")?;
        }
        write!(f, " ON {}", self.on)
    }
}

/// `10 SECONDS` or `(1 SECONDS, 2 SECONDS)`
impl Display for WithinBounds {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            WithinBounds::Symmetric(span) => span.fmt(f),
            WithinBounds::Asymmetric { before, after } => write!(f, "({before}, {after})"),
        }
    }
}

/// `WITHIN bounds[ GRACE PERIOD d]`
impl Display for Within {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "WITHIN {}", self.bounds)?;
        if let Some(grace) = &self.grace {
            write!(f, " GRACE PERIOD {grace}")?;
        }
        Ok(())
    }
}

/// `TUMBLING (SIZE d[, RETENTION d][, GRACE PERIOD d])` and the like, without
/// the `WINDOW` keyword (`Select` adds it).
impl Display for Window {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            WindowKind::Tumbling { size } => write!(f, "TUMBLING (SIZE {size}")?,
            WindowKind::Hopping { size, advance } => write!(f, "HOPPING (SIZE {size}, ADVANCE BY {advance}")?,
            WindowKind::Session { gap } => write!(f, "SESSION ({gap}")?,
        }
        if let Some(retention) = &self.retention {
            write!(f, ", RETENTION {retention}")?;
        }
        if let Some(grace) = &self.grace {
            write!(f, ", GRACE PERIOD {grace}")?;
        }
        f.write_str(")")
    }
}

impl Display for Emit {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Emit::Changes => "EMIT CHANGES",
            Emit::Final => "EMIT FINAL",
        })
    }
}

impl Display for Select {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "SELECT {} {}", comma_list(&self.items), self.from)?;
        if let Some(window) = &self.window {
            write!(f, " WINDOW {window}")?;
        }
        if let Some(condition) = &self.where_clause {
            write!(f, " WHERE {condition}")?;
        }
        if !self.group_by.is_empty() {
            write!(f, " GROUP BY {}", comma_list(&self.group_by))?;
        }
        if !self.partition_by.is_empty() {
            write!(f, " PARTITION BY {}", comma_list(&self.partition_by))?;
        }
        if let Some(condition) = &self.having {
            write!(f, " HAVING {condition}")?;
        }
        if let Some(emit) = &self.emit {
            write!(f, " {emit}")?;
        }
        if let Some(limit) = self.limit {
            write!(f, " LIMIT {limit}")?;
        }
        Ok(())
    }
}

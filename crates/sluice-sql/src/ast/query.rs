use super::{Duration, Expr, Ident};

/// A SELECT: a push query (`EMIT ..`), a pull query (no EMIT), or the body of
/// CREATE .. AS SELECT / INSERT INTO .. SELECT.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Select {
    pub items: Vec<SelectItem>,
    pub from: From,
    pub window: Option<Window>,
    pub where_clause: Option<Expr>,
    pub group_by: Vec<Expr>,
    pub partition_by: Vec<Expr>,
    pub having: Option<Expr>,
    pub emit: Option<Emit>,
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SelectItem {
    Expr {
        expr: Expr,
        alias: Option<Ident>,
    },
    /// `*` or `source.*`
    Wildcard {
        source: Option<Ident>,
    },
    /// `struct_expr->*`: every field of a struct.
    StructAll(Expr),
}

/// A source in FROM or JOIN: `NAME [[AS] ALIAS]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceRef {
    pub name: Ident,
    pub alias: Option<Ident>,
}

/// `FROM source [JOIN source [WITHIN ..] ON ..]*`: joins apply left to right.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct From {
    pub source: SourceRef,
    pub joins: Vec<Join>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Join {
    pub kind: JoinKind,
    pub source: SourceRef,
    pub within: Option<Within>,
    pub on: Expr,
}

/// The join window of a stream-stream join.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Within {
    pub bounds: WithinBounds,
    pub grace: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WithinBounds {
    /// `WITHIN n unit`: the same span before and after.
    Symmetric(Duration),
    /// `WITHIN (before, after)`
    Asymmetric { before: Duration, after: Duration },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Window {
    pub kind: WindowKind,
    pub retention: Option<Duration>,
    pub grace: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WindowKind {
    Tumbling { size: Duration },
    Hopping { size: Duration, advance: Duration },
    Session { gap: Duration },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Emit {
    Changes,
    Final,
}

use super::{DataType, Ident, TimeUnit};

/// A literal value. Numbers keep their source text so that no precision is
/// lost before the planner decides their type (ksqlDB reads `1.5` as a
/// DECIMAL, `1.5E0` as a DOUBLE, and an integer as INT or BIGINT by size).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Literal {
    Null,
    Boolean(bool),
    /// Digits only, e.g. `42`.
    Integer(String),
    /// Digits with a decimal point and no exponent, e.g. `1.50`.
    Decimal(String),
    /// A number with an exponent, e.g. `1.5E3`.
    Double(String),
    String(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Plus,
    Minus,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
    /// `||`
    Concat,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    And,
    Or,
}

/// A column reference, optionally qualified by a source name or alias:
/// `COL` or `S.COL`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ColumnRef {
    pub source: Option<Ident>,
    pub name: Ident,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FunctionCall {
    pub name: Ident,
    pub args: Vec<Expr>,
    /// `COUNT(*)`: the function was called with `*` instead of arguments.
    pub star: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WhenClause {
    pub condition: Expr,
    pub result: Expr,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Expr {
    Literal(Literal),
    Column(ColumnRef),
    /// `base->field`
    Dereference {
        base: Box<Expr>,
        field: Ident,
    },
    /// `base[index]`: 1-based array index or map key.
    Subscript {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    Unary {
        op: UnaryOp,
        expr: Box<Expr>,
    },
    Binary {
        left: Box<Expr>,
        op: BinaryOp,
        right: Box<Expr>,
    },
    IsNull {
        expr: Box<Expr>,
        negated: bool,
    },
    IsDistinctFrom {
        left: Box<Expr>,
        right: Box<Expr>,
        negated: bool,
    },
    Between {
        expr: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
        negated: bool,
    },
    InList {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    Like {
        expr: Box<Expr>,
        pattern: Box<Expr>,
        escape: Option<String>,
        negated: bool,
    },
    /// `CASE [operand] WHEN .. THEN .. [ELSE ..] END`
    Case {
        operand: Option<Box<Expr>>,
        whens: Vec<WhenClause>,
        else_result: Option<Box<Expr>>,
    },
    Cast {
        expr: Box<Expr>,
        data_type: DataType,
    },
    /// `expr AT TIME ZONE 'zone'`
    AtTimeZone {
        expr: Box<Expr>,
        zone: String,
    },
    Function(FunctionCall),
    /// `ARRAY[a, b, ..]`
    Array(Vec<Expr>),
    /// `MAP(k := v, ..)`
    Map(Vec<(Expr, Expr)>),
    /// `STRUCT(name := v, ..)`
    Struct(Vec<(Ident, Expr)>),
    /// A bare time unit, only as a function argument: the `DAYS` in
    /// `DATEADD(DAYS, 1, d)`.
    TimeUnit(TimeUnit),
    /// `x => body` or `(x, y) => body`; only valid as a function argument.
    Lambda {
        params: Vec<Ident>,
        body: Box<Expr>,
    },
}

impl Expr {
    pub fn column(name: impl Into<String>) -> Expr {
        Expr::Column(ColumnRef { source: None, name: Ident::new(name) })
    }
}

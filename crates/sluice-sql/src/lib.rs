//! The ksqlDB SQL dialect.
//!
//! [`parse_statement`] reads one statement, [`parse_script`] a whole script
//! (statements separated by `;`, with `DEFINE`d `${variables}` substituted as
//! it goes). Every [`ast::Statement`] prints back to canonical SQL through
//! `Display`, and that text parses to an equal tree.

pub mod ast;
mod error;
mod keywords;
mod lexer;
mod parser;
mod print;
mod script;
mod variables;

pub use error::ParseError;
pub use keywords::{is_plain_identifier, is_reserved};
pub use parser::{parse_expr, parse_statement};
pub use script::{parse_script, split_statements, ScriptStatement, StatementText};
pub use variables::substitute_variables;

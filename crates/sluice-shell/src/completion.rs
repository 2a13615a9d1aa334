//! Tab completion: keywords, the server's stream, table and column names,
//! and function names.
//!
//! Source and column names are refreshed by the session (at start and after every
//! statement that may change them) into a list shared with the editor.
//! Function names come from this build's function library (a server of
//! another version may know a few more or fewer).

use std::sync::{Arc, Mutex};

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

/// Words of ksqlDB's statements and the shell's own commands.
const KEYWORDS: &[&str] = &[
    "ADD",
    "ADVANCE",
    "ALL",
    "ALTER",
    "AND",
    "ARRAY",
    "AS",
    "ASSERT",
    "BEGINNING",
    "BETWEEN",
    "BIGINT",
    "BOOLEAN",
    "BY",
    "BYTES",
    "CASE",
    "CAST",
    "CHANGES",
    "COLUMN",
    "CREATE",
    "DATE",
    "DECIMAL",
    "DEFINE",
    "DELETE",
    "DESCRIBE",
    "DISTINCT",
    "DOUBLE",
    "DROP",
    "ELSE",
    "EMIT",
    "END",
    "EXISTS",
    "EXIT",
    "EXPLAIN",
    "EXTENDED",
    "FALSE",
    "FINAL",
    "FROM",
    "FULL",
    "FUNCTION",
    "FUNCTIONS",
    "GRACE",
    "GROUP",
    "HAVING",
    "HEADER",
    "HEADERS",
    "HISTORY",
    "HELP",
    "HOPPING",
    "IF",
    "IN",
    "INNER",
    "INSERT",
    "INT",
    "INTEGER",
    "INTO",
    "IS",
    "JOIN",
    "KEY",
    "LEFT",
    "LIKE",
    "LIMIT",
    "LIST",
    "MAP",
    "NOT",
    "NULL",
    "ON",
    "OR",
    "OUTER",
    "OUTPUT",
    "PARTITION",
    "PERIOD",
    "PRIMARY",
    "PRINT",
    "PROPERTIES",
    "QUERIES",
    "REPLACE",
    "RETENTION",
    "RIGHT",
    "RUN",
    "SCRIPT",
    "SELECT",
    "SERVER",
    "SESSION",
    "SET",
    "SHOW",
    "SIZE",
    "SOURCE",
    "SPOOL",
    "STREAM",
    "STREAMS",
    "STRING",
    "STRUCT",
    "TABLE",
    "TABLES",
    "TERMINATE",
    "THEN",
    "TIME",
    "TIMESTAMP",
    "TOPIC",
    "TOPICS",
    "TRUE",
    "TUMBLING",
    "TYPE",
    "TYPES",
    "UNDEFINE",
    "UNSET",
    "VALUES",
    "VARCHAR",
    "VARIABLES",
    "VERSION",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WINDOWEND",
    "WINDOWSTART",
    "WITH",
    "WITHIN",
    "ROWTIME",
];

/// The editor's helper: completion only (no hints, colours or
/// validation; the shell itself decides when a statement is complete).
#[derive(Clone)]
pub struct ShellHelper {
    sources: Arc<Mutex<Vec<String>>>,
    functions: Vec<String>,
}

impl ShellHelper {
    pub fn new(sources: Arc<Mutex<Vec<String>>>) -> ShellHelper {
        let mut functions = sluice_functions::scalar::function_names();
        functions.extend(
            sluice_functions::aggregate::aggregate_functions().map(|f| f.name().to_ascii_uppercase()),
        );
        functions.sort();
        functions.dedup();
        ShellHelper { sources, functions }
    }

    /// Every word that starts with `prefix` (case-insensitively), in the
    /// prefix's case when it is all lower case.
    pub fn candidates(&self, prefix: &str) -> Vec<String> {
        let upper = prefix.to_ascii_uppercase();
        let lower = !prefix.is_empty() && !prefix.chars().any(|c| c.is_ascii_uppercase());
        let sources = self.sources.lock().map(|s| s.clone()).unwrap_or_default();
        let mut words: Vec<String> = KEYWORDS
            .iter()
            .map(|k| k.to_string())
            .chain(sources)
            .chain(self.functions.iter().cloned())
            .filter(|w| w.to_ascii_uppercase().starts_with(&upper))
            .map(|w| if lower { w.to_ascii_lowercase() } else { w })
            .collect();
        words.sort();
        words.dedup();
        words
    }
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start = before
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
            .last()
            .map_or(pos, |(i, _)| i);
        let prefix = &before[start..];
        if prefix.is_empty() {
            return Ok((pos, Vec::new()));
        }
        let pairs = self
            .candidates(prefix)
            .into_iter()
            .map(|w| Pair { display: w.clone(), replacement: w })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}

impl Highlighter for ShellHelper {}

impl Validator for ShellHelper {}

impl Helper for ShellHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_keywords_sources_and_functions_in_the_typed_case() {
        let helper = ShellHelper::new(Arc::new(Mutex::new(vec!["PAGEVIEWS".into()])));
        assert_eq!(helper.candidates("pagev"), vec!["pageviews"]);
        assert!(helper.candidates("SEL").contains(&"SELECT".to_string()));
        assert!(helper.candidates("SUBST").contains(&"SUBSTRING".to_string()));
        assert!(helper.candidates("COU").contains(&"COUNT".to_string()));
    }
}

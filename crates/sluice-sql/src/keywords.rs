//! Reserved words: the words that can never be a bare identifier, because the
//! grammar reads them as structure. Every other word (KEY, SIZE, TIMESTAMP,
//! WINDOWSTART, ..) may name a column without quotes, as in ksqlDB.

const RESERVED: &[&str] = &[
    "ALL",
    "AND",
    "AS",
    "AT",
    "BETWEEN",
    "BY",
    "CASE",
    "CAST",
    "CREATE",
    "DELETE",
    "DESCRIBE",
    "DISTINCT",
    "DROP",
    "ELSE",
    "EMIT",
    "END",
    "ESCAPE",
    "EXISTS",
    "EXPLAIN",
    "FALSE",
    "FROM",
    "FULL",
    "GROUP",
    "HAVING",
    "IN",
    "INNER",
    "INSERT",
    "INTO",
    "IS",
    "JOIN",
    "LEFT",
    "LIKE",
    "LIMIT",
    "NOT",
    "NULL",
    "ON",
    "OR",
    "OUTER",
    "PARTITION",
    "RIGHT",
    "SELECT",
    "THEN",
    "TRUE",
    "VALUES",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
    "WITHIN",
];

/// Whether `word` (compared case-insensitively) is reserved.
pub fn is_reserved(word: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word))
}

/// Whether `name` can be printed without quotes and read back unchanged:
/// an upper-case identifier that is not a reserved word.
pub fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let starts_well = matches!(chars.next(), Some(c) if c.is_ascii_uppercase() || c == '_');
    starts_well
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '@')
        && !is_reserved(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_identifiers() {
        assert!(is_plain_identifier("FOO_1"));
        assert!(is_plain_identifier("KEY"));
        assert!(!is_plain_identifier("foo"));
        assert!(!is_plain_identifier("1A"));
        assert!(!is_plain_identifier("SELECT"));
        assert!(!is_plain_identifier(""));
        assert!(!is_plain_identifier("A-B"));
    }
}

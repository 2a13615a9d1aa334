//! Reading what the user types: when a statement is complete, and which
//! lines are the shell's own commands rather than SQL.

use sluice_sql::split_statements;

/// Where a buffer of typed lines stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    /// Only whitespace and comments: nothing to run.
    Empty,
    /// A statement has started but has no `;` yet (or a string or comment
    /// is still open).
    Incomplete,
    /// Every statement ends with its `;`.
    Complete,
}

/// Whether `buffer` can be run: its last statement is followed by a `;`
/// that is outside strings, quoted names and comments.
pub fn completeness(buffer: &str) -> Completeness {
    match split_statements(buffer).last() {
        None => Completeness::Empty,
        Some(last) => {
            let after = &buffer[last.offset + last.text.len()..];
            if after.trim_start().starts_with(';') {
                Completeness::Complete
            } else {
                Completeness::Incomplete
            }
        }
    }
}

/// A command of the shell itself, typed alone on a line (a `;` after it is
/// allowed, as in ksqlDB's CLI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalCommand {
    Help,
    Exit,
    Version,
    Clear,
    /// `history`: the statements and commands entered so far.
    History,
    /// `server`: show the server; `server URL`: switch to another one.
    Server(Option<String>),
    /// `output`: show the format; `output JSON|TABULAR`: change it.
    Output(Option<String>),
    /// `spool`: show; `spool FILE`: copy output into FILE; `spool off`.
    Spool(Option<String>),
}

impl LocalCommand {
    pub fn parse(line: &str) -> Option<LocalCommand> {
        let line = line.trim().trim_end_matches(';').trim();
        let (word, rest) = match line.split_once(char::is_whitespace) {
            Some((word, rest)) => (word, Some(rest.trim().to_string()).filter(|r| !r.is_empty())),
            None => (line, None),
        };
        let command = match (word.to_ascii_lowercase().as_str(), rest) {
            ("help", None) => LocalCommand::Help,
            ("exit" | "quit", None) => LocalCommand::Exit,
            ("version", None) => LocalCommand::Version,
            ("clear", None) => LocalCommand::Clear,
            ("history", None) => LocalCommand::History,
            ("server", url) => LocalCommand::Server(url),
            ("output", format) => LocalCommand::Output(format),
            ("spool", target) => LocalCommand::Spool(target),
            _ => return None,
        };
        Some(command)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_is_complete_at_its_semicolon() {
        assert_eq!(completeness("SHOW\n  STREAMS\n"), Completeness::Incomplete);
        assert_eq!(completeness("SHOW\n  STREAMS\n;\n"), Completeness::Complete);
        assert_eq!(completeness("SELECT ';\n"), Completeness::Incomplete);
        assert_eq!(completeness("SHOW STREAMS; -- done\n"), Completeness::Complete);
        assert_eq!(completeness("SHOW STREAMS -- no ; here\n"), Completeness::Incomplete);
        assert_eq!(completeness("-- only a comment\n"), Completeness::Empty);
    }

    #[test]
    fn local_commands_are_whole_lines() {
        assert_eq!(LocalCommand::parse(" EXIT; "), Some(LocalCommand::Exit));
        assert_eq!(
            LocalCommand::parse("server http://h:1"),
            Some(LocalCommand::Server(Some("http://h:1".into())))
        );
        assert_eq!(LocalCommand::parse("help me"), None);
        assert_eq!(LocalCommand::parse("SHOW STREAMS;"), None);
    }
}

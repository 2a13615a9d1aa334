//! `${name}` substitution, as ksqlDB does it for `DEFINE`d variables.
//!
//! Substitution is purely textual and happens before parsing, so a variable
//! can stand for any part of a statement: a name, a number, or text inside a
//! string literal (`'${format}'`). Variable names are case-insensitive: the
//! map holds them upper-cased, and `${Name}` looks up `NAME`.

use std::collections::HashMap;

/// Replace every `${name}` in `text` whose upper-cased name is a key of
/// `vars` with that key's value. References to unknown variables, and `${..}`
/// forms whose content is not a valid variable name (a letter or `_`, then
/// letters, digits or `_`), are left as written.
///
/// Values are inserted as they are: they are not themselves searched for
/// further `${..}` references.
pub fn substitute_variables(text: &str, vars: &HashMap<String, String>) -> String {
    if vars.is_empty() || !text.contains("${") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let replaced = after.find('}').and_then(|end| {
            let name = &after[..end];
            if !is_variable_name(name) {
                return None;
            }
            vars.get(&name.to_uppercase()).map(|value| (value, end))
        });
        match replaced {
            Some((value, end)) => {
                out.push_str(value);
                rest = &after[end + 1..];
            }
            None => {
                // Keep the `$` and carry on after it, so that a `${` inside an
                // unknown reference (`${a${b}`) is still looked at.
                out.push('$');
                rest = &rest[start + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A letter or `_`, then letters, digits or `_` (the names `DEFINE` accepts).
fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn replaces_known_variables_everywhere() {
        let v = vars(&[("FORMAT", "JSON"), ("REPLICAS", "3"), ("NAME", "pageviews")]);
        let sql = "CREATE STREAM ${name} (id INT) WITH (value_format='${format}', replicas=${replicas})";
        assert_eq!(
            substitute_variables(sql, &v),
            "CREATE STREAM pageviews (id INT) WITH (value_format='JSON', replicas=3)"
        );
    }

    #[test]
    fn names_are_case_insensitive() {
        let v = vars(&[("TOPIC", "t1")]);
        assert_eq!(substitute_variables("${topic} ${Topic} ${TOPIC}", &v), "t1 t1 t1");
    }

    #[test]
    fn unknown_and_malformed_references_are_kept() {
        let v = vars(&[("A", "x")]);
        assert_eq!(substitute_variables("${b} ${a", &v), "${b} ${a");
        assert_eq!(substitute_variables("${1a} ${} ${a b}", &v), "${1a} ${} ${a b}");
        assert_eq!(substitute_variables("$a {a} $", &v), "$a {a} $");
        assert_eq!(substitute_variables("${a${a}", &v), "${ax");
    }

    #[test]
    fn values_are_not_substituted_again() {
        let v = vars(&[("A", "${B}"), ("B", "no")]);
        assert_eq!(substitute_variables("${a}", &v), "${B}");
    }

    #[test]
    fn empty_map_or_no_reference_returns_text_unchanged() {
        assert_eq!(substitute_variables("SELECT '${a}';", &HashMap::new()), "SELECT '${a}';");
        let v = vars(&[("A", "x")]);
        assert_eq!(substitute_variables("SELECT 1;", &v), "SELECT 1;");
    }

    #[test]
    fn handles_non_ascii_text_around_references() {
        let v = vars(&[("CITY", "Zürich")]);
        assert_eq!(substitute_variables("'é ${city} ü'", &v), "'é Zürich ü'");
    }
}

//! JSON with comments, as ksqlDB's test files allow (Jackson's
//! `ALLOW_COMMENTS`): `// line` and `/* block */` comments outside strings.

/// Blanks out comments that are outside JSON strings, so that the result is
/// plain JSON.
///
/// Every byte of a comment becomes a space, except line breaks, which are
/// kept: line and column numbers in parse errors still point into the
/// original file. `//` and `/*` inside strings (URLs, say) are left alone, as
/// are escaped quotes within strings. An unterminated block comment runs to
/// the end of the text.
pub fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                '\\' => {
                    if let Some(escaped) = chars.next() {
                        out.push(escaped);
                    }
                }
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                out.push_str("  ");
                chars.next();
                while let Some(&next) = chars.peek() {
                    if next == '\n' || next == '\r' {
                        break;
                    }
                    blank(&mut out, next);
                    chars.next();
                }
            }
            ('/', Some('*')) => {
                out.push_str("  ");
                chars.next();
                let mut prev = '\0';
                for next in chars.by_ref() {
                    blank(&mut out, next);
                    if prev == '*' && next == '/' {
                        break;
                    }
                    prev = next;
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Appends the blank for one character of a comment: line breaks are kept,
/// anything else becomes as many spaces as it has bytes.
fn blank(out: &mut String, c: char) {
    if c == '\n' || c == '\r' {
        out.push(c);
    } else {
        out.extend(std::iter::repeat_n(' ', c.len_utf8()));
    }
}

#[cfg(test)]
mod tests {
    use super::strip_comments;
    use serde_json::{json, Value};

    fn parse(text: &str) -> Value {
        serde_json::from_str(&strip_comments(text)).expect("valid JSON after stripping")
    }

    #[test]
    fn removes_line_comments_outside_strings() {
        let text = "{\n  // a comment\n  \"a\": 1, // trailing\n  \"b\": [2] //end";
        let stripped = strip_comments(&format!("{text}\n}}"));
        assert_eq!(stripped.len(), text.len() + 2);
        assert_eq!(stripped.lines().count(), 5);
        assert_eq!(serde_json::from_str::<Value>(&stripped).unwrap(), json!({"a": 1, "b": [2]}));
    }

    #[test]
    fn keeps_slashes_inside_strings() {
        let v = parse(r#"{"url": "https://example.com/a//b", "s": "/* not a comment */"} // c"#);
        assert_eq!(v, json!({"url": "https://example.com/a//b", "s": "/* not a comment */"}));
    }

    #[test]
    fn escaped_quotes_do_not_end_strings() {
        let v = parse(r#"{"s": "say \"//hi\" \\", "t": "x"} // c"#);
        assert_eq!(v, json!({"s": "say \"//hi\" \\", "t": "x"}));
    }

    #[test]
    fn removes_block_comments_and_keeps_line_numbers() {
        let text = "{ /* one\n two é */ \"a\": /**/ 1 }\n";
        let stripped = strip_comments(text);
        assert_eq!(stripped.len(), text.len());
        assert_eq!(stripped.matches('\n').count(), 2);
        assert_eq!(serde_json::from_str::<Value>(&stripped).unwrap(), json!({"a": 1}));
    }

    #[test]
    fn error_positions_point_into_the_original_file() {
        let text = "{\n  // comment with ünïcode\n  \"a\": 1,\n  oops\n}";
        let err = serde_json::from_str::<Value>(&strip_comments(text)).unwrap_err();
        assert_eq!((err.line(), err.column()), (4, 3));
    }

    #[test]
    fn crlf_line_comment() {
        assert_eq!(parse("{\"a\": 1 // c\r\n}"), json!({"a": 1}));
    }
}

//! URL functions: URL_ENCODE_PARAM, URL_DECODE_PARAM and the
//! URL_EXTRACT_* family.
//!
//! ksqlDB parses with `java.net.URI` (RFC 2396): the components it returns
//! are percent-decoded, a missing component is NULL, and text that is not
//! a valid URI fails the call (NULL). Encoding is `URLEncoder`'s
//! `application/x-www-form-urlencoded` in UTF-8.

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;

use super::args::*;
use super::udf::{first_of, Call, Def, Resolved, P, STRING};

pub(super) fn defs() -> Vec<Def> {
    vec![
        Def::new("url_encode_param", "Encodes a string for a URL query parameter.", str_sig, |c| {
            each(c, |s| Some(encode_param(s)))
        })
        .sigs(&["URL_ENCODE_PARAM(str STRING) -> STRING"]),
        Def::new("url_decode_param", "Decodes a URL query parameter.", str_sig, |c| each(c, decode_param))
            .sigs(&["URL_DECODE_PARAM(str STRING) -> STRING"]),
        Def::new("url_extract_fragment", "The fragment of a URL, after '#'.", str_sig, |c| {
            each(c, |s| Uri::parse(s)?.fragment.and_then(|f| decode(&f)))
        })
        .sigs(&["URL_EXTRACT_FRAGMENT(url STRING) -> STRING"]),
        Def::new("url_extract_host", "The host of a URL.", str_sig, |c| each(c, |s| Uri::parse(s)?.host))
            .sigs(&["URL_EXTRACT_HOST(url STRING) -> STRING"]),
        Def::new(
            "url_extract_parameter",
            "The value of a query parameter of a URL ('' for a parameter without a value).",
            |t| first_of(t, &[(&[P::Str, P::Str], STRING)]),
            extract_parameter,
        )
        .sigs(&["URL_EXTRACT_PARAMETER(url STRING, parameter STRING) -> STRING"]),
        Def::new("url_extract_path", "The path of a URL.", str_sig, |c| {
            each(c, |s| Uri::parse(s)?.path.and_then(|p| decode(&p)))
        })
        .sigs(&["URL_EXTRACT_PATH(url STRING) -> STRING"]),
        Def::new(
            "url_extract_port",
            "The port of a URL.",
            |t| first_of(t, &[(&[P::Str], DataType::Int32)]),
            |c| {
                let s = strs(arg(c.args, 0, "URL_EXTRACT_PORT")?)?;
                Ok(int_rows(c.rows, |i| Uri::parse(at(s, i)?)?.port))
            },
        )
        .sigs(&["URL_EXTRACT_PORT(url STRING) -> INT"]),
        Def::new("url_extract_protocol", "The scheme of a URL.", str_sig, |c| {
            each(c, |s| Uri::parse(s)?.scheme)
        })
        .sigs(&["URL_EXTRACT_PROTOCOL(url STRING) -> STRING"]),
        Def::new("url_extract_query", "The query of a URL, after '?'.", str_sig, |c| {
            each(c, |s| Uri::parse(s)?.query.and_then(|q| decode(&q)))
        })
        .sigs(&["URL_EXTRACT_QUERY(url STRING) -> STRING"]),
    ]
}

fn str_sig(t: &[DataType]) -> Resolved {
    first_of(t, &[(&[P::Str], STRING)])
}

fn each(c: &Call, f: impl Fn(&str) -> Option<String>) -> Result<ArrayRef> {
    let s = strs(arg(c.args, 0, "URL")?)?;
    Ok(string_rows(c.rows, |i| f(at(s, i)?)))
}

/// `URLEncoder.encode(s, UTF_8)`: letters, digits and `.-*_` stay, a space
/// becomes `+`, every other byte `%XX`.
pub(crate) fn encode_param(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Percent-decoding; `plus_is_space` for form encoding. None for a broken
/// escape, as Java's decoders throw.
fn percent_decode(s: &str, plus_is_space: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// `URLDecoder.decode(s, UTF_8)`.
pub(crate) fn decode_param(s: &str) -> Option<String> {
    percent_decode(s, true)
}

/// What `URI.getPath` and friends return: escapes decoded.
fn decode(s: &str) -> Option<String> {
    percent_decode(s, false)
}

/// The raw components of a URI reference.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Uri {
    pub scheme: Option<String>,
    pub host: Option<String>,
    pub port: Option<i32>,
    pub path: Option<String>,
    pub query: Option<String>,
    pub fragment: Option<String>,
}

/// Characters `java.net.URI` never accepts unescaped.
fn is_illegal(c: char) -> bool {
    c.is_control() || c.is_whitespace() || matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}')
}

impl Uri {
    pub(crate) fn parse(text: &str) -> Option<Uri> {
        if text.chars().any(is_illegal) {
            return None;
        }
        let mut uri = Uri::default();
        let (rest, fragment) = match text.split_once('#') {
            Some((r, f)) => (r, Some(f.to_string())),
            None => (text, None),
        };
        uri.fragment = fragment;
        let mut rest = rest;
        if let Some((scheme, after)) = rest.split_once(':') {
            let valid = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
            if valid {
                uri.scheme = Some(scheme.to_string());
                rest = after;
                if !rest.starts_with('/') {
                    // An opaque URI (`mailto:x`) has no host, path or query.
                    return if rest.is_empty() { None } else { Some(uri) };
                }
            } else if !scheme.contains('/') && !scheme.contains('?') {
                // A colon before any '/' in a relative reference is invalid.
                return None;
            }
        }
        let (hier, query) = match rest.split_once('?') {
            Some((h, q)) => (h, Some(q.to_string())),
            None => (rest, None),
        };
        uri.query = query;
        let path = match hier.strip_prefix("//") {
            Some(after) => {
                let end = after.find('/').unwrap_or(after.len());
                let authority = &after[..end];
                let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
                let (host, port) = match host_port.strip_prefix('[') {
                    // An IPv6 literal: the port follows the closing bracket.
                    Some(v6) => {
                        let close = v6.find(']')?;
                        (&host_port[..close + 2], v6[close + 1..].strip_prefix(':'))
                    }
                    None => match host_port.rsplit_once(':') {
                        Some((h, p)) => (h, Some(p)),
                        None => (host_port, None),
                    },
                };
                uri.host = Some(host.to_string()).filter(|h| !h.is_empty());
                if let Some(port) = port.filter(|p| !p.is_empty()) {
                    uri.port = Some(port.parse().ok()?);
                }
                &after[end..]
            }
            None => hier,
        };
        uri.path = Some(path.to_string());
        Some(uri)
    }
}

fn extract_parameter(c: &Call) -> Result<ArrayRef> {
    let s = strs(arg(c.args, 0, "URL_EXTRACT_PARAMETER")?)?;
    let name = strs(arg(c.args, 1, "URL_EXTRACT_PARAMETER")?)?;
    Ok(string_rows(c.rows, |i| {
        let query = decode(&Uri::parse(at(s, i)?)?.query?)?;
        let name = at(name, i);
        query.split('&').find_map(|param| match param.split_once('=') {
            None if Some(param) == name => Some(String::new()),
            Some((k, v)) if Some(k) == name => Some(v.to_string()),
            _ => None,
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_like_java() {
        assert_eq!(encode_param("?foo $bar"), "%3Ffoo+%24bar");
        assert_eq!(encode_param("hello&world"), "hello%26world");
        assert_eq!(encode_param("é"), "%C3%A9");
        assert_eq!(decode_param("%3Ffoo+%24bar").as_deref(), Some("?foo $bar"));
        assert_eq!(decode_param("100%"), None);
    }

    #[test]
    fn uri_components() {
        let u = Uri::parse("http://test@confluent.io:8080/nested/path?query&jobs#frag").unwrap_or_default();
        assert_eq!(u.scheme.as_deref(), Some("http"));
        assert_eq!(u.host.as_deref(), Some("confluent.io"));
        assert_eq!(u.port, Some(8080));
        assert_eq!(u.path.as_deref(), Some("/nested/path"));
        assert_eq!(u.query.as_deref(), Some("query&jobs"));
        assert_eq!(u.fragment.as_deref(), Some("frag"));

        let bare = Uri::parse("http://www.test.com?query#fragment").unwrap_or_default();
        assert_eq!(bare.path.as_deref(), Some(""));
        assert_eq!(bare.port, None);

        let relative = Uri::parse("www.confluent.io").unwrap_or_default();
        assert_eq!(relative.scheme, None);
        assert_eq!(relative.host, None);
        assert_eq!(relative.path.as_deref(), Some("www.confluent.io"));

        assert_eq!(Uri::parse("http://bad host/"), None);
        assert_eq!(Uri::parse("http://host:port/"), None);
    }
}

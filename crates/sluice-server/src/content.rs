//! Content negotiation: which request bodies are read and which response
//! type is answered, as ksqlDB's older endpoints do.

use axum::http::{header, HeaderMap, StatusCode};

use crate::error::{code, ApiError};

/// The default type of ksqlDB's `/ksql` and `/query` answers.
pub const KSQL_V1_JSON: &str = "application/vnd.ksql.v1+json";
/// An alias for the latest version.
pub const JSON: &str = "application/json";
/// `/query-stream`'s default and `/inserts-stream`'s answers: one JSON
/// value per line.
pub const DELIMITED: &str = "application/vnd.ksqlapi.delimited.v1";

/// The request body types the JSON endpoints read.
const READABLE: [&str; 3] = [KSQL_V1_JSON, "application/vnd.ksql+json", JSON];

/// Checks the request's `Content-Type` (415 when it is not JSON) and
/// picks the response type from `Accept` (406 when nothing offered fits).
pub fn negotiate(headers: &HeaderMap) -> Result<&'static str, ApiError> {
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        let essence = essence(content_type.to_str().unwrap_or(""));
        if !READABLE.contains(&essence.as_str()) {
            return Err(ApiError::generic(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                code::UNSUPPORTED_MEDIA_TYPE,
                format!("Unsupported Media Type: {essence}. Send {KSQL_V1_JSON} or {JSON}."),
            ));
        }
    }
    let Some(accept) = headers.get(header::ACCEPT) else { return Ok(KSQL_V1_JSON) };
    let accept = accept.to_str().unwrap_or("");
    // Media ranges by descending weight; ranges weighted 0 are refused.
    let mut ranges: Vec<(f32, usize, String)> = accept
        .split(',')
        .enumerate()
        .map(|(position, range)| {
            let weight = range
                .split(';')
                .skip(1)
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (weight, position, essence(range))
        })
        .filter(|(weight, _, _)| *weight > 0.0)
        .collect();
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, _, range) in ranges {
        match range.as_str() {
            "*/*" | "application/*" | KSQL_V1_JSON | "application/vnd.ksql+json" => return Ok(KSQL_V1_JSON),
            JSON => return Ok(JSON),
            _ => {}
        }
    }
    Err(ApiError::generic(
        StatusCode::NOT_ACCEPTABLE,
        code::NOT_ACCEPTABLE,
        format!("Not Acceptable: {accept}. This endpoint answers {KSQL_V1_JSON} or {JSON}."),
    ))
}

/// `type/subtype` of a media type, lower-cased, without parameters.
fn essence(media_type: &str) -> String {
    media_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(name: header::HeaderName, value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn picks_the_response_type_by_weight() {
        assert_eq!(negotiate(&HeaderMap::new()).ok(), Some(KSQL_V1_JSON));
        assert_eq!(negotiate(&with(header::ACCEPT, "application/json")).ok(), Some(JSON));
        let weighted = "application/json;q=0.5, application/vnd.ksql.v1+json;q=0.9";
        assert_eq!(negotiate(&with(header::ACCEPT, weighted)).ok(), Some(KSQL_V1_JSON));
        assert_eq!(negotiate(&with(header::ACCEPT, "text/html, */*;q=0.1")).ok(), Some(KSQL_V1_JSON));
    }

    #[test]
    fn refuses_what_it_cannot_read_or_answer() {
        let refused = negotiate(&with(header::ACCEPT, "text/html, application/json;q=0")).unwrap_err();
        assert_eq!((refused.status, refused.code), (StatusCode::NOT_ACCEPTABLE, 40600));
        let unreadable = negotiate(&with(header::CONTENT_TYPE, "text/plain")).unwrap_err();
        assert_eq!((unreadable.status, unreadable.code), (StatusCode::UNSUPPORTED_MEDIA_TYPE, 41500));
        assert!(negotiate(&with(header::CONTENT_TYPE, "application/json; charset=utf-8")).is_ok());
    }
}

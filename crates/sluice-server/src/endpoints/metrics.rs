//! `GET /metrics`: every persistent query's counters and lag, in the
//! Prometheus text format, for a scraper or a look with curl.

use std::fmt::Write;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sluice_runtime::QueryMetrics;

use crate::state::AppState;

/// The Prometheus text exposition format, version 0.0.4.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4";

/// A metric: name, type, help, and how to read it from a query's metrics.
type Metric = (&'static str, &'static str, &'static str, fn(&QueryMetrics) -> u64);

const METRICS: &[Metric] = &[
    ("sluice_query_records_read_total", "counter", "Records the query has read.", |m| m.records_read),
    ("sluice_query_records_written_total", "counter", "Records the query has written to its sink.", |m| {
        m.records_written
    }),
    (
        "sluice_query_processing_errors_total",
        "counter",
        "Records the query could not read or write (see the processing log).",
        |m| m.processing_errors,
    ),
    ("sluice_query_late_records_total", "counter", "Records dropped because their window had closed.", |m| {
        m.late_records
    }),
    ("sluice_query_state_entries", "gauge", "Entries the query keeps in state.", |m| m.state_entries),
    ("sluice_query_lag_records", "gauge", "Records in the query's input topics not read yet.", |m| m.lag),
    (
        "sluice_query_partitions_owned",
        "gauge",
        "Input partitions this server reads (servers of one service share them).",
        |m| m.partitions_owned,
    ),
    (
        "sluice_query_failing",
        "gauge",
        "1 while the query waits to be tried again after failing (the server's output says why).",
        |m| u64::from(m.failing),
    ),
];

pub async fn handle(State(state): State<AppState>) -> Response {
    let queries = state.with_engine(|engine| engine.query_metrics()).await.unwrap_or_default();
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], render(&queries)).into_response()
}

/// The exposition text for `queries` (query id, metrics).
fn render(queries: &[(String, QueryMetrics)]) -> String {
    let mut text = String::new();
    for (name, kind, help, read) in METRICS {
        // Writing to a String cannot fail.
        let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (id, metrics) in queries {
            let _ = writeln!(text, "{name}{{query=\"{}\"}} {}", label(id), read(metrics));
        }
    }
    text
}

/// A label value with Prometheus' escapes.
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_query_and_metric_under_its_help_and_type() {
        let metrics = QueryMetrics { records_read: 7, lag: 2, ..QueryMetrics::default() };
        let text = render(&[("CSAS_A_0".into(), metrics)]);
        assert!(text.contains(
            "# TYPE sluice_query_records_read_total counter\nsluice_query_records_read_total{query=\"CSAS_A_0\"} 7\n"
        ));
        assert!(text.contains("sluice_query_lag_records{query=\"CSAS_A_0\"} 2\n"));
        assert_eq!(text.lines().filter(|l| !l.starts_with('#')).count(), METRICS.len());
        assert_eq!(label("a\"b\\c"), "a\\\"b\\\\c");
    }
}

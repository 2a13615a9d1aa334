//! Push and pull queries over `/query-stream`: rows printed as they
//! arrive, until the query ends, its LIMIT is reached, or Ctrl-C cancels
//! it (which closes it on the server too).

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::client::{Client, QueryStream};
use crate::error::ShellError;
use crate::render::table::{fit_widths, Table};
use crate::render::value::cell;
use crate::session::OutputFormat;
use crate::spool::Spool;

/// How long a cancelled query's /close-query may take before the shell
/// gives up on it and returns to the prompt anyway (the server also stops
/// the query when the connection closes).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// How a query ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryEnd {
    Completed { rows: usize },
    Cancelled { rows: usize },
}

/// Runs one query and prints its rows. `push` says whether rows must be
/// printed as they come (an EMIT CHANGES query) or may be collected first
/// so the table fits them (a pull query).
pub async fn run(
    client: &Client,
    sql: &str,
    properties: &BTreeMap<String, String>,
    push: bool,
    format: OutputFormat,
    width: usize,
    out: &Spool,
) -> Result<QueryEnd, ShellError> {
    let mut stream = tokio::select! {
        opened = client.query_stream(sql, properties) => opened?,
        _ = tokio::signal::ctrl_c() => return Ok(QueryEnd::Cancelled { rows: 0 }),
    };
    let header = match stream.next_line().await? {
        Some(header) => header,
        None => return Err(ShellError::Protocol("/query-stream ended before its header".into())),
    };
    if let Some(message) = error_message(&header) {
        return Err(ShellError::Server { message });
    }
    let query_id = header["queryId"].as_str().unwrap_or_default().to_string();
    let names: Vec<String> = strings(&header["columnNames"]);
    let types: Vec<String> = strings(&header["columnTypes"]);
    let mut printer = Printer::new(out, format, &header, &names, &types, push, width);
    let mut rows = 0;
    loop {
        let line = tokio::select! {
            line = next_row(&mut stream) => line?,
            _ = tokio::signal::ctrl_c() => {
                // The terminal has echoed ^C with no line break.
                println!();
                printer.finish();
                // Best effort: dropping the stream closes the connection,
                // which the server notices too.
                drop(stream);
                if !query_id.is_empty() {
                    let _ = tokio::time::timeout(CLOSE_TIMEOUT, client.close_query(&query_id)).await;
                }
                return Ok(QueryEnd::Cancelled { rows });
            }
        };
        match line {
            Some(row) => {
                rows += 1;
                printer.row(&row);
            }
            None => break,
        }
    }
    printer.finish();
    Ok(QueryEnd::Completed { rows })
}

/// The next row; a `generic_error` object in the stream ends the query
/// with the server's message.
async fn next_row(stream: &mut QueryStream) -> Result<Option<Value>, ShellError> {
    match stream.next_line().await? {
        Some(Value::Array(columns)) => Ok(Some(Value::Array(columns))),
        Some(other) => match error_message(&other) {
            Some(message) => Err(ShellError::Server { message }),
            None => Err(ShellError::Protocol(format!("a row of /query-stream is not an array: {other}"))),
        },
        None => Ok(None),
    }
}

fn error_message(value: &Value) -> Option<String> {
    let message = value.get("message")?.as_str()?;
    value.get("@type").or_else(|| value.get("error_code"))?;
    Some(message.to_string())
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().map(cell).collect()
}

/// Prints a query's rows in the chosen format.
struct Printer<'a> {
    out: &'a Spool,
    format: OutputFormat,
    headers: Vec<String>,
    /// Rows of a pull query, held until the end so the table fits them.
    held: Vec<Vec<String>>,
    /// The table of a push query, printed row by row.
    streaming: Option<Table>,
    width: usize,
}

impl<'a> Printer<'a> {
    fn new(
        out: &'a Spool,
        format: OutputFormat,
        header: &Value,
        names: &[String],
        types: &[String],
        push: bool,
        width: usize,
    ) -> Printer<'a> {
        let streaming = match (format, push) {
            (OutputFormat::Tabular, true) => {
                // Widths are chosen before any row is seen: from the header
                // and the usual width of each type.
                let natural: Vec<usize> = names
                    .iter()
                    .enumerate()
                    .map(|(i, n)| n.chars().count().max(types.get(i).map_or(12, |t| type_width(t))))
                    .collect();
                let table = Table::new(fit_widths(&natural, width));
                out.line(&table.head(names));
                Some(table)
            }
            (OutputFormat::Json, _) => {
                out.line(&header.to_string());
                None
            }
            (OutputFormat::Tabular, false) => None,
        };
        Printer { out, format, headers: names.to_vec(), held: Vec::new(), streaming, width }
    }

    fn row(&mut self, row: &Value) {
        let cells: Vec<String> = row.as_array().into_iter().flatten().map(cell).collect();
        match (&self.format, &self.streaming) {
            (OutputFormat::Json, _) => self.out.line(&row.to_string()),
            (OutputFormat::Tabular, Some(table)) => self.out.line(&table.row(&cells)),
            (OutputFormat::Tabular, None) => self.held.push(cells),
        }
    }

    fn finish(&mut self) {
        match (&self.format, &self.streaming) {
            (OutputFormat::Json, _) => {}
            (OutputFormat::Tabular, Some(table)) => self.out.line(&table.rule()),
            (OutputFormat::Tabular, None) => {
                let table = Table::fitted(&self.headers, &self.held, self.width);
                self.out.line(&table.render(&self.headers, &self.held));
                self.held.clear();
            }
        }
    }
}

/// How wide a value of a type usually prints.
fn type_width(sql_type: &str) -> usize {
    match sql_type {
        "BOOLEAN" => 5,
        "INTEGER" | "INT" => 11,
        "BIGINT" | "TIMESTAMP" => 20,
        "DOUBLE" | "DECIMAL" => 22,
        _ => 24,
    }
}

//! Rows given as JSON objects (the server's `/inserts-stream`): a batch is
//! decoded into Arrow columns at once and written with the target's
//! encoders, rather than one INSERT VALUES statement per row.

use std::collections::HashMap;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Field, Fields, Int64Type};
use serde::de::IgnoredAny;
use sluice_catalog::{DataSource, Namespace};
use sluice_formats::{Decoder, Format, Registry};
use sluice_log::{Log, Record};
use sluice_runtime::encoder;

use crate::error::{EngineError, Result};

/// The pseudo column a row may give to set its record's timestamp.
const ROWTIME: &str = "ROWTIME";

/// Writes `rows` (each a JSON object of column values, names matched as
/// ksqlDB's JSON format matches them) to `target`'s topic, in order. A row
/// without ROWTIME gets `default_timestamp`. Returns each row's outcome: a
/// row that names an unknown column or holds a value of the wrong type is
/// refused on its own.
pub fn insert_json_rows(
    target: &DataSource,
    rows: &[&[u8]],
    default_timestamp: i64,
    log: &dyn Log,
    registry: &Registry,
) -> Result<Vec<std::result::Result<(), String>>> {
    if target.schema.header_columns().next().is_some() {
        return Err(EngineError::Invalid(format!(
            "Cannot insert into {} because it has header columns",
            target.name
        )));
    }
    let columns: Vec<_> =
        target.schema.columns().iter().filter(|c| c.namespace != Namespace::Header(None)).collect();
    let mut outcomes: Vec<std::result::Result<(), String>> = rows
        .iter()
        .map(|row| unknown_column(row, &columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>()))
        .collect();

    let mut fields: Vec<Field> =
        columns.iter().map(|c| Field::new(&c.name, c.sql_type.to_arrow(), true)).collect();
    fields.push(Field::new(ROWTIME, DataType::Int64, true));
    let decoder = Decoder::new(&Format::Json, Fields::from(fields), false, None)?;
    // The rows still in the running, by their index in `rows`.
    let candidates: Vec<usize> = (0..rows.len()).filter(|&i| outcomes[i].is_ok()).collect();
    let payloads: Vec<Option<&[u8]>> = candidates.iter().map(|&i| Some(rows[i])).collect();
    let decoded = decoder.decode(&payloads);
    for (candidate, error) in &decoded.errors {
        outcomes[candidates[*candidate]] = Err(error.to_string());
    }
    let count = decoded.rows.len();
    let side = |namespace: Namespace| -> Vec<ArrayRef> {
        columns
            .iter()
            .zip(&decoded.columns)
            .filter(|(c, _)| c.namespace == namespace)
            .map(|(_, array)| array.clone())
            .collect()
    };
    let keys = encoder(target, registry, true)?.encode(&side(Namespace::Key), count);
    let values = encoder(target, registry, false)?.encode(&side(Namespace::Value), count);
    let rowtimes = decoded.columns.last().map(|a| a.as_primitive::<Int64Type>().clone());
    let mut records = Vec::with_capacity(count);
    for (j, (key, value)) in keys.into_iter().zip(values).enumerate() {
        let row = candidates[decoded.rows[j]];
        let (key, value) = match (key, value) {
            (Ok(key), Ok(value)) => (key, value),
            (Err(e), _) | (_, Err(e)) => {
                outcomes[row] = Err(e.to_string());
                continue;
            }
        };
        let timestamp = match &rowtimes {
            Some(times) if times.is_valid(j) => times.value(j),
            _ => default_timestamp,
        };
        records.push(Record { key, value, timestamp, headers: Vec::new() });
    }
    if !records.is_empty() {
        log.append_all(&target.topic, 0, records)?;
    }
    Ok(outcomes)
}

/// A row's members must be columns (or ROWTIME), by exact or upper-cased name.
fn unknown_column(row: &[u8], columns: &[&str]) -> std::result::Result<(), String> {
    let members: HashMap<String, IgnoredAny> =
        serde_json::from_slice(row).map_err(|e| format!("A row must be a JSON object: {e}"))?;
    for name in members.keys() {
        let known = |n: &str| n == ROWTIME || columns.contains(&n);
        if !known(name) && !known(&name.to_uppercase()) {
            return Err(format!("Column name {} does not exist.", name.to_uppercase()));
        }
    }
    Ok(())
}

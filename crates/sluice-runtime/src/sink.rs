//! Writing a query's output batches to its sink topic.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Int64Array, StringArray};
use datafusion::arrow::compute::{cast, cast_with_options, CastOptions};
use datafusion::arrow::datatypes::{DataType, Fields};
use sluice_catalog::DataSource;
use sluice_formats::{Encoder, Registry};
use sluice_functions::java_time::JavaPattern;
use sluice_log::{key_partition, Log, Record};
use sluice_planner::{ROWTIME, WINDOWEND, WINDOWSTART};

use crate::batch::Batch;
use crate::error::{Result, RuntimeError};
use crate::processing_log::{ProcessingLog, ProcessingLogEntry};
use crate::serde::encoder;
use crate::window_key::append_window;

/// Encodes output rows with the sink's formats and appends them to its topic.
pub struct SinkWriter {
    sink: DataSource,
    /// The rows' keys were computed by PARTITION BY.
    rekeyed: bool,
    /// The TIMESTAMP_FORMAT of a STRING timestamp column.
    timestamp_pattern: Option<JavaPattern>,
    key: Encoder,
    value: Encoder,
    key_names: Vec<String>,
    value_names: Vec<String>,
    /// The sink's key and value columns as declared (what the encoders take).
    key_fields: Fields,
    value_fields: Fields,
    query_id: String,
    /// The sink topic's partition count, asked of the log at the first
    /// write (a broker would be asked on every batch otherwise).
    partitions: Option<u32>,
}

impl SinkWriter {
    pub fn new(sink: &DataSource, query_id: &str, rekeyed: bool, registry: &Registry) -> Result<Self> {
        let timestamp_pattern = match sink.timestamp.as_ref().and_then(|t| t.format.as_deref()) {
            Some(pattern) => Some(JavaPattern::new(pattern).map_err(RuntimeError::Invalid)?),
            None => None,
        };
        Ok(SinkWriter {
            rekeyed,
            timestamp_pattern,
            key: encoder(sink, registry, true)?,
            value: encoder(sink, registry, false)?,
            key_names: sink.schema.key_columns().map(|c| c.name.clone()).collect(),
            value_names: sink.schema.value_columns().map(|c| c.name.clone()).collect(),
            key_fields: sink.schema.key_fields(),
            value_fields: sink.schema.value_fields(),
            sink: sink.clone(),
            query_id: query_id.to_string(),
            partitions: None,
        })
    }

    /// Writes every row of `batch`, in order, and returns how many records
    /// were appended. Tombstones are written with a null value. A row that
    /// cannot be encoded goes to the processing log.
    pub fn write(&mut self, batch: &Batch, log: &dyn Log, errors: &mut ProcessingLog) -> Result<usize> {
        let rows = batch.num_rows();
        let key_columns = as_declared(columns(batch, &self.key_names)?, &self.key_fields)?;
        let keys = self.key.encode(&key_columns, rows);
        let values =
            self.value.encode(&as_declared(columns(batch, &self.value_names)?, &self.value_fields)?, rows);
        // The record timestamp: ROWTIME, or the sink's TIMESTAMP column.
        let timestamp_column = self.sink.timestamp.as_ref().map(|t| t.column.as_str()).unwrap_or(ROWTIME);
        // The last column of the name: ROWTIME is carried after the projected columns,
        // one of which may be a key called ROWTIME (`PARTITION BY ROWTIME`).
        let column = batch
            .data
            .schema()
            .fields()
            .iter()
            .rposition(|f| f.name() == timestamp_column)
            .map(|at| batch.data.column(at))
            .ok_or_else(|| RuntimeError::Invalid(format!("output batch has no {timestamp_column} column")))?;
        let rowtime: ArrayRef = match (&self.timestamp_pattern, column.as_any().downcast_ref::<StringArray>())
        {
            // An unreadable time is null: the row is then not written.
            (Some(pattern), Some(text)) => Arc::new(
                text.iter().map(|t| t.and_then(|t| pattern.parse_millis(t).ok())).collect::<Int64Array>(),
            ),
            _ => cast(column, &DataType::Int64)?,
        };
        let rowtime = rowtime
            .as_any()
            .downcast_ref::<Int64Array>()
            .ok_or_else(|| RuntimeError::Invalid("timestamps are not BIGINT".into()))?;
        // A row goes to the partition Kafka's default partitioner gives its
        // key, leaving a windowed key's window out (as Kafka Streams'
        // windowed partitioner does, so a key's windows stay together); a
        // row without a key goes to partition 0.
        let partitions = match self.partitions {
            Some(partitions) => partitions,
            None => {
                let partitions = log.topic(&self.sink.topic).map_or(1, |t| t.partitions);
                self.partitions = Some(partitions);
                partitions
            }
        };
        let null_key = |row: usize| !key_columns.is_empty() && key_columns.iter().all(|c| c.is_null(row));
        let bounds = window_bounds(batch);
        let mut records: Vec<Vec<Record>> = vec![Vec::new(); partitions.max(1) as usize];
        let mut written = 0;
        for (row, (key, value)) in keys.into_iter().zip(values).enumerate() {
            // A key whose columns are all null is a null key, as it was
            // read (a re-keyed row keeps the key it was given).
            let keyless = self.key_names.is_empty();
            let key = if keyless || (null_key(row) && (self.key_names.len() == 1 || !self.rekeyed)) {
                Ok(None)
            } else {
                key
            };
            let encoded = key.and_then(|k| {
                let v = if batch.is_tombstone(row) { Ok(None) } else { value };
                v.map(|v| (k, v))
            });
            let encoded = encoded.and_then(|(key, value)| {
                let partition = match key.as_deref() {
                    Some(key) if partitions > 1 => key_partition(key, partitions),
                    _ => 0,
                };
                Ok((partition, self.windowed(key, &bounds, row)?, value))
            });
            // Kafka has no place for a record before the epoch.
            let encoded = encoded.and_then(|record| match rowtime.is_valid(row) && rowtime.value(row) >= 0 {
                true => Ok(record),
                false => Err(sluice_formats::FormatError::Schema(format!(
                    "invalid timestamp {}",
                    if rowtime.is_valid(row) { rowtime.value(row).to_string() } else { "null".into() }
                ))),
            });
            match encoded {
                Ok((partition, key, value)) => {
                    let headers = batch.headers(row).to_vec();
                    let record = Record { key, value, timestamp: rowtime.value(row), headers };
                    records[partition as usize].push(record);
                    written += 1;
                }
                Err(error) => errors.record(ProcessingLogEntry {
                    query_id: self.query_id.clone(),
                    topic: self.sink.topic.clone(),
                    partition: 0,
                    offset: 0,
                    message: format!("Failed to serialize a row for {}: {error}", self.sink.name),
                }),
            }
        }
        for (partition, records) in records.into_iter().enumerate() {
            if !records.is_empty() {
                log.append_all(&self.sink.topic, partition as u32, records)?;
            }
        }
        Ok(written)
    }
}

impl SinkWriter {
    /// A windowed sink's key: the key bytes, then the window as Kafka
    /// Streams writes it (time: 8-byte start; session: 8-byte end, then
    /// 8-byte start; big-endian).
    fn windowed(
        &self,
        key: Option<Vec<u8>>,
        bounds: &WindowBounds,
        row: usize,
    ) -> std::result::Result<Option<Vec<u8>>, sluice_formats::FormatError> {
        let Some(window) = &self.sink.window else { return Ok(key) };
        let bound = |(name, column): (&str, Option<&Int64Array>)| {
            column.map(|c| c.value(row)).ok_or_else(|| {
                sluice_formats::FormatError::Schema(format!("output batch has no {name} column"))
            })
        };
        let mut bytes = key.unwrap_or_default();
        append_window(&mut bytes, window, bound((WINDOWSTART, bounds.0))?, bound((WINDOWEND, bounds.1))?);
        Ok(Some(bytes))
    }
}

/// A batch's WINDOWSTART and WINDOWEND columns, if it has them.
type WindowBounds<'a> = (Option<&'a Int64Array>, Option<&'a Int64Array>);

/// Looks the window bound columns up once per batch (by name: a lookup per
/// row was a visible cost of every windowed sink).
fn window_bounds(batch: &Batch) -> WindowBounds<'_> {
    let column =
        |name: &str| batch.data.column_by_name(name).and_then(|c| c.as_any().downcast_ref::<Int64Array>());
    (column(WINDOWSTART), column(WINDOWEND))
}

fn columns(batch: &Batch, names: &[String]) -> Result<Vec<ArrayRef>> {
    names
        .iter()
        .map(|name| {
            batch
                .data
                .column_by_name(name)
                .cloned()
                .ok_or_else(|| RuntimeError::Invalid(format!("output batch has no column {name}")))
        })
        .collect()
}

/// The columns as the sink declares them: INSERT INTO widens a query's numbers to
/// the sink's types (INT into DECIMAL, BIGINT into DOUBLE, ..), as ksqlDB does.
fn as_declared(columns: Vec<ArrayRef>, declared: &Fields) -> Result<Vec<ArrayRef>> {
    columns
        .into_iter()
        .zip(declared.iter())
        .map(|(column, field)| match column.data_type() == field.data_type() {
            true => Ok(column),
            false if column.data_type().is_numeric() && field.data_type().is_numeric() => {
                let options = CastOptions { safe: true, ..CastOptions::default() };
                Ok(cast_with_options(&column, field.data_type(), &options)?)
            }
            false => Ok(column),
        })
        .collect()
}

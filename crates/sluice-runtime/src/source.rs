//! Turning a topic's records into batches of a source's columns.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, BinaryBuilder, BooleanArray, Int32Array, Int64Array, ListBuilder, RecordBatch,
    StringArray, StringBuilder, StructBuilder, UInt32Array,
};
use datafusion::arrow::compute::{cast, filter_record_batch, take};
use datafusion::arrow::datatypes::{DataType, Fields, SchemaRef};
use datafusion::arrow::error::ArrowError;
use sluice_catalog::{DataSource, Namespace};
use sluice_formats::{Decoded, Decoder, Registry};
use sluice_functions::java_time::JavaPattern;
use sluice_log::StoredRecord;
use sluice_planner::{source_batch_schema, ROWTIME};
use sluice_sql::ast::SourceKind;

use crate::batch::Batch;
use crate::error::{Result, RuntimeError};
use crate::processing_log::{ProcessingLog, ProcessingLogEntry};
use crate::query::QueryOptions;
use crate::serde::decoder;
use crate::window_key::split_window;

/// Decodes records of one source's topic into batches of its columns.
pub struct SourceDecoder {
    source: DataSource,
    options: QueryOptions,
    /// The TIMESTAMP_FORMAT of a STRING timestamp column.
    timestamp_pattern: Option<JavaPattern>,
    schema: SchemaRef,
    key: Decoder,
    value: Decoder,
    query_id: String,
}

impl SourceDecoder {
    pub fn new(
        source: &DataSource,
        query_id: &str,
        options: QueryOptions,
        registry: &Registry,
    ) -> Result<Self> {
        let timestamp_pattern = match source.timestamp.as_ref().and_then(|t| t.format.as_deref()) {
            Some(pattern) => Some(JavaPattern::new(pattern).map_err(RuntimeError::Invalid)?),
            None => None,
        };
        Ok(SourceDecoder {
            options,
            timestamp_pattern,
            schema: source_batch_schema(source),
            key: decoder(source, registry, true)?,
            value: decoder(source, registry, false)?,
            source: source.clone(),
            query_id: query_id.to_string(),
        })
    }

    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Decodes `records`. A record that cannot be decoded is left out and
    /// written to the processing log. On a stream a record with a null
    /// value is dropped; on a table it deletes its key, and a record with a
    /// null key is dropped.
    pub fn decode(&self, records: &[StoredRecord], errors: &mut ProcessingLog) -> Result<Option<Batch>> {
        let is_table = self.source.kind == SourceKind::Table;
        let keyless = self.source.schema.key_columns().next().is_none();
        let mut candidates: Vec<&StoredRecord> = Vec::with_capacity(records.len());
        candidates.extend(records.iter().filter(|r| !is_table || keyless || r.record.key.is_some()));
        if candidates.is_empty() {
            return Ok(None);
        }
        // A windowed source's keys end in their window: split it off.
        let mut windows: Vec<(i64, i64)> = Vec::new();
        let mut keys: Vec<Option<&[u8]>> = Vec::with_capacity(candidates.len());
        match &self.source.window {
            None => keys.extend(candidates.iter().map(|r| r.record.key.as_deref())),
            Some(window) => {
                windows.reserve(candidates.len());
                for record in &candidates {
                    match record.record.key.as_deref() {
                        Some(key) => match split_window(key, window) {
                            Some((inner, start, end)) => {
                                keys.push(Some(inner));
                                windows.push((start, end));
                            }
                            None => {
                                // Too short to hold a window: the key decoder
                                // reports the row, with its bytes as they are.
                                keys.push(Some(&key[..0]));
                                windows.push((0, 0));
                            }
                        },
                        None => {
                            keys.push(None);
                            windows.push((0, 0));
                        }
                    }
                }
            }
        }
        let values: Vec<Option<&[u8]>> = candidates.iter().map(|r| r.record.value.as_deref()).collect();
        let decoded_keys = self.key.decode(&keys);
        let decoded_values = self.value.decode(&values);
        for (row, error) in decoded_keys.errors.iter().chain(decoded_values.errors.iter()) {
            let record = candidates[*row];
            errors.record(ProcessingLogEntry {
                query_id: self.query_id.clone(),
                topic: self.source.topic.clone(),
                partition: record.partition,
                offset: record.offset,
                message: error.to_string(),
            });
        }

        // The rows that decoded on both sides, and each side's columns for
        // them. A side's rows are input indices in order, so as many rows
        // as candidates are all of them.
        let every_row = |decoded: &Decoded| decoded.rows.len() == candidates.len();
        let (rows, windows, key_columns, value_columns) =
            if every_row(&decoded_keys) && every_row(&decoded_values) {
                // The usual case: the columns are already the rows (taking
                // them again was a copy of every column).
                (candidates, windows, decoded_keys.columns, decoded_values.columns)
            } else {
                match decoded_on_both_sides(&candidates, &windows, &decoded_keys, &decoded_values)? {
                    Some(kept) => kept,
                    None => return Ok(None),
                }
            };

        let mut columns: Vec<ArrayRef> = Vec::with_capacity(self.schema.fields().len());
        let mut key_columns = key_columns.into_iter();
        let mut value_columns = value_columns.into_iter();
        for column in self.source.schema.columns() {
            let array = match &column.namespace {
                Namespace::Key => next_column(&mut key_columns)?,
                Namespace::Value => next_column(&mut value_columns)?,
                Namespace::Header(None) => all_headers(&rows, &column.sql_type.to_arrow())?,
                Namespace::Header(Some(key)) => last_header(&rows, key),
            };
            columns.push(array);
        }
        let rowtime = self.rowtimes(&rows, &columns)?;
        columns.push(Arc::new(rowtime));
        columns.push(Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.partition as i32))));
        columns.push(Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.offset as i64))));
        if self.source.window.is_some() {
            columns.push(Arc::new(Int64Array::from_iter_values(windows.iter().map(|w| w.0))));
            columns.push(Arc::new(Int64Array::from_iter_values(windows.iter().map(|w| w.1))));
        }
        let data = RecordBatch::try_new(Arc::clone(&self.schema), columns)?;
        // A record whose event time is before the epoch (or missing) is
        // skipped, as Kafka Streams skips invalid timestamps.
        let (data, rows) = self.drop_invalid_timestamps(data, rows, errors)?;
        // A null value deletes a table's key; on a stream it is a null row,
        // which projections pass on and filters and aggregations drop.
        let tombstones = rows
            .iter()
            .any(|r| r.record.value.is_none())
            .then(|| BooleanArray::from_iter(rows.iter().map(|r| Some(r.record.value.is_none()))));
        let headers = rows
            .iter()
            .any(|r| !r.record.headers.is_empty())
            .then(|| rows.iter().map(|r| r.record.headers.clone()).collect());
        Ok(Some(Batch { data, tombstones, headers }))
    }

    fn drop_invalid_timestamps<'r>(
        &self,
        data: RecordBatch,
        rows: Vec<&'r StoredRecord>,
        errors: &mut ProcessingLog,
    ) -> Result<(RecordBatch, Vec<&'r StoredRecord>)> {
        let Some(rowtimes) =
            data.column_by_name(ROWTIME).and_then(|c| c.as_any().downcast_ref::<Int64Array>())
        else {
            return Ok((data, rows));
        };
        // Usually every time is valid, which one pass over the values tells.
        if rowtimes.null_count() == 0 && rowtimes.values().iter().all(|&t| t >= 0) {
            return Ok((data, rows));
        }
        let valid: BooleanArray = rowtimes.iter().map(|t| Some(t.is_some_and(|t| t >= 0))).collect();
        let mut kept = Vec::with_capacity(rows.len());
        for (i, record) in rows.into_iter().enumerate() {
            if valid.value(i) {
                kept.push(record);
            } else {
                errors.record(ProcessingLogEntry {
                    query_id: self.query_id.clone(),
                    topic: self.source.topic.clone(),
                    partition: record.partition,
                    offset: record.offset,
                    message: format!(
                        "Invalid timestamp {} for the record; it was skipped",
                        rowtimes.value(i)
                    ),
                });
            }
        }
        Ok((filter_record_batch(&data, &valid)?, kept))
    }

    /// ROWTIME: the record timestamp, or the TIMESTAMP column when set.
    fn rowtimes(&self, rows: &[&StoredRecord], columns: &[ArrayRef]) -> Result<Int64Array> {
        let Some(ts) = &self.source.timestamp else {
            return Ok(Int64Array::from_iter_values(rows.iter().map(|r| r.record.timestamp)));
        };
        let index = self
            .source
            .schema
            .columns()
            .iter()
            .position(|c| c.name == ts.column)
            .ok_or_else(|| RuntimeError::Invalid(format!("no TIMESTAMP column {}", ts.column)))?;
        let column = &columns[index];
        // A missing or unreadable event time is null: the record is then
        // skipped (or, if so configured, the query fails).
        let times: Int64Array = match &self.timestamp_pattern {
            Some(pattern) => {
                let text = column
                    .as_any()
                    .downcast_ref::<StringArray>()
                    .ok_or_else(|| RuntimeError::Invalid("TIMESTAMP_FORMAT needs a STRING column".into()))?;
                text.iter().map(|t| t.and_then(|t| pattern.parse_millis(t).ok())).collect()
            }
            None => {
                let values = cast(column, &DataType::Int64)?;
                values
                    .as_any()
                    .downcast_ref::<Int64Array>()
                    .cloned()
                    .ok_or_else(|| RuntimeError::Invalid("TIMESTAMP column is not a number".into()))?
            }
        };
        if self.options.fail_on_invalid_timestamp {
            if let Some(row) = (0..times.len()).find(|&i| times.is_null(i) || times.value(i) < 0) {
                return Err(RuntimeError::Invalid(format!(
                    "Fatal user code error in TimestampExtractor callback for record at offset {} of {}: \
                     invalid timestamp in column {}",
                    rows[row].offset, self.source.topic, ts.column
                )));
            }
        }
        Ok(times)
    }
}

/// Records that decoded on both sides: the records, their windows (empty
/// for a source without), and the key and value columns for them.
type DecodedRows<'a> = (Vec<&'a StoredRecord>, Vec<(i64, i64)>, Vec<ArrayRef>, Vec<ArrayRef>);

/// The records that decoded on both sides when some did not, with their
/// windows (if any) and each side's columns taken for them; `None` when no
/// record did.
fn decoded_on_both_sides<'a>(
    candidates: &[&'a StoredRecord],
    windows: &[(i64, i64)],
    keys: &Decoded,
    values: &Decoded,
) -> Result<Option<DecodedRows<'a>>> {
    // Position tables indexed by row rather than hash maps: this runs for
    // every record of a batch with a failed one.
    let positions = |decoded: &[usize]| {
        let mut pos: Vec<Option<u32>> = vec![None; candidates.len()];
        for (i, &row) in decoded.iter().enumerate() {
            pos[row] = Some(i as u32);
        }
        pos
    };
    let key_pos = positions(&keys.rows);
    let value_pos = positions(&values.rows);
    let kept: Vec<usize> =
        (0..candidates.len()).filter(|&row| key_pos[row].is_some() && value_pos[row].is_some()).collect();
    if kept.is_empty() {
        return Ok(None);
    }
    let take_all = |columns: &[ArrayRef], pos: &[Option<u32>]| {
        let indices = UInt32Array::from_iter_values(kept.iter().filter_map(|&r| pos[r]));
        columns
            .iter()
            .map(|c| take(c.as_ref(), &indices, None))
            .collect::<std::result::Result<Vec<_>, ArrowError>>()
    };
    let kept_windows =
        if windows.is_empty() { Vec::new() } else { kept.iter().map(|&r| windows[r]).collect() };
    Ok(Some((
        kept.iter().map(|&r| candidates[r]).collect(),
        kept_windows,
        take_all(&keys.columns, &key_pos)?,
        take_all(&values.columns, &value_pos)?,
    )))
}

fn next_column(columns: &mut impl Iterator<Item = ArrayRef>) -> Result<ArrayRef> {
    columns.next().ok_or_else(|| RuntimeError::Invalid("the decoder returned too few columns".into()))
}

/// A HEADERS column: every header as `{KEY, VALUE}`, in order.
fn all_headers(rows: &[&StoredRecord], data_type: &DataType) -> Result<ArrayRef> {
    let DataType::List(item) = data_type else {
        return Err(RuntimeError::Invalid(format!("HEADERS column of type {data_type}")));
    };
    let DataType::Struct(fields) = item.data_type() else {
        return Err(RuntimeError::Invalid(format!("HEADERS column of type {data_type}")));
    };
    let fields: Fields = fields.clone();
    let mut builder = ListBuilder::new(StructBuilder::new(
        fields,
        vec![Box::new(StringBuilder::new()), Box::new(BinaryBuilder::new())],
    ))
    .with_field(Arc::clone(item));
    for row in rows {
        let entries = builder.values();
        for header in &row.record.headers {
            if let Some(keys) = entries.field_builder::<StringBuilder>(0) {
                keys.append_value(&header.key);
            }
            if let Some(values) = entries.field_builder::<BinaryBuilder>(1) {
                values.append_option(header.value.as_deref());
            }
            entries.append(true);
        }
        builder.append(true);
    }
    Ok(Arc::new(builder.finish()))
}

/// A HEADER('k') column: the last value of header `k`, or null.
fn last_header(rows: &[&StoredRecord], key: &str) -> ArrayRef {
    let mut builder = BinaryBuilder::new();
    for row in rows {
        let value = row.record.headers.iter().rev().find(|h| h.key == key).and_then(|h| h.value.as_deref());
        builder.append_option(value);
    }
    Arc::new(builder.finish())
}

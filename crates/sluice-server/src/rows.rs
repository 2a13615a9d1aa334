//! Reading a transient query's rows back from its topic: the engine writes
//! them with JSON keys and values (see `sluice_engine::TransientQuery`),
//! and this turns each record into the row's columns as JSON values.

use chrono::{DateTime, NaiveTime, Timelike};
use serde_json::{Map, Value};
use sluice_catalog::{DataSource, Namespace, SqlType, WindowInfo, WINDOW_BOUNDS_COLUMNS};
use sluice_log::Record;
use sluice_runtime::split_window;

use crate::entities::schema_info;

/// Where a column's value is found in a record.
#[derive(Debug, Clone)]
enum Place {
    Key(String),
    Value(String),
    WindowStart,
    WindowEnd,
}

#[derive(Debug, Clone)]
struct OutputColumn {
    name: String,
    sql_type: SqlType,
    is_key: bool,
    place: Place,
}

/// One row of a transient query.
#[derive(Debug, Clone)]
pub struct Row {
    /// The record's key bytes (window included): a table's rows with equal
    /// keys update each other.
    pub key: Option<Vec<u8>>,
    /// The key as JSON (a single key column's value, or an object of
    /// them), without its window.
    pub key_value: Value,
    pub columns: Vec<Value>,
    /// The row deletes its key from a table.
    pub tombstone: bool,
}

impl Row {
    /// `{"row":{"columns":[..]}}`, with `"tombstone":true` for a deletion.
    pub fn to_json(&self) -> Value {
        let mut row = Map::new();
        row.insert("columns".into(), Value::Array(self.columns.clone()));
        if self.tombstone {
            row.insert("tombstone".into(), Value::Bool(true));
        }
        let mut item = Map::new();
        item.insert("row".into(), Value::Object(row));
        Value::Object(item)
    }
}

/// Decodes the records of one transient query's topic.
#[derive(Debug, Clone)]
pub struct RowReader {
    columns: Vec<OutputColumn>,
    key_count: usize,
    window: Option<WindowInfo>,
}

impl RowReader {
    /// A reader of `sink`'s records that shows the `shown` columns (name
    /// in the sink, name shown), in that order; every column of the sink
    /// when `shown` is empty. With `window_bounds` (a `SELECT *`), a
    /// windowed output shows its window bounds too.
    pub fn new(sink: &DataSource, shown: &[(String, String)], window_bounds: bool) -> Self {
        let key_count = sink.schema.key_columns().count();
        let all: Vec<OutputColumn> = sink
            .schema
            .columns()
            .iter()
            .map(|column| OutputColumn {
                name: column.name.clone(),
                sql_type: column.sql_type.clone(),
                is_key: column.namespace == Namespace::Key,
                place: match column.namespace {
                    Namespace::Key => Place::Key(column.name.clone()),
                    _ => Place::Value(column.name.clone()),
                },
            })
            .collect();
        let mut columns: Vec<OutputColumn> = if shown.is_empty() {
            all
        } else {
            shown
                .iter()
                .filter_map(|(name, display)| {
                    let column = all.iter().find(|c| c.name == *name)?;
                    // Selected window bounds are part of a windowed key.
                    let bound = sink.window.is_some() && WINDOW_BOUNDS_COLUMNS.contains(&display.as_str());
                    Some(OutputColumn {
                        name: display.clone(),
                        is_key: column.is_key || bound,
                        ..column.clone()
                    })
                })
                .collect()
        };
        // `SELECT *` of a windowed output shows the window after the key
        // columns, as ksqlDB does (unless the bounds were selected too).
        if sink.window.is_some() && window_bounds {
            let at = columns.iter().rposition(|c| c.is_key).map_or(0, |last| last + 1);
            let mut bounds = Vec::new();
            for (name, place) in [("WINDOWSTART", Place::WindowStart), ("WINDOWEND", Place::WindowEnd)] {
                if !columns.iter().any(|c| c.name == name) {
                    bounds.push(OutputColumn {
                        name: name.into(),
                        sql_type: SqlType::Bigint,
                        is_key: true,
                        place,
                    });
                }
            }
            columns.splice(at..at, bounds);
        }
        RowReader { columns, key_count, window: sink.window }
    }

    /// The header's schema, e.g. `` `ID` INTEGER KEY, `NAME` STRING ``.
    /// Pull queries on tables mark the key columns; other queries do not.
    pub fn schema(&self, mark_keys: bool) -> String {
        self.columns
            .iter()
            .map(|c| {
                let key = if mark_keys && c.is_key { " KEY" } else { "" };
                format!("`{}` {}{key}", c.name, c.sql_type)
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The shown columns' names, as `/query-stream`'s header lists them.
    pub fn column_names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }

    /// The shown columns' SQL types, e.g. `INTEGER`, `ARRAY<STRING>`.
    pub fn column_types(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.sql_type.to_string()).collect()
    }

    /// The shown columns as ksqlDB's FieldInfo list (`/ws/query`'s first
    /// message): `[{"name","schema":{"type",..}}, ..]`, with `"type":"KEY"`
    /// on key columns when `mark_keys`.
    pub fn fields(&self, mark_keys: bool) -> Value {
        let fields = self.columns.iter().map(|c| {
            let mut field = Map::new();
            field.insert("name".into(), Value::String(c.name.clone()));
            field.insert("schema".into(), schema_info(&c.sql_type));
            if mark_keys && c.is_key {
                field.insert("type".into(), Value::String("KEY".into()));
            }
            Value::Object(field)
        });
        Value::Array(fields.collect())
    }

    pub fn decode(&self, record: &Record) -> Result<Row, String> {
        let (key_bytes, window) = match (&record.key, &self.window) {
            (Some(key), Some(window)) => {
                let (inner, start, end) =
                    split_window(key, window).ok_or("a windowed key too short to hold its window")?;
                (Some(inner), Some((start, end)))
            }
            (key, _) => (key.as_deref(), None),
        };
        let key = match key_bytes {
            Some(bytes) if !bytes.is_empty() => {
                serde_json::from_slice::<Value>(bytes).map_err(|e| format!("unreadable key: {e}"))?
            }
            _ => Value::Null,
        };
        let value = match &record.value {
            Some(bytes) => {
                serde_json::from_slice::<Value>(bytes).map_err(|e| format!("unreadable value: {e}"))?
            }
            None => Value::Null,
        };
        let columns = self
            .columns
            .iter()
            .map(|c| match &c.place {
                // A single key column's value is the key itself.
                Place::Key(_) if self.key_count == 1 => shown(key.clone(), &c.sql_type),
                Place::Key(name) => shown(key.get(name).cloned().unwrap_or(Value::Null), &c.sql_type),
                Place::Value(name) => shown(value.get(name).cloned().unwrap_or(Value::Null), &c.sql_type),
                Place::WindowStart => window.map(|w| Value::from(w.0)).unwrap_or(Value::Null),
                Place::WindowEnd => window.map(|w| Value::from(w.1)).unwrap_or(Value::Null),
            })
            .collect();
        Ok(Row { key: record.key.clone(), key_value: key, columns, tombstone: record.value.is_none() })
    }
}

/// A value as ksqlDB's REST API shows it: the JSON format writes
/// TIMESTAMP, DATE and TIME as numbers (milliseconds since the epoch, days
/// since the epoch, milliseconds of the day); clients get ISO-8601 text,
/// `2021-01-31T10:15:00.000`, `2021-01-31` and `10:15`, in UTC.
fn shown(value: Value, sql_type: &SqlType) -> Value {
    // Most columns hold no time: they are passed on as read, not rebuilt.
    if !holds_time(sql_type) {
        return value;
    }
    match (sql_type, value) {
        (SqlType::Timestamp, Value::Number(n)) => {
            match n.as_i64().and_then(DateTime::from_timestamp_millis) {
                Some(t) => Value::String(t.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()),
                None => Value::Number(n),
            }
        }
        (SqlType::Date, Value::Number(n)) => {
            let date = n.as_i64().and_then(|days| DateTime::from_timestamp(days.checked_mul(86_400)?, 0));
            match date {
                Some(d) => Value::String(d.format("%Y-%m-%d").to_string()),
                None => Value::Number(n),
            }
        }
        (SqlType::Time, Value::Number(n)) => {
            let time = n.as_i64().and_then(|ms| {
                let ms = u32::try_from(ms).ok()?;
                NaiveTime::from_num_seconds_from_midnight_opt(ms / 1000, (ms % 1000) * 1_000_000)
            });
            match time {
                Some(t) => Value::String(java_local_time(t)),
                None => Value::Number(n),
            }
        }
        (SqlType::Array(element), Value::Array(items)) => {
            Value::Array(items.into_iter().map(|item| shown(item, element)).collect())
        }
        (SqlType::Map(_, element), Value::Object(entries)) => {
            Value::Object(entries.into_iter().map(|(k, v)| (k, shown(v, element))).collect())
        }
        (SqlType::Struct(fields), Value::Object(entries)) => Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let shown_value = match fields.iter().find(|(name, _)| *name == k) {
                        Some((_, field_type)) => shown(v, field_type),
                        None => v,
                    };
                    (k, shown_value)
                })
                .collect(),
        ),
        (_, other) => other,
    }
}

/// Whether values of `sql_type` have a TIMESTAMP, DATE or TIME in them.
fn holds_time(sql_type: &SqlType) -> bool {
    match sql_type {
        SqlType::Timestamp | SqlType::Date | SqlType::Time => true,
        SqlType::Array(element) | SqlType::Map(_, element) => holds_time(element),
        SqlType::Struct(fields) => fields.iter().any(|(_, t)| holds_time(t)),
        _ => false,
    }
}

/// A time of day as Java's LocalTime prints it: `HH:mm`, with seconds and
/// milliseconds only when they are not zero.
fn java_local_time(t: NaiveTime) -> String {
    if t.nanosecond() != 0 {
        t.format("%H:%M:%S%.3f").to_string()
    } else if t.second() != 0 {
        t.format("%H:%M:%S").to_string()
    } else {
        t.format("%H:%M").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_catalog::{Column, FormatSpec, LogicalSchema, WindowType};
    use sluice_sql::ast::SourceKind;

    fn sink(columns: Vec<Column>, window: Option<WindowInfo>) -> DataSource {
        let json = FormatSpec { name: "JSON".into(), ..FormatSpec::default() };
        DataSource {
            name: "T".into(),
            kind: SourceKind::Table,
            schema: LogicalSchema::new(columns),
            topic: "t".into(),
            key_format: json.clone(),
            value_format: json,
            wrap_single_value: None,
            timestamp: None,
            window,
            is_source: false,
            from_query: true,
            partitions: Some(1),
            replicas: None,
            retention_ms: None,
            sql: String::new(),
        }
    }

    fn column(name: &str, sql_type: SqlType, namespace: Namespace) -> Column {
        Column { name: name.into(), sql_type, namespace }
    }

    #[test]
    fn reads_windowed_keys_values_and_tombstones() {
        let window = WindowInfo { window_type: WindowType::Tumbling, size_ms: Some(10) };
        let reader = RowReader::new(
            &sink(
                vec![
                    column("K", SqlType::String, Namespace::Key),
                    column("C", SqlType::Bigint, Namespace::Value),
                ],
                Some(window),
            ),
            &[],
            true,
        );
        assert_eq!(
            reader.schema(true),
            "`K` STRING KEY, `WINDOWSTART` BIGINT KEY, `WINDOWEND` BIGINT KEY, `C` BIGINT"
        );
        assert_eq!(reader.schema(false), "`K` STRING, `WINDOWSTART` BIGINT, `WINDOWEND` BIGINT, `C` BIGINT");
        let bigint = serde_json::json!({ "type": "BIGINT", "fields": null, "memberSchema": null });
        assert_eq!(
            reader.fields(true)[1],
            serde_json::json!({ "name": "WINDOWSTART", "schema": bigint, "type": "KEY" })
        );
        assert_eq!(reader.fields(false)[3], serde_json::json!({ "name": "C", "schema": bigint }));
        let mut key = b"\"a\"".to_vec();
        sluice_runtime::append_window(&mut key, &window, 20, 30);
        let record =
            Record { key: Some(key.clone()), value: Some(b"{\"C\":3}".to_vec()), ..Record::default() };
        let row = reader.decode(&record).unwrap();
        assert_eq!(row.to_json().to_string(), r#"{"row":{"columns":["a",20,30,3]}}"#);
        let deleted = reader.decode(&Record { key: Some(key), value: None, ..Record::default() }).unwrap();
        assert_eq!(deleted.to_json().to_string(), r#"{"row":{"columns":["a",20,30,null],"tombstone":true}}"#);
    }

    #[test]
    fn shows_temporal_values_as_iso_text() {
        assert_eq!(shown(Value::from(1_612_088_100_005i64), &SqlType::Timestamp), "2021-01-31T10:15:00.005");
        assert_eq!(shown(Value::from(18_658), &SqlType::Date), "2021-01-31");
        assert_eq!(shown(Value::from(36_900_000), &SqlType::Time), "10:15");
        assert_eq!(shown(Value::from(36_901_500), &SqlType::Time), "10:15:01.500");
        let nested = SqlType::Struct(vec![("T".into(), SqlType::Array(Box::new(SqlType::Timestamp)))]);
        assert_eq!(
            shown(serde_json::json!({"T": [0, null]}), &nested),
            serde_json::json!({"T": ["1970-01-01T00:00:00.000", null]})
        );
        assert_eq!(shown(Value::from(7), &SqlType::Bigint), 7);
    }

    #[test]
    fn reads_several_key_columns_by_name_and_refuses_garbage() {
        let reader = RowReader::new(
            &sink(
                vec![
                    column("A", SqlType::Int, Namespace::Key),
                    column("B", SqlType::String, Namespace::Key),
                    column("V", SqlType::Double, Namespace::Value),
                ],
                None,
            ),
            &[("V".to_string(), "V".to_string()), ("B".to_string(), "SHOWN_B".to_string())],
            false,
        );
        let record = Record {
            key: Some(br#"{"B":"x","A":1}"#.to_vec()),
            value: Some(br#"{"V":1.5}"#.to_vec()),
            ..Record::default()
        };
        // A is not shown, but the key bytes are kept whole.
        assert_eq!(reader.schema(true), "`V` DOUBLE, `SHOWN_B` STRING KEY");
        let row = reader.decode(&record).unwrap();
        assert_eq!(row.columns, vec![Value::from(1.5), Value::from("x")]);
        assert_eq!(row.key.as_deref(), Some(&br#"{"B":"x","A":1}"#[..]));
        let garbage = Record { key: Some(b"{".to_vec()), ..Record::default() };
        assert!(reader.decode(&garbage).unwrap_err().contains("unreadable key"));
    }
}

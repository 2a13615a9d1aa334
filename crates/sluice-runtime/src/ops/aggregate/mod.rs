//! GROUP BY, with or without time windows: one running aggregate per group
//! (and window), and an updated row per group for every input row (no
//! caching: every update is emitted, as ksqlDB does with caching off).
//!
//! Over a table, a key's new row first retracts the key's previous row from
//! its group (emitting that group's updated row), then adds the new one.
//!
//! Windows follow Kafka Streams: stream time is the largest ROWTIME seen; a
//! record for a window whose end + grace <= stream time is late, dropped and
//! counted. A window's state is dropped once it can no longer change, so
//! state stays bounded.
//!
//! EMIT FINAL follows Kafka Streams' on-window-close emission, quirks
//! included, because ksqlDB's results do: each time the close time (stream
//! time - grace) advances, the windows that ended since the last emission
//! and are still retained are emitted, in start order. Without RETENTION a
//! window is retained while its end >= the close time, so a window whose
//! close time is skipped over by a jump in stream time is never emitted.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::row::{RowConverter, SortField};
use datafusion::common::ScalarValue;
// hashbrown with foldhash: the group maps are probed for every input row, and
// SipHash (std's default) was a visible share of the profile. Neither map is
// iterated, so the hasher cannot change any output order.
use datafusion::common::hash_map::EntryRef;
use datafusion::common::HashMap;
use sluice_functions::aggregate::{read_row, Accumulator};
use sluice_planner::{time_windows, AggregationPlan, WindowShape};

mod rows;
mod session;

pub use session::SessionAggregate;

use rows::{accumulators, scalars, GroupId, Inputs, Rows};

use super::Operator;
use crate::batch::Batch;
use crate::error::{Result, RuntimeError};

struct Group {
    key: Vec<ScalarValue>,
    accumulators: Vec<Box<dyn Accumulator>>,
    rowtime: i64,
    /// `[start, end)` for a windowed group.
    window: Option<(i64, i64)>,
}

/// What a table's key last contributed, so it can be taken back.
struct Contribution {
    group: Vec<u8>,
    args: Vec<Vec<ScalarValue>>,
}

pub struct Aggregate {
    plan: AggregationPlan,
    groups: HashMap<Vec<u8>, Group>,
    contributions: HashMap<Vec<u8>, Contribution>,
    group_rows: RowConverter,
    source_key_rows: Option<RowConverter>,
    stream_time: i64,
    late_records: u64,
    /// Windowed groups by window start: the group keys of each window.
    /// (A set of (start, key) pairs compared whole keys at every level for
    /// each new group; a record's windows are few, so the starts are too.)
    windows: BTreeMap<i64, Vec<Vec<u8>>>,
    /// EMIT FINAL: the close time of the last emission.
    last_emit_close: Option<i64>,
    /// The stream time from which [`Aggregate::close_windows`] may have
    /// something to do: the earliest window held is then due to be emitted
    /// or dropped. Until then, for almost every row, it is not called.
    close_due_at: i64,
    /// With HAVING: the result rows that passed it and were not deleted.
    present: HashSet<GroupId>,
}

impl Aggregate {
    pub fn new(plan: AggregationPlan, input: &SchemaRef, changelog: bool) -> Result<Self> {
        let group_fields = plan.group_by.iter().map(|g| SortField::new(g.data_type().clone())).collect();
        let source_key_rows = if changelog {
            let fields = plan
                .source_key_columns
                .iter()
                .map(|&i| SortField::new(input.field(i).data_type().clone()))
                .collect();
            Some(RowConverter::new(fields)?)
        } else {
            None
        };
        if matches!(plan.window.map(|w| w.shape), Some(WindowShape::Session { .. })) {
            return Err(RuntimeError::Invalid("session windows run in the session operator".into()));
        }
        Ok(Aggregate {
            group_rows: RowConverter::new(group_fields)?,
            source_key_rows,
            plan,
            groups: HashMap::default(),
            contributions: HashMap::default(),
            stream_time: i64::MIN,
            late_records: 0,
            windows: BTreeMap::new(),
            last_emit_close: None,
            close_due_at: i64::MAX,
            present: HashSet::new(),
        })
    }

    /// The windows of a record at `rowtime` that are still open, as
    /// `(start, end)`, into `open` (cleared first; a buffer reused across
    /// rows); counts the record as late when none is.
    fn open_windows(&mut self, rowtime: i64, open: &mut Vec<Option<(i64, i64)>>) {
        open.clear();
        let Some(window) = self.plan.window else {
            open.push(None);
            return;
        };
        let WindowShape::Time { size, advance } = window.shape else { return };
        let grace = window.grace as i64;
        open.extend(
            time_windows(rowtime, size, advance)
                .map(|start| (start, start + size as i64))
                .filter(|(_, end)| end.saturating_add(grace) > self.stream_time)
                .map(Some),
        );
        if open.is_empty() {
            self.late_records += 1;
        }
    }

    /// Emits (EMIT FINAL) and drops windows as stream time moves on.
    fn close_windows(&mut self, rows: &mut Rows) {
        let Some(window) = self.plan.window else { return };
        let WindowShape::Time { size, .. } = window.shape else { return };
        let (size, grace) = (size as i64, window.grace as i64);
        let close_time = self.stream_time.saturating_sub(grace);
        // The first window start still retained.
        let first_retained = match window.retention {
            Some(retention) => self.stream_time.saturating_sub(retention as i64) + 1,
            None if window.emit_final => close_time.saturating_sub(size),
            // Once closed, an EMIT CHANGES window never changes again.
            None => close_time.saturating_sub(size) + 1,
        };
        let progressed = self.last_emit_close.is_none_or(|last| close_time > last);
        if window.emit_final && progressed && close_time - size >= 0 {
            // Nothing is due while the earliest window held starts after
            // close_time - size: the range search (which ran for every row)
            // would find nothing.
            let any_due =
                self.windows.first_key_value().is_some_and(|(start, _)| *start <= close_time - size);
            if any_due {
                let ended_after = self.last_emit_close.map_or(i64::MIN, |last| last - size);
                let (from, to) = (ended_after.saturating_add(1).max(first_retained), close_time - size);
                let due: Vec<i64> = if from <= to {
                    self.windows.range(from..=to).map(|(start, _)| *start).collect()
                } else {
                    Vec::new()
                };
                for start in due {
                    let Some(mut keys) = self.windows.remove(&start) else { continue };
                    // Within a window, in the order of the group keys' bytes.
                    keys.sort_unstable();
                    for key in keys {
                        if let Some(group) = self.groups.remove(&key) {
                            rows.push(&group.key, &group.accumulators, group.rowtime, group.window);
                        }
                    }
                }
            }
            self.last_emit_close = Some(close_time);
        }
        while let Some(first) = self.windows.first_entry() {
            if *first.key() >= first_retained {
                break;
            }
            for key in first.remove() {
                self.groups.remove(&key);
            }
        }
        self.close_due_at =
            self.windows.first_key_value().map_or(i64::MAX, |(start, _)| due_at(&self.plan, *start));
    }
}

/// The stream time from which a time window starting at `start` is
/// due to be emitted (its end + grace) or dropped (past its retention),
/// whichever comes first; at or before the exact moment, never after.
fn due_at(plan: &AggregationPlan, start: i64) -> i64 {
    let Some(window) = plan.window else { return i64::MAX };
    let WindowShape::Time { size, .. } = window.shape else { return i64::MAX };
    let closes = (size as i64).saturating_add(window.grace as i64);
    let after = window.retention.map_or(closes, |retention| closes.min(retention as i64));
    start.saturating_add(after)
}

impl Operator for Aggregate {
    fn keeps_state(&self) -> bool {
        true
    }

    fn late_records(&self) -> u64 {
        self.late_records
    }

    fn state_size(&self) -> usize {
        self.groups.len()
    }

    fn process(&mut self, batch: Batch, out: &mut Vec<Batch>) -> Result<()> {
        let data = &batch.data;
        let Inputs { keys, args, rowtimes } = Inputs::evaluate(&self.plan, data)?;
        let group_rows = self.group_rows.convert_columns(&keys)?;
        let source_keys = match &self.source_key_rows {
            Some(converter) => {
                let columns: Vec<ArrayRef> =
                    self.plan.source_key_columns.iter().map(|&i| Arc::clone(data.column(i))).collect();
                Some(converter.convert_columns(&columns)?)
            }
            None => None,
        };
        let emit_final = self.plan.window.is_some_and(|w| w.emit_final);

        let mut rows = Rows::default();
        let mut key_buffer: Vec<u8> = Vec::new();
        let mut windows: Vec<Option<(i64, i64)>> = Vec::new();
        // Over a table, each aggregate's argument values at the current row
        // (kept to be taken back later), in buffers reused across rows.
        let mut row_args: Vec<Vec<ScalarValue>> = args.iter().map(|a| Vec::with_capacity(a.len())).collect();
        // Over a stream the accumulators read the argument arrays themselves.
        let mut scratch: Vec<ScalarValue> = Vec::new();
        for row in 0..data.num_rows() {
            let rowtime = rowtimes.value(row);
            if let Some(source_keys) = &source_keys {
                let source_key = source_keys.row(row).as_ref().to_vec();
                if let Some(previous) = self.contributions.remove(&source_key) {
                    // A new row for the same group updates it once, as
                    // Kafka Streams does: no separate row for the retraction.
                    let same_group = !batch.is_tombstone(row)
                        && !keys.iter().any(|k| k.is_null(row))
                        && previous.group == group_rows.row(row).as_ref();
                    if let Some(group) = self.groups.get_mut(&previous.group) {
                        for (acc, values) in group.accumulators.iter_mut().zip(&previous.args) {
                            acc.retract(values).map_err(RuntimeError::Invalid)?;
                        }
                        group.rowtime = group.rowtime.max(rowtime);
                        if !same_group {
                            rows.push(&group.key, &group.accumulators, group.rowtime, group.window);
                        }
                    }
                }
                if batch.is_tombstone(row) {
                    continue;
                }
            }
            // A null row, or one whose group key is null, belongs to no group.
            if batch.is_tombstone(row) || keys.iter().any(|k| k.is_null(row)) {
                continue;
            }
            self.stream_time = self.stream_time.max(rowtime);
            if source_keys.is_some() {
                for (values, arrays) in row_args.iter_mut().zip(&args) {
                    read_row(arrays, row, values).map_err(RuntimeError::Invalid)?;
                }
            }
            let group_row = group_rows.row(row);
            self.open_windows(rowtime, &mut windows);
            for &window in &windows {
                // The group's key is built in a buffer reused across rows; it
                // is copied only when the group is new (or a table's row
                // records its contribution).
                key_buffer.clear();
                key_buffer.extend_from_slice(group_row.as_ref());
                if let Some((start, _)) = window {
                    key_buffer.extend_from_slice(&start.to_be_bytes());
                }
                // One hash lookup per row and window (entry_ref copies the
                // key only when it inserts).
                let group = match self.groups.entry_ref(key_buffer.as_slice()) {
                    EntryRef::Occupied(entry) => entry.into_mut(),
                    EntryRef::Vacant(entry) => {
                        if let Some((start, _)) = window {
                            self.windows.entry(start).or_default().push(key_buffer.clone());
                            self.close_due_at = self.close_due_at.min(due_at(&self.plan, start));
                        }
                        let key = scalars(&keys, row)?;
                        entry.insert(Group {
                            key,
                            accumulators: accumulators(&self.plan)?,
                            rowtime: i64::MIN,
                            window,
                        })
                    }
                };
                let group_key = key_buffer.as_slice();
                if source_keys.is_some() {
                    for (acc, values) in group.accumulators.iter_mut().zip(&row_args) {
                        acc.add(values).map_err(RuntimeError::Invalid)?;
                    }
                } else {
                    for (acc, arrays) in group.accumulators.iter_mut().zip(&args) {
                        acc.add_at(arrays, row, &mut scratch).map_err(RuntimeError::Invalid)?;
                    }
                }
                group.rowtime = group.rowtime.max(rowtime);
                if !emit_final {
                    rows.push(&group.key, &group.accumulators, group.rowtime, group.window);
                }
                if let Some(source_keys) = &source_keys {
                    let source_key = source_keys.row(row).as_ref().to_vec();
                    self.contributions.insert(
                        source_key,
                        Contribution { group: group_key.to_vec(), args: row_args.clone() },
                    );
                }
            }
            if self.stream_time >= self.close_due_at {
                self.close_windows(&mut rows);
            }
        }
        if !rows.is_empty() {
            out.push(rows.into_batch(&self.plan, &mut self.present)?);
        }
        Ok(())
    }
}

//! Joins, row by row in arrival order. See `sluice_planner::join` for the
//! joined row. Stream-stream joins buffer both sides for the window; a
//! stream-table join keeps the table's latest rows; a table-table join keeps
//! both tables and emits the joined row (or its deletion) on every change.
//!
//! Unmatched rows of LEFT/RIGHT/FULL stream-stream joins are emitted at
//! once, padded with nulls (ksqlDB's behaviour without GRACE PERIOD).

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, BooleanArray, Int64Array, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::row::{RowConverter, SortField};
use datafusion::common::ScalarValue;
use sluice_planner::{JoinPlan, JoinShape, ROWTIME};
use sluice_sql::ast::JoinKind;

use super::Operator;
use crate::batch::{scalar_column as column, Batch};
use crate::error::{Result, RuntimeError};

const DAY_MS: i64 = 86_400_000;

#[derive(Clone)]
struct Entry {
    values: Vec<ScalarValue>,
    ts: i64,
}

pub struct Join {
    plan: JoinPlan,
    key_type: DataType,
    keys: RowConverter,
    /// Per side: rows by join key (a table keeps one per key).
    state: [HashMap<Vec<u8>, Vec<Entry>>; 2],
    widths: [usize; 2],
    stream_time: i64,
    late_records: u64,
    /// Foreign-key joins: the left table by primary key, with each row's
    /// foreign key, and the left keys that point at each right key.
    left_primary_keys: Option<RowConverter>,
    fk_left: HashMap<Vec<u8>, (Entry, Vec<u8>)>,
    fk_index: HashMap<Vec<u8>, Vec<Vec<u8>>>,
    /// The last row of each left key, to name the key of its deletion.
    last_left: HashMap<Vec<u8>, Entry>,
}

/// One joined row waiting to be written.
struct Joined {
    left: Option<Vec<ScalarValue>>,
    right: Option<Vec<ScalarValue>>,
    ts: i64,
    tombstone: bool,
}

impl Join {
    pub fn new(plan: JoinPlan, left_schema: &datafusion::arrow::datatypes::SchemaRef) -> Result<Self> {
        let key_type = plan.left_key.data_type().clone();
        let left_primary_keys = match plan.shape {
            JoinShape::ForeignKey => Some(RowConverter::new(
                plan.left_primary_key
                    .iter()
                    .map(|&i| SortField::new(left_schema.field(i).data_type().clone()))
                    .collect(),
            )?),
            _ => None,
        };
        let width = plan.joined_schema.fields().len() - 1;
        let widths = [plan.left_width, width - plan.left_width];
        Ok(Join {
            keys: RowConverter::new(vec![SortField::new(key_type.clone())])?,
            key_type,
            plan,
            state: [HashMap::new(), HashMap::new()],
            widths,
            stream_time: i64::MIN,
            late_records: 0,
            left_primary_keys,
            fk_left: HashMap::new(),
            fk_index: HashMap::new(),
            last_left: HashMap::new(),
        })
    }

    fn is_table(&self, side: usize) -> bool {
        match self.plan.shape {
            JoinShape::StreamStream { .. } => false,
            JoinShape::StreamTable => side == 1,
            JoinShape::TableTable | JoinShape::ForeignKey => true,
        }
    }

    fn keeps(&self, side: usize) -> bool {
        match self.plan.kind {
            JoinKind::Inner => false,
            JoinKind::Left => side == 0,
            JoinKind::Right => side == 1,
            JoinKind::Full => true,
        }
    }

    fn row(&mut self, side: usize, key: Vec<u8>, entry: Option<Entry>, ts: i64, out: &mut Vec<Joined>) {
        let other = 1 - side;
        let pair = |mine: Vec<ScalarValue>, theirs: Option<Vec<ScalarValue>>| {
            if side == 0 {
                (Some(mine), theirs)
            } else {
                (theirs, Some(mine))
            }
        };
        match self.plan.shape {
            JoinShape::StreamStream { before, after, grace } => {
                let Some(entry) = entry else { return };
                let window = before + after + grace.unwrap_or(DAY_MS);
                if ts < self.stream_time.saturating_sub(window) {
                    self.late_records += 1;
                    return;
                }
                // The other side's rows that fall in this row's window.
                let (from, to) =
                    if side == 0 { (ts - before, ts + after) } else { (ts - after, ts + before) };
                let mut matches: Vec<Entry> = self.state[other]
                    .get(&key)
                    .map(|rows| rows.iter().filter(|r| r.ts >= from && r.ts <= to).cloned().collect())
                    .unwrap_or_default();
                matches.sort_by_key(|r| r.ts);
                if matches.is_empty() && self.keeps(side) {
                    let (left, right) = pair(entry.values.clone(), None);
                    out.push(Joined { left, right, ts, tombstone: false });
                }
                for m in matches {
                    let (left, right) = pair(entry.values.clone(), Some(m.values));
                    out.push(Joined { left, right, ts: ts.max(m.ts), tombstone: false });
                }
                self.state[side].entry(key).or_default().push(entry);
            }
            JoinShape::StreamTable if side == 1 => match entry {
                Some(entry) => {
                    self.state[1].insert(key, vec![entry]);
                }
                None => {
                    self.state[1].remove(&key);
                }
            },
            JoinShape::StreamTable => {
                let Some(entry) = entry else { return };
                let table = self.state[1].get(&key).and_then(|rows| rows.last()).map(|r| r.values.clone());
                if table.is_some() || self.keeps(0) {
                    out.push(Joined { left: Some(entry.values), right: table, ts, tombstone: false });
                }
            }
            JoinShape::ForeignKey => {
                // Handled with the left table's primary keys in `foreign_key`.
            }
            JoinShape::TableTable => {
                let previous = match &entry {
                    Some(entry) => self.state[side].insert(key.clone(), vec![entry.clone()]),
                    None => self.state[side].remove(&key),
                };
                let theirs = self.state[other].get(&key).and_then(|rows| rows.last()).cloned();
                let mine_present = entry.is_some();
                let emit = mine_present && (theirs.is_some() || self.keeps(side))
                    || !mine_present && previous.is_some() && (theirs.is_some() || self.keeps(side))
                    || theirs.is_some() && self.keeps(other);
                if !emit {
                    return;
                }
                let joined_ts = theirs.as_ref().map_or(ts, |t| ts.max(t.ts));
                let both_needed_missing = match self.plan.kind {
                    JoinKind::Inner => !mine_present || theirs.is_none(),
                    JoinKind::Left => (side == 0 && !mine_present) || (side == 1 && theirs.is_none()),
                    JoinKind::Right => (side == 1 && !mine_present) || (side == 0 && theirs.is_none()),
                    JoinKind::Full => !mine_present && theirs.is_none(),
                };
                // A deleted row still names the key of the deletion.
                let mine = entry.or(previous.and_then(|p| p.last().cloned())).map(|e| e.values);
                let Some(mine) = mine else { return };
                let (left, right) = pair(mine, theirs.map(|t| t.values));
                out.push(Joined { left, right, ts: joined_ts, tombstone: both_needed_missing });
            }
        }
    }

    fn output(&self, rows: Vec<Joined>) -> Result<Batch> {
        let schema = Arc::clone(&self.plan.joined_schema);
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
        for (side, offset) in [(0usize, 0usize), (1, self.widths[0])] {
            for i in 0..self.widths[side] {
                let field = schema.field(offset + i);
                let values: Vec<ScalarValue> = rows
                    .iter()
                    .map(|r| {
                        let values = if side == 0 { &r.left } else { &r.right };
                        values.as_ref().map(|v| v[i].clone()).unwrap_or(ScalarValue::Null)
                    })
                    .collect();
                columns.push(column(values, field.data_type())?);
            }
        }
        columns.push(Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.ts))));
        let tombstones = rows
            .iter()
            .any(|r| r.tombstone)
            .then(|| BooleanArray::from_iter(rows.iter().map(|r| Some(r.tombstone))));
        Ok(Batch { data: RecordBatch::try_new(schema, columns)?, tombstones, headers: None })
    }
}

impl Operator for Join {
    fn keeps_state(&self) -> bool {
        true
    }

    fn process(&mut self, batch: Batch, out: &mut Vec<Batch>) -> Result<()> {
        self.process_input(0, batch, out)
    }

    fn process_input(&mut self, side: usize, batch: Batch, out: &mut Vec<Batch>) -> Result<()> {
        let data = &batch.data;
        let key_expr = if side == 0 { &self.plan.left_key } else { &self.plan.right_key };
        let keys = key_expr.evaluate(data)?;
        let keys = if keys.data_type() == &self.key_type { keys } else { cast(&keys, &self.key_type)? };
        let encoded = self.keys.convert_columns(&[Arc::clone(&keys)])?;
        let rowtimes = data
            .column_by_name(ROWTIME)
            .and_then(|c| c.as_any().downcast_ref::<Int64Array>())
            .cloned()
            .ok_or_else(|| RuntimeError::Invalid("input batch has no ROWTIME column".into()))?;
        let left_keys = match (&self.left_primary_keys, side) {
            (Some(converter), 0) => {
                let columns: Vec<ArrayRef> =
                    self.plan.left_primary_key.iter().map(|&i| Arc::clone(data.column(i))).collect();
                Some(converter.convert_columns(&columns)?)
            }
            _ => None,
        };
        let mut joined = Vec::new();
        for row in 0..data.num_rows() {
            // A foreign-key join still hears of a left row whose foreign
            // key is null: its old joined row goes away.
            if keys.is_null(row) && !(self.plan.shape == JoinShape::ForeignKey && side == 0) {
                continue;
            }
            let ts = rowtimes.value(row);
            self.stream_time = self.stream_time.max(ts);
            let deleted = batch.is_tombstone(row);
            if deleted && !self.is_table(side) {
                continue;
            }
            let entry = if deleted {
                None
            } else {
                let values = (0..self.widths[side])
                    .map(|c| ScalarValue::try_from_array(data.column(c), row))
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|e| RuntimeError::Invalid(e.to_string()))?;
                Some(Entry { values, ts })
            };
            let key = encoded.row(row).as_ref().to_vec();
            if self.plan.shape == JoinShape::ForeignKey {
                let left_key = left_keys.as_ref().map(|k| k.row(row).as_ref().to_vec());
                self.foreign_key(side, key, left_key, entry, ts, &mut joined);
            } else {
                self.row(side, key, entry, ts, &mut joined);
            }
        }
        self.expire();
        if !joined.is_empty() {
            out.push(self.output(joined)?);
        }
        Ok(())
    }

    fn late_records(&self) -> u64 {
        self.late_records
    }

    fn state_size(&self) -> usize {
        self.state.iter().map(|s| s.values().map(Vec::len).sum::<usize>()).sum()
    }
}

impl Join {
    /// A change to either table of a foreign-key join. `key` is the join
    /// key (the left row's foreign key, or the right row's primary key);
    /// `left_key` the left row's primary key.
    fn foreign_key(
        &mut self,
        side: usize,
        key: Vec<u8>,
        left_key: Option<Vec<u8>>,
        entry: Option<Entry>,
        ts: i64,
        out: &mut Vec<Joined>,
    ) {
        let left_join = self.plan.kind == JoinKind::Left;
        if side == 0 {
            let Some(left_key) = left_key else { return };
            if let Some((_, old_fk)) = self.fk_left.remove(&left_key) {
                if let Some(keys) = self.fk_index.get_mut(&old_fk) {
                    keys.retain(|k| *k != left_key);
                }
            }
            let Some(entry) = entry else {
                // The left row is gone: so is its joined row, whatever it was.
                if let Some(previous) = self.last_left.remove(&left_key) {
                    out.push(Joined { left: Some(previous.values), right: None, ts, tombstone: true });
                }
                return;
            };
            self.last_left.insert(left_key.clone(), entry.clone());
            self.fk_index.entry(key.clone()).or_default().push(left_key.clone());
            self.fk_left.insert(left_key, (entry.clone(), key.clone()));
            let right = self.state[1].get(&key).and_then(|r| r.last()).cloned();
            match right {
                Some(r) => out.push(Joined {
                    left: Some(entry.values),
                    right: Some(r.values),
                    ts: ts.max(r.ts),
                    tombstone: false,
                }),
                None if left_join => {
                    out.push(Joined { left: Some(entry.values), right: None, ts, tombstone: false })
                }
                None => {}
            }
            return;
        }
        match &entry {
            Some(e) => {
                self.state[1].insert(key.clone(), vec![e.clone()]);
            }
            None => {
                self.state[1].remove(&key);
            }
        }
        for left_key in self.fk_index.get(&key).cloned().unwrap_or_default() {
            let Some((left, _)) = self.fk_left.get(&left_key).cloned() else { continue };
            match &entry {
                Some(r) => out.push(Joined {
                    left: Some(left.values),
                    right: Some(r.values.clone()),
                    ts: ts.max(left.ts),
                    tombstone: false,
                }),
                None => out.push(Joined { left: Some(left.values), right: None, ts, tombstone: !left_join }),
            }
        }
    }

    /// Stream-stream buffers keep only rows a new record could still join.
    fn expire(&mut self) {
        if let JoinShape::StreamStream { before, after, grace } = self.plan.shape {
            let oldest = self.stream_time.saturating_sub(before + after + grace.unwrap_or(DAY_MS));
            for side in &mut self.state {
                side.retain(|_, rows| {
                    rows.retain(|r| r.ts >= oldest);
                    !rows.is_empty()
                });
            }
        }
    }
}

/// Several joins applied in order: input 0 and 1 feed the first join; input
/// `i + 1` is the right side of join `i`, whose left side is the rows the
/// join before it produced.
pub struct JoinChain {
    stages: Vec<Join>,
}

impl JoinChain {
    pub fn new(plans: &[JoinPlan], first_schema: &datafusion::arrow::datatypes::SchemaRef) -> Result<Self> {
        let mut stages = Vec::with_capacity(plans.len());
        for (i, plan) in plans.iter().enumerate() {
            let left_schema =
                if i == 0 { Arc::clone(first_schema) } else { Arc::clone(&plans[i - 1].joined_schema) };
            stages.push(Join::new(plan.clone(), &left_schema)?);
        }
        Ok(JoinChain { stages })
    }
}

impl Operator for JoinChain {
    fn keeps_state(&self) -> bool {
        true
    }

    fn process(&mut self, batch: Batch, out: &mut Vec<Batch>) -> Result<()> {
        self.process_input(0, batch, out)
    }

    fn process_input(&mut self, input: usize, batch: Batch, out: &mut Vec<Batch>) -> Result<()> {
        let (first, side) = if input == 0 { (0, 0) } else { (input - 1, 1) };
        let mut batches = vec![(side, batch)];
        for stage in self.stages.iter_mut().skip(first) {
            let mut next = Vec::new();
            for (side, batch) in batches {
                stage.process_input(side, batch, &mut next)?;
            }
            batches = next.into_iter().map(|b| (0, b)).collect();
        }
        out.extend(batches.into_iter().map(|(_, b)| b));
        Ok(())
    }

    fn late_records(&self) -> u64 {
        self.stages.iter().map(|s| s.late_records()).sum()
    }

    fn state_size(&self) -> usize {
        self.stages.iter().map(|s| s.state_size()).sum()
    }
}

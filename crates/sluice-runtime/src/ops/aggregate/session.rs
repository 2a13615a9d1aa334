//! GROUP BY over session windows, as Kafka Streams aggregates sessions.
//!
//! A session is `[start, end]` of records no more than `gap` apart. A record
//! joins every session of its group within `gap` of it; they merge into one.
//! With EMIT CHANGES each replaced session is deleted (a tombstone at its
//! end) before the merged session's row is emitted.
//!
//! As in Kafka Streams, the close time is stream time - grace - gap: a record
//! whose merged session ends before it is late, dropped and counted, and a
//! session ending at or before it is closed: no record can reach it any
//! more, so its state is dropped (with EMIT FINAL, after it is emitted).
//!
//! Aggregates cannot merge, so a session keeps its rows' arguments and a
//! merge replays them (sessions in start order, rows in arrival order).

use std::collections::{HashMap, HashSet};

use datafusion::arrow::array::Array;
use datafusion::arrow::row::{RowConverter, SortField};
use datafusion::common::ScalarValue;
use sluice_functions::aggregate::Accumulator;
use sluice_planner::{AggregationPlan, WindowShape};

use super::rows::{accumulators, scalars, GroupId, Inputs, Rows};
use crate::batch::Batch;
use crate::error::{Result, RuntimeError};
use crate::ops::Operator;

struct Session {
    start: i64,
    end: i64,
    /// Each row's aggregate arguments, in arrival order.
    rows: Vec<Vec<Vec<ScalarValue>>>,
    accumulators: Vec<Box<dyn Accumulator>>,
}

struct Group {
    key: Vec<ScalarValue>,
    /// Sessions in start order; they never overlap.
    sessions: Vec<Session>,
}

pub struct SessionAggregate {
    plan: AggregationPlan,
    gap: i64,
    grace: i64,
    emit_final: bool,
    group_rows: RowConverter,
    groups: HashMap<Vec<u8>, Group>,
    stream_time: i64,
    late_records: u64,
    /// With HAVING: the result rows that passed it and were not deleted.
    present: HashSet<GroupId>,
    /// At most the smallest end of the sessions held (a lower bound: merges
    /// may remove the session that had it). While the close time is below it
    /// no session can close, and `close` skips its pass over every group,
    /// which otherwise ran for every input row.
    min_end: i64,
}

impl SessionAggregate {
    pub fn new(plan: AggregationPlan) -> Result<Self> {
        let Some(window) = plan.window else {
            return Err(RuntimeError::Invalid("a session aggregation needs a window".into()));
        };
        let WindowShape::Session { gap } = window.shape else {
            return Err(RuntimeError::Invalid("not a session window".into()));
        };
        let fields = plan.group_by.iter().map(|g| SortField::new(g.data_type().clone())).collect();
        Ok(SessionAggregate {
            group_rows: RowConverter::new(fields)?,
            gap: gap as i64,
            grace: window.grace as i64,
            emit_final: window.emit_final,
            plan,
            groups: HashMap::new(),
            stream_time: i64::MIN,
            late_records: 0,
            present: HashSet::new(),
            min_end: i64::MAX,
        })
    }

    fn add(
        &mut self,
        group_key: Vec<u8>,
        key: Vec<ScalarValue>,
        ts: i64,
        args: Vec<Vec<ScalarValue>>,
        rows: &mut Rows,
    ) -> Result<()> {
        let close_time = self.close_time();
        let gap = self.gap;
        let group = self.groups.entry(group_key).or_insert_with(|| Group { key, sessions: Vec::new() });
        let touching: Vec<usize> = group
            .sessions
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.end > close_time && s.end >= ts.saturating_sub(gap) && s.start <= ts.saturating_add(gap)
            })
            .map(|(i, _)| i)
            .collect();
        let start = touching.iter().map(|&i| group.sessions[i].start).fold(ts, i64::min);
        let end = touching.iter().map(|&i| group.sessions[i].end).fold(ts, i64::max);
        if end < close_time {
            self.late_records += 1;
            return Ok(());
        }
        // Take the touched sessions out (they are contiguous in start order).
        let merged: Vec<Session> = match (touching.first(), touching.last()) {
            (Some(&first), Some(&last)) => group.sessions.drain(first..=last).collect(),
            _ => Vec::new(),
        };
        if !self.emit_final && (start, end) != (ts, ts) {
            for old in &merged {
                rows.push_tombstone(&group.key, self.plan.aggregates.len(), old.end, (old.start, old.end));
            }
        }
        let mut session = match merged.len() {
            0 => Session { start, end, rows: Vec::new(), accumulators: accumulators(&self.plan)? },
            // Extending one session: its accumulators carry on.
            1 => merged
                .into_iter()
                .next()
                .map(|s| Session { start, end, ..s })
                .ok_or_else(|| RuntimeError::Invalid("a merged session vanished".into()))?,
            _ => {
                let mut accs = accumulators(&self.plan)?;
                let mut all_rows = Vec::new();
                for old in merged {
                    for row in &old.rows {
                        for (acc, values) in accs.iter_mut().zip(row) {
                            acc.add(values).map_err(RuntimeError::Invalid)?;
                        }
                    }
                    all_rows.extend(old.rows);
                }
                Session { start, end, rows: all_rows, accumulators: accs }
            }
        };
        for (acc, values) in session.accumulators.iter_mut().zip(&args) {
            acc.add(values).map_err(RuntimeError::Invalid)?;
        }
        session.rows.push(args);
        if !self.emit_final {
            rows.push(&group.key, &session.accumulators, end, Some((start, end)));
        }
        let position = group.sessions.partition_point(|s| s.start < start);
        group.sessions.insert(position, session);
        self.min_end = self.min_end.min(end);
        Ok(())
    }

    fn close_time(&self) -> i64 {
        self.stream_time.saturating_sub(self.grace).saturating_sub(self.gap)
    }

    /// Drops closed sessions; with EMIT FINAL emits them first, by end.
    fn close(&mut self, rows: &mut Rows) {
        let close_time = self.close_time();
        // Sessions close when their end <= the close time: none can yet.
        if close_time < self.min_end {
            return;
        }
        if self.emit_final {
            let mut due: Vec<(i64, i64, &Vec<ScalarValue>, &Session)> = Vec::new();
            for group in self.groups.values() {
                for session in group.sessions.iter().filter(|s| s.end <= close_time) {
                    due.push((session.end, session.start, &group.key, session));
                }
            }
            due.sort_by_key(|(end, start, _, _)| (*end, *start));
            for (end, start, key, session) in &due {
                rows.push(key, &session.accumulators, *end, Some((*start, *end)));
            }
        }
        self.groups.retain(|_, group| {
            group.sessions.retain(|s| s.end > close_time);
            !group.sessions.is_empty()
        });
        self.min_end =
            self.groups.values().flat_map(|g| g.sessions.iter().map(|s| s.end)).min().unwrap_or(i64::MAX);
    }
}

impl Operator for SessionAggregate {
    fn keeps_state(&self) -> bool {
        true
    }

    fn late_records(&self) -> u64 {
        self.late_records
    }

    fn state_size(&self) -> usize {
        self.groups.values().map(|g| g.sessions.len()).sum()
    }

    fn process(&mut self, batch: Batch, out: &mut Vec<Batch>) -> Result<()> {
        let data = &batch.data;
        let Inputs { keys, args, rowtimes } = Inputs::evaluate(&self.plan, data)?;
        let group_rows = self.group_rows.convert_columns(&keys)?;
        let mut rows = Rows::default();
        for row in 0..data.num_rows() {
            if batch.is_tombstone(row) || keys.iter().any(|k| k.is_null(row)) {
                continue;
            }
            let ts = rowtimes.value(row);
            self.stream_time = self.stream_time.max(ts);
            let row_args = args.iter().map(|arrays| scalars(arrays, row)).collect::<Result<Vec<_>>>()?;
            let group_key = group_rows.row(row).as_ref().to_vec();
            self.add(group_key, scalars(&keys, row)?, ts, row_args, &mut rows)?;
            self.close(&mut rows);
        }
        if !rows.is_empty() {
            out.push(rows.into_batch(&self.plan, &mut self.present)?);
        }
        Ok(())
    }
}

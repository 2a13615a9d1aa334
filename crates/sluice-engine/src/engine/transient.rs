//! Transient queries: a client's push or pull query, run like a persistent
//! query but writing its rows to a topic of its own in the engine's
//! in-memory scratch log ([`Engine::transient_log`]), which the caller reads
//! back (the server streams it to the client). The rows never reach the
//! main log: not the disk, not Kafka.
//!
//! Persistent queries have rules a client's query does not: their output
//! must hold the source's key columns and some value column, and must not
//! name a column like a pseudo column. The SELECT is rewritten to satisfy
//! them, and [`TransientQuery::shown`] says which of the sink's columns the
//! client asked for, under which names, in which order.

use sluice_catalog::{is_reserved_column_name, DataSource, FormatSpec, LogicalSchema};
use sluice_log::Log;
use sluice_planner::{has_aggregate, plan_transient_select, PlanError, ROWTIME};
use sluice_sql::ast::{Expr, Ident, Literal, Select, SelectItem, SourceKind, Statement};

use super::Engine;
use crate::error::Result;

/// The topics of transient queries start with this, so that listings can
/// leave them out.
pub const TRANSIENT_TOPIC_PREFIX: &str = "_sluice_transient_";

/// What the sink calls a column the client named like a pseudo column.
const PSEUDO_ALIAS_PREFIX: &str = "SLUICE_PSEUDO_";
/// The value column added to a query that selects only key columns.
const HIDDEN_VALUE: &str = "SLUICE_HIDDEN_ROWTIME";

/// Where a table scan meets a row (see [`Engine::scan_positions`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScanPosition {
    pub partition: u32,
    pub key: Vec<u8>,
    pub window_start: i64,
}

/// The names of the grouping columns added to a push query.
const HIDDEN_GROUP_PREFIX: &str = "SLUICE_GROUP_";

/// A client's aggregation need not select what it groups by, and may
/// aggregate without GROUP BY (everything is then one group), as ksqlDB's
/// push queries allow; a persistent query must select every grouping
/// expression. Adds what is missing to `select`, and returns the names of
/// the columns added.
fn hide_grouping(select: &mut Select) -> Vec<String> {
    let aggregates =
        select.items.iter().any(|i| matches!(i, SelectItem::Expr { expr, .. } if has_aggregate(expr)));
    if select.group_by.is_empty() {
        if !aggregates {
            return Vec::new();
        }
        select.group_by.push(Expr::Literal(Literal::Integer("1".into())));
    }
    let selected: Vec<Expr> = select
        .items
        .iter()
        .filter_map(|i| match i {
            SelectItem::Expr { expr, .. } => Some(sluice_planner::walk::unqualified(expr)),
            _ => None,
        })
        .collect();
    let star = select.items.iter().any(|i| matches!(i, SelectItem::Wildcard { .. }));
    let mut hidden = Vec::new();
    for (n, group) in select.group_by.clone().iter().enumerate() {
        let bare = sluice_planner::walk::unqualified(group);
        if selected.contains(&bare) || (star && matches!(bare, Expr::Column(_))) {
            continue;
        }
        let name = format!("{HIDDEN_GROUP_PREFIX}{n}");
        select.items.push(SelectItem::Expr { expr: group.clone(), alias: Some(Ident::new(name.clone())) });
        hidden.push(name);
    }
    hidden
}

/// A running transient query; [`Engine::close_transient`] stops it and
/// deletes its topic.
#[derive(Debug, Clone)]
pub struct TransientQuery {
    pub id: String,
    /// Where the rows go: its schema is the query's output (keys first),
    /// its key and value formats JSON (NONE for a keyless output), and its
    /// window the output's window, if any.
    pub sink: DataSource,
    /// Whether the query's output is a table's changelog (updates and
    /// deletions by key) rather than a stream of rows.
    pub is_table: bool,
    /// The columns the client selected, in SELECT order: each one's name
    /// in `sink`, and the name to show. Columns of `sink` not listed were
    /// added to satisfy the rules above.
    pub shown: Vec<(String, String)>,
    /// The source the query reads (the first, for a join).
    pub source: String,
    /// The query selects `*`: a windowed output then shows its window
    /// bounds too.
    pub selects_all: bool,
}

impl Engine {
    /// Starts a transient query. With `from_end` it skips the records
    /// already in its source topics (`auto.offset.reset=latest`).
    pub fn start_transient(&mut self, select: &Select, from_end: bool) -> Result<TransientQuery> {
        let source = select.from.source.name.as_str();
        // ksqlDB serves a push query that only filters and projects what a
        // persistent query writes, from now on, as a "scalable" push query
        // that taps the persistent query's output; its id says so.
        let scalable = from_end
            && select.from.joins.is_empty()
            && select.group_by.is_empty()
            && select.partition_by.is_empty()
            && select.window.is_none()
            && self.catalog.source(source).is_some_and(|s| s.from_query);
        let id = if scalable {
            format!("SCALABLE_PUSH_QUERY_{}", self.next_transient_number)
        } else {
            format!("transient_{source}_{}", self.next_transient_number)
        };
        let mut select = select.clone();
        // (name in the sink, name shown) of every selected item that is a
        // pseudo column or aliased like one.
        let mut renamed: Vec<(String, String)> = Vec::new();
        for item in &mut select.items {
            let SelectItem::Expr { expr, alias } = item else { continue };
            let joined = !select.from.joins.is_empty();
            let shown = match (&*alias, &*expr) {
                (Some(alias), _) => alias.as_str().to_string(),
                // In a join `l.ROWTIME` is the column `L_ROWTIME`.
                (None, Expr::Column(column)) if joined && column.source.is_some() => continue,
                (None, Expr::Column(column)) => column.name.as_str().to_string(),
                _ => continue,
            };
            if is_reserved_column_name(&shown) {
                let internal = format!("{PSEUDO_ALIAS_PREFIX}{shown}");
                *alias = Some(Ident::new(internal.clone()));
                renamed.push((internal, shown));
            }
        }
        let hidden_groups = hide_grouping(&mut select);
        let mut hidden_keys = self.missing_keys(&select);
        select.items.extend(
            hidden_keys.iter().map(|key| SelectItem::Expr { expr: Expr::column(key.clone()), alias: None }),
        );
        hidden_keys.extend(hidden_groups);
        let plan = match plan_transient_select(&select, &self.catalog, &self.compiler, &id) {
            Err(PlanError::Invalid(message)) if message.contains("no value columns") => {
                select.items.push(SelectItem::Expr {
                    expr: Expr::column(ROWTIME),
                    alias: Some(Ident::new(HIDDEN_VALUE)),
                });
                plan_transient_select(&select, &self.catalog, &self.compiler, &id)?
            }
            planned => planned?,
        };
        let is_table = match plan.join.last() {
            _ if plan.aggregation.is_some() => true,
            Some(join) => join.shape.is_table(),
            None => plan.source.kind == SourceKind::Table,
        };
        let has_key = plan.output.key_columns().next().is_some();
        let json = FormatSpec { name: "JSON".into(), ..FormatSpec::default() };
        let sink = DataSource {
            name: id.clone(),
            kind: if is_table { SourceKind::Table } else { SourceKind::Stream },
            schema: plan.output.clone(),
            topic: format!("{TRANSIENT_TOPIC_PREFIX}{id}"),
            key_format: if has_key {
                json.clone()
            } else {
                FormatSpec { name: "NONE".into(), ..FormatSpec::default() }
            },
            value_format: json,
            wrap_single_value: None,
            timestamp: None,
            window: plan.windowed_output(),
            is_source: false,
            from_query: true,
            partitions: Some(1),
            replicas: None,
            retention_ms: None,
            sql: Statement::Query(Box::new(select.clone())).to_string(),
        };
        let mut query = self.new_query(&id, &plan, &sink)?;
        if from_end {
            query.seek_to_end(self.log.as_ref())?;
        }
        let shown = self
            .select_order(&select, &plan.output)
            .into_iter()
            .filter(|name| name != HIDDEN_VALUE && !hidden_keys.contains(name))
            .map(|name| {
                let display = renamed.iter().find(|(internal, _)| *internal == name).map(|(_, s)| s.clone());
                let display = display.unwrap_or_else(|| name.clone());
                (name, display)
            })
            .collect();
        self.transient_log.create_topic(&sink.topic, 1)?;
        self.next_transient_number += 1;
        self.transient.push(query);
        let selects_all = select.items.iter().any(|i| matches!(i, SelectItem::Wildcard { .. }));
        Ok(TransientQuery { id, sink, is_table, shown, source: source.to_string(), selects_all })
    }

    /// Where a table scan finds each of a pull query's rows, from the keys
    /// of the query's records (its sink's JSON keys): the partition of the
    /// source's topic that holds the key, the key as the source serializes
    /// it, and the window start. Sorting by it gives ksqlDB's scan order:
    /// its state is kept per partition and read partition by partition,
    /// each in the order of its serialized keys. None for a key that
    /// cannot be placed (the row then keeps its place).
    pub fn scan_positions(
        &self,
        query: &TransientQuery,
        keys: &[Option<&[u8]>],
    ) -> Vec<Option<ScanPosition>> {
        let none = || vec![None; keys.len()];
        let Some(source) = self.catalog.source(&query.source) else { return none() };
        let Some(topic) = self.log.topic(&source.topic) else { return none() };
        let (Ok(decoder), Ok(encoder)) = (
            sluice_runtime::decoder(&query.sink, &self.registry, true),
            sluice_runtime::encoder(source, &self.registry, true),
        ) else {
            return none();
        };
        let split: Vec<(Option<&[u8]>, i64)> = keys
            .iter()
            .map(|key| match (key, &query.sink.window) {
                (Some(key), Some(window)) => match sluice_runtime::split_window(key, window) {
                    Some((inner, start, _)) => (Some(inner), start),
                    None => (Some(*key), 0),
                },
                (key, _) => (*key, 0),
            })
            .collect();
        let decoded = decoder.decode(&split.iter().map(|(k, _)| *k).collect::<Vec<_>>());
        if !decoded.errors.is_empty() {
            return none();
        }
        encoder
            .encode(&decoded.columns, keys.len())
            .into_iter()
            .zip(&split)
            .map(|(encoded, (_, start))| {
                let bytes = encoded.ok().flatten()?;
                let partition = sluice_log::key_partition(&bytes, topic.partitions);
                Some(ScanPosition { partition, key: bytes, window_start: *start })
            })
            .collect()
    }

    /// Stops a transient query and deletes its topic. Returns whether it
    /// was running.
    pub fn close_transient(&mut self, id: &str) -> bool {
        self.transient_failures.remove(id);
        let Some(position) = self.transient.iter().position(|q| q.id() == id) else { return false };
        self.transient.remove(position);
        // The topic may already be gone; there is nothing left to clean then.
        let _ = self.transient_log.delete_topic(&format!("{TRANSIENT_TOPIC_PREFIX}{id}"));
        true
    }

    /// The ids of the transient queries that are running.
    pub fn transient_ids(&self) -> Vec<String> {
        self.transient.iter().map(|q| q.id().to_string()).collect()
    }

    /// Why a transient query failed, once it has (it is then stopped and its
    /// topic deleted).
    pub fn transient_failure(&self, id: &str) -> Option<&str> {
        self.transient_failures.get(id).map(String::as_str)
    }

    /// Polls every transient query once. One that fails is stopped on its
    /// own: a client's query must not stop the persistent ones.
    pub(super) fn poll_transient(&mut self) -> usize {
        let mut read = 0;
        let mut failed = Vec::new();
        for query in &mut self.transient {
            match query.poll_into(self.log.as_ref(), self.transient_log.as_ref()) {
                Ok(n) => read += n,
                Err(error) => failed.push((query.id().to_string(), error.to_string())),
            }
        }
        for (id, message) in failed {
            self.close_transient(&id);
            self.transient_failures.insert(id, message);
        }
        read
    }

    /// The source's key columns that a plain (no join, GROUP BY, PARTITION
    /// BY or `*`) SELECT leaves out of its projection.
    fn missing_keys(&self, select: &Select) -> Vec<String> {
        let plain = select.from.joins.is_empty()
            && select.group_by.is_empty()
            && select.partition_by.is_empty()
            && !select.items.iter().any(|i| matches!(i, SelectItem::Wildcard { .. }));
        let Some(source) = self.catalog.source(select.from.source.name.as_str()).filter(|_| plain) else {
            return Vec::new();
        };
        let selected = |key: &str| {
            select.items.iter().any(|item| {
                matches!(item, SelectItem::Expr { expr: Expr::Column(c), .. } if c.name.as_str() == key)
            })
        };
        source.schema.key_columns().filter(|k| !selected(&k.name)).map(|k| k.name.clone()).collect()
    }

    /// The output's columns in SELECT order, for a plain query; otherwise
    /// (and whenever the items cannot be matched up) the output's order.
    ///
    /// The planner puts the key columns first and keeps the value columns
    /// in SELECT order, so the SELECT items only need to say which
    /// positions hold keys.
    fn select_order(&self, select: &Select, output: &LogicalSchema) -> Vec<String> {
        let natural = || output.columns().iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        let plain =
            select.from.joins.is_empty() && select.group_by.is_empty() && select.partition_by.is_empty();
        let Some(source) = self.catalog.source(select.from.source.name.as_str()).filter(|_| plain) else {
            return natural();
        };
        let is_key = |name: &str| source.schema.key_columns().any(|k| k.name == name);
        let mut slots: Vec<bool> = Vec::new();
        for item in &select.items {
            match item {
                SelectItem::Wildcard { .. } => {
                    slots.extend(source.schema.columns().iter().map(|c| is_key(&c.name)));
                }
                SelectItem::Expr { expr: Expr::Column(c), .. } => slots.push(is_key(c.name.as_str())),
                SelectItem::Expr { .. } => slots.push(false),
                // `s->*` gives as many columns as the struct has fields.
                SelectItem::StructAll(_) => return natural(),
            }
        }
        let mut keys = output.key_columns();
        let mut values = output.value_columns();
        let ordered: Option<Vec<String>> = slots
            .iter()
            .map(|&key| if key { keys.next() } else { values.next() }.map(|c| c.name.clone()))
            .collect();
        match ordered {
            Some(ordered) if keys.next().is_none() && values.next().is_none() => ordered,
            _ => natural(),
        }
    }
}

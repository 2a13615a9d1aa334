//! One Sluice instance: executes statements against its catalog and log,
//! and runs the persistent queries they start.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use sluice_catalog::{
    kind_name, Catalog, Created, DataSource, FormatDefaults, LogicalSchema, QueryInfo, SqlType,
};
use sluice_formats::{MemorySchemaRegistry, Registry};
use sluice_log::{Cleanup, Guarantee, Log, MemoryLog, TopicSpec, TransactionLog};
use sluice_planner::{plan_select, ExprCompiler, QueryPlan};
use sluice_runtime::{QueryMetrics, QueryOptions, RunningQuery};
use sluice_sql::ast::{CreateAsSelect, CreateSource, QueryTarget, Select, SourceKind, Statement};

use crate::error::{EngineError, Result};
use crate::infer::{check_registered_schemas, with_inferred_columns};
use crate::insert_rows::insert_json_rows;
use crate::insert_values::insert_values;
use crate::sink::sink_source;

mod retry;
mod shared;
mod transient;
pub use retry::QueryFailure;
pub use transient::{ScanPosition, TransientQuery, TRANSIENT_TOPIC_PREFIX};

/// Settings an engine starts with.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub formats: FormatDefaults,
    /// Partitions of topics the engine creates when a statement does not say.
    pub default_partitions: u32,
    /// The number of the first persistent query (its id's suffix).
    pub first_query_number: u64,
    pub query_options: QueryOptions,
    /// ksqlDB's `ksql.service.id`: servers with the same one share the
    /// partitions of their persistent queries, when the log is shared.
    pub service_id: String,
    /// ksqlDB's `processing.guarantee` for persistent queries whose
    /// partitions are shared (see engine/shared.rs).
    pub guarantee: Guarantee,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            formats: FormatDefaults::default(),
            default_partitions: 1,
            first_query_number: 0,
            query_options: QueryOptions::default(),
            service_id: "default_".into(),
            guarantee: Guarantee::AtLeastOnce,
        }
    }
}

/// What a statement did, in words a user reads (ksqlDB's status messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub message: String,
    /// The persistent query a statement started, if any.
    pub query_id: Option<String>,
}

impl Outcome {
    fn message(message: impl Into<String>) -> Self {
        Outcome { message: message.into(), query_id: None }
    }
}

pub struct Engine {
    catalog: Catalog,
    log: Arc<dyn Log>,
    /// Where AVRO keys and values keep their schemas.
    registry: Registry,
    compiler: ExprCompiler,
    config: EngineConfig,
    /// Running queries, in the order they were started.
    queries: Vec<RunningQuery>,
    /// Transient (push and pull) queries, polled after the persistent ones.
    transient: Vec<RunningQuery>,
    /// Why transient queries that failed were stopped, by id.
    transient_failures: BTreeMap<String, String>,
    next_query_number: u64,
    next_transient_number: u64,
    /// INSERT VALUES without a ROWTIME stamps the record with the wall
    /// clock (as ksqlDB does) rather than 0. Off by default so that runs
    /// are repeatable; the server turns it on.
    wall_clock_inserts: bool,
    /// Statements are being replayed from a command log over a log that
    /// kept its topics (see [`Engine::replay`]).
    replaying: bool,
    /// Where transient queries write their rows: in memory, whatever the
    /// log is (a client's rows need not reach disk or Kafka).
    transient_log: Arc<MemoryLog>,
    /// Offsets stateless queries had read in an earlier run, by query id.
    checkpoints: BTreeMap<String, Positions>,
    /// The persistent queries whose partitions are shared with other
    /// servers, by query id (see `shared.rs`).
    shared: BTreeMap<String, shared::SharedQuery>,
    /// The persistent queries whose last poll failed, by query id.
    failing: BTreeMap<String, QueryFailure>,
}

/// A query's input topics and, per partition, the next offset to read.
pub type Positions = Vec<(String, Vec<u64>)>;

impl Engine {
    /// An engine with a schema registry of its own, in memory.
    pub fn new(log: Arc<dyn Log>, config: EngineConfig) -> Self {
        Self::with_registry(log, MemorySchemaRegistry::shared(), config)
    }

    pub fn with_registry(log: Arc<dyn Log>, registry: Registry, config: EngineConfig) -> Self {
        Engine {
            catalog: Catalog::new(config.formats.clone()),
            log,
            registry,
            compiler: ExprCompiler::default(),
            next_query_number: config.first_query_number,
            config,
            queries: Vec::new(),
            transient: Vec::new(),
            transient_failures: BTreeMap::new(),
            next_transient_number: 0,
            wall_clock_inserts: false,
            replaying: false,
            transient_log: Arc::new(MemoryLog::new()),
            checkpoints: BTreeMap::new(),
            shared: BTreeMap::new(),
            failing: BTreeMap::new(),
        }
    }

    /// Stamps INSERT VALUES records that give no ROWTIME with the wall
    /// clock instead of 0.
    pub fn with_wall_clock_inserts(mut self) -> Self {
        self.wall_clock_inserts = true;
        self
    }

    /// Executes a statement that was executed before over the same log,
    /// to rebuild the catalog and the persistent queries after a restart
    /// (query ids come out the same when the same statements are replayed
    /// in the same order). A CREATE .. AS SELECT empties its sink topic and
    /// computes it again from its sources; an INSERT INTO .. SELECT starts
    /// at the end of its sources.
    pub fn replay(&mut self, statement: &Statement) -> Result<Outcome> {
        self.replaying = true;
        let outcome = self.execute(statement);
        self.replaying = false;
        outcome
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn log(&self) -> &Arc<dyn Log> {
        &self.log
    }

    /// The scratch log transient queries write their rows to.
    pub fn transient_log(&self) -> &Arc<MemoryLog> {
        &self.transient_log
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub fn queries(&self) -> &[RunningQuery] {
        &self.queries
    }

    /// Why a persistent query is not running now, if it failed.
    pub fn query_failure(&self, id: &str) -> Option<&QueryFailure> {
        self.failing.get(id)
    }

    /// The persistent queries that failed and wait to be tried again, by id.
    pub fn query_failures(&self) -> &BTreeMap<String, QueryFailure> {
        &self.failing
    }

    /// Every persistent query's id and metrics, lag included.
    pub fn query_metrics(&self) -> Vec<(String, QueryMetrics)> {
        self.queries
            .iter()
            .map(|q| {
                let metrics = QueryMetrics {
                    failing: self.failing.contains_key(q.id()),
                    ..q.metrics(self.log.as_ref())
                };
                (q.id().to_string(), metrics)
            })
            .collect()
    }

    /// Executes one statement.
    pub fn execute(&mut self, statement: &Statement) -> Result<Outcome> {
        match statement {
            Statement::CreateSource(create) => self.create_source(create),
            Statement::CreateAsSelect(create) => self.create_as_select(create),
            Statement::InsertInto { target, query, .. } => self.insert_into(target.as_str(), query),
            Statement::InsertValues { target, columns, values } => {
                let (source, timestamp) = self.insert_target(target.as_str())?;
                insert_values(
                    source,
                    columns,
                    values,
                    timestamp,
                    self.log.as_ref(),
                    &self.registry,
                    &self.compiler,
                )?;
                Ok(Outcome::message(""))
            }
            Statement::DropSource { kind, if_exists, name, delete_topic } => {
                if *delete_topic && self.catalog.source(name.as_str()).is_some_and(|s| s.is_source) {
                    return Err(EngineError::Invalid(format!(
                        "Cannot delete topic for read-only source: {}",
                        name.as_str()
                    )));
                }
                match self.catalog.drop_source(*kind, name.as_str(), *if_exists)? {
                    Some(dropped) => {
                        if *delete_topic {
                            self.log.delete_topic(&dropped.topic)?;
                        }
                        Ok(Outcome::message(format!(
                            "Source {} (topic: {}) was dropped.",
                            dropped.name, dropped.topic
                        )))
                    }
                    None => Ok(Outcome::message(format!("Source {} does not exist.", name.as_str()))),
                }
            }
            Statement::AlterSource { kind, name, columns } => {
                self.catalog.alter_source(*kind, name.as_str(), columns)?;
                Ok(Outcome::message(format!("{} {} altered.", kind_name(*kind), name.as_str())))
            }
            Statement::Terminate(target) => self.terminate(target),
            Statement::CreateType { if_not_exists, name, data_type } => {
                let resolved = self.catalog.resolve_type(data_type)?;
                self.catalog.create_type(name.as_str(), resolved, *if_not_exists)?;
                Ok(Outcome::message(format!("Registered custom type with name '{}'", name.as_str())))
            }
            Statement::DropType { if_exists, name } => {
                self.catalog.drop_type(name.as_str(), *if_exists)?;
                Ok(Outcome::message(format!("Dropped type '{}'", name.as_str())))
            }
            // Variables are substituted while a script is parsed.
            Statement::DefineVariable { .. } | Statement::UndefineVariable { .. } => Ok(Outcome::message("")),
            other => Err(EngineError::NotSupportedYet(format!("The {} statement", other.kind()))),
        }
    }

    /// Inserts rows given as JSON objects into the stream or table
    /// `target`, as a batch (see [`crate::insert_rows`]); each row's outcome
    /// in order. Stamped with the wall clock or 0, as INSERT VALUES is.
    pub fn insert_json_rows(
        &mut self,
        target: &str,
        rows: &[&[u8]],
    ) -> Result<Vec<std::result::Result<(), String>>> {
        let (source, timestamp) = self.insert_target(target)?;
        insert_json_rows(source, rows, timestamp, self.log.as_ref(), &self.registry)
    }

    /// The stream or table rows are inserted into (not a read-only source),
    /// and the timestamp of rows that give none: the wall clock, or 0.
    fn insert_target(&self, target: &str) -> Result<(&DataSource, i64)> {
        let source = self.existing(target)?;
        if source.is_source {
            return Err(EngineError::Invalid(format!(
                "Cannot insert values into read-only {}: {}",
                source.kind_name().to_lowercase(),
                source.name
            )));
        }
        Ok((source, if self.wall_clock_inserts { now_millis() } else { 0 }))
    }

    /// Runs every query over the records that have arrived, in the order
    /// the queries were started, until none has anything left to read.
    /// Returns the number of records read, or the first failure of a
    /// query: a query that failed waits (longer after each failure in a
    /// row, see [`QueryFailure`]) and is tried again by a later call,
    /// while the others go on.
    pub fn run_until_idle(&mut self) -> Result<usize> {
        let mut first_failure = self.share_partitions();
        let mut total = 0;
        loop {
            let mut read = 0;
            for query in &mut self.queries {
                let now = Instant::now();
                if retry::waiting(&self.failing, query.id(), now) {
                    continue;
                }
                let shared = self.shared.get_mut(query.id());
                // An exactly-once query's output goes into its transaction.
                let polled = match shared.as_ref().and_then(|s| s.transaction()) {
                    Some(transaction) => query.poll(&TransactionLog::new(self.log.as_ref(), transaction)),
                    None => query.poll(self.log.as_ref()),
                };
                let error: EngineError = match polled {
                    Ok(records) => {
                        read += records;
                        self.failing.remove(query.id());
                        continue;
                    }
                    Err(error) => error.into(),
                };
                // Part of what a shared query read may not have been
                // written: it goes on from its last commit instead.
                let rolled_back = match shared {
                    Some(shared) => shared.roll_back(query).err(),
                    None => None,
                };
                let message = match rolled_back {
                    Some(also) => format!("{error} (and rolling back to its last commit failed: {also})"),
                    None => error.to_string(),
                };
                retry::record(&mut self.failing, query.id(), message, now);
                first_failure.get_or_insert(error);
            }
            read += self.poll_transient();
            if read == 0 {
                return first_failure.map_or(Ok(total), Err);
            }
            total += read;
        }
    }

    /// Applies each topic's cleanup at `now_ms`, as Kafka's log cleaner
    /// would: a RETENTION_MS given in a statement removes old records, and
    /// the sink topic of a (non-windowed) CREATE TABLE .. AS SELECT that no
    /// stream reads is compacted to the latest record per key, as ksqlDB
    /// creates table sinks compacted. Topics a user declared a source over
    /// are otherwise left as they are. When several sources read a topic,
    /// the one that keeps the most wins. Returns the number of records
    /// removed.
    pub fn clean_log(&self, now_ms: i64) -> Result<u64> {
        let mut policies: BTreeMap<&str, Cleanup> = BTreeMap::new();
        let mut read_by_stream: Vec<&str> = Vec::new();
        for source in self.catalog.sources() {
            let cleanup = Cleanup {
                retention_ms: source.retention_ms.filter(|ms| *ms >= 0),
                retention_bytes: None,
                compact: source.kind == SourceKind::Table && source.window.is_none() && source.from_query,
            };
            if source.kind == SourceKind::Stream {
                read_by_stream.push(&source.topic);
            }
            policies
                .entry(&source.topic)
                .and_modify(|kept| {
                    kept.retention_ms = kept.retention_ms.zip(cleanup.retention_ms).map(|(a, b)| a.max(b));
                    kept.compact &= cleanup.compact;
                })
                .or_insert(cleanup);
        }
        let mut removed = 0;
        for (topic, mut cleanup) in policies {
            cleanup.compact &= !read_by_stream.contains(&topic);
            if cleanup.keeps_everything() || self.log.topic(topic).is_none() {
                continue;
            }
            removed += self.log.clean(topic, &cleanup, now_ms)?;
        }
        Ok(removed)
    }

    fn existing(&self, name: &str) -> Result<&DataSource> {
        self.catalog
            .source(name)
            .ok_or_else(|| EngineError::Invalid(format!("Source {name} does not exist.")))
    }

    fn create_source(&mut self, create: &CreateSource) -> Result<Outcome> {
        let create = &*with_inferred_columns(create, &self.registry, &self.config.formats)?;
        // Check the statement before touching topics.
        let source = DataSource::from_create(
            create,
            &|name| self.catalog.custom_type(name).cloned(),
            &self.config.formats,
        )?;
        // The formats must be able to hold the columns. (A format Sluice
        // cannot read yet is refused when a query reads the source.)
        for check in [
            sluice_runtime::decoder(&source, &self.registry, true).err(),
            sluice_runtime::decoder(&source, &self.registry, false).err(),
        ] {
            match check.map(EngineError::from) {
                Some(error) if !error.is_not_supported_yet() => return Err(error),
                _ => {}
            }
        }
        sluice_runtime::register_schemas(&source, &self.registry)?;
        if self.log.topic(&source.topic).is_none() {
            let Some(partitions) = source.partitions else {
                return Err(EngineError::Invalid(format!(
                    "Topic '{}' does not exist. If you want to create a new topic for the {} please re-run the \
                     statement providing the required 'PARTITIONS' configuration in the WITH clause (and \
                     optionally 'REPLICAS'). For example: CREATE {} {} (...) WITH (KAFKA_TOPIC='{}', \
                     PARTITIONS=2, ...);",
                    source.topic,
                    source.kind_name().to_lowercase(),
                    source.kind_name().to_uppercase(),
                    source.name,
                    source.topic
                )));
            };
            let spec = TopicSpec {
                partitions,
                replicas: source.replicas,
                cleanup: Cleanup {
                    retention_ms: source.retention_ms.filter(|ms| *ms >= 0),
                    ..Cleanup::default()
                },
            };
            self.log.create_topic_as(&source.topic, &spec)?;
        }
        let kind = source.kind_name();
        Ok(match self.catalog.add_source(source, create.if_not_exists, create.or_replace)? {
            Created::AlreadyExists => Outcome::message(format!(
                "Cannot add {} '{}': it already exists",
                kind.to_lowercase(),
                create.name.0
            )),
            Created::New | Created::Replaced => Outcome::message(format!("{kind} created")),
        })
    }

    fn create_as_select(&mut self, create: &CreateAsSelect) -> Result<Outcome> {
        if create.query.limit.is_some() {
            return Err(EngineError::Invalid(format!(
                "CREATE {} AS SELECT statements don't support LIMIT clause.",
                create.kind
            )));
        }
        let plan = plan_select(&create.query, &self.catalog, &self.compiler, create.name.as_str())?;
        let sink = sink_source(create, &plan, &self.config.formats)?;
        check_registered_schemas(&sink, &self.registry)?;
        if self.catalog.source(&sink.name).is_some() && create.if_not_exists {
            return Ok(Outcome::message(format!(
                "Cannot add {} '{}': it already exists",
                sink.kind_name(),
                sink.name
            )));
        }
        // An existing sink topic is written as it is, unless the statement asks
        // for another partition count (then creating it fails, as in ksqlDB).
        let partitions = sink
            .partitions
            .or_else(|| self.log.topic(&sink.topic).map(|t| t.partitions))
            .or_else(|| self.log.topic(&plan.source.topic).map(|t| t.partitions))
            .unwrap_or(self.config.default_partitions);
        let prefix = match create.kind {
            SourceKind::Stream => "CSAS",
            SourceKind::Table => "CTAS",
        };
        let id = self.next_query_id(&format!("{prefix}_{}", sink.name));
        let mut query = self.new_query(&id, &plan, &sink)?;
        let shared = shared::join(self.log.as_ref(), &self.config, &mut query, &plan)?;
        // A shared query goes on from its group's offsets instead.
        if self.replaying
            && shared.is_none()
            && self.log.topic(&sink.topic).is_some()
            && !self.resume(&mut query)
        {
            // The query computes its sink again from its sources: what the
            // sink held before would be written twice.
            self.log.delete_topic(&sink.topic)?;
        }
        // A table sink is compacted, as ksqlDB creates them (see clean_log).
        let spec = TopicSpec {
            partitions,
            replicas: sink.replicas,
            cleanup: Cleanup {
                retention_ms: sink.retention_ms.filter(|ms| *ms >= 0),
                retention_bytes: None,
                compact: sink.kind == SourceKind::Table && sink.window.is_none(),
            },
        };
        self.log.create_topic_as(&sink.topic, &spec)?;
        self.catalog.add_source(sink.clone(), false, create.or_replace)?;
        self.start(query, shared, &plan, &sink, &create.query)
    }

    fn insert_into(&mut self, target: &str, select: &Select) -> Result<Outcome> {
        let sink = self.existing(target)?.clone();
        if sink.kind == SourceKind::Table {
            return Err(EngineError::Invalid(format!(
                "INSERT INTO can only be used to insert into a stream. {} is a table.",
                sink.name
            )));
        }
        if sink.is_source {
            return Err(EngineError::Invalid(format!("Cannot insert into read-only stream: {}", sink.name)));
        }
        let plan = plan_select(select, &self.catalog, &self.compiler, target)?;
        if !inserts_into(&plan.output, &sink.schema) {
            return Err(EngineError::Invalid(format!(
                "Incompatible schema between results and sink.\nResult schema is {}\nSink schema is {}",
                plan.output, sink.schema
            )));
        }
        let id = self.next_query_id("INSERTQUERY");
        let mut query = self.new_query(&id, &plan, &sink)?;
        let shared = shared::join(self.log.as_ref(), &self.config, &mut query, &plan)?;
        if self.replaying && shared.is_none() && !self.resume(&mut query) {
            // Its target holds other rows too, so it cannot be computed
            // again; without a checkpoint it goes on from the end of its
            // sources (rows written to them and not yet read when the
            // server stopped are missed).
            query.seek_to_end(self.log.as_ref())?;
        }
        self.start(query, shared, &plan, &sink, select)
    }

    /// The running form of `plan`, writing to `sink`.
    pub(crate) fn new_query(&self, id: &str, plan: &QueryPlan, sink: &DataSource) -> Result<RunningQuery> {
        Ok(RunningQuery::new(id, plan, sink, self.log.as_ref(), self.config.query_options, &self.registry)?)
    }

    fn start(
        &mut self,
        query: RunningQuery,
        shared: Option<shared::SharedQuery>,
        plan: &QueryPlan,
        sink: &DataSource,
        select: &Select,
    ) -> Result<Outcome> {
        let id = query.id().to_string();
        self.catalog.add_query(QueryInfo {
            id: id.clone(),
            sql: Statement::Query(Box::new(select.clone())).to_string(),
            reads: std::iter::once(&plan.source)
                .chain(plan.join.iter().map(|j| &j.right))
                .map(|s| s.name.clone())
                .collect(),
            writes: Some(sink.name.clone()),
        });
        self.queries.push(query);
        if let Some(shared) = shared {
            self.shared.insert(id.clone(), shared);
        }
        Ok(Outcome { message: format!("Created query with ID {id}"), query_id: Some(id) })
    }

    /// When replaying, sets a stateless query at the offsets its checkpoint
    /// gives (see [`Engine::with_checkpoints`]); says whether it did.
    fn resume(&self, query: &mut RunningQuery) -> bool {
        let Some(positions) = self.checkpoints.get(query.id()) else { return false };
        // A checkpoint past the end of a partition is not of this log's
        // data (the log lost records, or was replaced): compute again.
        let within = positions.iter().all(|(topic, offsets)| {
            offsets.iter().enumerate().all(|(partition, offset)| {
                self.log.end_offset(topic, partition as u32).is_ok_and(|end| *offset <= end)
            })
        });
        query.resumable() && within && query.resume_at(positions)
    }

    /// The offsets each stateless persistent query has read up to, to be
    /// kept and given back to [`Engine::with_checkpoints`] after a restart.
    pub fn checkpoints(&self) -> Vec<(String, Positions)> {
        self.queries
            .iter()
            .filter(|q| q.resumable() && !self.shared.contains_key(q.id()))
            .map(|q| (q.id().to_string(), q.positions()))
            .collect()
    }

    /// Checkpoints of an earlier run: a stateless query replayed with the
    /// same id goes on from them instead of computing its sink again
    /// (records it wrote after its last checkpoint are written again).
    pub fn with_checkpoints(mut self, checkpoints: impl IntoIterator<Item = (String, Positions)>) -> Self {
        self.checkpoints = checkpoints.into_iter().collect();
        self
    }

    fn next_query_id(&mut self, prefix: &str) -> String {
        let id = format!("{prefix}_{}", self.next_query_number);
        self.next_query_number += 1;
        id
    }

    fn terminate(&mut self, target: &QueryTarget) -> Result<Outcome> {
        match target {
            QueryTarget::All => {
                for query in std::mem::take(&mut self.queries) {
                    self.catalog.remove_query(query.id());
                }
                self.shared.clear();
                self.failing.clear();
                Ok(Outcome::message("All queries terminated."))
            }
            QueryTarget::Query(id) => {
                let id = id.as_str();
                let position = self
                    .queries
                    .iter()
                    .position(|q| q.id().eq_ignore_ascii_case(id))
                    .ok_or_else(|| EngineError::Invalid(format!("Unknown queryId: {id}")))?;
                let query = self.queries.remove(position);
                self.catalog.remove_query(query.id());
                // Leaves the group: its partitions go to the other servers.
                self.shared.remove(query.id());
                self.failing.remove(query.id());
                Ok(Outcome::message(format!("Query terminated: {}", query.id())))
            }
        }
    }
}

/// Whether rows of a query's `output` can be written to a sink of `schema`: the
/// same columns, each of the sink's type or a number that widens to it.
fn inserts_into(output: &LogicalSchema, schema: &LogicalSchema) -> bool {
    let columns = |s: &LogicalSchema| s.columns().to_vec();
    let (output, schema) = (columns(output), columns(schema));
    output.len() == schema.len()
        && output.iter().zip(&schema).all(|(o, s)| {
            o.name == s.name && o.namespace == s.namespace && widens_to(&o.sql_type, &s.sql_type)
        })
}

/// ksqlDB's implicit casts between numeric types for INSERT INTO: INT to BIGINT,
/// DECIMAL or DOUBLE, BIGINT to DECIMAL or DOUBLE, DECIMAL to DECIMAL or DOUBLE. A
/// value the sink's DECIMAL cannot hold is written as null.
fn widens_to(from: &SqlType, to: &SqlType) -> bool {
    use SqlType::*;
    from == to
        || matches!(
            (from, to),
            (Int, Bigint | Double | Decimal { .. }) | (Bigint | Decimal { .. }, Double | Decimal { .. })
        )
}

/// Milliseconds since the epoch; 0 if the clock is before it.
fn now_millis() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

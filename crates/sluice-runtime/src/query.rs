//! A persistent query at run time: read new records from the source topic,
//! push them through the operators, write the results to the sink.

use std::time::{Duration, Instant};

use sluice_catalog::DataSource;
use sluice_formats::Registry;
use sluice_functions::aggregate::AggregateConfig;
use sluice_log::{Log, StoredRecord};
use sluice_planner::{QueryPlan, WindowShape};
use sluice_sql::ast::SourceKind;

use crate::batch::Batch;
use crate::error::{Result, RuntimeError};
use crate::ops::{Aggregate, Explode, Filter, JoinChain, Operator, Project, SessionAggregate};
use crate::processing_log::{ProcessingLog, ProcessingLogEntry};
use crate::read_order::in_append_order;
use crate::sink::SinkWriter;
use crate::source::SourceDecoder;

/// How many records are read from a partition at a time.
const READ_SIZE: usize = 1024;

/// How long rebuilding state may go without reading anything before it
/// gives up (the records it needs are in the log, so only a broker that
/// does not answer makes it wait).
const CATCH_UP_PATIENCE: Duration = Duration::from_secs(60);

/// Settings that change how a query treats its records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryOptions {
    /// `ksql.timestamp.throw.on.invalid`: a record whose TIMESTAMP column
    /// cannot be read fails the query instead of being skipped.
    pub fail_on_invalid_timestamp: bool,
    /// `ksql.functions.*`: the COLLECT_LIST and COLLECT_SET limits.
    pub aggregates: AggregateConfig,
}

/// A topic a query reads, and how far it has read it.
struct Input {
    topic: String,
    /// The next offset to read, per partition.
    offsets: Vec<u64>,
    /// The partitions this process reads: all of them, unless the query's
    /// partitions are shared with other processes (see
    /// [`RunningQuery::set_owned`]).
    owned: Vec<bool>,
    decoder: SourceDecoder,
}

pub struct RunningQuery {
    /// The source, or a join's left and right sides.
    inputs: Vec<Input>,
    stages: Stages,
    /// What the operators were built from, to build them again empty.
    plan: QueryPlan,
    options: QueryOptions,
    /// While the state is rebuilt ([`RunningQuery::rebuild`]): per input,
    /// per partition, the offset up to which records are read without
    /// writing output (another process, or an earlier run, wrote it).
    catch_up: Option<Vec<Vec<u64>>>,
}

/// The operators of `plan`, with empty state.
fn operators(plan: &QueryPlan, options: QueryOptions) -> Result<Vec<Box<dyn Operator>>> {
    let mut operators: Vec<Box<dyn Operator>> = Vec::new();
    let mut changelog = plan.source.kind == SourceKind::Table;
    if !plan.join.is_empty() {
        changelog = plan.join.last().is_some_and(|j| j.shape.is_table());
        operators.push(Box::new(JoinChain::new(&plan.join, &plan.input_schema)?));
    }
    if let Some(condition) = &plan.filter {
        operators.push(Box::new(Filter::new(condition.clone(), changelog)));
    }
    if let Some(explode) = &plan.explode {
        operators.push(Box::new(Explode::new(explode.clone())));
    }
    if let Some(aggregation) = &plan.aggregation {
        let mut aggregation = aggregation.clone();
        aggregation.config = options.aggregates;
        let sessions = matches!(plan.window().map(|w| w.shape), Some(WindowShape::Session { .. }));
        if sessions {
            operators.push(Box::new(SessionAggregate::new(aggregation)?));
        } else {
            operators.push(Box::new(Aggregate::new(aggregation, &plan.input_schema, changelog)?));
        }
    }
    operators.push(Box::new(Project::new(plan.projection.clone(), plan.output_batch_schema())));
    Ok(operators)
}

/// What a query has done so far, and how far behind its inputs it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryMetrics {
    pub records_read: u64,
    pub records_written: u64,
    /// Records that could not be read or written (the processing log).
    pub processing_errors: u64,
    pub late_records: u64,
    pub state_entries: u64,
    /// Records in its input topics not read yet.
    pub lag: u64,
    /// Input partitions this process reads (the others belong to other
    /// processes sharing the query).
    pub partitions_owned: u64,
    /// The query failed and waits to be tried again (set by the engine,
    /// which retries it).
    pub failing: bool,
}

impl RunningQuery {
    /// Builds the operators of `plan`, writing to `sink`, reading the
    /// source topics from their beginning.
    pub fn new(
        id: &str,
        plan: &QueryPlan,
        sink: &DataSource,
        log: &dyn Log,
        options: QueryOptions,
        registry: &Registry,
    ) -> Result<Self> {
        let input = |source: &DataSource| -> Result<Input> {
            let partitions = log.topic(&source.topic).map(|t| t.partitions).unwrap_or(1);
            Ok(Input {
                topic: source.topic.clone(),
                offsets: vec![0; partitions as usize],
                owned: vec![true; partitions as usize],
                decoder: SourceDecoder::new(source, id, options, registry)?,
            })
        };
        let mut inputs = vec![input(&plan.source)?];
        for join in &plan.join {
            inputs.push(input(&join.right)?);
        }
        Ok(RunningQuery {
            stages: Stages {
                id: id.to_string(),
                topics: inputs.iter().map(|i| i.topic.clone()).collect(),
                operators: operators(plan, options)?,
                sink: SinkWriter::new(sink, id, plan.rekeyed, registry)?,
                errors: ProcessingLog::default(),
                records_read: 0,
                records_written: 0,
                muted: false,
            },
            inputs,
            plan: plan.clone(),
            options,
            catch_up: None,
        })
    }

    pub fn id(&self) -> &str {
        &self.stages.id
    }

    pub fn processing_log(&self) -> &ProcessingLog {
        &self.stages.errors
    }

    /// Records dropped because their window had closed.
    pub fn late_records(&self) -> u64 {
        self.stages.operators.iter().map(|o| o.late_records()).sum()
    }

    /// How many entries the query's operators keep in state.
    pub fn state_size(&self) -> usize {
        self.stages.operators.iter().map(|o| o.state_size()).sum()
    }

    /// Its counters, and its lag over `log` (the log its inputs are in). A
    /// partition whose end cannot be read counts no lag.
    pub fn metrics(&self, log: &dyn Log) -> QueryMetrics {
        let lag = self
            .inputs
            .iter()
            .flat_map(|input| {
                input.offsets.iter().enumerate().filter(|(partition, _)| input.owned[*partition]).map(
                    |(partition, offset)| {
                        log.end_offset(&input.topic, partition as u32)
                            .map_or(0, |end| end.saturating_sub(*offset))
                    },
                )
            })
            .sum();
        QueryMetrics {
            records_read: self.stages.records_read,
            records_written: self.stages.records_written,
            processing_errors: self.stages.errors.total(),
            late_records: self.late_records(),
            state_entries: self.state_size() as u64,
            lag,
            partitions_owned: self.inputs.iter().map(|i| i.owned.iter().filter(|o| **o).count() as u64).sum(),
            failing: false,
        }
    }

    /// Whether the query can go on from its input offsets alone after a
    /// restart: none of its operators keeps state.
    pub fn resumable(&self) -> bool {
        !self.stages.operators.iter().any(|o| o.keeps_state())
    }

    /// The next offset to read of each input topic, per partition.
    pub fn positions(&self) -> Vec<(String, Vec<u64>)> {
        self.inputs.iter().map(|i| (i.topic.clone(), i.offsets.clone())).collect()
    }

    /// Goes on from `positions` (from [`RunningQuery::positions`] of an
    /// earlier run). Returns false, and changes nothing, when they are not
    /// those of this query's inputs (other topics or partition counts).
    pub fn resume_at(&mut self, positions: &[(String, Vec<u64>)]) -> bool {
        let fits = positions.len() == self.inputs.len()
            && self
                .inputs
                .iter()
                .zip(positions)
                .all(|(i, (topic, offsets))| i.topic == *topic && i.offsets.len() == offsets.len());
        if fits {
            for (input, (_, offsets)) in self.inputs.iter_mut().zip(positions) {
                input.offsets.clone_from(offsets);
            }
        }
        fits
    }

    /// Every partition of the topics the query reads.
    pub fn partitions(&self) -> Vec<(String, u32)> {
        self.inputs
            .iter()
            .flat_map(|input| (0..input.offsets.len() as u32).map(|p| (input.topic.clone(), p)))
            .collect()
    }

    /// The partitions this process reads (see [`RunningQuery::set_owned`]).
    pub fn owned_partitions(&self) -> Vec<(String, u32)> {
        self.inputs
            .iter()
            .flat_map(|input| {
                input
                    .owned
                    .iter()
                    .enumerate()
                    .filter(|(_, owned)| **owned)
                    .map(|(p, _)| (input.topic.clone(), p as u32))
            })
            .collect()
    }

    /// Reads only the partitions `owns` gives, when the query's partitions
    /// are shared with other processes: the others are theirs.
    pub fn set_owned(&mut self, owns: &dyn Fn(&str, u32) -> bool) {
        for input in &mut self.inputs {
            for (partition, owned) in input.owned.iter_mut().enumerate() {
                *owned = owns(&input.topic, partition as u32);
            }
        }
    }

    /// The next offset to read of a partition of an input.
    pub fn offset(&self, topic: &str, partition: u32) -> Option<u64> {
        let input = self.inputs.iter().find(|i| i.topic == topic)?;
        input.offsets.get(partition as usize).copied()
    }

    /// Goes on reading a partition of an input at `offset`.
    pub fn set_offset(&mut self, topic: &str, partition: u32, offset: u64) {
        for input in self.inputs.iter_mut().filter(|i| i.topic == topic) {
            if let Some(next) = input.offsets.get_mut(partition as usize) {
                *next = offset;
            }
        }
    }

    /// Empties the operators' state and builds it again from the start of
    /// the partitions this process owns. Records before `until` (per
    /// partition, the next offset to read) go through the operators
    /// without their output being written: it was written before, by this
    /// process in an earlier run or by the partition's previous owner.
    /// The query then goes on from there as usual.
    pub fn rebuild(&mut self, log: &dyn Log, until: &dyn Fn(&str, u32) -> u64) -> Result<()> {
        self.stages.operators = operators(&self.plan, self.options)?;
        let mut targets = Vec::with_capacity(self.inputs.len());
        for input in &mut self.inputs {
            let mut target = vec![0; input.offsets.len()];
            for (partition, offset) in input.offsets.iter_mut().enumerate() {
                if input.owned[partition] {
                    *offset = 0;
                    target[partition] = until(&input.topic, partition as u32);
                }
            }
            targets.push(target);
        }
        self.catch_up = Some(targets);
        self.stages.muted = true;
        let caught_up = self.catch_up(log);
        self.catch_up = None;
        self.stages.muted = false;
        caught_up
    }

    /// Reads (quietly) until every owned partition reached its catch-up
    /// offset. A log over a broker may return nothing for a while (a new
    /// consumer connects first), so only a long wait without progress fails.
    fn catch_up(&mut self, log: &dyn Log) -> Result<()> {
        let mut last_progress = Instant::now();
        loop {
            let behind = self.catch_up.as_ref().is_some_and(|targets| {
                self.inputs.iter().zip(targets).any(|(input, target)| {
                    input.offsets.iter().zip(target).enumerate().any(|(p, (o, t))| input.owned[p] && o < t)
                })
            });
            if !behind {
                return Ok(());
            }
            if self.poll_into(log, log)? > 0 {
                last_progress = Instant::now();
            } else if last_progress.elapsed() > CATCH_UP_PATIENCE {
                return Err(RuntimeError::Invalid(format!(
                    "Query {} could not read its inputs up to where its state was built before",
                    self.stages.id
                )));
            } else {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }

    /// Skips every record already in the topics the query reads, so that
    /// it sees only records appended from now on (`auto.offset.reset` =
    /// `latest` for a push query).
    pub fn seek_to_end(&mut self, log: &dyn Log) -> Result<()> {
        for input in &mut self.inputs {
            for (partition, offset) in input.offsets.iter_mut().enumerate() {
                *offset = log.end_offset(&input.topic, partition as u32)?;
            }
        }
        Ok(())
    }

    /// Processes the records that have arrived since the last poll, in the
    /// order they were appended (across every topic the query reads).
    /// Returns how many records were read.
    pub fn poll(&mut self, log: &dyn Log) -> Result<usize> {
        self.poll_into(log, log)
    }

    /// [`RunningQuery::poll`], writing the output to `output` rather than
    /// to the log the inputs come from (a client's query writes its rows to
    /// a scratch log of the process).
    ///
    /// When more than one chunk of records is waiting (a query catching up
    /// with its input), reading and decoding move to a second thread, one
    /// chunk ahead of the operators: the two halves cost about the same, so
    /// a backlog is worked off in about half the time. Chunks are handed
    /// over in order, with the decoding errors of each, so the results and
    /// the processing log are the same as on one thread. The input offsets
    /// move on only as chunks are processed.
    pub fn poll_into(&mut self, log: &dyn Log, output: &dyn Log) -> Result<usize> {
        let mut offsets: Vec<Vec<u64>> = self.inputs.iter().map(|i| i.offsets.clone()).collect();
        // A copy: the operators borrow the query while the reading thread
        // reads with it.
        let catch_up = self.catch_up.clone();
        let catch_up = catch_up.as_deref();
        let Some(first) = next_chunk(&self.inputs, &mut offsets, catch_up, log)? else {
            return Ok(0);
        };
        let mut read = first.records;
        let backlog = first.full;
        self.process(first, output)?;
        if !backlog {
            return Ok(read);
        }
        let (inputs, stages) = (&mut self.inputs, &mut self.stages);
        let (outcome, processed_to) = std::thread::scope(|scope| {
            let (sender, receiver) = std::sync::mpsc::sync_channel::<Result<Option<Chunk>>>(AHEAD);
            let inputs: &[Input] = inputs;
            scope.spawn(move || loop {
                let chunk = next_chunk(inputs, &mut offsets, catch_up, log);
                let last = !matches!(chunk, Ok(Some(_)));
                // A closed channel means the operators failed: stop reading.
                if sender.send(chunk).is_err() || last {
                    return;
                }
            });
            let mut processed_to = None;
            for chunk in receiver {
                match chunk {
                    Ok(Some(mut chunk)) => {
                        read += chunk.records;
                        let offsets = std::mem::take(&mut chunk.offsets);
                        if let Err(e) = stages.process(chunk, output) {
                            return (Err(e), processed_to);
                        }
                        processed_to = Some(offsets);
                    }
                    Ok(None) => break,
                    Err(e) => return (Err(e), processed_to),
                }
            }
            (Ok(read), processed_to)
        });
        if let Some(processed_to) = processed_to {
            for (input, offsets) in inputs.iter_mut().zip(processed_to) {
                input.offsets = offsets;
            }
        }
        outcome
    }

    /// Runs a chunk's batches through the operators and moves the input
    /// offsets past it.
    fn process(&mut self, mut chunk: Chunk, output: &dyn Log) -> Result<()> {
        let offsets = std::mem::take(&mut chunk.offsets);
        self.stages.process(chunk, output)?;
        for (input, offsets) in self.inputs.iter_mut().zip(offsets) {
            input.offsets = offsets;
        }
        Ok(())
    }
}

/// How many decoded chunks the reading thread may be ahead of the operators.
const AHEAD: usize = 2;

/// Records read from the inputs at once, decoded.
struct Chunk {
    /// How many records were read.
    records: usize,
    /// Whether some partition gave a whole [`READ_SIZE`]: more is waiting.
    full: bool,
    /// Batches of consecutive records of one input, in append order.
    batches: Vec<(usize, Batch)>,
    /// What could not be decoded, in order.
    errors: ProcessingLog,
    /// The next offset to read of every input and partition after the chunk.
    offsets: Vec<Vec<u64>>,
}

/// Reads the next records after `offsets` (moving them on) of the owned
/// partitions, no further than `catch_up` when set, and decodes them;
/// `None` when nothing new has arrived.
fn next_chunk(
    inputs: &[Input],
    offsets: &mut [Vec<u64>],
    catch_up: Option<&[Vec<u64>]>,
    log: &dyn Log,
) -> Result<Option<Chunk>> {
    // Each partition's read, by input.
    let mut reads: Vec<(usize, Vec<StoredRecord>)> = Vec::new();
    let mut full = false;
    for (index, input) in inputs.iter().enumerate() {
        for (partition, offset) in offsets[index].iter_mut().enumerate() {
            if !input.owned[partition] {
                continue;
            }
            let limit = catch_up.map(|targets| targets[index][partition]);
            let max = limit.map_or(READ_SIZE, |l| READ_SIZE.min(l.saturating_sub(*offset) as usize));
            if max == 0 {
                continue;
            }
            let mut chunk = log.read(&input.topic, partition as u32, *offset, max)?;
            full |= chunk.len() == READ_SIZE;
            // Offsets may have gaps (records removed by cleanup).
            if let Some(last) = chunk.last() {
                *offset = last.offset + 1;
            }
            // Catching up stops at its offset, even across a gap.
            if let Some(limit) = limit.filter(|l| *offset > *l) {
                chunk.retain(|r| r.offset < limit);
                *offset = limit;
            }
            if !chunk.is_empty() {
                reads.push((index, chunk));
            }
        }
    }
    let count: usize = reads.iter().map(|(_, read)| read.len()).sum();
    if count == 0 {
        return Ok(None);
    }
    let mut errors = ProcessingLog::default();
    let mut batches = Vec::new();
    for (index, run) in in_append_order(reads) {
        if let Some(batch) = inputs[index].decoder.decode(&run, &mut errors)? {
            batches.push((index, batch));
        }
    }
    Ok(Some(Chunk { records: count, full, batches, errors, offsets: offsets.to_vec() }))
}

/// What runs after decoding: the operators, the sink and the query's
/// counters and processing log.
struct Stages {
    id: String,
    /// The inputs' topics, by input index (for the processing log).
    topics: Vec<String>,
    operators: Vec<Box<dyn Operator>>,
    sink: SinkWriter,
    errors: ProcessingLog,
    records_read: u64,
    records_written: u64,
    /// Output is not written while the state is rebuilt.
    muted: bool,
}

impl Stages {
    /// Takes a chunk's decoding errors, then runs its batches through.
    fn process(&mut self, chunk: Chunk, log: &dyn Log) -> Result<()> {
        self.records_read += chunk.records as u64;
        self.errors.append(chunk.errors);
        for (input, batch) in chunk.batches {
            self.push(input, batch, log)?;
        }
        Ok(())
    }

    fn push(&mut self, input: usize, batch: Batch, log: &dyn Log) -> Result<()> {
        let mut batches = vec![batch];
        for (position, operator) in self.operators.iter_mut().enumerate() {
            let mut next = Vec::new();
            for batch in batches {
                // Only the first operator can have several inputs.
                if position == 0 {
                    operator.process_input(input, batch, &mut next)?;
                } else {
                    operator.process(batch, &mut next)?;
                }
            }
            for error in operator.take_row_errors() {
                self.errors.record(ProcessingLogEntry {
                    query_id: self.id.clone(),
                    topic: self.topics[input].clone(),
                    partition: error.partition,
                    offset: error.offset,
                    message: error.message,
                });
            }
            batches = next;
        }
        if self.muted {
            return Ok(());
        }
        for batch in &batches {
            self.records_written += self.sink.write(batch, log, &mut self.errors)? as u64;
        }
        Ok(())
    }
}

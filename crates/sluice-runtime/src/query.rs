//! A persistent query at run time: read new records from the source topic,
//! push them through the operators, write the results to the sink.

use sluice_catalog::DataSource;
use sluice_log::{Log, StoredRecord};
use sluice_planner::{QueryPlan, WindowShape};
use sluice_sql::ast::SourceKind;

use crate::batch::Batch;
use crate::error::Result;
use crate::ops::{Aggregate, Explode, Filter, Operator, Project, SessionAggregate};
use crate::processing_log::ProcessingLog;
use crate::sink::SinkWriter;
use crate::source::SourceDecoder;

/// How many records are read from a partition at a time.
const READ_SIZE: usize = 1024;

/// Settings that change how a query treats its records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryOptions {
    /// `ksql.timestamp.throw.on.invalid`: a record whose TIMESTAMP column
    /// cannot be read fails the query instead of being skipped.
    pub fail_on_invalid_timestamp: bool,
}

pub struct RunningQuery {
    id: String,
    topic: String,
    /// The next offset to read, per partition of the source topic.
    offsets: Vec<u64>,
    decoder: SourceDecoder,
    operators: Vec<Box<dyn Operator>>,
    sink: SinkWriter,
    errors: ProcessingLog,
}

impl RunningQuery {
    /// Builds the operators of `plan`, writing to `sink`, reading the
    /// source topic from its beginning.
    pub fn new(
        id: &str,
        plan: &QueryPlan,
        sink: &DataSource,
        log: &dyn Log,
        options: QueryOptions,
    ) -> Result<Self> {
        let topic = plan.source.topic.clone();
        let partitions = log.topic(&topic).map(|t| t.partitions).unwrap_or(1);
        let changelog = plan.source.kind == SourceKind::Table;
        let mut operators: Vec<Box<dyn Operator>> = Vec::new();
        if let Some(condition) = &plan.filter {
            operators.push(Box::new(Filter::new(condition.clone(), changelog)));
        }
        if let Some(explode) = &plan.explode {
            operators.push(Box::new(Explode::new(explode.clone())));
        }
        if let Some(aggregation) = &plan.aggregation {
            let sessions = matches!(plan.window().map(|w| w.shape), Some(WindowShape::Session { .. }));
            if sessions {
                operators.push(Box::new(SessionAggregate::new(aggregation.clone())?));
            } else {
                operators.push(Box::new(Aggregate::new(aggregation.clone(), &plan.input_schema, changelog)?));
            }
        }
        operators.push(Box::new(Project::new(plan.projection.clone(), plan.output_batch_schema())));
        Ok(RunningQuery {
            id: id.to_string(),
            topic,
            offsets: vec![0; partitions as usize],
            decoder: SourceDecoder::new(&plan.source, id, options)?,
            operators,
            sink: SinkWriter::new(sink, id, plan.rekeyed)?,
            errors: ProcessingLog::default(),
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn processing_log(&self) -> &ProcessingLog {
        &self.errors
    }

    /// Records dropped because their window had closed.
    pub fn late_records(&self) -> u64 {
        self.operators.iter().map(|o| o.late_records()).sum()
    }

    /// How many entries the query's operators keep in state.
    pub fn state_size(&self) -> usize {
        self.operators.iter().map(|o| o.state_size()).sum()
    }

    /// Processes the records that have arrived since the last poll, in the
    /// order they were appended. Returns how many records were read.
    pub fn poll(&mut self, log: &dyn Log) -> Result<usize> {
        let mut read = 0;
        loop {
            let mut records: Vec<StoredRecord> = Vec::new();
            for (partition, offset) in self.offsets.iter_mut().enumerate() {
                let chunk = log.read(&self.topic, partition as u32, *offset, READ_SIZE)?;
                *offset += chunk.len() as u64;
                records.extend(chunk);
            }
            if records.is_empty() {
                return Ok(read);
            }
            read += records.len();
            records.sort_by_key(|r| r.sequence);
            if let Some(batch) = self.decoder.decode(&records, &mut self.errors)? {
                self.push(batch, log)?;
            }
        }
    }

    fn push(&mut self, batch: Batch, log: &dyn Log) -> Result<()> {
        let mut batches = vec![batch];
        for operator in &mut self.operators {
            let mut next = Vec::new();
            for batch in batches {
                operator.process(batch, &mut next)?;
            }
            batches = next;
        }
        for batch in &batches {
            self.sink.write(batch, log, &mut self.errors)?;
        }
        Ok(())
    }
}

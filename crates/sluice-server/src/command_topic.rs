//! The command log as a Kafka topic, when topics live in Kafka: one
//! partition per service id (`_confluent-ksql-<service id>_command_topic`,
//! ksqlDB's name), so that every server of the service runs the same
//! statements in the same order, and a statement's offset is its
//! `commandSequenceNumber` on every server.
//!
//! A server executes a statement it was sent, then appends it; the other
//! servers read it on their next pass and execute it too. Two statements
//! sent at the same moment to two servers are executed in a different
//! order on each (ksqlDB appends first and executes in topic order).
//!
//! A terminated cluster (`/ksql/terminate`) appends a record without a
//! value: a server starting later replays only what follows the last one.
//! Servers already running do not act on it.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use sluice_log::{Header, Log, LogError, Record};

/// The header naming the server that appended a command.
const ORIGIN: &str = "sluice-origin";

/// How many commands are read at a time.
const READ_SIZE: usize = 256;

pub struct CommandTopic {
    log: Arc<dyn Log>,
    topic: String,
    /// This server, as its commands' origin header says.
    origin: Vec<u8>,
    /// The offset of the next command to read.
    next: u64,
}

/// What was appended to the command topic.
pub enum Command {
    Statement {
        sequence: i64,
        statement: String,
        /// Appended by this process (and executed already).
        ours: bool,
    },
    /// The cluster was terminated: what came before is forgotten.
    Terminated { sequence: i64 },
}

impl CommandTopic {
    /// Opens (creating if needed) the command topic of `service_id`.
    pub fn open(log: Arc<dyn Log>, service_id: &str) -> Result<Self, LogError> {
        let topic = format!("_confluent-ksql-{service_id}_command_topic");
        log.create_topic(&topic, 1)?;
        let started = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let origin = format!("{}-{started}", std::process::id()).into_bytes();
        Ok(CommandTopic { log, topic, origin, next: 0 })
    }

    /// Appends an executed statement; returns its sequence number.
    pub fn append(&mut self, statement: &str) -> Result<i64, LogError> {
        let record = Record {
            key: None,
            value: Some(statement.as_bytes().to_vec()),
            timestamp: SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64),
            headers: vec![Header { key: ORIGIN.into(), value: Some(self.origin.clone()) }],
        };
        self.append_flushed(record)
    }

    /// Appends `record` and waits until it is durable; returns its offset,
    /// the sequence number.
    fn append_flushed(&mut self, record: Record) -> Result<i64, LogError> {
        let offset = self.log.append(&self.topic, 0, record)?;
        self.log.flush()?;
        Ok(offset as i64)
    }

    /// The commands appended since the last call (from the start, at the
    /// first call).
    pub fn read_new(&mut self) -> Result<Vec<Command>, LogError> {
        let mut commands = Vec::new();
        loop {
            let records = self.log.read(&self.topic, 0, self.next, READ_SIZE)?;
            let Some(last) = records.last() else { return Ok(commands) };
            self.next = last.offset + 1;
            for stored in records {
                let sequence = stored.offset as i64;
                let ours = stored
                    .record
                    .headers
                    .iter()
                    .any(|h| h.key == ORIGIN && h.value.as_deref() == Some(&self.origin[..]));
                commands.push(match stored.record.value {
                    Some(value) => Command::Statement {
                        sequence,
                        statement: String::from_utf8_lossy(&value).into_owned(),
                        ours,
                    },
                    None => Command::Terminated { sequence },
                });
            }
        }
    }

    /// Forgets every command (a terminated cluster), for the next start:
    /// appends the record that says so. Returns its sequence number.
    pub fn clear(&mut self) -> Result<i64, LogError> {
        self.append_flushed(Record { key: None, value: None, timestamp: 0, headers: Vec::new() })
    }
}

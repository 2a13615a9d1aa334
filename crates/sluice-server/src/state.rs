//! What every request handler shares: the engine, the log, and the
//! signals between handlers and the background runner.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex as StdMutex};

use serde_json::{Map, Value};
use sluice_engine::{Engine, Positions};
use sluice_log::{Log, MemoryLog};
use tokio::sync::{watch, Mutex, Notify};

use crate::command_log::CommandLog;
use crate::command_topic::CommandTopic;
use crate::error::ApiError;
use crate::properties::check_overrides;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

struct Shared {
    /// The engine is not Sync and its work is synchronous: one caller at a
    /// time, on a blocking thread (see [`AppState::with_engine`]).
    engine: Arc<Mutex<Engine>>,
    /// The engine's log, read without the engine's lock by PRINT.
    log: Arc<dyn Log>,
    /// The engine's scratch log, read without the engine's lock by
    /// handlers that tail a transient query's topic.
    transient_log: Arc<MemoryLog>,
    /// Wakes the runner after something was appended to the log.
    wake: Notify,
    /// Counts the runner's passes, so that tailers wait for new output
    /// instead of polling.
    passes: watch::Sender<u64>,
    /// The last command's sequence number (ksqlDB's `commandSequenceNumber`).
    command_sequence: AtomicI64,
    /// Where accepted statements are kept for the next start; None when
    /// the server keeps nothing (no data directory), or keeps them in
    /// Kafka (`command_topic`).
    commands: Option<CommandLog>,
    /// Over Kafka: the command topic the service's servers share.
    command_topic: Option<Arc<StdMutex<CommandTopic>>>,
    /// The outcome of every command, by command id, for `/status`.
    statuses: StdMutex<BTreeMap<String, CommandStatus>>,
    service_id: String,
    /// The server's defaults for request properties.
    default_properties: Map<String, Value>,
}

/// What became of a command (ksqlDB's CommandStatus). Commands run before
/// they are answered, so every recorded one has succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandStatus {
    pub message: String,
    pub query_id: Option<String>,
}

impl AppState {
    /// `last_command` is the sequence number of the last command replayed.
    pub fn new(
        engine: Engine,
        service_id: String,
        commands: Option<CommandLog>,
        last_command: i64,
        statuses: BTreeMap<String, CommandStatus>,
    ) -> Self {
        let log = Arc::clone(engine.log());
        let transient_log = Arc::clone(engine.transient_log());
        let (passes, _) = watch::channel(0);
        AppState {
            inner: Arc::new(Shared {
                engine: Arc::new(Mutex::new(engine)),
                log,
                transient_log,
                wake: Notify::new(),
                passes,
                command_sequence: AtomicI64::new(last_command),
                commands,
                command_topic: None,
                statuses: StdMutex::new(statuses),
                service_id,
                default_properties: Map::new(),
            }),
        }
    }

    /// Keeps statements in the service's command topic (over Kafka).
    /// Called before the state is shared.
    pub fn with_command_topic(mut self, topic: CommandTopic) -> Self {
        if let Some(shared) = Arc::get_mut(&mut self.inner) {
            shared.command_topic = Some(Arc::new(StdMutex::new(topic)));
        }
        self
    }

    /// The command topic, when statements are kept in Kafka.
    pub fn command_topic(&self) -> Option<Arc<StdMutex<CommandTopic>>> {
        self.inner.command_topic.clone()
    }

    /// Notes a command another server executed (from the command topic).
    pub fn saw_command(&self, sequence: i64) {
        self.inner.command_sequence.fetch_max(sequence, Ordering::SeqCst);
    }

    /// Sets the server's defaults for request properties. Called before
    /// the state is shared.
    pub fn with_default_properties(mut self, defaults: BTreeMap<String, String>) -> Self {
        if let Some(shared) = Arc::get_mut(&mut self.inner) {
            shared.default_properties = defaults.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        }
        self
    }

    /// A request's properties over the server's defaults. A request may
    /// not set the server's own settings (400, as ksqlDB's deny-list).
    pub fn request_properties(&self, given: Map<String, Value>) -> Result<Map<String, Value>, ApiError> {
        check_overrides(given.keys()).map_err(|e| ApiError::bad_request(e.to_string()))?;
        let mut properties = self.inner.default_properties.clone();
        properties.extend(given);
        Ok(properties)
    }

    /// The server's defaults for request properties (from its config).
    pub fn default_properties(&self) -> &Map<String, Value> {
        &self.inner.default_properties
    }

    /// Runs `work` on the engine, alone, on a blocking thread: the engine
    /// runs queries synchronously and must not stall the async workers.
    pub async fn with_engine<R, F>(&self, work: F) -> Result<R, ApiError>
    where
        F: FnOnce(&mut Engine) -> R + Send + 'static,
        R: Send + 'static,
    {
        let mut engine = Arc::clone(&self.inner.engine).lock_owned().await;
        tokio::task::spawn_blocking(move || work(&mut engine))
            .await
            .map_err(|e| ApiError::internal(format!("The engine failed: {e}")))
    }

    pub fn log(&self) -> &Arc<dyn Log> {
        &self.inner.log
    }

    pub fn transient_log(&self) -> &Arc<MemoryLog> {
        &self.inner.transient_log
    }

    /// Asks the runner to run the queries over what was just appended.
    pub fn wake_runner(&self) {
        self.inner.wake.notify_one();
    }

    pub async fn woken(&self) {
        self.inner.wake.notified().await
    }

    /// Tells tailers that the runner finished a pass.
    pub fn pass_done(&self) {
        self.inner.passes.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub fn passes(&self) -> watch::Receiver<u64> {
        self.inner.passes.subscribe()
    }

    /// Takes the next command sequence number.
    pub fn next_command_sequence(&self) -> i64 {
        self.inner.command_sequence.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Keeps an executed statement for the next start (and, over Kafka,
    /// for the service's other servers). Returns its sequence number.
    pub fn record_command(&self, statement: &str) -> Result<i64, ApiError> {
        let not_recorded = |e: String| {
            ApiError::internal(format!(
                "The statement was executed but not recorded ({e}): it will be missing after a restart."
            ))
        };
        if let Some(topic) = &self.inner.command_topic {
            // Every change is one append: a poisoned lock is still whole.
            let mut topic = topic.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let sequence = topic.append(statement).map_err(|e| not_recorded(e.to_string()))?;
            self.saw_command(sequence);
            return Ok(sequence);
        }
        let sequence = self.next_command_sequence();
        if let Some(commands) = &self.inner.commands {
            commands.append(sequence, statement).map_err(|e| not_recorded(e.to_string()))?;
        }
        Ok(sequence)
    }

    /// Forgets every command, in the command log and in `/status`: what
    /// a terminated cluster leaves behind.
    pub fn forget_commands(&self) -> Result<(), ApiError> {
        self.statuses().clear();
        if let Some(topic) = &self.inner.command_topic {
            let mut topic = topic.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let sequence = topic.clear().map_err(|e| {
                ApiError::internal(format!(
                    "The command topic could not be marked ({e}): a restart would replay it."
                ))
            })?;
            self.saw_command(sequence);
            return Ok(());
        }
        let Some(commands) = &self.inner.commands else { return Ok(()) };
        commands.clear().map_err(|e| {
            ApiError::internal(format!(
                "The command log could not be emptied ({e}): a restart would replay it."
            ))
        })
    }

    /// Keeps the queries' checkpoints for the next start (nothing to do
    /// without a data directory).
    pub fn save_checkpoints(&self, checkpoints: &[(String, Positions)]) -> Result<(), String> {
        match &self.inner.commands {
            Some(commands) => commands.save_checkpoints(checkpoints).map_err(|e| e.to_string()),
            None => Ok(()),
        }
    }

    /// Whether the server keeps anything for its next start.
    pub fn is_durable(&self) -> bool {
        self.inner.commands.is_some()
    }

    pub fn set_status(&self, command_id: String, status: CommandStatus) {
        self.statuses().insert(command_id, status);
    }

    pub fn status(&self, command_id: &str) -> Option<CommandStatus> {
        self.statuses().get(command_id).cloned()
    }

    pub fn all_statuses(&self) -> BTreeMap<String, CommandStatus> {
        self.statuses().clone()
    }

    fn statuses(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, CommandStatus>> {
        // Every change is a single insert: a poisoned map is still whole.
        self.inner.statuses.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn service_id(&self) -> &str {
        &self.inner.service_id
    }
}

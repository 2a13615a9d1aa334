//! The Sluice server: ksqlDB's REST API over one [`Engine`].
//!
//! Endpoints live one per file in `endpoints/`; `serving.rs` runs the
//! queries of `/query` and `/query-stream`. The engine sits behind an
//! async mutex and does its (synchronous) work on blocking threads; a
//! background runner keeps persistent and push queries running. Push and
//! pull queries run as the engine's transient queries, whose rows the
//! handlers read back from the log.
//!
//! With a data directory, topics live in an embedded log on disk
//! ([`SledLog`]) and accepted statements in a command log that is replayed
//! at start-up; without one, everything is in memory. With Kafka's
//! bootstrap servers, topics live in Kafka ([`KafkaLog`]), the command log
//! is the service's command topic, and servers with one service id share
//! the persistent queries' partitions.

mod command_log;
mod command_topic;
pub mod config_file;
mod content;
mod endpoints;
mod entities;
mod error;
mod functions;
mod key_lookup;
mod print_topic;
mod properties;
mod pull_check;
mod rows;
mod runner;
mod serving;
mod state;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::serve::ListenerExt;
use axum::Router;
use command_log::CommandLog;
use command_topic::{Command, CommandTopic};
use sluice_engine::{Engine, EngineConfig};
use sluice_log::{Guarantee, KafkaLog, Log, MemoryLog, SledLog};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use error::ServerError;
use state::{AppState, CommandStatus};

/// How long [`RunningServer::stop`] lets open requests (push queries) end
/// before it drops them.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// What a server starts with.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Where the embedded log (`log/`) and the command log (`commands/`)
    /// live; None keeps everything in memory.
    pub data_dir: Option<PathBuf>,
    /// ksqlDB's `ksql.service.id`.
    pub service_id: String,
    /// Headless mode: run this file's statements at start-up, as a
    /// deployment does, and serve only /info, /healthcheck, /status,
    /// /is_valid_property and /metrics.
    /// The command log is not used then: the file is the application.
    pub queries_file: Option<PathBuf>,
    /// Defaults for the properties of every request (`auto.offset.reset`
    /// and the like); a request's own properties win.
    pub properties: BTreeMap<String, String>,
    /// Kafka's bootstrap servers (`HOST:PORT,..`): topics then live in
    /// Kafka, and so does the command log (the service's command topic).
    pub kafka_bootstrap: Option<String>,
    /// How persistent queries over Kafka commit (ksqlDB's
    /// `processing.guarantee`); the embedded logs have one server only.
    pub guarantee: Guarantee,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8088)),
            data_dir: None,
            service_id: "default_".into(),
            queries_file: None,
            properties: BTreeMap::new(),
            kafka_bootstrap: None,
            guarantee: Guarantee::AtLeastOnce,
        }
    }
}

/// The routes of the REST API. A headless server (one that runs a
/// queries file) takes no statements, queries or rows from clients.
fn router(state: AppState, headless: bool) -> Router {
    let mut router = Router::new()
        .route("/info", get(endpoints::info::handle))
        .route("/healthcheck", get(endpoints::healthcheck::handle))
        .route("/metrics", get(endpoints::metrics::handle))
        .route("/status", get(endpoints::status::all))
        .route("/status/{kind}/{entity}/{action}", get(endpoints::status::one))
        .route("/is_valid_property/{property}", get(endpoints::is_valid_property::handle));
    if !headless {
        router = router
            .route("/ksql", post(endpoints::ksql::handle))
            .route("/ksql/terminate", post(endpoints::terminate_cluster::handle))
            .route("/ws/query", get(endpoints::ws_query::handle))
            .route("/query", post(endpoints::query::handle))
            .route("/query-stream", post(endpoints::query_stream::handle))
            .route("/close-query", post(endpoints::close_query::handle))
            .route("/inserts-stream", post(endpoints::inserts_stream::handle));
    }
    router
        .fallback(endpoints::not_found)
        .method_not_allowed_fallback(endpoints::method_not_allowed)
        .with_state(state)
}

/// A server accepting requests, until [`RunningServer::stop`].
pub struct RunningServer {
    addr: SocketAddr,
    state: AppState,
    stop: watch::Sender<bool>,
    serving: JoinHandle<Result<(), ServerError>>,
    runner: JoinHandle<()>,
    replay_errors: Vec<String>,
}

/// Binds `config.listen` and starts serving in the background.
pub async fn start(config: ServerConfig) -> Result<RunningServer, ServerError> {
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServerError::Bind { addr: config.listen, source })?;
    let addr = listener.local_addr()?;
    let headless = config.queries_file.is_some();
    if let Some(dir) = &config.data_dir {
        std::fs::create_dir_all(dir).map_err(|source| ServerError::DataDir { path: dir.clone(), source })?;
    }
    // Over Kafka the command log is the service's command topic.
    let commands = match &config.data_dir {
        Some(dir) if !headless && config.kafka_bootstrap.is_none() => {
            Some(CommandLog::open(&dir.join("commands"))?)
        }
        _ => None,
    };
    let log: Arc<dyn Log> = match (&config.kafka_bootstrap, &config.data_dir) {
        (Some(bootstrap), _) => Arc::new(KafkaLog::connect(bootstrap, &[])?),
        (None, Some(dir)) => Arc::new(SledLog::open(&dir.join("log"))?),
        (None, None) => Arc::new(MemoryLog::new()),
    };
    // Stateless queries go on from where they were (see the runner).
    let checkpoints = match &commands {
        Some(commands) => commands.checkpoints()?,
        None => Vec::new(),
    };
    let mut command_topic = match (&config.kafka_bootstrap, headless) {
        (Some(_), false) => Some(CommandTopic::open(Arc::clone(&log), &config.service_id)?),
        _ => None,
    };
    let engine_config = EngineConfig {
        service_id: config.service_id.clone(),
        guarantee: config.guarantee,
        ..EngineConfig::default()
    };
    let mut engine = Engine::new(log, engine_config).with_wall_clock_inserts().with_checkpoints(checkpoints);
    let replayed = match (&commands, &mut command_topic, &config.queries_file) {
        (_, _, Some(file)) => run_queries_file(&mut engine, file)?,
        (_, Some(topic), None) => replay_topic(&mut engine, topic)?,
        (Some(commands), None, None) => replay(&mut engine, commands)?,
        (None, None, None) => Replayed::default(),
    };
    let replay_errors = replayed.errors;
    let mut state = AppState::new(engine, config.service_id, commands, replayed.last, replayed.statuses)
        .with_default_properties(config.properties);
    if let Some(topic) = command_topic {
        state = state.with_command_topic(topic);
    }
    let (stop, stopped) = watch::channel(false);
    let runner = tokio::spawn(runner::run(state.clone(), stopped.clone()));
    // Queries replayed above catch up in the runner's first pass.
    state.wake_runner();
    let app = router(state.clone(), headless);
    let mut shutdown = stopped;
    // Without Nagle's algorithm: a push query's rows and an insert's
    // acknowledgements are small writes that must go out at once, not wait
    // for the client to acknowledge the previous ones (ksqlDB's Vert.x
    // server sets TCP_NODELAY too).
    let listener = listener.tap_io(|connection| {
        if let Err(error) = connection.set_nodelay(true) {
            eprintln!("sluice server: cannot set TCP_NODELAY on a connection: {error}");
        }
    });
    let serving = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = shutdown.changed().await;
            })
            .await
            .map_err(ServerError::Serve)
    });
    Ok(RunningServer { addr, state, stop, serving, runner, replay_errors })
}

/// What replaying the command log gave.
#[derive(Default)]
struct Replayed {
    /// The last sequence number.
    last: i64,
    statuses: BTreeMap<String, CommandStatus>,
    /// The statements that failed this time (they are skipped).
    errors: Vec<String>,
}

/// Headless mode: executes every statement of the file, in order. Any
/// error stops the start-up, naming the statement's line and column.
fn run_queries_file(engine: &mut Engine, file: &std::path::Path) -> Result<Replayed, ServerError> {
    let failed = |message: String| ServerError::QueriesFile { path: file.to_path_buf(), message };
    let source = std::fs::read_to_string(file).map_err(|e| failed(e.to_string()))?;
    let mut replayed = Replayed::default();
    for parsed in sluice_sql::parse_script(&source, &mut std::collections::HashMap::new()) {
        let statement = parsed.map_err(|e| failed(e.render(&source)))?;
        use sluice_sql::ast::Statement;
        match &statement.statement {
            Statement::DefineVariable { .. } | Statement::UndefineVariable { .. } => continue,
            Statement::SetProperty { .. } | Statement::UnsetProperty { .. } => continue,
            Statement::Query(_) | Statement::Print(_) | Statement::Show(_) | Statement::Describe { .. } => {
                return Err(failed(format!(
                    "line {}:{}: a queries file holds statements that change things, not {}",
                    statement.line,
                    statement.column,
                    statement.statement.kind()
                )))
            }
            _ => {}
        }
        // As for a replayed command log, the topics may be there from an
        // earlier run: a CREATE .. AS SELECT computes its sink again.
        let outcome = engine
            .replay(&statement.statement)
            .map_err(|e| failed(format!("line {}:{}: {e}", statement.line, statement.column)))?;
        replayed.last += 1;
        replayed.statuses.insert(
            endpoints::ksql::command_id(&statement.statement),
            CommandStatus { message: outcome.message, query_id: outcome.query_id },
        );
    }
    Ok(replayed)
}

/// Executes the statements of the command topic, after its last
/// termination.
fn replay_topic(engine: &mut Engine, topic: &mut CommandTopic) -> Result<Replayed, ServerError> {
    let mut statements = Vec::new();
    let mut last = 0;
    for command in topic.read_new()? {
        match command {
            Command::Statement { sequence, statement, .. } => {
                last = sequence;
                statements.push((sequence, statement));
            }
            Command::Terminated { sequence } => {
                last = sequence;
                statements.clear();
            }
        }
    }
    Ok(replay_all(engine, statements, last))
}

/// Executes `statements` (sequence number, text) again, in order; a
/// statement that fails is reported and skipped. `last` is the command
/// log's last sequence number.
fn replay_all(engine: &mut Engine, statements: Vec<(i64, String)>, last: i64) -> Replayed {
    let mut replayed = Replayed { last, ..Replayed::default() };
    for (sequence, text) in statements {
        match replay_one(engine, &text) {
            Ok((id, status)) => {
                replayed.statuses.insert(id, status);
            }
            Err(error) => replayed.errors.push(format!("command {sequence} ({text}): {error}")),
        }
    }
    replayed
}

/// Executes a statement of a command log again: its command id and status.
pub(crate) fn replay_one(engine: &mut Engine, text: &str) -> Result<(String, CommandStatus), String> {
    let statement = sluice_sql::parse_statement(text).map_err(|e| e.to_string())?;
    let outcome = engine.replay(&statement).map_err(|e| e.to_string())?;
    let status = CommandStatus { message: outcome.message, query_id: outcome.query_id };
    Ok((endpoints::ksql::command_id(&statement), status))
}

/// Executes the command log's statements again.
fn replay(engine: &mut Engine, commands: &CommandLog) -> Result<Replayed, ServerError> {
    let statements = commands.entries()?;
    let last = statements.last().map_or(0, |(sequence, _)| *sequence);
    Ok(replay_all(engine, statements, last))
}

impl RunningServer {
    /// The address it listens on (with the port chosen when it was 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Statements of the command log that failed when replayed at start-up.
    pub fn replay_errors(&self) -> &[String] {
        &self.replay_errors
    }

    /// The ids of the transient (push and pull) queries running now.
    pub async fn transient_query_ids(&self) -> Vec<String> {
        self.state.with_engine(|engine| engine.transient_ids()).await.unwrap_or_default()
    }

    /// Runs `work` on the server's engine, between requests. For harnesses
    /// that stand in for the outside world: a producer writing records to
    /// a topic, or a check of what a topic holds.
    pub async fn with_engine<R, F>(&self, work: F) -> Result<R, ServerError>
    where
        F: FnOnce(&mut Engine) -> R + Send + 'static,
        R: Send + 'static,
    {
        self.state.with_engine(work).await.map_err(|e| ServerError::Engine(e.message))
    }

    /// Runs every persistent and push query over what the log holds now,
    /// until none has anything left to read, and lets push queries send
    /// what that produced. Records appended before the call are processed
    /// when it returns.
    pub async fn catch_up(&self) -> Result<(), ServerError> {
        let ran = self.with_engine(|engine| engine.run_until_idle().map_err(|e| e.to_string())).await?;
        self.state.pass_done();
        ran.map(|_| ()).map_err(ServerError::Engine)
    }

    /// Serves until the server fails or is stopped.
    pub async fn wait(self) -> Result<(), ServerError> {
        match self.serving.await {
            Ok(result) => result,
            Err(e) => Err(ServerError::Serve(std::io::Error::other(e))),
        }
    }

    /// Stops accepting requests, waits a little for open ones, and stops
    /// the runner. The data directory is released once open push queries
    /// have noticed (their tasks hold the engine).
    pub async fn stop(self) -> Result<(), ServerError> {
        let _ = self.stop.send(true);
        let abort = self.serving.abort_handle();
        let served = match tokio::time::timeout(STOP_GRACE, self.serving).await {
            Ok(Ok(result)) => result,
            Ok(Err(e)) => Err(ServerError::Serve(std::io::Error::other(e))),
            Err(_) => {
                // Push queries never end by themselves: drop them.
                abort.abort();
                Ok(())
            }
        };
        let _ = self.runner.await;
        served
    }
}

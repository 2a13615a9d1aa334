//! The Sluice server: ksqlDB's REST API over one [`Engine`].
//!
//! Endpoints live one per file in `endpoints/`. The engine sits behind an
//! async mutex and does its (synchronous) work on blocking threads; a
//! background runner keeps persistent and push queries running. Push and
//! pull queries run as the engine's transient queries, whose rows the
//! handlers read back from the log.
//!
//! Topics are kept in memory for now: nothing survives a restart yet.

mod content;
mod endpoints;
mod entities;
mod error;
mod rows;
mod runner;
mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use sluice_engine::{Engine, EngineConfig};
use sluice_log::MemoryLog;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use error::ServerError;
use state::AppState;

/// How long [`RunningServer::stop`] lets open requests (push queries) end
/// before it drops them.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// What a server starts with.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Where the durable log and command log will live. Not used yet: the
    /// log is in memory (see the crate docs).
    pub data_dir: PathBuf,
    /// ksqlDB's `ksql.service.id`.
    pub service_id: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8088)),
            data_dir: PathBuf::from("sluice-data"),
            service_id: "default_".into(),
        }
    }
}

/// The routes of the REST API.
fn router(state: AppState) -> Router {
    Router::new()
        .route("/info", get(endpoints::info::handle))
        .route("/healthcheck", get(endpoints::healthcheck::handle))
        .route("/ksql", post(endpoints::ksql::handle))
        .route("/query", post(endpoints::query::handle))
        .route("/inserts-stream", post(endpoints::inserts_stream::handle))
        .fallback(endpoints::not_found)
        .with_state(state)
}

/// A server accepting requests, until [`RunningServer::stop`].
pub struct RunningServer {
    addr: SocketAddr,
    state: AppState,
    stop: watch::Sender<bool>,
    serving: JoinHandle<Result<(), ServerError>>,
}

/// Binds `config.listen` and starts serving in the background.
pub async fn start(config: ServerConfig) -> Result<RunningServer, ServerError> {
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServerError::Bind { addr: config.listen, source })?;
    let addr = listener.local_addr()?;
    let engine = Engine::new(Arc::new(MemoryLog::new()), EngineConfig::default()).with_wall_clock_inserts();
    let state = AppState::new(engine, config.service_id);
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(runner::run(state.clone(), stopped.clone()));
    let app = router(state.clone());
    let mut shutdown = stopped;
    let serving = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = shutdown.changed().await;
            })
            .await
            .map_err(ServerError::Serve)
    });
    Ok(RunningServer { addr, state, stop, serving })
}

impl RunningServer {
    /// The address it listens on (with the port chosen when it was 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The ids of the transient (push and pull) queries running now.
    pub async fn transient_query_ids(&self) -> Vec<String> {
        self.state.with_engine(|engine| engine.transient_ids()).await.unwrap_or_default()
    }

    /// Serves until the server fails or is stopped.
    pub async fn wait(self) -> Result<(), ServerError> {
        match self.serving.await {
            Ok(result) => result,
            Err(e) => Err(ServerError::Serve(std::io::Error::other(e))),
        }
    }

    /// Stops accepting requests and waits a little for open ones.
    pub async fn stop(self) -> Result<(), ServerError> {
        let _ = self.stop.send(true);
        let abort = self.serving.abort_handle();
        match tokio::time::timeout(STOP_GRACE, self.serving).await {
            Ok(Ok(result)) => result,
            Ok(Err(e)) => Err(ServerError::Serve(std::io::Error::other(e))),
            Err(_) => {
                // Push queries never end by themselves: drop them.
                abort.abort();
                Ok(())
            }
        }
    }
}

//! `sluice shell`: an interactive SQL shell and script runner that talks to
//! a Sluice (or ksqlDB) server over its REST API, like ksqlDB's CLI.
//!
//! `session.rs` runs statements (SET/UNSET, DEFINE, RUN SCRIPT locally,
//! queries over `/query-stream`, everything else over `/ksql`); `repl.rs`
//! is the interactive loop; `render/` turns answers into tables;
//! `embedded.rs` starts a server in process for `--embedded`.

mod client;
mod completion;
mod embedded;
mod error;
mod input;
mod query;
mod render;
mod repl;
mod session;
mod spool;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

pub use error::ShellError;
pub use session::OutputFormat;
use session::Session;

/// What `sluice shell` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// The server's URL (ignored with `embedded`).
    pub server: String,
    /// Run a server in process with its data in this directory.
    pub embedded: Option<PathBuf>,
    /// `-e`: run these statements and leave.
    pub execute: Option<String>,
    /// `-f`: run this file's statements and leave.
    pub file: Option<PathBuf>,
    pub output: OutputFormat,
    /// `-d name=value`: variables defined before anything runs.
    pub defines: Vec<(String, String)>,
}

/// Runs the shell; the exit code is 1 when a statement of `-e` or `-f`
/// failed or the shell could not start.
pub fn run(options: Options) -> ExitCode {
    match run_inner(options) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sluice shell: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_inner(options: Options) -> Result<ExitCode, ShellError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(ShellError::Runtime)?;
    let (server, url) = match &options.embedded {
        Some(dir) => {
            let (server, url) = embedded::start(&runtime, dir)?;
            (Some(server), url)
        }
        None => (None, options.server.clone()),
    };
    let mut session = Session::new(runtime, &url, options.output);
    for (name, value) in &options.defines {
        session.define(name, value);
    }

    let scripted = options.execute.is_some() || options.file.is_some();
    let mut code = ExitCode::SUCCESS;
    if scripted {
        let result = match (&options.file, &options.execute) {
            (Some(file), _) => session.run_script(file),
            (None, Some(text)) => session.execute(text),
            (None, None) => Ok(()),
        };
        if let Err(e) = result {
            session.spool.error(&e.to_string());
            code = ExitCode::FAILURE;
        }
    } else {
        repl::run(&mut session, |session| greet(session, &options))?;
    }

    if let Some(server) = server {
        let runtime = session.into_runtime();
        if let Err(e) = runtime.block_on(server.stop()) {
            eprintln!("the embedded server did not stop cleanly: {e}");
        }
    }
    Ok(code)
}

/// The banner: which server, and one clear line when it cannot be
/// reached (the shell still starts; `server URL` can switch).
fn greet(session: &Session, options: &Options) {
    if !std::io::stdin().is_terminal() {
        return;
    }
    let out = &session.spool;
    out.line(&format!("Sluice shell {}. Type 'help' for help, 'exit' to leave.", env!("CARGO_PKG_VERSION")));
    match session.server_version() {
        Ok(version) => match &options.embedded {
            Some(dir) => out.line(&format!(
                "Embedded server {version} at {}, data in {}",
                session.server(),
                dir.display()
            )),
            None => out.line(&format!("Server {version} at {}", session.server())),
        },
        Err(e) => out.error(&e.to_string()),
    }
    out.line("");
}

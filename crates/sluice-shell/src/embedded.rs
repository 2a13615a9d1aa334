//! `--embedded`: a server started in this process, on 127.0.0.1 and a
//! port the system picks, keeping its data in a local directory.

use std::path::Path;

use sluice_server::{RunningServer, ServerConfig};

use crate::error::ShellError;

/// Starts the server on `runtime` and returns it with its URL.
pub fn start(
    runtime: &tokio::runtime::Runtime,
    data_dir: &Path,
) -> Result<(RunningServer, String), ShellError> {
    let config = ServerConfig {
        listen: ([127, 0, 0, 1], 0).into(),
        data_dir: Some(data_dir.to_path_buf()),
        ..ServerConfig::default()
    };
    let server =
        runtime.block_on(sluice_server::start(config)).map_err(|e| ShellError::Embedded(e.to_string()))?;
    for error in server.replay_errors() {
        eprintln!("a statement failed when replayed and was skipped: {error}");
    }
    let url = format!("http://{}", server.local_addr());
    Ok((server, url))
}

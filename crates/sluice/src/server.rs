//! `sluice server`: runs the REST server until Ctrl-C.

use std::process::ExitCode;

use sluice_server::ServerConfig;

pub fn run(config: ServerConfig) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("sluice server: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let server = match sluice_server::start(config.clone()).await {
            Ok(server) => server,
            Err(e) => {
                eprintln!("sluice server: {e}");
                return ExitCode::FAILURE;
            }
        };
        eprintln!("sluice server: listening on http://{}", server.local_addr());
        if let Some(dir) = &config.data_dir {
            eprintln!("sluice server: data in {}", dir.display());
        }
        for error in server.replay_errors() {
            eprintln!("sluice server: a statement failed when replayed and was skipped: {error}");
        }
        tokio::select! {
            result = server.wait() => match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("sluice server: {e}");
                    ExitCode::FAILURE
                }
            },
            _ = tokio::signal::ctrl_c() => {
                eprintln!("sluice server: stopping");
                ExitCode::SUCCESS
            }
        }
    })
}

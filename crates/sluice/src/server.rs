//! `sluice server`: runs the REST server until Ctrl-C.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sluice_log::Guarantee;
use sluice_server::config_file::ConfigFile;
use sluice_server::ServerConfig;

/// Where the data lives when neither a flag nor the config file says.
const DEFAULT_DATA_DIR: &str = "./sluice-data";

/// The settings given on the command line; they win over the config file.
#[derive(Debug, Default)]
pub struct Flags {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub service_id: Option<String>,
    pub queries_file: Option<PathBuf>,
    pub kafka_bootstrap: Option<String>,
}

/// The server's settings: each from the flags, else the config file, else
/// the default.
fn server_config(flags: Flags, file: ConfigFile) -> ServerConfig {
    let defaults = ServerConfig::default();
    ServerConfig {
        listen: flags.listen.or(file.listen).unwrap_or(defaults.listen),
        data_dir: Some(flags.data_dir.or(file.data_dir).unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR))),
        service_id: flags.service_id.or(file.service_id).unwrap_or(defaults.service_id),
        queries_file: flags.queries_file.or(file.queries_file),
        properties: file.properties,
        kafka_bootstrap: flags.kafka_bootstrap.or(file.kafka_bootstrap),
        guarantee: file.guarantee.unwrap_or(defaults.guarantee),
    }
}

pub fn run(config_file: Option<&Path>, flags: Flags) -> ExitCode {
    let file = match config_file.map(ConfigFile::read).transpose() {
        Ok(file) => file.unwrap_or_default(),
        Err(e) => {
            eprintln!("sluice server: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = config_file {
        for key in &file.unused {
            eprintln!(
                "sluice server: {}: {key} is not used by Sluice (it is kept as a request property)",
                path.display()
            );
        }
    }
    let config = server_config(flags, file);
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
        match (&config.kafka_bootstrap, &config.data_dir) {
            (Some(bootstrap), _) => eprintln!(
                "sluice server: topics and commands in Kafka at {bootstrap}, persistent queries {}",
                match config.guarantee {
                    Guarantee::AtLeastOnce => "at least once",
                    Guarantee::ExactlyOnce => "exactly once (transactions)",
                }
            ),
            (None, Some(dir)) => eprintln!("sluice server: data in {}", dir.display()),
            _ => {}
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_which_wins_over_defaults() {
        let file = ConfigFile::parse(
            "listeners=http://127.0.0.1:9001\nksql.service.id=from_file_\nsluice.data.dir=/file/dir\nauto.offset.reset=earliest\n",
        )
        .expect("a valid file");
        let flags = Flags { service_id: Some("from_flag_".into()), ..Flags::default() };
        let config = server_config(flags, file);
        assert_eq!(config.service_id, "from_flag_");
        assert_eq!(config.listen, "127.0.0.1:9001".parse().expect("address"));
        assert_eq!(config.data_dir, Some(PathBuf::from("/file/dir")));
        assert_eq!(config.properties.get("auto.offset.reset").map(String::as_str), Some("earliest"));

        let config = server_config(Flags::default(), ConfigFile::default());
        assert_eq!(config.listen, ServerConfig::default().listen);
        assert_eq!(config.data_dir, Some(PathBuf::from(DEFAULT_DATA_DIR)));
        assert_eq!(config.service_id, "default_");
        assert!(config.properties.is_empty());
    }
}

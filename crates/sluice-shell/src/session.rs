//! A shell session: the server it talks to, the properties set with SET
//! (sent with every request, as ksqlDB's CLI does), the variables set with
//! DEFINE, and how statements are run.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use sluice_sql::ast::Statement;
use sluice_sql::{split_statements, substitute_variables};

use crate::client::Client;
use crate::error::ShellError;
use crate::input::LocalCommand;
use crate::query::{self, QueryEnd};
use crate::render::{self, entities};
use crate::spool::Spool;

/// How deep RUN SCRIPT may nest, so a script that runs itself stops.
const MAX_SCRIPT_DEPTH: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Tabular,
    Json,
}

impl OutputFormat {
    pub fn parse(text: &str) -> Option<OutputFormat> {
        match text.to_ascii_uppercase().as_str() {
            "TABULAR" => Some(OutputFormat::Tabular),
            "JSON" => Some(OutputFormat::Json),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            OutputFormat::Tabular => "TABULAR",
            OutputFormat::Json => "JSON",
        }
    }
}

/// What the caller should do after a local command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Exit,
}

pub struct Session {
    runtime: tokio::runtime::Runtime,
    client: Client,
    properties: BTreeMap<String, String>,
    variables: HashMap<String, String>,
    pub output: OutputFormat,
    /// Stream, table and column names, shared with the completer.
    sources: Arc<Mutex<Vec<String>>>,
    script_depth: usize,
    /// Where output goes (and SPOOL's copy of it).
    pub spool: Spool,
}

impl Session {
    pub fn new(runtime: tokio::runtime::Runtime, server: &str, output: OutputFormat) -> Session {
        Session {
            runtime,
            client: Client::new(server),
            properties: BTreeMap::new(),
            variables: HashMap::new(),
            output,
            sources: Arc::new(Mutex::new(Vec::new())),
            script_depth: 0,
            spool: Spool::default(),
        }
    }

    pub fn into_runtime(self) -> tokio::runtime::Runtime {
        self.runtime
    }

    pub fn sources(&self) -> Arc<Mutex<Vec<String>>> {
        self.sources.clone()
    }

    pub fn server(&self) -> &str {
        self.client.base()
    }

    /// Sets a variable before any statement runs (`--define`).
    pub fn define(&mut self, name: &str, value: &str) {
        self.variables.insert(name.to_uppercase(), value.to_string());
    }

    /// Waits for `future`, or gives up when Ctrl-C is pressed.
    fn wait<T>(&self, future: impl Future<Output = Result<T, ShellError>>) -> Result<T, ShellError> {
        self.runtime.block_on(async {
            tokio::select! {
                result = future => result,
                _ = tokio::signal::ctrl_c() => Err(ShellError::Usage(
                    "cancelled (a statement already sent may still run on the server)".into(),
                )),
            }
        })
    }

    /// `GET /info`: the server's version, or why it cannot be reached.
    pub fn server_version(&self) -> Result<String, ShellError> {
        let info = self.wait(self.client.info())?;
        Ok(info["version"].as_str().unwrap_or("unknown").to_string())
    }

    /// Reloads the stream and table names, and their column names, for
    /// completion (one request: DESCRIBE STREAMS and TABLES answer both).
    /// Failures are ignored: completion then offers what it had.
    pub fn refresh_sources(&self) {
        let Ok(entities) =
            self.wait(self.client.ksql("DESCRIBE STREAMS; DESCRIBE TABLES;", &self.properties))
        else {
            return;
        };
        let descriptions =
            entities.iter().flat_map(|e| e["sourceDescriptions"].as_array().into_iter().flatten());
        let mut names: Vec<String> = descriptions
            .flat_map(|d| {
                let columns = d["fields"].as_array().into_iter().flatten().map(|f| &f["name"]);
                std::iter::once(&d["name"]).chain(columns)
            })
            .filter_map(|name| name.as_str().map(str::to_string))
            .collect();
        names.sort();
        names.dedup();
        if let Ok(mut sources) = self.sources.lock() {
            *sources = names;
        }
    }

    /// Runs every statement of `text` in order, stopping at the first that
    /// fails.
    pub fn execute(&mut self, text: &str) -> Result<(), ShellError> {
        for piece in split_statements(text) {
            let statement = substitute_variables(piece.text, &self.variables);
            self.execute_one(&statement)?;
        }
        Ok(())
    }

    fn execute_one(&mut self, text: &str) -> Result<(), ShellError> {
        // The shell parses only to see what a statement is; a statement it
        // cannot parse goes to the server, whose message is the one shown.
        let parsed = sluice_sql::parse_statement(text).ok();
        match parsed {
            Some(Statement::SetProperty { name, value }) => {
                self.spool.line(&format!("Successfully changed local property '{name}' to '{value}'."));
                self.properties.insert(name, value);
                Ok(())
            }
            Some(Statement::UnsetProperty { name }) => {
                match self.properties.remove(&name) {
                    Some(old) => self
                        .spool
                        .line(&format!("Successfully unset local property '{name}' (value was '{old}').")),
                    None => self.spool.line(&format!("Local property '{name}' was not set.")),
                }
                Ok(())
            }
            Some(Statement::DefineVariable { name, value }) => {
                self.variables.insert(name.as_str().to_uppercase(), value);
                Ok(())
            }
            Some(Statement::UndefineVariable { name }) => {
                self.variables.remove(&name.as_str().to_uppercase());
                Ok(())
            }
            Some(Statement::RunScript { path }) => self.run_script(Path::new(&path)),
            Some(Statement::Query(select)) => self.run_query(text, select.emit.is_some()),
            Some(Statement::Print(_)) => self.run_query(text, true),
            _ => self.run_ksql(text),
        }
    }

    /// Runs a file's statements as if typed, stopping at the first error.
    pub fn run_script(&mut self, path: &Path) -> Result<(), ShellError> {
        if self.script_depth >= MAX_SCRIPT_DEPTH {
            return Err(ShellError::ScriptDepth(MAX_SCRIPT_DEPTH));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|source| ShellError::ReadFile { path: path.to_path_buf(), source })?;
        self.script_depth += 1;
        let result = self.execute(&text);
        self.script_depth -= 1;
        result
    }

    fn run_query(&mut self, text: &str, push: bool) -> Result<(), ShellError> {
        let sql = format!("{text};");
        let width = render::terminal_width();
        let end = self.runtime.block_on(query::run(
            &self.client,
            &sql,
            &self.properties,
            push,
            self.output,
            width,
            &self.spool,
        ))?;
        if self.output == OutputFormat::Tabular {
            match end {
                QueryEnd::Completed { rows } if push => {
                    self.spool.line(&format!("Limit Reached ({rows} rows)"))
                }
                QueryEnd::Completed { rows } => {
                    self.spool.line(&format!("{rows} row{}", if rows == 1 { "" } else { "s" }))
                }
                QueryEnd::Cancelled { .. } => self.spool.line("Query terminated"),
            }
        }
        Ok(())
    }

    fn run_ksql(&mut self, text: &str) -> Result<(), ShellError> {
        let entities = self.wait(self.client.ksql(&format!("{text};"), &self.properties))?;
        self.print_entities(&entities);
        if entities.iter().any(|e| e["@type"] == "currentStatus") {
            self.refresh_sources();
        }
        Ok(())
    }

    fn print_entities(&self, entities: &[Value]) {
        match self.output {
            OutputFormat::Json => {
                let all = Value::Array(entities.to_vec());
                self.spool.line(&serde_json::to_string_pretty(&all).unwrap_or_else(|_| all.to_string()));
            }
            OutputFormat::Tabular => {
                let width = render::terminal_width();
                for entity in entities {
                    self.spool.line(&entities::render(entity, width));
                }
            }
        }
    }

    /// Runs one of the shell's own commands.
    pub fn local(&mut self, command: LocalCommand) -> Result<Flow, ShellError> {
        match command {
            LocalCommand::Exit => return Ok(Flow::Exit),
            LocalCommand::Help => self.spool.line(HELP.trim_end()),
            // The interactive loop keeps the history and answers this
            // command itself; scripts have no history.
            LocalCommand::History => {
                return Err(ShellError::Usage("history is kept by the interactive shell only".into()))
            }
            LocalCommand::Clear => print!("\x1b[2J\x1b[H"),
            LocalCommand::Spool(None) => match self.spool.current() {
                Some(path) => self.spool.line(&format!("Spooling to {}", path.display())),
                None => self.spool.line("Not spooling"),
            },
            LocalCommand::Spool(Some(target)) if target.eq_ignore_ascii_case("off") => {
                match self.spool.stop() {
                    Some(path) => self.spool.line(&format!("Stopped spooling to {}", path.display())),
                    None => self.spool.line("Not spooling"),
                }
            }
            LocalCommand::Spool(Some(target)) => {
                let path = target.trim_matches('\'');
                self.spool.start(Path::new(path))?;
                self.spool.line(&format!("Spooling to {path}"));
            }
            LocalCommand::Version => {
                self.spool.line(&format!("Sluice shell {}", env!("CARGO_PKG_VERSION")));
                match self.server_version() {
                    Ok(version) => self.spool.line(&format!("Server {} at {}", version, self.server())),
                    Err(e) => self.spool.error(&e.to_string()),
                }
            }
            LocalCommand::Server(None) => self.spool.line(self.server()),
            LocalCommand::Server(Some(url)) => {
                self.client = Client::new(&url);
                let version = self.server_version()?;
                self.spool.line(&format!("Server {version} at {}", self.server()));
                self.refresh_sources();
            }
            LocalCommand::Output(None) => self.spool.line(self.output.name()),
            LocalCommand::Output(Some(format)) => match OutputFormat::parse(&format) {
                Some(format) => {
                    self.output = format;
                    self.spool.line(&format!("Output format set to {}", format.name()));
                }
                None => {
                    return Err(ShellError::Usage(format!(
                        "unknown output format '{format}' (JSON or TABULAR)"
                    )))
                }
            },
        }
        Ok(Flow::Continue)
    }
}

const HELP: &str = "
SQL statements end with ';' and may span several lines; '--' starts a comment.
  SELECT .. EMIT CHANGES;       a push query: rows print as they arrive, until
                                its LIMIT or Ctrl-C (which stops it on the server)
  SELECT .. ;                   a pull query
  SET 'prop'='value';           a property sent with every request (UNSET 'prop'; removes it)
  DEFINE name='value';          a variable, used as ${name} (UNDEFINE name; removes it)
  RUN SCRIPT 'file.sql';        run the statements of a file
  SHOW STREAMS; DESCRIBE x;     and every other statement the server accepts

Shell commands (one per line, no ';' needed):
  help                          this text
  version                       the shell's and the server's versions
  server [URL]                  show the server, or switch to another one
  output [JSON|TABULAR]         show or change the output format
  spool [FILE|OFF]              copy what is typed and shown into FILE (appended), or stop
  history                       the statements and commands entered so far
  clear                         clear the screen
  exit                          leave (so do Ctrl-D and Ctrl-C twice on an empty line)

Tab completes keywords, stream and table names, and function names.
";

//! The interactive loop: prompt, line editing, history, multi-line
//! statements and Ctrl-C.

use std::path::PathBuf;

use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{CompletionType, Config, Editor};

use crate::completion::ShellHelper;
use crate::error::ShellError;
use crate::input::{completeness, Completeness, LocalCommand};
use crate::session::{Flow, Session};

const PROMPT: &str = "sluice> ";
const CONTINUATION: &str = "     >> ";

/// Where history is kept across runs: `$SLUICE_HISTORY`, else
/// `~/.sluice_history`; None (no history file) when there is no home.
fn history_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SLUICE_HISTORY") {
        return Some(PathBuf::from(path));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".sluice_history"))
}

/// Runs the loop; `greet` is called once the editor exists.
pub fn run(session: &mut Session, greet: impl FnOnce(&Session)) -> Result<(), ShellError> {
    let config = Config::builder().completion_type(CompletionType::List).auto_add_history(false).build();
    // rustyline installs its own SIGINT handler here, for the editor's
    // lifetime, and that handler swallows the signal. Tokio's handler
    // (which cancels queries on Ctrl-C) must be installed after it so that
    // it wins: nothing may wait for Ctrl-C before this line, which is why
    // the greeting (it talks to the server) is run below. Tokio's handler
    // also calls rustyline's, which leaves a note in rustyline's signal
    // pipe; rustyline reads that pipe only when a read is interrupted (by a
    // window resize), so after a cancelled query the next resize while
    // typing drops the line as Ctrl-C would. Known and left for now.
    let mut editor: Editor<ShellHelper, FileHistory> =
        Editor::with_config(config).map_err(|e| ShellError::Editor(e.to_string()))?;
    greet(session);
    session.refresh_sources();
    editor.set_helper(Some(ShellHelper::new(session.sources())));
    let history = history_path();
    if let Some(path) = &history {
        // A missing file is the first run; nothing to load.
        let _ = editor.load_history(path);
    }

    let mut buffer = String::new();
    // Ctrl-C presses in a row on an empty prompt; two leave.
    let mut interrupts = 0;
    loop {
        let prompt = if buffer.is_empty() { PROMPT } else { CONTINUATION };
        match editor.readline(prompt) {
            Ok(line) => {
                interrupts = 0;
                if buffer.is_empty() {
                    if let Some(command) = LocalCommand::parse(&line) {
                        let _ = editor.add_history_entry(line.trim());
                        session.spool.input(PROMPT, line.trim());
                        if command == LocalCommand::History {
                            for (number, entry) in editor.history().iter().enumerate() {
                                session.spool.line(&format!("{:>4}  {entry}", number + 1));
                            }
                            continue;
                        }
                        match session.local(command) {
                            Ok(Flow::Exit) => break,
                            Ok(Flow::Continue) => {}
                            Err(e) => session.spool.error(&e.to_string()),
                        }
                        continue;
                    }
                }
                buffer.push_str(&line);
                buffer.push('\n');
                match completeness(&buffer) {
                    Completeness::Empty => buffer.clear(),
                    Completeness::Incomplete => {}
                    Completeness::Complete => {
                        let text = std::mem::take(&mut buffer);
                        let _ = editor.add_history_entry(text.trim_end());
                        session.spool.input(PROMPT, text.trim_end());
                        if let Err(e) = session.execute(&text) {
                            session.spool.error(&e.to_string());
                        }
                    }
                }
            }
            Err(ReadlineError::Interrupted) => {
                if !buffer.is_empty() {
                    // Ctrl-C abandons a statement being typed.
                    buffer.clear();
                    interrupts = 0;
                    continue;
                }
                interrupts += 1;
                if interrupts >= 2 {
                    break;
                }
                session.spool.line("(press Ctrl-C again or type 'exit' to leave)");
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(ShellError::Editor(e.to_string())),
        }
    }
    if let Some(path) = &history {
        if let Err(e) = editor.save_history(path) {
            eprintln!("could not save the history to {}: {e}", path.display());
        }
    }
    Ok(())
}

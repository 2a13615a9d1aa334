//! The interactive loop: prompt, line editing, history, multi-line
//! statements and Ctrl-C.

use std::path::PathBuf;

use rustyline::error::ReadlineError;
use rustyline::history::{FileHistory, History};
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

/// One line read with a fresh editor, which takes the history for the
/// time of the read and gives it back.
///
/// Why fresh: rustyline puts its own SIGINT handler in place for as long as
/// an editor lives, and that handler keeps the signal to itself. Tokio's
/// handler, which lets Ctrl-C cancel a running query, is only in force
/// while no editor exists: between lines, when statements run.
fn read_line(
    config: &Config,
    history: &mut FileHistory,
    helper: &ShellHelper,
    prompt: &str,
) -> Result<Result<String, ReadlineError>, ShellError> {
    let taken = std::mem::replace(history, FileHistory::with_config(config));
    let mut editor: Editor<ShellHelper, FileHistory> =
        Editor::with_history(config.clone(), taken).map_err(|e| ShellError::Editor(e.to_string()))?;
    editor.set_helper(Some(helper.clone()));
    let read = editor.readline(prompt);
    *history = std::mem::replace(editor.history_mut(), FileHistory::with_config(config));
    Ok(read)
}

/// Runs the loop, after `greet`.
pub fn run(session: &mut Session, greet: impl FnOnce(&Session)) -> Result<(), ShellError> {
    let config = Config::builder().completion_type(CompletionType::List).auto_add_history(false).build();
    greet(session);
    session.refresh_sources();
    let helper = ShellHelper::new(session.sources());
    let mut history = FileHistory::with_config(&config);
    let history_file = history_path();
    if let Some(path) = &history_file {
        // A missing file is the first run; nothing to load.
        let _ = history.load(path);
    }

    let mut buffer = String::new();
    // Ctrl-C presses in a row on an empty prompt; two leave.
    let mut interrupts = 0;
    loop {
        let prompt = if buffer.is_empty() { PROMPT } else { CONTINUATION };
        match read_line(&config, &mut history, &helper, prompt)? {
            Ok(line) => {
                interrupts = 0;
                if buffer.is_empty() {
                    if let Some(command) = LocalCommand::parse(&line) {
                        let _ = history.add(line.trim());
                        session.spool.input(PROMPT, line.trim());
                        if command == LocalCommand::History {
                            for (number, entry) in history.iter().enumerate() {
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
                        let _ = history.add(text.trim_end());
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
    if let Some(path) = &history_file {
        if let Err(e) = history.save(path) {
            eprintln!("could not save the history to {}: {e}", path.display());
        }
    }
    Ok(())
}

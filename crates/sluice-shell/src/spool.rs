//! Where output goes: the terminal, and with `SPOOL file` a copy in a file
//! (statements typed included), as ksqlDB's CLI does.

use std::cell::RefCell;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::ShellError;

#[derive(Default)]
pub struct Spool {
    file: RefCell<Option<(PathBuf, File)>>,
}

impl Spool {
    /// A line of output.
    pub fn line(&self, text: &str) {
        println!("{text}");
        self.copy(text);
    }

    /// A line about something that went wrong.
    pub fn error(&self, text: &str) {
        eprintln!("{text}");
        self.copy(text);
    }

    /// What the user typed: already on the terminal, so only copied.
    pub fn input(&self, prompt: &str, text: &str) {
        self.copy(&format!("{prompt}{text}"));
    }

    fn copy(&self, text: &str) {
        let mut file = self.file.borrow_mut();
        if let Some((path, out)) = file.as_mut() {
            if let Err(e) = writeln!(out, "{text}") {
                let path = path.clone();
                // Stop spooling rather than fail every later line the same way.
                *file = None;
                eprintln!("stopped spooling to {}: {e}", path.display());
            }
        }
    }

    /// Starts copying into `path` (appended to), ending a previous spool.
    pub fn start(&self, path: &Path) -> Result<(), ShellError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| ShellError::WriteFile { path: path.to_path_buf(), source })?;
        *self.file.borrow_mut() = Some((path.to_path_buf(), file));
        Ok(())
    }

    /// Stops copying; the file it was writing to, if any.
    pub fn stop(&self) -> Option<PathBuf> {
        self.file.borrow_mut().take().map(|(path, _)| path)
    }

    pub fn current(&self) -> Option<PathBuf> {
        self.file.borrow().as_ref().map(|(path, _)| path.clone())
    }
}

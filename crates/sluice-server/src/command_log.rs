//! The command log: every DDL and DML statement the server accepted, in
//! order, with its sequence number, in a sled database under the data
//! directory. At start-up the server replays it to rebuild its streams,
//! tables, types and persistent queries (with the same query ids).

use std::path::Path;

/// Why the command log cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CommandLogError {
    #[error("the command log failed: {0}")]
    Storage(#[from] sled::Error),
    #[error("the command log holds a malformed entry")]
    Malformed,
}

pub struct CommandLog {
    db: sled::Db,
}

impl CommandLog {
    pub fn open(path: &Path) -> Result<Self, CommandLogError> {
        Ok(CommandLog { db: sled::open(path)? })
    }

    /// Records a statement that was executed, durably: the server answers
    /// the client only after this returns.
    pub fn append(&self, sequence: i64, statement: &str) -> Result<(), CommandLogError> {
        self.db.insert(sequence.to_be_bytes(), statement.as_bytes())?;
        self.db.flush()?;
        Ok(())
    }

    /// Forgets every statement, durably: the next start replays nothing.
    pub fn clear(&self) -> Result<(), CommandLogError> {
        self.db.clear()?;
        self.db.flush()?;
        Ok(())
    }

    /// Every statement, by sequence number.
    pub fn entries(&self) -> Result<Vec<(i64, String)>, CommandLogError> {
        self.db
            .iter()
            .map(|entry| {
                let (key, value) = entry?;
                let key: [u8; 8] = key.as_ref().try_into().map_err(|_| CommandLogError::Malformed)?;
                let text = String::from_utf8(value.to_vec()).map_err(|_| CommandLogError::Malformed)?;
                Ok((i64::from_be_bytes(key), text))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_come_back_in_sequence_order_after_reopening() {
        let dir = std::env::temp_dir().join(format!("sluice-command-log-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        {
            let log = CommandLog::open(&dir).unwrap();
            log.append(2, "CREATE STREAM B").unwrap();
            log.append(1, "CREATE STREAM A").unwrap();
            log.append(10, "DROP STREAM A").unwrap();
        }
        let log = CommandLog::open(&dir).unwrap();
        let entries = log.entries().unwrap();
        assert_eq!(
            entries,
            vec![(1, "CREATE STREAM A".into()), (2, "CREATE STREAM B".into()), (10, "DROP STREAM A".into())]
        );
        log.clear().unwrap();
        drop(log);
        assert_eq!(CommandLog::open(&dir).unwrap().entries().unwrap(), vec![]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! The command log: every DDL and DML statement the server accepted, in
//! order, with its sequence number, in a sled database under the data
//! directory. At start-up the server replays it to rebuild its streams,
//! tables, types and persistent queries (with the same query ids). It also
//! keeps the checkpoints of stateless queries, which go on from them.

use std::path::Path;

use sluice_engine::Positions;

/// The tree of the persistent queries' checkpoints, by query id.
const CHECKPOINTS: &str = "checkpoints";

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

    /// Forgets every statement and checkpoint, durably: the next start
    /// replays nothing.
    pub fn clear(&self) -> Result<(), CommandLogError> {
        self.db.clear()?;
        self.db.open_tree(CHECKPOINTS)?.clear()?;
        self.db.flush()?;
        Ok(())
    }

    /// Keeps the persistent queries' checkpoints (replacing the earlier
    /// ones), for the next start.
    pub fn save_checkpoints(&self, checkpoints: &[(String, Positions)]) -> Result<(), CommandLogError> {
        let tree = self.db.open_tree(CHECKPOINTS)?;
        let mut batch = sled::Batch::default();
        for key in tree.iter().keys() {
            batch.remove(key?);
        }
        for (id, positions) in checkpoints {
            let encoded = serde_json::to_vec(positions).map_err(|_| CommandLogError::Malformed)?;
            batch.insert(id.as_bytes(), encoded);
        }
        tree.apply_batch(batch)?;
        self.db.flush()?;
        Ok(())
    }

    /// The checkpoints kept by [`CommandLog::save_checkpoints`].
    pub fn checkpoints(&self) -> Result<Vec<(String, Positions)>, CommandLogError> {
        self.db
            .open_tree(CHECKPOINTS)?
            .iter()
            .map(|entry| {
                let (key, value) = entry?;
                let id = String::from_utf8(key.to_vec()).map_err(|_| CommandLogError::Malformed)?;
                let positions = serde_json::from_slice(&value).map_err(|_| CommandLogError::Malformed)?;
                Ok((id, positions))
            })
            .collect()
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

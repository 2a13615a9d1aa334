/// Records that could not be processed: what went wrong and where. A
/// query keeps running past them; the count shows up in its status.
#[derive(Debug, Clone, Default)]
pub struct ProcessingLog {
    entries: Vec<ProcessingLogEntry>,
    total: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessingLogEntry {
    pub query_id: String,
    pub topic: String,
    pub partition: u32,
    pub offset: u64,
    pub message: String,
}

/// How many entries are kept for inspection; older ones are dropped but
/// still counted.
const KEPT: usize = 1_000;

impl ProcessingLog {
    pub fn record(&mut self, entry: ProcessingLogEntry) {
        self.total += 1;
        if self.entries.len() == KEPT {
            self.entries.remove(0);
        }
        self.entries.push(entry);
    }

    /// Records everything `other` recorded, after what this log holds.
    pub fn append(&mut self, other: ProcessingLog) {
        self.total += other.total - other.entries.len() as u64;
        for entry in other.entries {
            self.record(entry);
        }
    }

    /// Every error ever recorded, including dropped entries.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The most recent entries.
    pub fn entries(&self) -> &[ProcessingLogEntry] {
        &self.entries
    }
}

//! The records of a chunk's reads put back in the order they were appended.

use sluice_log::StoredRecord;

/// The records of several reads (each of one input's partition) in the
/// order they were appended, cut into runs of consecutive records of one
/// input, which are decoded together.
pub(crate) fn in_append_order(mut reads: Vec<(usize, Vec<StoredRecord>)>) -> Vec<(usize, Vec<StoredRecord>)> {
    // One read (one partition, the usual case) is one run already, unless
    // its records were appended in another order than their offsets': its
    // records are not moved (they are large, and moving each into a merged
    // vector, a sorted one and a run was a visible share of reading).
    if let [(_, read)] = reads.as_mut_slice() {
        if !read.is_sorted_by_key(|r| r.sequence) {
            read.sort_by_key(|r| r.sequence);
        }
        return reads;
    }
    let mut records: Vec<(usize, StoredRecord)> =
        Vec::with_capacity(reads.iter().map(|(_, r)| r.len()).sum());
    records.extend(reads.into_iter().flat_map(|(index, read)| read.into_iter().map(move |r| (index, r))));
    records.sort_by_key(|(_, r)| r.sequence);
    // The records are moved into their run, not cloned (a clone copies
    // every key, value and header once more).
    let mut runs = Vec::new();
    let mut records = records.into_iter().peekable();
    while let Some((index, first)) = records.next() {
        // Not sized for every record left: where inputs alternate (a join's
        // two sides), each of many short runs would reserve the rest.
        let mut run: Vec<StoredRecord> = vec![first];
        while let Some((_, record)) = records.next_if(|(i, _)| *i == index) {
            run.push(record);
        }
        runs.push((index, run));
    }
    runs
}

#[cfg(test)]
mod tests {
    use sluice_log::{Record, StoredRecord};

    use super::in_append_order;

    fn stored(partition: u32, offset: u64, sequence: u64) -> StoredRecord {
        StoredRecord { record: Record::default(), partition, offset, sequence }
    }

    /// (input, sequences) of each run.
    fn runs(reads: Vec<(usize, Vec<StoredRecord>)>) -> Vec<(usize, Vec<u64>)> {
        in_append_order(reads)
            .into_iter()
            .map(|(input, run)| (input, run.iter().map(|r| r.sequence).collect()))
            .collect()
    }

    #[test]
    fn one_read_is_one_run_in_append_order() {
        let read = vec![stored(0, 0, 1), stored(0, 1, 4), stored(0, 2, 9)];
        assert_eq!(runs(vec![(3, read)]), vec![(3, vec![1, 4, 9])]);
        let unsorted = vec![stored(0, 0, 5), stored(0, 1, 2), stored(0, 2, 7)];
        assert_eq!(runs(vec![(0, unsorted)]), vec![(0, vec![2, 5, 7])]);
    }

    #[test]
    fn reads_interleave_into_runs_of_one_input() {
        let reads = vec![
            (0, vec![stored(0, 0, 1), stored(0, 1, 2), stored(0, 2, 6)]),
            (0, vec![stored(1, 0, 3)]),
            (1, vec![stored(0, 0, 4), stored(0, 1, 5)]),
        ];
        assert_eq!(runs(reads), vec![(0, vec![1, 2, 3]), (1, vec![4, 5]), (0, vec![6])]);
    }
}

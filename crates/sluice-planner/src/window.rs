//! The window of a windowed aggregation: its kind, sizes, grace period and
//! how results are emitted.

use sluice_sql::ast::{Emit, Window, WindowKind};

use crate::error::{PlanError, Result};

/// Window bounds columns: in the intermediate rows of a windowed
/// aggregation and carried on its output batches for the windowed key.
pub const WINDOWSTART: &str = "WINDOWSTART";
pub const WINDOWEND: &str = "WINDOWEND";

const DAY_MS: u64 = 86_400_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowShape {
    /// Fixed windows `[start, start + size)` every `advance` ms, aligned to
    /// the epoch (tumbling: advance = size).
    Time { size: u64, advance: u64 },
    /// Sessions `[start, end]` of records no more than `gap` ms apart.
    Session { gap: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowPlan {
    pub shape: WindowShape,
    /// How long after a window's end records for it are still accepted.
    pub grace: u64,
    /// EMIT FINAL: one result per window, when it closes.
    pub emit_final: bool,
    /// True for HOPPING windows (their keys say HOPPING, not TUMBLING).
    pub hopping: bool,
    /// RETENTION, if given: how long a window's state is kept.
    pub retention: Option<u64>,
}

impl WindowPlan {
    pub fn new(window: &Window, emit: Option<Emit>) -> Result<Self> {
        let (shape, hopping) = match &window.kind {
            WindowKind::Tumbling { size } => {
                let size = positive(size.as_millis(), "Tumbling window size")?;
                (WindowShape::Time { size, advance: size }, false)
            }
            WindowKind::Hopping { size, advance } => {
                let size = positive(size.as_millis(), "Hopping window size")?;
                let advance = positive(advance.as_millis(), "Hopping window advance")?;
                if advance > size {
                    return Err(PlanError::Invalid(format!(
                        "Window advance interval should be less than or equal to window size. Got advance={advance}ms, size={size}ms"
                    )));
                }
                (WindowShape::Time { size, advance }, true)
            }
            WindowKind::Session { gap } => {
                (WindowShape::Session { gap: positive(gap.as_millis(), "Session gap")? }, false)
            }
        };
        let emit_final = emit == Some(Emit::Final);
        let size = match shape {
            WindowShape::Time { size, .. } => size,
            WindowShape::Session { gap } => gap,
        };
        // ksqlDB's defaults: 0 for EMIT FINAL, else whatever is left of a day.
        let grace = match window.grace {
            Some(grace) => grace.as_millis(),
            None if emit_final => 0,
            None => DAY_MS.saturating_sub(size),
        };
        Ok(WindowPlan {
            shape,
            grace,
            emit_final,
            hopping,
            retention: window.retention.map(|r| r.as_millis()),
        })
    }

    /// The catalog's description of the windowed key.
    pub fn window_info(&self) -> sluice_catalog::WindowInfo {
        use sluice_catalog::{WindowInfo, WindowType};
        match self.shape {
            WindowShape::Time { size, .. } => WindowInfo {
                window_type: if self.hopping { WindowType::Hopping } else { WindowType::Tumbling },
                size_ms: Some(size),
            },
            WindowShape::Session { .. } => WindowInfo { window_type: WindowType::Session, size_ms: None },
        }
    }
}

fn positive(ms: u64, what: &str) -> Result<u64> {
    if ms == 0 {
        Err(PlanError::Invalid(format!("{what} must be positive")))
    } else {
        Ok(ms)
    }
}

/// The starts of the time windows that hold `timestamp`, earliest first,
/// as Kafka Streams assigns them (no window starts before the epoch). An
/// iterator, not a vector: this runs for every record of a windowed
/// aggregation (and a counted range, as `step_by` over an inclusive range
/// cost several times more per record).
pub fn time_windows(timestamp: i64, size: u64, advance: u64) -> impl Iterator<Item = i64> {
    let (size, advance) = (size as i64, advance.max(1) as i64);
    let first = ((timestamp - size + advance).max(0) / advance) * advance;
    let count = if timestamp < first { 0 } else { (timestamp - first) / advance + 1 };
    (0..count).map(move |i| first + i * advance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tumbling_windows_at_the_edges() {
        assert_eq!(time_windows(0, 10, 10).collect::<Vec<_>>(), vec![0]);
        assert_eq!(time_windows(9, 10, 10).collect::<Vec<_>>(), vec![0]);
        assert_eq!(time_windows(10, 10, 10).collect::<Vec<_>>(), vec![10]);
        // A record before the epoch falls in no window, as in Kafka Streams.
        assert_eq!(time_windows(-5, 10, 10).collect::<Vec<_>>(), Vec::<i64>::new());
    }

    #[test]
    fn hopping_windows_that_do_not_divide_evenly() {
        // size 10, advance 3: windows starting at 0, 3, 6, 9 hold 9.
        assert_eq!(time_windows(9, 10, 3).collect::<Vec<_>>(), vec![0, 3, 6, 9]);
        assert_eq!(time_windows(12, 10, 3).collect::<Vec<_>>(), vec![3, 6, 9, 12]);
        assert_eq!(time_windows(1, 10, 3).collect::<Vec<_>>(), vec![0]);
    }
}

//! Turning the server's answers into text.

pub mod entities;
pub mod table;
pub mod value;

/// The terminal's width in columns: the real one when stdout is a
/// terminal (a pseudo-terminal whose size was never set says 0), else
/// `$COLUMNS`, else 80.
pub fn terminal_width() -> usize {
    if let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size() {
        if w > 0 {
            return usize::from(w);
        }
    }
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(80)
}

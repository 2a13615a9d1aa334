//! Kafka Streams' windowed keys: the key bytes followed by the window, as
//! big-endian longs: a time window's start, or a session's end then start.

use sluice_catalog::{WindowInfo, WindowType};

/// Appends the window to serialized key bytes.
pub fn append_window(key: &mut Vec<u8>, window: &WindowInfo, start: i64, end: i64) {
    if window.window_type == WindowType::Session {
        key.extend_from_slice(&end.to_be_bytes());
    }
    key.extend_from_slice(&start.to_be_bytes());
}

/// Splits a windowed key into the inner key bytes and the window
/// `(start, end)`; a time window's end is its start plus the window size.
/// None when the key is too short to hold a window.
pub fn split_window<'a>(key: &'a [u8], window: &WindowInfo) -> Option<(&'a [u8], i64, i64)> {
    let long = |bytes: &[u8]| -> Option<i64> { bytes.try_into().ok().map(i64::from_be_bytes) };
    match window.window_type {
        WindowType::Session => {
            let (inner, bounds) = key.split_at_checked(key.len().checked_sub(16)?)?;
            Some((inner, long(&bounds[8..])?, long(&bounds[..8])?))
        }
        WindowType::Tumbling | WindowType::Hopping => {
            let (inner, bounds) = key.split_at_checked(key.len().checked_sub(8)?)?;
            let start = long(bounds)?;
            Some((inner, start, start.saturating_add(window.size_ms.unwrap_or(0) as i64)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let time = WindowInfo { window_type: WindowType::Tumbling, size_ms: Some(10) };
        let mut key = b"k".to_vec();
        append_window(&mut key, &time, 20, 30);
        assert_eq!(key.len(), 9);
        assert_eq!(split_window(&key, &time), Some((&b"k"[..], 20, 30)));

        let session = WindowInfo { window_type: WindowType::Session, size_ms: None };
        let mut key = b"k".to_vec();
        append_window(&mut key, &session, 5, 7);
        assert_eq!(&key[1..9], &7i64.to_be_bytes());
        assert_eq!(split_window(&key, &session), Some((&b"k"[..], 5, 7)));
        assert_eq!(split_window(b"short", &session), None);
    }
}

//! The background loop that keeps persistent and push queries running:
//! after every append (and at least every [`PASS_INTERVAL`]) it runs the
//! engine's queries until they have nothing left to read.

use std::time::Duration;

use tokio::sync::watch;

use crate::state::AppState;

/// A pass happens at least this often even when nobody woke the runner, so
/// that nothing waits forever on a missed wake-up.
const PASS_INTERVAL: Duration = Duration::from_millis(200);

/// Runs passes until `stop` changes (or its sender is dropped).
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    // The last error reported, so that a query failing on every pass does
    // not flood the output.
    let mut last_error: Option<String> = None;
    loop {
        tokio::select! {
            _ = state.woken() => {}
            _ = tokio::time::sleep(PASS_INTERVAL) => {}
            _ = stop.changed() => return,
        }
        match state.with_engine(|engine| engine.run_until_idle().map_err(|e| e.to_string())).await {
            Ok(Ok(_)) => last_error = None,
            Ok(Err(message)) | Err(crate::error::ApiError { message, .. }) => {
                if last_error.as_deref() != Some(&message) {
                    eprintln!("sluice server: a query failed: {message}");
                    last_error = Some(message);
                }
            }
        }
        state.pass_done();
    }
}

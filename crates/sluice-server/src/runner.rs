//! The background loop that keeps persistent and push queries running:
//! after every append (and at least every [`PASS_INTERVAL`]) it runs the
//! engine's queries until they have nothing left to read. Every
//! [`CLEAN_INTERVAL`] it applies the topics' retention and compaction.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sluice_engine::Positions;
use tokio::sync::watch;

use crate::state::AppState;

/// A pass happens at least this often even when nobody woke the runner, so
/// that nothing waits forever on a missed wake-up.
const PASS_INTERVAL: Duration = Duration::from_millis(200);
/// How often topics' retention and compaction are applied.
const CLEAN_INTERVAL: Duration = Duration::from_secs(60);
/// How often stateless queries' offsets are kept for the next start.
const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);
/// How long a query that failed must run without failing before the
/// server says it is running again.
const RECOVERED_AFTER: Duration = Duration::from_secs(5);

/// Runs passes until `stop` changes (or its sender is dropped).
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    // The queries reported failing, and when each last failed: a failure
    // is said once, and the recovery once the query has run for
    // RECOVERED_AFTER without failing (while a broker is away, a query
    // fails, waits, runs a pass or two and fails again).
    let mut failing: BTreeMap<String, Instant> = BTreeMap::new();
    let mut last_error: Option<String> = None;
    let mut last_clean = Instant::now();
    let mut last_checkpoint = Instant::now();
    let mut kept: Vec<(String, Positions)> = Vec::new();
    let mut last_clean_error: Option<String> = None;
    let mut last_command_error: Option<String> = None;
    loop {
        tokio::select! {
            _ = state.woken() => {}
            _ = tokio::time::sleep(PASS_INTERVAL) => {}
            _ = stop.changed() => {
                checkpoint(&state, &mut kept).await;
                return;
            }
        }
        follow_commands(&state, &mut last_command_error).await;
        let ran = state
            .with_engine(|engine| {
                let ran = engine.run_until_idle().map_err(|e| e.to_string());
                let now_failing: BTreeMap<String, String> =
                    engine.query_failures().iter().map(|(id, f)| (id.clone(), f.message.clone())).collect();
                let running: BTreeSet<String> = engine.queries().iter().map(|q| q.id().to_string()).collect();
                (ran, now_failing, running)
            })
            .await;
        match ran {
            Ok((ran, now_failing, running)) => {
                let now = Instant::now();
                for (id, message) in &now_failing {
                    if failing.insert(id.clone(), now).is_none() {
                        eprintln!(
                            "sluice server: query {id} failed; it is tried again, less often each time: {message}"
                        );
                    }
                }
                // A query terminated meanwhile is not said to run again.
                failing.retain(|id, _| running.contains(id));
                failing.retain(|id, last_failed| {
                    let recovered = now.duration_since(*last_failed) >= RECOVERED_AFTER;
                    if recovered {
                        eprintln!("sluice server: query {id} is running again");
                    }
                    !recovered
                });
                // An error that no query is failing with is said once.
                match ran {
                    Err(message) if now_failing.is_empty() && last_error.as_deref() != Some(&message) => {
                        eprintln!("sluice server: running the queries failed: {message}");
                        last_error = Some(message);
                    }
                    Err(_) => {}
                    Ok(_) => last_error = None,
                }
            }
            Err(error) => eprintln!("sluice server: running the queries failed: {}", error.message),
        }
        state.pass_done();
        if last_checkpoint.elapsed() >= CHECKPOINT_INTERVAL {
            last_checkpoint = Instant::now();
            checkpoint(&state, &mut kept).await;
        }
        if last_clean.elapsed() >= CLEAN_INTERVAL {
            last_clean = Instant::now();
            let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
            match state.with_engine(move |engine| engine.clean_log(now).map_err(|e| e.to_string())).await {
                // Said once: a broker without the topic-config API (tansu)
                // fails the same way every minute.
                Ok(Err(message)) if last_clean_error.as_deref() != Some(&message) => {
                    eprintln!("sluice server: cleaning the log failed: {message}");
                    last_clean_error = Some(message);
                }
                Ok(Err(_)) | Err(_) => {}
                Ok(Ok(_)) => last_clean_error = None,
            }
        }
    }
}

/// Executes the statements other servers of the service appended to the
/// command topic since the last pass (over Kafka). A statement that fails
/// here failed on the server that took it too, or depends on one that
/// did: it is reported once and skipped.
async fn follow_commands(state: &AppState, last_error: &mut Option<String>) {
    let Some(topic) = state.command_topic() else { return };
    let shared = state.clone();
    let followed = state
        .with_engine(move |engine| {
            // Only the runner reads the topic: a poisoned lock is still whole.
            let commands = topic.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).read_new();
            let mut errors = Vec::new();
            for command in commands.map_err(|e| vec![format!("reading the command topic failed: {e}")])? {
                let crate::command_topic::Command::Statement { sequence, statement, ours } = command else {
                    continue;
                };
                shared.saw_command(sequence);
                if ours {
                    continue;
                }
                match crate::replay_one(engine, &statement) {
                    Ok((id, status)) => shared.set_status(id, status),
                    Err(error) => errors.push(format!("command {sequence} ({statement}): {error}")),
                }
            }
            if errors.is_empty() {
                Ok(())
            } else {
                Err(errors)
            }
        })
        .await;
    match followed {
        Ok(Ok(())) => *last_error = None,
        Ok(Err(errors)) => {
            for error in errors {
                if last_error.as_deref() != Some(&error) {
                    eprintln!("sluice server: a command of another server failed here: {error}");
                    *last_error = Some(error);
                }
            }
        }
        Err(error) => eprintln!("sluice server: following the command topic failed: {}", error.message),
    }
}

/// Keeps how far the queries have read: stateless queries' offsets for the
/// next start, and the offsets of queries shared with other servers in
/// their groups. The log is flushed first, so that no checkpoint points
/// past what is on disk (or in Kafka). `kept` is what was last kept:
/// unchanged checkpoints (an idle server) are not written again.
async fn checkpoint(state: &AppState, kept: &mut Vec<(String, Positions)>) {
    let durable = state.is_durable();
    let taken = state
        .with_engine(|engine| {
            engine.log().flush().map_err(|e| e.to_string())?;
            engine.commit_shared_offsets().map_err(|e| e.to_string())?;
            Ok::<_, String>(engine.checkpoints())
        })
        .await;
    let saved = match taken {
        Ok(Ok(checkpoints)) if !durable || checkpoints == *kept => Ok(()),
        Ok(Ok(checkpoints)) => state.save_checkpoints(&checkpoints).map(|()| *kept = checkpoints),
        Ok(Err(message)) => Err(message),
        Err(error) => Err(error.message),
    };
    if let Err(message) = saved {
        eprintln!("sluice server: the queries' checkpoints were not kept: {message}");
    }
}

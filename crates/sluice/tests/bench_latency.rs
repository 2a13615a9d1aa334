//! `sluice bench latency` runs end to end: every event sent gets its row
//! back through the server. (The figures themselves are not asserted.)

use std::process::Command;

#[test]
fn the_latency_benchmark_sees_a_row_for_every_event() {
    let output = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(["bench", "latency", "--rate", "2000", "--seconds", "1"])
        .output()
        .expect("the sluice binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("rows received: 2000"), "{stdout}");
    assert!(stdout.lines().last().is_some_and(|l| l.starts_with("p99 latency: ")), "{stdout}");
}

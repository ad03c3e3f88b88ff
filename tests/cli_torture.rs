//! `zonebench torture`: passes the real guards, fails a broken one.

mod common;

use common::{run_ok, zonebench};

/// Torture passes on the real guards, and catches a guard that skips its
/// retry check (seqcount-noretry, which exists for this test) within its
/// default duration, naming the seed to replay.
#[test]
fn torture_passes_the_guards_and_catches_a_broken_one() {
    let out = run_ok(&["torture", "--budget", "4s", "--seed", "11"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("SUCCESS") && text.contains("seed 11"),
        "{text}"
    );
    let out = zonebench(&["torture", "--guards", "seqcount-noretry", "--seed", "3"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("FAILURE") && text.contains("false OOMs"),
        "{text}"
    );
    assert!(text.contains("--seed 3"), "{text}");
}

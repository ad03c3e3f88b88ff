//! The contention sweep, `cargo bench`'s main job: `zonebench run --sweep`
//! (every guard x readers 1..=CPUs and 2 x CPUs x writer none, rebuild at
//! 1 kHz, hotplug x both scopes, in rounds until every guard's ratio to
//! seqcount is known to +-2% or 6 minutes of measuring are spent), writing
//! `results/latest.json`, a timestamped copy, the plots under
//! `plots/latest/`, and printing the review table. `ZONEBENCH_QUICK=1`
//! makes it `--quick` (two rounds of very short cells).
//!
//! Arguments after `--` pass through to `zonebench run`
//! (`cargo bench --bench contention -- --guards seqcount,rcu --readers 1,2`).
//! The flags cargo and criterion give every bench target (`--bench`,
//! `--save-baseline NAME`, a name filter ...) are meant for the criterion
//! benches and are skipped here, except criterion's `--quick`, which means
//! the same as `ZONEBENCH_QUICK=1`.

use std::process::ExitCode;

/// Criterion and libtest flags that take a value.
const SKIP_WITH_VALUE: &[&str] = &[
    "--save-baseline",
    "--baseline",
    "--baseline-lenient",
    "--load-baseline",
    "--sample-size",
    "--warm-up-time",
    "--measurement-time",
    "--nresamples",
    "--noise-threshold",
    "--confidence-level",
    "--significance-level",
    "--plotting-backend",
    "--output-format",
    "--color",
    "--format",
    "--profile-time",
];

/// Criterion and libtest flags without a value.
const SKIP: &[&str] = &[
    "--bench",
    "--test",
    "--list",
    "--noplot",
    "--discard-baseline",
    "--exact",
    "--nocapture",
    "--verbose",
    "--quiet",
    "--ignored",
];

fn main() -> ExitCode {
    let quick_env = std::env::var("ZONEBENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let mut quick = quick_env;
    let mut passed: Vec<String> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let name = a.split('=').next().unwrap_or(&a);
        if a == "--quick" {
            quick = true;
        } else if SKIP_WITH_VALUE.contains(&name) {
            if !a.contains('=') {
                args.next();
            }
        } else if SKIP.contains(&name) {
            if a != "--bench" {
                skipped.push(a);
            }
        } else if !a.starts_with('-')
            && !passed
                .last()
                .is_some_and(|p| zonebench::cli::run_flag_takes_value(p))
        {
            // A criterion name filter: not for the sweep.
            skipped.push(a);
        } else {
            passed.push(a);
        }
    }
    if !skipped.is_empty() {
        eprintln!(
            "contention: ignoring criterion arguments {}",
            skipped.join(" ")
        );
    }
    let mut command = String::new();
    if quick_env {
        command.push_str("ZONEBENCH_QUICK=1 ");
    }
    command.push_str("cargo bench");
    if !passed.is_empty() {
        command.push_str(" --bench contention -- ");
        command.push_str(&passed.join(" "));
    }
    let mut argv: Vec<String> = ["zonebench", "run", "--sweep", "--command-line", &command]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if quick {
        argv.push("--quick".into());
    }
    argv.extend(passed);
    zonebench::cli::main(argv)
}

//! Planning: `--dry-run` says what a run would do without doing it, its
//! count is the count a real run measures, the sweep scales with `--cpus`,
//! and `--budget` trims a plan to fit, saying what it cut.

mod common;

use common::{run_ok, tmp};

/// `zonebench run ARGS --dry-run`'s stdout.
fn dry_run(args: &[&str]) -> String {
    let mut full = vec!["run"];
    full.extend_from_slice(args);
    full.push("--dry-run");
    String::from_utf8(run_ok(&full).stdout).unwrap()
}

/// The number after `key` on the line that starts with it.
fn number_after(out: &str, key: &str) -> f64 {
    let line = out
        .lines()
        .find(|l| l.starts_with(key))
        .unwrap_or_else(|| panic!("no '{key}' line in\n{out}"));
    line[key.len()..]
        .split_whitespace()
        .next()
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no number in '{line}'"))
}

#[test]
fn the_dry_run_plans_exactly_the_cells_a_run_measures() {
    let out_path = tmp("planned.json");
    let args = [
        "--guards",
        "none,seqcount",
        "--readers",
        "1,2",
        "--writer",
        "none,rebuild",
        "--quick",
        "--out",
        out_path.to_str().unwrap(),
    ];
    let plan = dry_run(&args);
    assert!(!out_path.exists(), "a dry run writes nothing");
    let planned = number_after(&plan, "cells:") as usize;
    assert_eq!(planned, 2 * 2 * 2, "{plan}");
    let mut full = vec!["run"];
    full.extend_from_slice(&args);
    run_ok(&full);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    let mut keys: Vec<String> = v["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {} {}", c["guard"], c["readers"], c["writer_mode"]))
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), planned, "{keys:?}");
    assert!(v["config"]["plan"]["estimate_s"].as_f64().unwrap() > 0.0);
    assert!(v["meta"]["elapsed_s"].as_f64().unwrap() > 0.0);
}

#[test]
fn the_sweep_grows_with_the_machine_in_powers_of_two() {
    let big = dry_run(&["--sweep", "--cpus", "1024"]);
    assert!(
        big.contains("rd=512 ") && big.contains("rd=1024 ") && big.contains("rd=2048 writer"),
        "{big}"
    );
    assert!(!big.contains("rd=3 "), "{big}");
    assert!(big.contains("(oversubscribed)"));
    // 12 reader counts x 3 writers x 2 scopes.
    assert_eq!(number_after(&big, "cells:") as usize, 12 * 3 * 2 * 16);
    let minutes = number_after(&big, "estimated time:") / 60.0;
    assert!(minutes <= 45.0, "a 1024-CPU sweep plans {minutes:.1} min");
    let here = dry_run(&["--sweep", "--cpus", "2"]);
    let minutes = number_after(&here, "estimated time:") / 60.0;
    assert!(minutes <= 10.0, "a 2-CPU sweep plans {minutes:.1} min");
}

#[test]
fn a_budget_trims_the_plan_and_says_what_it_cut() {
    let full = dry_run(&["--sweep", "--cpus", "64"]);
    let cut = dry_run(&["--sweep", "--cpus", "64", "--budget", "6"]);
    assert!(number_after(&cut, "estimated time:") <= 6.0 * 60.0, "{cut}");
    assert!(number_after(&cut, "cells:") < number_after(&full, "cells:"));
    let said = cut
        .lines()
        .find(|l| l.starts_with("budget: reader counts"))
        .unwrap_or_else(|| panic!("the cut is stated:\n{cut}"));
    // 1, the CPU count and twice it stay.
    for kept in ["rd=1 ", "rd=64 ", "rd=128 "] {
        assert!(cut.contains(kept), "{kept} kept in\n{cut}");
    }
    assert!(said.contains("32"), "{said}");
}

//! The binary: a short run writes a valid results file; bad input gets one
//! line on stderr and exit status 2, never a panic, and never touches an
//! existing results file.

use std::path::PathBuf;
use std::process::{Command, Output};

fn zonebench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zonebench"))
        .args(args)
        .output()
        .expect("run zonebench")
}

/// A `run` that must succeed; its output.
fn run_ok(args: &[&str]) -> Output {
    let out = zonebench(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `zonebench run ARGS --duration 0.2 --warmup 0.05 --out <tmp NAME>`; the
/// results file it wrote.
fn run_json(name: &str, args: &[&str]) -> serde_json::Value {
    let out_path = tmp(name);
    let mut full = vec!["run"];
    full.extend_from_slice(args);
    full.extend_from_slice(&[
        "--duration",
        "0.2",
        "--warmup",
        "0.05",
        "--out",
        out_path.to_str().unwrap(),
    ]);
    run_ok(&full);
    serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zonebench-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn list_names_the_twelve_guards_of_the_design() {
    let out = zonebench(&["list"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let names = [
        "none",
        "seqcount",
        "seqlock",
        "seqlock-excl",
        "seqbegin-or-lock",
        "seqcount-spinlock",
        "rcu",
        "rcu-recheck",
        "latch",
        "rwlock",
        "seqlock-crate",
        "epoch",
    ];
    for g in names {
        assert!(
            text.lines().any(|l| l.split_whitespace().next() == Some(g)),
            "{g} missing from:\n{text}"
        );
    }
    assert_eq!(text.lines().count(), names.len() + 1, "{text}");
}

#[test]
fn rt_is_a_stated_no_op_for_guards_without_an_rt_read_side() {
    let out_path = tmp("rt.json");
    let out = run_ok(&[
        "run",
        "--guards",
        "seqcount,seqcount-spinlock",
        "--rt",
        "--readers",
        "1",
        "--duration",
        "0.1",
        "--warmup",
        "0",
        "--out",
        out_path.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let note = stderr
        .lines()
        .find(|l| l.starts_with("note: --rt"))
        .expect("a note about --rt");
    assert!(
        note.contains("seqcount") && !note.contains("seqcount-spinlock"),
        "{note}"
    );
}

#[test]
fn a_short_run_writes_results() {
    let v = run_json(
        "short.json",
        &[
            "--guards",
            "none,seqcount",
            "--readers",
            "1",
            "--writer",
            "rebuild",
            "--writer-rate",
            "2000",
        ],
    );
    assert_eq!(v["schema"], "zonebench/1");
    assert!(v["meta"]["zonebench_version"].is_string() && v["meta"]["cpu_model"].is_string());
    let cells = v["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 2);
    for c in cells {
        assert!(c["allocs_per_sec"].as_f64().unwrap() > 0.0, "{c}");
        for k in ["false_ooms", "true_ooms", "isolated_allocs"] {
            assert_eq!(c[k], 0, "{k} in {c}");
        }
        assert_eq!(c["pages_lost"], 0);
        assert!(c["writer"]["rebuilds"].as_u64().unwrap() > 0);
        assert_eq!(c["irq"], false);
        assert_eq!(c["writer"]["irqs"], 0);
    }
    assert_eq!(v["config"]["irq"], false);
}

/// `--irq`: recorded in the config and every cell; a guard whose writer
/// does not mask (seqcount) deadlocks, reported on stderr and in the table
/// without failing the run; one that masks (seqlock) defers.
#[test]
fn irq_is_recorded_and_deadlocks_are_reported() {
    let out_path = tmp("irq.json");
    let out = run_ok(&[
        "run",
        "--guards",
        "seqcount,seqlock",
        "--readers",
        "1",
        "--writer",
        "rebuild",
        "--writer-rate",
        "200",
        "--irq",
        "--duration",
        "0.2",
        "--warmup",
        "0.05",
        "--no-pin",
        "--out",
        out_path.to_str().unwrap(),
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    assert_eq!(v["config"]["irq"], true);
    let cells = v["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 2);
    for c in cells {
        assert_eq!(c["irq"], true);
        let w = &c["writer"];
        assert_eq!(w["irqs"], w["rebuilds"], "{w}");
        for k in ["irq_delay_ns", "irq_deadlock_ns"] {
            assert!(w[k]["hdr"].is_string(), "writer.{k}");
        }
        for k in ["irq_unbounded", "irq_allocs_ok", "irq_allocs_failed"] {
            assert!(w[k].is_u64(), "writer.{k}");
        }
    }
    let (seqcount, seqlock) = (&cells[0]["writer"], &cells[1]["writer"]);
    assert!(
        seqcount["irq_deadlocks"].as_u64().unwrap() > 0,
        "{seqcount}"
    );
    assert_eq!(seqlock["irq_deadlocks"], 0, "{seqlock}");
    assert_eq!(seqlock["irq_deferred"], seqlock["irqs"], "{seqlock}");
    assert!(seqlock["irq_delay_ns"]["count"].as_u64().unwrap() > 0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("zonebench: DEADLOCK seqcount readers=1")
            && !stderr.contains("DEADLOCK seqlock"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let row = |g: &str| {
        stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(g))
            .unwrap_or_else(|| panic!("no {g} row in {stdout}"))
            .to_string()
    };
    assert!(row("seqcount").ends_with("DEADLOCK"), "{stdout}");
    assert!(!row("seqlock").contains("DEADLOCK"), "{stdout}");
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let existing = tmp("existing.json");
    std::fs::write(&existing, "precious").unwrap();
    let e = existing.to_str().unwrap();
    let dir = std::env::temp_dir();
    let cases: Vec<Vec<&str>> = vec![
        vec!["run", "--guards", "nosuch", "--out", e],
        vec!["run", "--guards", "seqcount,bogus", "--out", e],
        vec!["run", "--readers", "0", "--out", e],
        vec!["run", "--readers", "2000", "--out", e],
        vec!["run", "--readers", "two", "--out", e],
        vec!["run", "--readers", "-3", "--out", e],
        vec!["run", "--duration", "-1", "--out", e],
        vec!["run", "--duration", "abc", "--out", e],
        vec!["run", "--duration", "100000", "--out", e],
        vec!["run", "--writer-rate", "0", "--out", e],
        vec!["run", "--writer", "sometimes", "--out", e],
        vec!["run", "--repeats", "0", "--out", e],
        vec!["run", "--writer-hold", "-5", "--out", e],
        vec!["run", "--watchdog", "0", "--out", e],
        vec!["run", "--nodes", "65", "--out", e],
        vec!["run", "--normal-mib", "6", "--out", e],
        vec!["run", "--out", "/nonexistent-dir/x.json"],
        vec!["run", "--out", dir.to_str().unwrap()],
        vec!["run", "--scope", "everywhere", "--out", e],
        vec!["run", "--scope", "slowpath,,every-alloc", "--out", e],
        vec!["run", "--writer-rate", "1000,-5", "--out", e],
        vec!["run", "--pressure", "extreme", "--out", e],
        vec!["run", "--warmup", "7200", "--out", e],
        vec!["run", "--seed", "-1", "--out", e],
        // Conflicting: hotplug needs a movable zone to offline.
        vec![
            "run",
            "--writer",
            "hotplug",
            "--movable-mib",
            "0",
            "--out",
            e,
        ],
        vec!["run", "--repeats", "3", "--repeats", "4", "--out", e],
        vec!["claims", "--format", "pdf", "--out", e],
        vec!["claims", "--seed", "x", "--out", e],
        vec!["claims", "--out", "/nonexistent-dir/claims.json"],
        vec!["torture", "--duration", "0"],
        vec!["torture", "--duration", "100000"],
        vec!["torture", "--guards", "bogus"],
        vec!["torture", "--seed", "abc"],
        vec!["frobnicate"],
    ];
    for args in cases {
        let out = zonebench(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "{args:?}: not one line:\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(
            std::fs::read_to_string(&existing).unwrap(),
            "precious",
            "{args:?} touched the results file"
        );
    }
}

/// Every metric a reviewer may cite is in the file, for every cell, with
/// the floor cells and the meta (issue 4's results contract).
#[test]
fn results_carry_every_metric() {
    let v = run_json(
        "metrics.json",
        &[
            "--guards",
            "seqcount,rcu,seqlock-excl",
            "--readers",
            "1,2",
            "--writer",
            "rebuild",
            "--writer-rate",
            "1000",
            "--repeats",
            "2",
        ],
    );
    for k in [
        "zonebench_version",
        "git_revision",
        "cpu_model",
        "logical_cpus",
        "kernel_release",
        "rustc_version",
    ] {
        assert!(!v["meta"][k].is_null(), "meta.{k}");
    }
    for k in [
        "start_time",
        "timer",
        "timer_overhead_ns",
        "partial",
        "crates",
    ] {
        assert!(!v["meta"][k].is_null(), "meta.{k}");
    }
    for k in ["arc-swap", "parking_lot", "crossbeam-epoch", "seqlock"] {
        assert!(v["meta"]["crates"][k].is_string(), "meta.crates.{k}");
    }
    for k in [
        "seqcount_read_pair_ns",
        "spinlock_round_trip_ns",
        "rwlock_read_ns",
        "arc_swap_load_ns",
        "epoch_pin_ns",
    ] {
        assert!(v["floors"][k].as_f64().unwrap() > 0.0, "floors.{k}");
    }
    let cells = v["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 12);
    for c in cells {
        assert_eq!(c["writer_mode"], "rebuild");
        assert_eq!(c["scope"], "slowpath");
        assert!(c["guard"].is_string() && c["readers"].is_u64() && c["repeat"].is_u64());
        for h in ["read_latency_ns", "section_ns"] {
            for k in ["p50", "p90", "p99", "p999", "max", "mean", "hdr"] {
                assert!(!c[h][k].is_null(), "{h}.{k} in {c}");
            }
        }
        assert!(c["read_latency_ns"]["count"].as_u64().unwrap() > 0);
        for k in [
            "allocs_per_sec",
            "allocs_per_sec_min_reader",
            "allocs_per_sec_max_reader",
            "retries_per_million",
        ] {
            assert!(c[k].is_number(), "{k}");
        }
        for k in [
            "retries_needed",
            "false_ooms",
            "true_ooms",
            "stale_zone_visits",
            "isolated_allocs",
            "pages_lost",
        ] {
            assert!(c[k].is_u64(), "{k}");
        }
        assert!(
            c["retry_hist"].is_array()
                && c["reader_stall_ns"]["total"].is_u64()
                && c["reader_stall_ns"]["max"].is_u64()
        );
        for k in ["rebuilds", "writer_stalls"] {
            assert!(c["writer"][k].is_u64(), "writer.{k}");
        }
        for k in ["lock_wait_ns", "critical_ns", "publish_ns"] {
            assert!(c["writer"][k]["p99"].is_u64(), "writer.{k}");
        }
        assert!(c["writer"]["rebuilds"].as_u64().unwrap() > 0);
        assert!(c["oversubscribed"].is_boolean() && c["stalled"].is_boolean());
    }
    assert_eq!(v["summary"].as_array().unwrap().len(), 6);
    assert!(
        v["summary"][0]["allocs_per_sec_ci95"].is_number(),
        "two repeats give an interval"
    );
}

#[test]
fn ctrl_c_keeps_finished_cells_and_marks_the_file_partial() {
    let out_path = tmp("interrupted.json");
    let child = Command::new(env!("CARGO_BIN_EXE_zonebench"))
        .args([
            "run",
            "--guards",
            "seqcount,rcu,latch",
            "--readers",
            "1",
            "--duration",
            "1",
            "--warmup",
            "0",
        ])
        .args(["--out", out_path.to_str().unwrap()])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The first cell takes about a second; interrupt during the second.
    std::thread::sleep(std::time::Duration::from_millis(1600));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    assert_eq!(v["meta"]["partial"], true);
    let cells = v["cells"].as_array().unwrap().len();
    assert!(cells < 3, "{cells} cells: the interrupted ones were kept");
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
}

/// What `run` writes, the library's loader reads back, unchanged (JSON
/// with a key written twice would load in serde_json::Value and fail here).
#[test]
fn results_round_trip_through_the_loader() {
    let path = tmp("roundtrip.json");
    run_json(
        "roundtrip.json",
        &[
            "--guards",
            "seqcount,rcu",
            "--readers",
            "1",
            "--repeats",
            "2",
        ],
    );
    let file = zonebench::results::io::load(&path).expect("load what run wrote");
    assert_eq!(file.cells.len(), 4);
    assert_eq!(file.summary.len(), 2);
    let again = serde_json::to_value(&file).unwrap();
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(again, original);
}

/// Issue 4's "done when": a seqcount reader retries under a 10 kHz rebuild
/// writer, and seqlock-excl readers wait for each other. Retries need
/// allocations that would fail (the kernel validates a section only before
/// giving up), hence `--pressure high`.
#[test]
fn retries_and_reader_stalls_are_measured() {
    let v = run_json(
        "retries.json",
        &[
            "--guards",
            "seqcount,seqlock-excl",
            "--readers",
            "2",
            "--writer",
            "rebuild",
            "--writer-rate",
            "10000",
            "--pressure",
            "high",
            "--scope",
            "every-alloc",
        ],
    );
    let cell = |g: &str| {
        v["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["guard"] == g)
            .unwrap()
            .clone()
    };
    let seq = cell("seqcount");
    assert!(seq["retries_per_million"].as_f64().unwrap() > 0.0, "{seq}");
    let excl = cell("seqlock-excl");
    assert!(excl["reader_stall_ns"]["total"].as_u64().unwrap() > 0);
}

/// A closed stdout (`zonebench run ... | head -1`) neither panics nor
/// loses the results file.
#[test]
fn a_closed_stdout_loses_nothing() {
    use std::process::Stdio;
    let out_path = tmp("pipe.json");
    let child = Command::new(env!("CARGO_BIN_EXE_zonebench"))
        .args(["run", "--guards", "seqcount", "--readers", "1"])
        .args(["--duration", "0.1", "--warmup", "0", "--out"])
        .arg(&out_path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run zonebench");
    // Close our end of stdout before the table is written.
    let mut child = child;
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    assert_eq!(v["cells"].as_array().unwrap().len(), 1);
}

/// A small results file with repeats, made once per test process.
fn small_results() -> PathBuf {
    static MADE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    MADE.get_or_init(|| {
        let path = tmp("small.json");
        run_json(
            "small.json",
            &[
                "--guards",
                "seqcount,rcu,seqlock-excl",
                "--readers",
                "1,2",
                "--repeats",
                "3",
            ],
        );
        path
    })
    .clone()
}

/// `report` in its three formats: text within 80 ASCII columns with its
/// significance footer, markdown tables, csv with a header row.
#[test]
fn report_formats() {
    let f = small_results();
    let f = f.to_str().unwrap();
    let text = String::from_utf8(run_ok(&["report", f]).stdout).unwrap();
    assert!(text.contains("Hmean allocs/s-2"), "{text}");
    assert!(
        text.contains("Welch"),
        "no test named in the footer:\n{text}"
    );
    for line in text.lines() {
        assert!(
            line.len() <= 80 && line.is_ascii(),
            "too wide or not ASCII: {line}"
        );
    }
    let md = String::from_utf8(run_ok(&["report", f, "--format", "markdown"]).stdout).unwrap();
    assert!(
        md.lines()
            .any(|l| l.starts_with("|---") || l.starts_with("| ---") || l.starts_with("|:")),
        "{md}"
    );
    let csv = String::from_utf8(run_ok(&["report", f, "--format", "csv"]).stdout).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert!(header.contains(&"guard") && header.contains(&"metric") && header.contains(&"value"));
    let rows: Vec<&str> = lines.collect();
    assert!(rows.len() > 10);
    let seq = String::from_utf8(
        run_ok(&["report", f, "--baseline", "rcu", "--cells", "readers=2"]).stdout,
    )
    .unwrap();
    assert!(
        seq.contains("Hmean allocs/s-2") && !seq.contains("Hmean allocs/s-1"),
        "{seq}"
    );
}

/// A file compared with itself: every change 0.00%, nothing significant.
#[test]
fn compare_a_file_with_itself_changes_nothing() {
    let f = small_results();
    let f = f.to_str().unwrap();
    let text = String::from_utf8(run_ok(&["compare", f, f]).stdout).unwrap();
    let mut changes = 0;
    for line in text.lines() {
        let is_row = ["Hmean", "Amean", "Max", "Sum"]
            .iter()
            .any(|p| line.starts_with(p));
        if !is_row {
            continue;
        }
        assert!(!line.contains('*'), "significant against itself: {line}");
        for part in line.split('(').skip(1) {
            let pct = part.split(')').next().unwrap().trim();
            assert!(pct == "0.00%" || pct == "-", "{line}");
            changes += 1;
        }
    }
    assert!(changes > 20, "{text}");
}

/// `report --plots DIR` draws PNG and SVG.
#[test]
fn report_draws_plots() {
    let f = small_results();
    let dir = tmp("plots");
    run_ok(&[
        "report",
        f.to_str().unwrap(),
        "--plots",
        dir.to_str().unwrap(),
    ]);
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let png = names.iter().filter(|n| n.ends_with(".png")).count();
    let svg = names.iter().filter(|n| n.ends_with(".svg")).count();
    assert!(png >= 4 && png == svg, "{names:?}");
}

/// Bad files and names for `report` and `compare`: one line naming the
/// file and the problem, exit status 2.
#[test]
fn bad_results_files_are_one_line_and_exit_2() {
    let good = small_results();
    let good = good.to_str().unwrap();
    let write = |name: &str, text: &str| {
        let p = tmp(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let empty = write("empty.json", "");
    let full = std::fs::read_to_string(good).unwrap();
    let truncated = write("truncated.json", &full[..full.len() / 2]);
    let foreign = write("foreign.json", r#"{"name": "not ours", "version": 3}"#);
    let schema = write("schema.json", &full.replace("zonebench/1", "zonebench/99"));
    let dir = std::env::temp_dir();
    let dir = dir.to_str().unwrap();
    let missing = "/nonexistent-dir/results.json";
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["report", missing], "results.json"),
        (vec!["report", &empty], "empty"),
        (vec!["report", &truncated], "truncated.json"),
        (vec!["report", &foreign], "foreign.json"),
        (vec!["report", &schema], "zonebench/99"),
        (vec!["report", dir], dir),
        (vec!["report", good, "--baseline", "latch"], "latch"),
        (vec!["report", good, "--cells", "colour=blue"], "colour"),
        (vec!["report", good, "--format", "pdf"], "pdf"),
        (vec!["compare", good, missing], "results.json"),
        (vec!["compare", &schema, good], "zonebench/99"),
        (vec!["compare", good, &truncated], "truncated.json"),
        (vec!["compare", good], "NEW"),
    ];
    for (args, names) in cases {
        let out = zonebench(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}:\n{stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            stderr.contains(names),
            "{args:?} does not name {names}: {stderr}"
        );
    }
}

/// Torture passes on the real guards, and catches a guard that skips its
/// retry check (seqcount-noretry, which exists for this test) within its
/// default duration, naming the seed to replay.
#[test]
fn torture_passes_the_guards_and_catches_a_broken_one() {
    let out = run_ok(&["torture", "--duration", "4", "--seed", "11"]);
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

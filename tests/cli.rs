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
    let out_path = tmp("short.json");
    run_ok(&[
        "run",
        "--guards",
        "none,seqcount",
        "--readers",
        "1",
        "--writer",
        "rebuild",
        "--writer-rate",
        "2000",
        "--duration",
        "0.2",
        "--warmup",
        "0.05",
        "--out",
        out_path.to_str().unwrap(),
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
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
    }
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
        vec!["run", "--nodes", "65", "--out", e],
        vec!["run", "--normal-mib", "6", "--out", e],
        vec!["run", "--out", "/nonexistent-dir/x.json"],
        vec!["run", "--out", dir.to_str().unwrap()],
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

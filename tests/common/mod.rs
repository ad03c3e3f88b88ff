//! Helpers shared by the `cli_*` test crates: run the binary, a per-process
//! temp directory, and a small results file made once per process. Each
//! crate uses only some of them.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

pub(crate) fn zonebench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zonebench"))
        .args(args)
        .output()
        .expect("run zonebench")
}

/// A `run` that must succeed; its output.
pub(crate) fn run_ok(args: &[&str]) -> Output {
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
pub(crate) fn run_json(name: &str, args: &[&str]) -> serde_json::Value {
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

pub(crate) fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zonebench-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A small results file with repeats, made once per test process.
pub(crate) fn small_results() -> PathBuf {
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
                "--rounds",
                "6",
            ],
        );
        path
    })
    .clone()
}

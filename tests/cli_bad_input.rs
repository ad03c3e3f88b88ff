//! Bad input gets one line on stderr and exit status 2, never a panic: bad
//! arguments to every subcommand (which never touch an existing results
//! file), and bad results files or names for `report` and `compare`.

mod common;

use common::{small_results, tmp, zonebench};

#[test]
fn bad_input_is_one_line_and_exit_2() {
    // A results file: only the bad argument, not the target, may refuse.
    let existing = tmp("existing.json");
    std::fs::copy(small_results(), &existing).unwrap();
    let precious = std::fs::read_to_string(&existing).unwrap();
    let e = existing.to_str().unwrap();
    let dir = std::env::temp_dir();
    let cases: Vec<Vec<&str>> = vec![
        vec!["run", "--guards", "nosuch", "--out", e],
        vec!["run", "--guards", "seqcount,bogus", "--out", e],
        vec!["run", "--readers", "0", "--out", e],
        vec!["run", "--readers", "5000", "--out", e],
        vec!["run", "--cpus", "0", "--out", e],
        vec!["run", "--cpus", "4096", "--out", e],
        vec!["run", "--readers", "two", "--out", e],
        vec!["run", "--readers", "-3", "--out", e],
        vec!["run", "--duration", "-1", "--out", e],
        vec!["run", "--duration", "abc", "--out", e],
        vec!["run", "--duration", "100000", "--out", e],
        vec!["run", "--writer-rate", "0", "--out", e],
        vec!["run", "--writer", "sometimes", "--out", e],
        vec!["run", "--repeats", "0", "--out", e],
        vec!["run", "--rounds", "0", "--out", e],
        vec!["run", "--duration", "0s", "--out", e],
        vec!["run", "--duration", "-5s", "--out", e],
        vec!["run", "--duration", "NaN", "--out", e],
        vec!["run", "--duration", "2days", "--out", e],
        vec!["run", "--duration", "5 parsecs", "--out", e],
        vec!["run", "--phase", "0.5ms", "--out", e],
        vec!["run", "--budget", "0min", "--ci-target", "2", "--out", e],
        vec!["run", "--reclaim", "-2us", "--out", e],
        vec!["run", "--reclaim-us", "x", "--out", e],
        vec!["run", "--kernel", "6.6", "--out", e],
        vec!["run", "--printk", "loud", "--out", e],
        vec!["run", "--solo", "--phase", "5ms", "--out", e],
        vec!["run", "--plots", e, "--no-plots", "--out", e],
        vec!["run", "--writer-hold", "-5", "--out", e],
        vec!["run", "--watchdog", "0", "--out", e],
        vec!["run", "--nodes", "1025", "--out", e],
        // 64 TiB simulated: more than the model's page numbers reach.
        vec![
            "run",
            "--nodes",
            "1024",
            "--normal-mib",
            "65536",
            "--out",
            e,
        ],
        // seqlock-crate's Copy array holds 64 nodes.
        vec![
            "run",
            "--nodes",
            "65",
            "--guards",
            "seqlock-crate",
            "--out",
            e,
        ],
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
        vec!["run", "--rounds", "3", "--repeats", "4", "--out", e],
        vec!["run", "--ci-target", "0", "--out", e],
        vec!["run", "--ci-target", "lots", "--out", e],
        vec!["run", "--budget", "-3", "--ci-target", "2", "--out", e],
        // A budget no plan fits in.
        vec!["run", "--sweep", "--budget", "0.1", "--out", e],
        // Fewer rounds allowed than required.
        vec![
            "run",
            "--ci-target",
            "2",
            "--rounds",
            "8",
            "--max-rounds",
            "4",
            "--out",
            e,
        ],
        vec![
            "run",
            "--ci-target",
            "2",
            "--repeats",
            "8",
            "--max-repeats",
            "4",
            "--out",
            e,
        ],
        vec!["review", "--guards", "nosuch", "--out", e],
        vec!["review", "--guard", "nosuch", "--out", e],
        vec!["review", "--guards", "seqlock", "--out", e],
        vec!["review", "-g", "seqlock", "--out", e],
        vec!["review", "--guard", "seqcount,rcu", "--out", e],
        vec!["review", "--out", e],
        vec!["claims", "--format", "pdf", "--out", e],
        vec!["claims", "--seed", "x", "--out", e],
        vec!["claims", "--out", "/nonexistent-dir/claims.json"],
        vec!["torture", "--duration", "0"],
        vec!["torture", "--duration", "100000"],
        vec!["torture", "--budget", "0s"],
        vec!["torture", "--budget", "-1"],
        vec!["torture", "--budget", "soon"],
        vec!["compare", e, e, "--format", "csv"],
        vec!["completions", "tcsh"],
        vec!["man", "frobnicate"],
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
        assert!(
            std::fs::read_to_string(&existing).unwrap() == precious,
            "{args:?} touched the results file"
        );
    }
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
    // Files no run could write, each one field changed.
    let edit = |name: &str, change: &dyn Fn(&mut serde_json::Value)| {
        let mut v: serde_json::Value = serde_json::from_str(&full).unwrap();
        change(&mut v);
        write(name, &serde_json::to_string(&v).unwrap())
    };
    let negative = edit("negative.json", &|v| {
        v["cells"][0]["allocs_per_sec"] = (-5.0).into()
    });
    let no_rate = edit("null.json", &|v| {
        v["cells"][1]["allocs_per_sec"] = serde_json::Value::Null
    });
    let no_readers = edit("readers0.json", &|v| v["cells"][0]["readers"] = 0.into());
    let no_cpus = edit("cpus0.json", &|v| v["meta"]["logical_cpus"] = 0.into());
    let neg_rate = edit("rate.json", &|v| {
        v["cells"][0]["writer_rate_hz"] = (-1000.0).into()
    });
    let twice = edit("twice.json", &|v| {
        let first = v["cells"][0].clone();
        v["cells"].as_array_mut().unwrap().push(first);
    });
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
        (vec!["report", good, "--threshold", "-1"], "-1"),
        (vec!["report", good, "--threshold", "101"], "101"),
        (
            vec!["report", good, "--correction", "bonferroni"],
            "bonferroni",
        ),
        (vec!["compare", good, missing], "results.json"),
        (vec!["compare", &schema, good], "zonebench/99"),
        (vec!["compare", good, &truncated], "truncated.json"),
        (vec!["compare", good], "NEW"),
        (vec!["report", good, "--guards", "seqcount,mine"], "'mine'"),
        (vec!["compare", good, good, "--guards", "mine"], "'mine'"),
        (vec!["report", &negative], "cells[0].allocs_per_sec: -5"),
        (vec!["report", &no_rate], "null.json"),
        (vec!["report", &no_readers], "cells[0].readers: 0"),
        (vec!["report", &no_cpus], "meta.logical_cpus: 0"),
        (vec!["report", &neg_rate], "cells[0].writer_rate_hz: -1000"),
        (vec!["report", &twice], "a second copy of"),
        (vec!["compare", good, &twice], "twice.json"),
        (vec!["compare", &negative, good], "negative.json"),
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

/// `--out` never destroys what is not a results file, and every output
/// path is checked before anything is measured: refused with exit 2, one
/// line naming the target, the target untouched and nothing written.
#[test]
fn refused_out_targets_are_left_untouched() {
    let readme = tmp("README.md");
    std::fs::write(&readme, "# a project's readme\n").unwrap();
    let r = readme.to_str().unwrap();
    let fresh = tmp("fresh.json");
    let f = fresh.to_str().unwrap();
    let quick = ["--guards", "seqcount", "--readers", "1", "--quick"];
    let with = |extra: &[&str]| {
        let mut v = vec!["run"];
        v.extend_from_slice(&quick);
        v.extend_from_slice(extra);
        v.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (with(&["--out", r]), "README.md"),
        (with(&["--out", "/dev/null"]), "/dev/null"),
        (with(&["--out", f, "--plots", r]), "--plots"),
        (
            vec!["claims", "--quick", "--out", r]
                .into_iter()
                .map(String::from)
                .collect(),
            "README.md",
        ),
        (
            vec!["claims", "--quick", "--out", f, "--plots", r]
                .into_iter()
                .map(String::from)
                .collect(),
            "--plots",
        ),
        (
            vec!["selfcheck", "--quick", "--out", r]
                .into_iter()
                .map(String::from)
                .collect(),
            "README.md",
        ),
    ];
    for (args, names) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = zonebench(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}:\n{stderr}");
        assert!(
            stderr.contains(names),
            "{args:?} does not name {names}: {stderr}"
        );
        assert_eq!(
            std::fs::read_to_string(&readme).unwrap(),
            "# a project's readme\n",
            "{args:?} touched the file"
        );
        assert!(!fresh.exists(), "{args:?} wrote {f} although it refused");
    }
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
}

/// `--force` replaces a regular file and writes into anything else; `-`
/// puts the results on stdout and the table on stderr.
#[test]
fn forced_and_stdout_targets() {
    let quick = [
        "run",
        "--guards",
        "seqcount",
        "--readers",
        "1",
        "--writer",
        "none",
        "--quick",
    ];
    let notes = tmp("notes.txt");
    std::fs::write(&notes, "scratch").unwrap();
    let mut args = quick.to_vec();
    args.extend_from_slice(&["--out", notes.to_str().unwrap(), "--force"]);
    let out = zonebench(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&notes).unwrap()).unwrap();
    assert_eq!(v["schema"], "zonebench/1");

    let mut args = quick.to_vec();
    args.extend_from_slice(&["--out", "/dev/null", "--force"]);
    let out = zonebench(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());

    let mut args = quick.to_vec();
    args.extend_from_slice(&["--out", "-"]);
    let out = zonebench(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is the results");
    assert_eq!(v["cells"].as_array().map(Vec::len), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("seqcount"));
}

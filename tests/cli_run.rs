//! `zonebench run`: a short run writes a valid results file holding every
//! metric, which the library's loader reads back unchanged; `--rt` and
//! `--irq` are recorded and reported; the sweep checks the page of its
//! plots before measuring.

mod common;

use common::{run_json, run_ok, tmp};

#[test]
fn rt_is_a_stated_no_op_for_guards_without_an_rt_read_side() {
    let out_path = tmp("rt.json");
    let out = run_ok(&[
        "run",
        "--guards",
        "rcu,seqcount",
        "--rt",
        "--readers",
        "1",
        "--rounds",
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
    // A bare seqcount_t honours it too now: its writer's spinlock_t
    // sleeps and its readers spin without yielding.
    assert!(note.contains("rcu") && !note.contains("seqcount"), "{note}");
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
            "--rounds",
            "1",
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
        "--rounds",
        "1",
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
    let writer = |g: &str| &cells.iter().find(|c| c["guard"] == g).unwrap()["writer"];
    let (seqcount, seqlock) = (writer("seqcount"), writer("seqlock"));
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

/// Every metric a reviewer may cite is in the file, for every cell, with
/// the floor cells and the meta (the results file's contract).
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
            "--rounds",
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
        // Interference over the measured interval (Linux: readable).
        let share = c["cpu_share"].as_f64().expect("cpu_share");
        assert!(share > 0.0 && share < 1.5, "cpu_share {share}");
        for k in ["runqueue_wait_ns", "involuntary_switches", "steal_ns"] {
            assert!(c[k].is_u64(), "{k}");
        }
        let writer = c["writer_cpu_share"].as_f64().expect("writer_cpu_share");
        assert!(
            writer > 0.0 && writer < 1.5,
            "a rebuild writer runs: {writer}"
        );
        assert!(c["disturbed"].is_boolean());
        assert_eq!(
            c["disturbed"].as_bool(),
            Some(!c["disturbed_why"].is_null())
        );
    }
    assert_eq!(v["summary"].as_array().unwrap().len(), 6);
    assert!(
        v["summary"][0]["allocs_per_sec_ci95"].is_number(),
        "two repeats give an interval"
    );
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
            "--rounds",
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

/// What a run exists to show: a seqcount reader retries under a 10 kHz rebuild
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
            // Small zones: readers fill them within the warm-up even in a
            // debug build (1 GiB of NORMAL takes longer than the cell).
            "--normal-mib",
            "64",
            "--movable-mib",
            "32",
            "--scope",
            "every-alloc",
            "--rounds",
            "1",
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

/// The sweep's own plots (`cargo bench`'s plots/latest) come with a page,
/// plots/latest/index.html: one there that zonebench did not write is
/// refused before anything is measured, and left as it was.
#[test]
fn the_sweep_refuses_a_foreign_page_before_measuring() {
    let cwd = tmp("sweep-cwd");
    let latest = cwd.join("plots/latest");
    std::fs::create_dir_all(&latest).unwrap();
    let index = latest.join("index.html");
    std::fs::write(&index, "<p>my page</p>\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zonebench"))
        .args([
            "run",
            "--sweep",
            "--quick",
            "--guards",
            "seqcount",
            "--readers",
            "1",
        ])
        .current_dir(&cwd)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("plots/latest/index.html") && err.contains("not a page zonebench wrote"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&index).unwrap(), "<p>my page</p>\n");
    assert!(
        !cwd.join("results/latest.json").exists(),
        "measured before refusing"
    );
}

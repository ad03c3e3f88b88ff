//! Synthetic results for the report tests: cells with the spec and the few
//! metrics a test sets, everything else zero.

use crate::metrics::HistSummary;
use crate::results::schema::{Meta, RunConfig};
use crate::results::ResultsFile;
use crate::results::{CellResult, Counters};
use crate::workload::floors::Floors;
use crate::workload::spec::{CellSpec, WriterMode};

/// One repeat of `guard` with `readers` readers (slowpath scope, rebuild
/// writer at 1000 Hz, low pressure), its throughput and p50 latency; the
/// p99 is ten times the p50.
pub(crate) fn cell(
    guard: &str,
    readers: usize,
    repeat: usize,
    allocs_per_sec: f64,
    p50: u64,
) -> CellResult {
    CellResult {
        // The claims' quick plan: the default layout, short cells.
        spec: CellSpec {
            guard: guard.into(),
            readers,
            writer: WriterMode::Rebuild,
            writer_rate_hz: 1000.0,
            duration_s: 0.2,
            warmup_s: 0.05,
            seed: 1 + repeat as u64,
            repeat,
            ..CellSpec::default()
        },
        pinned: true,
        measured_s: 0.2,
        allocs_per_sec,
        allocs_per_sec_min_reader: allocs_per_sec / readers as f64,
        allocs_per_sec_max_reader: allocs_per_sec / readers as f64,
        read_latency_ns: HistSummary {
            count: 1000,
            p50,
            p90: p50 * 2,
            p99: p50 * 10,
            p999: p50 * 20,
            max: p50 * 100,
            mean: p50 as f64 * 1.5,
            hdr: String::new(),
        },
        stats: Counters {
            allocs: (allocs_per_sec * 0.2) as u64,
            ..Counters::default()
        },
        ..CellResult::default()
    }
}

/// A results file holding `cells`.
pub(crate) fn file(cells: Vec<CellResult>) -> ResultsFile {
    let specs: Vec<CellSpec> = cells.iter().map(|c| c.spec.clone()).collect();
    let mut file = ResultsFile::new(
        Meta {
            zonebench_version: "0.1.0".into(),
            git_revision: "0123456789ab".into(),
            cpu_model: "Test CPU @ 1.00GHz".into(),
            logical_cpus: 2,
            kernel_release: "6.6.0-test".into(),
            rustc_version: "rustc 1.85.0".into(),
            start_time: "2025-01-01T00:00:00Z".into(),
            command:
                "zonebench run --guards seqcount,rcu --readers 1,2 --rounds 3 --out results/x.json"
                    .into(),
            partial: false,
            reruns: 0,
            timer: "test".into(),
            timer_overhead_ns: 0,
            timer_resolution_ns: 1.0,
            crates: Default::default(),
            elapsed_s: None,
            topology: Default::default(),
        },
        RunConfig {
            guards: Vec::new(),
            readers: Vec::new(),
            ..RunConfig::describe(&specs)
        },
        Floors::default(),
    );
    file.cells = cells;
    file
}

/// Every guard of [`crate::guard::ALL`] at readers 1 and 2, six rounds
/// (repeats) each, with throughput and latency that differ by guard: the
/// machine's speed moves from round to round, every guard alike, and each
/// guard's own noise is under 0.5%.
pub(crate) fn all_guards() -> ResultsFile {
    let mut cells = Vec::new();
    for repeat in 0..6 {
        for (i, g) in crate::guard::ALL.iter().enumerate() {
            for readers in [1, 2] {
                let machine = [0.99, 1.0, 1.01, 0.5, 1.02, 0.6][repeat];
                let own = 1.0 + 0.004 * (((i + repeat * 5) % 7) as f64 / 6.0 - 0.5);
                let jitter = machine * own;
                let rate = 1.0e7 * readers as f64 * (1.0 + i as f64 / 10.0) * jitter;
                let mut c = cell(g.name, readers, repeat, rate, 10 + i as u64 * 3);
                c.retries_per_million = i as f64 * 12.5;
                c.stats.false_ooms = (g.name == "none") as u64 * 7;
                c.stats.stale_zone_visits = (g.name.starts_with("rcu")) as u64 * 3;
                c.writer.lock_wait_ns.max = 1000 + 10 * i as u64;
                c.writer.critical_ns.max = 20_000;
                cells.push(c);
            }
        }
    }
    file(cells)
}

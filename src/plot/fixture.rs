//! Results files for the plot tests: cells with heavy-tailed histograms
//! and writer timings that differ by guard, reader count and repeat.

use super::group::guard_rank;
use crate::alloc::Scope;
use crate::metrics::{Hist, HistSummary};
use crate::results::schema::ResultsFile;
use crate::results::CellResult;
use crate::workload::floors::RebuildCost;
use crate::workload::spec::{Pressure, WriterMode};

/// A deterministic heavy-tailed histogram around `scale` ns.
fn hist(seed: u64, scale: f64, n: usize) -> HistSummary {
    let mut h = Hist::default();
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    for _ in 0..n {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let u = (x >> 11) as f64 / (1u64 << 53) as f64;
        h.record((scale * (1.0 + 50.0 * u.powi(12))) as u64);
    }
    h.summary()
}

pub(super) fn cell(
    guard: &str,
    scope: Scope,
    readers: usize,
    writer: WriterMode,
    rate: f64,
    repeat: usize,
) -> CellResult {
    let rank = guard_rank(guard) as f64 + 1.0;
    let seed = (rank as u64) << 32 | (readers as u64) << 16 | repeat as u64;
    let writing = writer != WriterMode::None;
    let mut c = crate::results::fixture::cell(
        guard,
        readers,
        repeat,
        1e6 * readers as f64 / rank * (1.0 + 0.2 * repeat as f64),
        0,
    );
    c.spec.scope = scope;
    c.spec.writer = writer;
    c.spec.writer_rate_hz = rate;
    c.spec.pressure = Pressure::High;
    c.oversubscribed = readers > 2;
    c.read_latency_ns = hist(seed, 40.0 * rank, 2000);
    c.section_ns = hist(seed + 1, 10.0 * rank, 2000);
    c.retries_per_million = if writing { rate * rank / 10.0 } else { 0.0 };
    if writing {
        c.writer.rebuilds = 50;
        c.writer.lock_wait_ns = hist(seed + 2, 30.0 * rank, 50);
        c.writer.critical_ns = hist(seed + 3, 500.0 * rank, 50);
        c.writer.writer_stalls = u64::from(guard == "rwlock");
        c.stats.false_ooms = u64::from(guard == "none") * 3;
        c.stats.stale_zone_visits = u64::from(guard == "rcu") * 1234;
    }
    c
}

pub(super) fn file(cells: Vec<CellResult>, rebuild_cost: Vec<RebuildCost>) -> ResultsFile {
    let mut f = crate::results::fixture::file(cells);
    f.meta.command = format!("zonebench run --guards {}", ["seqcount"; 40].join(","));
    f.rebuild_cost = rebuild_cost;
    f
}

/// Two scopes x three reader counts (one oversubscribed) x no writer
/// and a rebuild writer at two rates x two repeats, four guards; and a
/// rebuild-cost sweep.
pub(super) fn sample() -> ResultsFile {
    let guards = ["none", "seqcount", "rcu", "rwlock"];
    let mut cells = Vec::new();
    for scope in [Scope::Slowpath, Scope::EveryAlloc] {
        for (writer, rate) in [
            (WriterMode::None, 1000.0),
            (WriterMode::Rebuild, 100.0),
            (WriterMode::Rebuild, 1000.0),
        ] {
            for guard in guards {
                for readers in [1, 2, 4] {
                    for repeat in 0..2 {
                        cells.push(cell(guard, scope, readers, writer, rate, repeat));
                    }
                }
            }
        }
    }
    let cost = guards
        .iter()
        .enumerate()
        .flat_map(|(i, g)| {
            [1, 2, 4, 8].map(|nodes| RebuildCost {
                guard: g.to_string(),
                nodes,
                median_ns: 200.0 * (nodes * nodes) as f64 * (1.0 + i as f64),
                samples: 100,
            })
        })
        .collect();
    file(cells, cost)
}

/// Every guard of this build at each of `readers` reader counts, with no
/// writer and a rebuild writer at two rates, `repeats` repeats: figures of
/// more than six guards (small multiples), or of one reader count (bars).
pub(super) fn every_guard(readers: &[usize], repeats: usize) -> ResultsFile {
    let mut cells = Vec::new();
    for (writer, rate) in [
        (WriterMode::None, 0.0),
        (WriterMode::Rebuild, 100.0),
        (WriterMode::Rebuild, 1000.0),
    ] {
        for g in crate::guard::ALL {
            for &r in readers {
                for repeat in 0..repeats {
                    cells.push(cell(g.name, Scope::Slowpath, r, writer, rate, repeat));
                }
            }
        }
    }
    file(cells, Vec::new())
}

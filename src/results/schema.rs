//! Serde types of the results file, versioned by `schema`.

use crate::metrics::floor::Floors;
use crate::workload::runner::CellResult;
use serde::{Deserialize, Serialize};

pub const SCHEMA: &str = "zonebench/1";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Meta {
    pub zonebench_version: String,
    pub git_revision: String,
    pub cpu_model: String,
    pub logical_cpus: usize,
    pub kernel_release: String,
    pub rustc_version: String,
    /// UTC, RFC 3339.
    pub start_time: String,
    /// The command line that produced the file.
    pub command: String,
    /// The run was interrupted: some cells are missing.
    pub partial: bool,
    /// How latencies were timed.
    pub timer: String,
    /// Cost of the timer's clock-read pair, subtracted from every sample.
    pub timer_overhead_ns: u64,
    /// The smallest step the timer's clock was seen to take, ns: latency
    /// percentiles are quantised to it.
    #[serde(default)]
    pub timer_resolution_ns: f64,
    /// Versions of the crates the guards are built from.
    pub crates: std::collections::BTreeMap<String, String>,
}

impl Meta {
    /// Describe this machine and build, now.
    pub fn collect(command: String) -> Self {
        Meta {
            zonebench_version: env!("CARGO_PKG_VERSION").to_string(),
            git_revision: env!("ZONEBENCH_GIT_REV").to_string(),
            cpu_model: cpu_model().unwrap_or_else(|| "unknown".into()),
            logical_cpus: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            kernel_release: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|_| "unknown".into()),
            rustc_version: env!("ZONEBENCH_RUSTC").to_string(),
            start_time: rfc3339_now(),
            command,
            partial: false,
            timer: crate::metrics::timer::method(),
            timer_overhead_ns: crate::metrics::timer::overhead_ns(),
            timer_resolution_ns: crate::metrics::timer::resolution_ns(),
            crates: env!("ZONEBENCH_CRATES")
                .split(',')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

/// The current UTC time as RFC 3339, without a date crate.
fn rfc3339_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// What `zonebench run` was asked to do.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunConfig {
    pub guards: Vec<String>,
    pub scopes: Vec<String>,
    pub readers: Vec<usize>,
    pub writers: Vec<String>,
    /// Rates of the writers other than `none`.
    pub writer_rates_hz: Vec<f64>,
    pub duration_s: f64,
    pub warmup_s: f64,
    pub repeats: usize,
    pub nodes: usize,
    pub dma32_mib: u32,
    pub normal_mib: u32,
    pub movable_mib: u32,
    pub pressure: String,
    pub reclaim_us: f64,
    pub writer_hold_us: f64,
    pub pin: bool,
    pub rt: bool,
    /// `--irq`: the interrupt model ran (older files: it did not).
    #[serde(default)]
    pub irq: bool,
    pub seed: u64,
    /// `--sweep`, `--quick`: which defaults applied.
    pub sweep: bool,
    pub quick: bool,
}

/// One cell (guard x scope x writer x rate x readers) over its repeats.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RepeatSummary {
    pub guard: String,
    pub scope: String,
    #[serde(rename = "writer_mode")]
    pub writer: String,
    pub writer_rate_hz: f64,
    pub readers: usize,
    pub repeats: usize,
    /// Harmonic mean of the repeats' allocs/s, and the 95% CI half-width
    /// of their arithmetic mean (Student's t; null with one repeat).
    pub allocs_per_sec_hmean: f64,
    pub allocs_per_sec_ci95: Option<f64>,
    /// Mean of the repeats' p50 allocation latency, ns, its 95% CI
    /// half-width, and that half-width as a percentage of the mean (the
    /// repeatability of the latency figure on this machine).
    pub lat_p50_mean: f64,
    pub lat_p50_ci95: Option<f64>,
    pub lat_p50_ci95_pct: Option<f64>,
}

impl RepeatSummary {
    /// Group `cells` by everything but the repeat, in first-seen order.
    pub fn of(cells: &[CellResult]) -> Vec<RepeatSummary> {
        use crate::metrics::stats::ci95_half_width;
        use crate::results::repeats::Repeats;
        let key = |c: &CellResult| {
            (
                c.spec.guard.clone(),
                c.spec.scope,
                c.spec.writer,
                c.spec.writer_rate_hz.to_bits(),
                c.spec.readers,
            )
        };
        let mut keys = Vec::new();
        for c in cells {
            if !keys.contains(&key(c)) {
                keys.push(key(c));
            }
        }
        keys.into_iter()
            .map(|k| {
                let group = Repeats(cells.iter().filter(|c| key(c) == k).collect());
                let rates = group.values(|c| c.allocs_per_sec);
                let p50 = group.values(|c| c.read_latency_ns.p50 as f64);
                let ci = |xs: &[f64]| Some(ci95_half_width(xs)).filter(|v| v.is_finite());
                let lat_p50_mean = group.mean(|c| c.read_latency_ns.p50 as f64);
                let lat_p50_ci95 = ci(&p50);
                let (guard, scope, writer, rate, readers) = k;
                RepeatSummary {
                    guard,
                    scope: scope.name().into(),
                    writer: writer.name().into(),
                    writer_rate_hz: f64::from_bits(rate),
                    readers,
                    repeats: group.len(),
                    allocs_per_sec_hmean: group.allocs_per_sec(),
                    allocs_per_sec_ci95: ci(&rates),
                    lat_p50_mean,
                    lat_p50_ci95,
                    lat_p50_ci95_pct: lat_p50_ci95
                        .filter(|_| lat_p50_mean > 0.0)
                        .map(|h| 100.0 * h / lat_p50_mean),
                }
            })
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ResultsFile {
    pub schema: String,
    pub meta: Meta,
    pub config: RunConfig,
    /// The raw cost of the guards' primitives, measured in this run.
    pub floors: Floors,
    pub cells: Vec<CellResult>,
    /// Per guard and reader count, over the repeats.
    pub summary: Vec<RepeatSummary>,
    /// Cost of one uncontended rebuild per guard and simulated node count
    /// (empty unless the run measured it).
    #[serde(default)]
    pub rebuild_cost: Vec<RebuildCost>,
    /// `zonebench claims`: each claim's numbers and verdict (empty for
    /// other runs).
    #[serde(default)]
    pub claims: Vec<crate::experiments::Finding>,
}

impl ResultsFile {
    /// A file of this schema with nothing measured yet.
    pub fn new(meta: Meta, config: RunConfig, floors: Floors) -> Self {
        ResultsFile {
            schema: SCHEMA.into(),
            meta,
            config,
            floors,
            cells: Vec::new(),
            summary: Vec::new(),
            rebuild_cost: Vec::new(),
            claims: Vec::new(),
        }
    }
}

/// One guard's `build_all_zonelists`, uncontended, on `nodes` simulated
/// nodes: the zonelists hold `nodes` x zones entries per node, so the
/// rebuild grows with nodes squared.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RebuildCost {
    pub guard: String,
    pub nodes: usize,
    /// Median of the timed rebuilds, ns, and the rebuilds timed.
    pub median_ns: f64,
    pub samples: usize,
}

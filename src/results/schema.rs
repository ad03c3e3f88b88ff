//! Serde types of the results file, versioned by `schema`.

use crate::results::topology::Topology;
use crate::results::CellResult;
use crate::workload::ceiling::CeilingPoint;
use crate::workload::floors::{Floors, RebuildCost};
use crate::workload::rounds::Rounds;
use crate::workload::spec::{CellSpec, WriterMode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const SCHEMA: &str = "zonebench/1";

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
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
    /// Disturbed or stalled repeats that were measured again (each kept
    /// in `discarded`); 0 in files from before re-runs existed.
    #[serde(default)]
    pub reruns: u64,
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
    /// Seconds from the start of measuring to the saving of the finished
    /// file (plots not included; older files and partial runs: none).
    #[serde(default)]
    pub elapsed_s: Option<f64>,
    /// The machine's layout and frequency policy, as far as it shows them.
    #[serde(default)]
    pub topology: Topology,
}

impl Meta {
    /// Describe this machine and build, now.
    pub fn collect(command: String) -> Self {
        Meta {
            zonebench_version: env!("CARGO_PKG_VERSION").to_string(),
            git_revision: env!("ZONEBENCH_GIT_REV").to_string(),
            cpu_model: cpu_model().unwrap_or_else(|| "unknown".into()),
            logical_cpus: crate::workload::logical_cpus(),
            kernel_release: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|_| "unknown".into()),
            rustc_version: env!("ZONEBENCH_RUSTC").to_string(),
            start_time: rfc3339_now(),
            command,
            partial: false,
            reruns: 0,
            timer: crate::metrics::timer::method(),
            timer_overhead_ns: crate::metrics::timer::overhead_ns(),
            timer_resolution_ns: crate::metrics::timer::resolution_ns(),
            crates: env!("ZONEBENCH_CRATES")
                .split(',')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            elapsed_s: None,
            topology: Topology::collect(),
        }
    }
}

/// `RunConfig::printk` of a file from before `--printk`.
fn printk_none() -> String {
    "none".to_string()
}

/// `RunConfig::kernel` of a file from before `--kernel`.
fn kernel_6_1() -> String {
    "6.1".to_string()
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
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct RunConfig {
    pub guards: Vec<String>,
    pub scopes: Vec<String>,
    pub readers: Vec<usize>,
    pub writers: Vec<String>,
    /// Rates of the writers other than `none`.
    pub writer_rates_hz: Vec<f64>,
    pub duration_s: f64,
    pub warmup_s: f64,
    /// Rounds (repeats) per group: exactly this many, or at least this
    /// many with `ci_target_pct`.
    pub repeats: usize,
    /// `--ci-target`: rounds were added until every compared ratio's 95%
    /// interval was within +- this many percent, up to `max_repeats`
    /// rounds and `budget_s` seconds of measuring (see `session/rounds.rs`).
    #[serde(default)]
    pub ci_target_pct: Option<f64>,
    #[serde(default)]
    pub max_repeats: Option<usize>,
    #[serde(default)]
    pub budget_s: Option<f64>,
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
    /// `--rcu-expedited` (older files: off).
    #[serde(default)]
    pub rcu_expedited: bool,
    /// `--printk` (older files: none).
    #[serde(default = "printk_none")]
    pub printk: String,
    /// `--kernel` (older files: 6.1).
    #[serde(default = "kernel_6_1")]
    pub kernel: String,
    pub seed: u64,
    /// `--sweep`, `--quick`: which defaults applied.
    pub sweep: bool,
    pub quick: bool,
    /// How the plan was sized (older files: nothing recorded).
    #[serde(default)]
    pub plan: PlanInfo,
}

/// How a run's plan was sized: for how many CPUs, within what budget, what
/// the budget cut, and what it was expected to cost (`workload::plan`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct PlanInfo {
    /// `--cpus`: the CPU count the plan was made for (`None`: this
    /// machine's).
    #[serde(default)]
    pub cpus: Option<usize>,
    /// `--budget`, minutes.
    #[serde(default)]
    pub budget_min: Option<f64>,
    /// What the budget cut, one line each.
    #[serde(default)]
    pub trimmed: Vec<String>,
    /// The estimated time of the run before it started, seconds (compare
    /// `meta.elapsed_s`).
    #[serde(default)]
    pub estimate_s: Option<f64>,
}

impl RunConfig {
    /// This configuration with `rounds` recorded.
    pub fn with_rounds(self, rounds: &Rounds) -> RunConfig {
        let adaptive = rounds.ci_target_pct.is_some();
        RunConfig {
            repeats: rounds.min,
            ci_target_pct: rounds.ci_target_pct,
            max_repeats: adaptive.then_some(rounds.max),
            budget_s: rounds.budget.filter(|_| adaptive).map(|b| b.as_secs_f64()),
            ..self
        }
    }

    /// The configuration that plans `specs`: every distinct guard, scope,
    /// reader count, writer and rate in first-seen order, the layout and
    /// timing of the first cell (a plan's cells share them), one repeat
    /// per repeat number seen.
    pub fn describe(specs: &[CellSpec]) -> RunConfig {
        fn distinct<T: PartialEq>(items: impl Iterator<Item = T>) -> Vec<T> {
            let mut v = Vec::new();
            for x in items {
                if !v.contains(&x) {
                    v.push(x);
                }
            }
            v
        }
        let first = specs.first().cloned().unwrap_or_default();
        let mut readers = distinct(specs.iter().map(|s| s.readers));
        readers.sort_unstable();
        let mut rates = distinct(specs.iter().map(|s| s.writer_rate_hz).filter(|&r| r > 0.0));
        rates.sort_by(f64::total_cmp);
        RunConfig {
            guards: distinct(specs.iter().map(|s| s.guard.clone())),
            scopes: distinct(specs.iter().map(|s| s.scope.name().to_string())),
            readers,
            writers: distinct(specs.iter().map(|s| s.writer.name().to_string())),
            writer_rates_hz: rates,
            duration_s: first.duration_s,
            warmup_s: first.warmup_s,
            repeats: specs.iter().map(|s| s.repeat + 1).max().unwrap_or(1),
            ci_target_pct: None,
            max_repeats: None,
            budget_s: None,
            nodes: first.nodes,
            dma32_mib: first.dma32_mib,
            normal_mib: first.normal_mib,
            movable_mib: first.movable_mib,
            pressure: first.pressure.name().to_string(),
            reclaim_us: first.reclaim_us,
            writer_hold_us: first.writer_hold_us,
            pin: first.pin,
            rt: first.rt,
            irq: specs.iter().any(|s| s.irq),
            rcu_expedited: specs.iter().any(|s| s.rcu_expedited),
            printk: first.printk.name().to_string(),
            kernel: first.kernel.name().to_string(),
            seed: first.seed,
            sweep: false,
            quick: false,
            plan: PlanInfo::default(),
        }
    }
}

/// One cell (guard x scope x writer x rate x readers) over its repeats.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct RepeatSummary {
    pub guard: String,
    pub scope: String,
    #[serde(rename = "writer_mode")]
    pub writer: String,
    pub writer_rate_hz: f64,
    pub readers: usize,
    pub repeats: usize,
    /// Harmonic mean of the repeats' allocs/s (null when every repeat
    /// stalled: a livelocked cell), and the 95% CI half-width of their
    /// arithmetic mean (Student's t; null with one repeat).
    pub allocs_per_sec_hmean: Option<f64>,
    pub allocs_per_sec_ci95: Option<f64>,
    /// Mean of the repeats' p50 allocation latency, ns (null when every
    /// repeat stalled), its 95% CI half-width, and that half-width as a
    /// percentage of the mean (the repeatability of the latency figure on
    /// this machine).
    pub lat_p50_mean: Option<f64>,
    pub lat_p50_ci95: Option<f64>,
    pub lat_p50_ci95_pct: Option<f64>,
}

impl RepeatSummary {
    /// The writer column of the tables (see [`WriterMode::label`]).
    pub fn writer_label(&self) -> String {
        match WriterMode::ALL
            .into_iter()
            .find(|w| w.name() == self.writer)
        {
            Some(w) => w.label(self.writer_rate_hz),
            None => self.writer.clone(),
        }
    }

    /// Group `cells` by their key (everything but the repeat), in
    /// first-seen order.
    pub fn of(cells: &[CellResult]) -> Vec<RepeatSummary> {
        use crate::metrics::stats::ci95_half_width;
        use crate::results::repeats::Repeats;
        let mut keys = Vec::new();
        for c in cells {
            let key = c.spec.key();
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        keys.into_iter()
            .map(|k| {
                let group = Repeats(cells.iter().filter(|c| c.spec.key() == k).collect());
                let rates = group.values(|c| c.allocs_per_sec);
                let p50 = group.values(|c| c.read_latency_ns.p50 as f64);
                let ci = |xs: &[f64]| Some(ci95_half_width(xs)).filter(|v| v.is_finite());
                // Stalled repeats are never averaged in: a cell whose
                // every repeat stalled has no mean.
                let finite = |v: f64| Some(v).filter(|v| v.is_finite());
                let lat_p50_mean = finite(group.mean(|c| c.read_latency_ns.p50 as f64));
                let lat_p50_ci95 = ci(&p50);
                let spec = k.spec();
                RepeatSummary {
                    guard: spec.guard.clone(),
                    scope: spec.scope.name().into(),
                    writer: spec.writer.name().into(),
                    writer_rate_hz: spec.writer_rate_hz,
                    readers: spec.readers,
                    repeats: group.len(),
                    allocs_per_sec_hmean: finite(group.allocs_per_sec()),
                    allocs_per_sec_ci95: ci(&rates),
                    lat_p50_mean,
                    lat_p50_ci95,
                    lat_p50_ci95_pct: lat_p50_ci95
                        .zip(lat_p50_mean.filter(|m| *m > 0.0))
                        .map(|(h, m)| 100.0 * h / m),
                }
            })
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct ResultsFile {
    pub schema: String,
    pub meta: Meta,
    pub config: RunConfig,
    /// The raw cost of the guards' primitives, measured in this run.
    pub floors: Floors,
    pub cells: Vec<CellResult>,
    /// Repeats judged disturbed or stalled and measured again: kept for the record,
    /// never in a table, summary or verdict.
    #[serde(default)]
    pub discarded: Vec<CellResult>,
    /// Per guard and reader count, over the repeats.
    pub summary: Vec<RepeatSummary>,
    /// Cost of one uncontended rebuild per guard and simulated node count
    /// (empty unless the run measured it).
    #[serde(default)]
    pub rebuild_cost: Vec<RebuildCost>,
    /// The machine's scaling ceiling at the run's reader counts above 1
    /// (`workload::ceiling`; empty in older files and runs of 1 reader).
    #[serde(default)]
    pub ceiling: Vec<CeilingPoint>,
    /// `zonebench claims`: each claim's numbers and verdict (empty for
    /// other runs).
    #[serde(default)]
    pub claims: Vec<crate::results::finding::Finding>,
    /// How each group of compared cells ended its rounds (empty in files
    /// from before rounds).
    #[serde(default)]
    pub rounds: Vec<GroupRounds>,
}

/// How many rounds one group of compared cells (the same cell but the
/// guard) got, and why no more.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct GroupRounds {
    /// The group's cell without guard: `slowpath rd=2 writer=rebuild@1000Hz
    /// pressure=low` (and `hold=200us`, `rt`, `irq`, `unpinned` where they apply).
    pub cells: String,
    pub rounds: usize,
    /// `fixed` (the rounds asked for), `target` (every interval within the
    /// CI target), `max` (the most rounds allowed), `budget` (the next
    /// round would have overrun the group's share of the time budget).
    pub stopped: String,
    /// The widest 95% interval half-width of a guard's paired ratio of
    /// allocations per second to the group's baseline, percent, and whose
    /// (null with one guard, or fewer than two rounds).
    pub widest_half_width_pct: Option<f64>,
    pub widest_guard: Option<String>,
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
            discarded: Vec::new(),
            summary: Vec::new(),
            rebuild_cost: Vec::new(),
            ceiling: Vec::new(),
            claims: Vec::new(),
            rounds: Vec::new(),
        }
    }
}

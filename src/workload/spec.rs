//! What one measured cell is: guard, scope, readers, writer, pressure.

use crate::alloc::{AllocConfig, Kernel, Printk, Scope};
use crate::guard::GuardOpts;
use crate::mm::MmConfig;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The one of `all` whose `name` is `value` (ignoring case), or else the
/// names there are, comma-separated: how the CLI and report filters read
/// a scope, writer or pressure.
pub fn by_name<T: Copy>(value: &str, all: &[T], name: fn(T) -> &'static str) -> Result<T, String> {
    all.iter()
        .copied()
        .find(|&v| name(v).eq_ignore_ascii_case(value))
        .ok_or_else(|| all.iter().map(|&v| name(v)).collect::<Vec<_>>().join(", "))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum WriterMode {
    /// No writer: the read side alone.
    None,
    /// `build_all_zonelists` at `--writer-rate`: the same content rewritten
    /// in place, up to 100 kHz. Synthetic: the kernel rebuilds only when a
    /// zone's population changes or a node comes, so this is a stress tool
    /// for the guards' write sides, labelled so in tables and plots; the
    /// claims about the race use `Hotplug`.
    Rebuild,
    /// Offline and online node 0's movable zone in turn at `--writer-rate`
    /// operations per second (each changes the zone's population, so each
    /// rebuilds the zonelists).
    Hotplug,
}

impl WriterMode {
    /// Every writer mode, in the order tables list them.
    pub const ALL: [WriterMode; 3] = [WriterMode::None, WriterMode::Rebuild, WriterMode::Hotplug];

    /// Whether the kernel never does what this writer does (see `Rebuild`).
    pub fn synthetic(self) -> bool {
        self == WriterMode::Rebuild
    }

    /// The writer for titles: `synthetic rebuild@1000Hz`, `hotplug@2000Hz`.
    pub fn title(self, rate_hz: f64) -> String {
        let label = self.label(rate_hz);
        if self.synthetic() {
            format!("synthetic {label}")
        } else {
            label
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            WriterMode::None => "none",
            WriterMode::Rebuild => "rebuild",
            WriterMode::Hotplug => "hotplug",
        }
    }

    /// The one writer label of tables and progress lines: `none`, or the
    /// mode and its rate, `rebuild@1000Hz`.
    pub fn label(self, rate_hz: f64) -> String {
        match self {
            WriterMode::None => self.name().to_string(),
            w => format!("{}@{rate_hz}Hz", w.name()),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Pressure {
    /// Readers hold a quarter of memory: allocations stay in the fast path.
    Low,
    /// Readers want more than all of memory: zones sit at their watermarks,
    /// allocations enter the slowpath and reclaim.
    High,
}

impl Pressure {
    /// Every pressure, in the order tables list them.
    pub const ALL: [Pressure; 2] = [Pressure::Low, Pressure::High];

    pub fn name(self) -> &'static str {
        match self {
            Pressure::Low => "low",
            Pressure::High => "high",
        }
    }

    /// Fraction of managed memory the readers together try to hold.
    pub fn demand(self) -> f64 {
        match self {
            Pressure::Low => 0.25,
            Pressure::High => 1.05,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct CellSpec {
    pub guard: String,
    pub scope: Scope,
    pub readers: usize,
    /// The writer's job. Serialised as `writer_mode`: a cell's `writer` key
    /// holds the writer's measurements (`writer.rebuilds`, ...).
    #[serde(rename = "writer_mode")]
    pub writer: WriterMode,
    pub writer_rate_hz: f64,
    pub pressure: Pressure,
    pub nodes: usize,
    /// Zone sizes, MiB: DMA32 (node 0), NORMAL and MOVABLE (per node).
    pub dma32_mib: u32,
    pub normal_mib: u32,
    pub movable_mib: u32,
    /// Busy time of one direct-reclaim round, microseconds.
    pub reclaim_us: f64,
    /// Busy time inside every rebuild's write section, microseconds.
    #[serde(default)]
    pub writer_hold_us: f64,
    /// A cell with no allocation and no rebuild for this long is stalled.
    #[serde(default = "default_watchdog_s")]
    pub watchdog_s: f64,
    pub duration_s: f64,
    pub warmup_s: f64,
    pub pin: bool,
    /// PREEMPT_RT semantics for guards that honour it.
    pub rt: bool,
    /// The interrupt model (`workload::irq`): every rebuild raises an
    /// interrupt on the writer's CPU inside its write section.
    #[serde(default)]
    pub irq: bool,
    /// The RCU guards' writer pays `synchronize_rcu_expedited`'s cost on
    /// every rebuild (a process-wide membarrier; older files: no).
    #[serde(default)]
    pub rcu_expedited: bool,
    /// `build_zonelists`' console output inside the write section (older
    /// files: none).
    #[serde(default)]
    pub printk: Printk,
    /// The kernel whose slowpath is modelled (older files: 6.1).
    #[serde(default)]
    pub kernel: Kernel,
    pub seed: u64,
    pub repeat: usize,
}

fn default_watchdog_s() -> f64 {
    2.0
}

impl Default for CellSpec {
    /// The one default cell: the 2022 report's machine layout (one node,
    /// no DMA32, NORMAL then MOVABLE) with a server's zone sizes (1 GiB of
    /// NORMAL, the smallest zone with a per-CPU batch of 63; one 128 MiB
    /// memory block of MOVABLE, batch 7), one pinned reader at low
    /// pressure, no writer, `seqcount` at slowpath scope, the timing of a
    /// plain `zonebench run` (3 s measured after 0.3 s of warm-up).
    fn default() -> Self {
        CellSpec {
            guard: "seqcount".into(),
            scope: Scope::Slowpath,
            readers: 1,
            writer: WriterMode::None,
            writer_rate_hz: 0.0,
            pressure: Pressure::Low,
            nodes: 1,
            dma32_mib: 0,
            normal_mib: MmConfig::default().normal_mib,
            movable_mib: MmConfig::default().movable_mib,
            reclaim_us: 2.0,
            writer_hold_us: 0.0,
            watchdog_s: default_watchdog_s(),
            duration_s: 3.0,
            warmup_s: 0.3,
            pin: true,
            rt: false,
            irq: false,
            rcu_expedited: false,
            printk: Printk::None,
            kernel: Kernel::V6_1,
            seed: 1,
            repeat: 0,
        }
    }
}

/// What makes cells repeats of one another: everything that decides what a
/// cell measures. Left out are its repeat number, the seed derived from it,
/// and how long it ran (duration, warm-up, watchdog), which change how
/// precise a number is, not what it measures. The one grouping key:
/// summaries, reports, plots and claims combine repeats by it (projecting
/// out what a table or figure varies, via [`CellKey::without`]), and
/// `compare` pairs two files' cells by it.
#[derive(Clone, Debug, PartialEq)]
pub struct CellKey(CellSpec);

/// A dimension a table or figure varies, left out of its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dim {
    Guard,
    Readers,
    Writer,
}

impl CellKey {
    /// The spec with what the key leaves out zeroed.
    pub fn spec(&self) -> &CellSpec {
        &self.0
    }

    /// This key with `dims` left out: cells that differ only in those
    /// dimensions (and their repeat) share it.
    pub fn without(mut self, dims: &[Dim]) -> CellKey {
        for d in dims {
            match d {
                Dim::Guard => self.0.guard.clear(),
                Dim::Readers => self.0.readers = 0,
                Dim::Writer => {
                    self.0.writer = WriterMode::None;
                    self.0.writer_rate_hz = 0.0;
                }
            }
        }
        self
    }
}

impl CellSpec {
    /// The key this cell shares with its repeats.
    pub fn key(&self) -> CellKey {
        CellKey(CellSpec {
            repeat: 0,
            seed: 0,
            duration_s: 0.0,
            warmup_s: 0.0,
            watchdog_s: 0.0,
            // Without a writer its rate means nothing.
            writer_rate_hz: match self.writer {
                WriterMode::None => 0.0,
                _ => self.writer_rate_hz,
            },
            ..self.clone()
        })
    }

    /// The cell in one line, for progress and torture's log:
    /// `seqcount slowpath rd=2 writer=rebuild@1000Hz rep=0` (` irq` with
    /// the interrupt model).
    pub fn label(&self) -> String {
        format!(
            "{} {} rd={} writer={}{} rep={}",
            self.guard,
            self.scope.name(),
            self.readers,
            self.writer_label(),
            if self.irq { " irq" } else { "" },
            self.repeat
        )
    }

    /// The writer column of the tables: `none`, `rebuild@1000Hz`.
    pub fn writer_label(&self) -> String {
        self.writer.label(self.writer_rate_hz)
    }

    pub fn mm_config(&self) -> MmConfig {
        MmConfig {
            nodes: self.nodes,
            dma32_mib: self.dma32_mib,
            normal_mib: self.normal_mib,
            movable_mib: self.movable_mib,
            nr_cpus: self.readers + 1,
        }
    }

    pub fn alloc_config(&self) -> AllocConfig {
        AllocConfig {
            scope: self.scope,
            guard: GuardOpts {
                rt: self.rt,
                rcu_expedited: self.rcu_expedited,
                effect_off: crate::guard::arm_of(&self.guard) == Some(crate::guard::delay::OFF),
                ..GuardOpts::default()
            },
            reclaim_ns: (self.reclaim_us * 1000.0) as u64,
            writer_hold_ns: (self.writer_hold_us * 1000.0) as u64,
            printk: self.printk,
            kernel: self.kernel,
            ..AllocConfig::default()
        }
    }

    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.duration_s)
    }

    pub fn warmup(&self) -> Duration {
        Duration::from_secs_f64(self.warmup_s)
    }

    /// The CPU (thread) of the writer: after the readers.
    pub fn writer_cpu(&self) -> usize {
        self.readers
    }
}

//! What one measured cell is: guard, scope, readers, writer, pressure.

use crate::alloc::{AllocConfig, Scope};
use crate::guard::GuardOpts;
use crate::mm::MmConfig;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum WriterMode {
    /// No writer: the read side alone.
    None,
    /// `build_all_zonelists` at `--writer-rate` (same content, rewritten in
    /// place, as sysctl or hotplug of another zone would).
    Rebuild,
    /// Offline and online node 0's movable zone in turn at `--writer-rate`
    /// operations per second (each changes the zone's population, so each
    /// rebuilds the zonelists).
    Hotplug,
}

impl WriterMode {
    pub fn name(self) -> &'static str {
        match self {
            WriterMode::None => "none",
            WriterMode::Rebuild => "rebuild",
            WriterMode::Hotplug => "hotplug",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Pressure {
    /// Readers hold a quarter of memory: allocations stay in the fast path.
    Low,
    /// Readers want more than all of memory: zones sit at their watermarks,
    /// allocations enter the slowpath and reclaim.
    High,
}

impl Pressure {
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

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
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
    pub seed: u64,
    pub repeat: usize,
}

fn default_watchdog_s() -> f64 {
    2.0
}

impl CellSpec {
    pub fn mm_config(&self) -> MmConfig {
        MmConfig {
            nodes: self.nodes,
            dma32_mib: self.dma32_mib,
            normal_mib: self.normal_mib,
            movable_mib: self.movable_mib,
            nr_cpus: self.readers + 1,
            pcp_batch: MmConfig::default().pcp_batch,
        }
    }

    pub fn alloc_config(&self) -> AllocConfig {
        AllocConfig {
            scope: self.scope,
            guard: GuardOpts { rt: self.rt },
            reclaim_ns: (self.reclaim_us * 1000.0) as u64,
            writer_hold_ns: (self.writer_hold_us * 1000.0) as u64,
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

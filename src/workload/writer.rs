//! The writer: `build_all_zonelists` or hotplug of node 0's movable zone, at
//! a target rate. Operations that take longer than the period (an offline
//! waits for readers to free the range) lower the achieved rate, which is
//! reported; the writer never bursts to catch up.

use crate::alloc::Allocator;
use crate::alloc::HotplugError;
use crate::guard::ZonelistGuard;
use crate::metrics::HistSummary;
use crate::mm::zone::ZoneType;
use crate::primitive::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use crate::workload::irq::{Irq, IrqStats};
use crate::workload::spec::{CellSpec, WriterMode};
use crossbeam_utils::CachePadded;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// How long an offline waits for readers to free the range before it gives
/// up with EBUSY (and the run reports it).
pub const MIGRATE_TIMEOUT: Duration = Duration::from_secs(2);

/// The phases of a cell, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    Warmup = 0,
    /// The measured interval: counters and histograms start from zero when
    /// a thread first sees it (see [`crate::alloc::AllocCtx::begin_measuring`]).
    Measure = 1,
    Stop = 2,
}

/// State shared by the readers and the writer of one cell.
#[derive(Debug)]
pub struct Shared {
    /// A [`Phase`], in order: set by the main thread, read by the others
    /// once per operation.
    phase: CachePadded<AtomicU8>,
    /// Bumped by an offline once its range is isolated: readers then free
    /// whatever they hold in isolated pageblocks (the migration stand-in).
    pub migrate_epoch: CachePadded<AtomicU64>,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            phase: CachePadded::new(AtomicU8::new(Phase::Warmup as u8)),
            migrate_epoch: CachePadded::new(AtomicU64::new(0)),
        }
    }
}

impl Shared {
    /// The phase now. Relaxed: a flag polled in a loop; nothing is
    /// published through it (results are handed over by joining the
    /// threads), and a thread that sees a change one operation late counts
    /// one operation on the wrong side of it.
    #[inline]
    pub fn phase(&self) -> Phase {
        match self.phase.load(Ordering::Relaxed) {
            0 => Phase::Warmup,
            1 => Phase::Measure,
            _ => Phase::Stop,
        }
    }

    #[inline]
    pub fn stopped(&self) -> bool {
        self.phase() == Phase::Stop
    }

    /// Warm-up is over. Relaxed: see [`Shared::phase`].
    pub fn begin_measuring(&self) {
        self.phase.store(Phase::Measure as u8, Ordering::Relaxed);
    }

    /// Every thread of the cell is to stop. Relaxed: see [`Shared::phase`].
    pub fn stop(&self) {
        self.phase.store(Phase::Stop as u8, Ordering::Relaxed);
    }
}

#[derive(Default, Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WriterStats {
    /// Zonelist rebuilds (both modes).
    pub rebuilds: u64,
    pub offlines: u64,
    pub onlines: u64,
    /// Offlines that gave up waiting for the range to become free.
    pub offline_busy: u64,
    /// Operations per second actually achieved.
    pub achieved_rate_hz: f64,
    /// Per rebuild: waiting for the guard's writer lock, holding it, and
    /// publishing a copy (RCU-like guards).
    pub lock_wait_ns: HistSummary,
    pub critical_ns: HistSummary,
    pub publish_ns: HistSummary,
    /// Rebuilds that waited longer than the stall threshold (10 ms).
    pub writer_stalls: u64,
    /// `--irq`: the interrupts raised inside the rebuilds (keys `irqs`,
    /// `irq_deferred`, ...; all zero without it, and in older files).
    #[serde(flatten)]
    pub irq: IrqStats,
}

/// The writer's loop. Its counters and times cover the measured interval
/// only: when the warm-up ends it starts them again from zero, between two
/// operations (and `irq`'s, the interrupt model's, with them).
pub fn run_writer<G: ZonelistGuard>(
    alloc: &Allocator<G>,
    spec: &CellSpec,
    shared: &Shared,
    irq: Option<&Irq>,
) -> WriterStats {
    let mut stats = WriterStats::default();
    if spec.writer == WriterMode::None {
        return stats;
    }
    let mut rebuilds0 = alloc.rebuilds();
    let period = Duration::from_secs_f64(1.0 / spec.writer_rate_hz);
    let movable = alloc.mm.zone(0, ZoneType::Movable).id;
    let mut start = Instant::now();
    let mut next = start;
    let mut ops = 0u64;
    let mut warming = true;
    loop {
        let phase = shared.phase();
        if phase == Phase::Stop {
            break;
        }
        if warming && phase == Phase::Measure {
            warming = false;
            rebuilds0 = alloc.rebuilds();
            start = Instant::now();
            ops = 0;
            stats = WriterStats::default();
            *alloc.writer_times.lock() = Default::default();
            if let Some(irq) = irq {
                irq.begin_measuring();
            }
        }
        match spec.writer {
            WriterMode::Rebuild => alloc.build_all_zonelists(),
            WriterMode::Hotplug => hotplug_step(alloc, movable, shared, &mut stats),
            WriterMode::None => unreachable!(),
        }
        ops += 1;
        next += period;
        let now = Instant::now();
        if next > now {
            sleep_until(next, shared);
        } else {
            next = now;
        }
    }
    stats.rebuilds = alloc.rebuilds() - rebuilds0;
    stats.achieved_rate_hz = ops as f64 / start.elapsed().as_secs_f64();
    let times = alloc.writer_times.lock();
    stats.lock_wait_ns = times.lock_wait_ns.summary();
    stats.critical_ns = times.critical_ns.summary();
    stats.publish_ns = times.publish_ns.summary();
    stats.writer_stalls = times.stalls;
    stats
}

fn hotplug_step<G: ZonelistGuard>(
    alloc: &Allocator<G>,
    zone_id: usize,
    shared: &Shared,
    stats: &mut WriterStats,
) {
    if alloc.mm.zones[zone_id].populated() {
        let deadline = Instant::now() + MIGRATE_TIMEOUT;
        let mut requested = false;
        let mut migrate = || {
            if !requested {
                // Release: readers that see the new epoch see the isolated
                // pageblocks set before it.
                shared.migrate_epoch.fetch_add(1, Ordering::Release);
                requested = true;
            }
            if shared.stopped() || Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_micros(20));
            true
        };
        match alloc.offline_pages(zone_id, &mut migrate) {
            Ok(()) => stats.offlines += 1,
            Err(HotplugError::Busy) => stats.offline_busy += 1,
            Err(e) => unreachable!("offline of an online zone: {e}"),
        }
    } else {
        alloc
            .online_pages(zone_id)
            .expect("online of an offline zone");
        stats.onlines += 1;
    }
}

fn sleep_until(t: Instant, shared: &Shared) {
    loop {
        let now = Instant::now();
        if now >= t || shared.stopped() {
            return;
        }
        std::thread::sleep((t - now).min(Duration::from_millis(10)));
    }
}

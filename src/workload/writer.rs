//! The writer: `build_all_zonelists` or hotplug of node 0's movable zone, at
//! a target rate. Operations that take longer than the period (an offline
//! waits for readers to free the range) lower the achieved rate, which is
//! reported; the writer never bursts to catch up.

use crate::alloc::Allocator;
use crate::alloc::HotplugError;
use crate::guard::ZonelistGuard;
use crate::metrics::HistSummary;
use crate::mm::zone::ZoneType;
use crate::primitive::sync::atomic::{AtomicU64, Ordering};
use crate::workload::conductor::Baton;
use crate::workload::irq::IrqStats;
use crate::workload::spec::{CellSpec, WriterMode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// How long an offline waits for readers to free the range before it gives
/// up with EBUSY (and the run reports it).
pub const MIGRATE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Default, Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
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

/// The writer's counters of one arm: its operations over the measured
/// interval (started again from zero when the warm-up ends, between two
/// operations).
#[derive(Debug, Default)]
pub struct WriterArm {
    stats: WriterStats,
    rebuilds0: u64,
    ops: u64,
}

impl WriterArm {
    /// The measuring begins: everything counted so far was warm-up.
    pub fn begin_measuring<G: ZonelistGuard>(&mut self, alloc: &Allocator<G>) {
        self.rebuilds0 = alloc.rebuilds();
        self.ops = 0;
        self.stats = WriterStats::default();
        *alloc.writer_times.lock() = Default::default();
    }

    /// The statistics, `active_s` being the seconds the arm was the
    /// active one while measuring (what the achieved rate is over).
    pub fn finish<G: ZonelistGuard>(self, alloc: &Allocator<G>, active_s: f64) -> WriterStats {
        let mut stats = self.stats;
        stats.rebuilds = alloc.rebuilds() - self.rebuilds0;
        stats.achieved_rate_hz = if active_s > 0.0 {
            self.ops as f64 / active_s
        } else {
            0.0
        };
        let times = alloc.writer_times.lock();
        stats.lock_wait_ns = times.lock_wait_ns.summary();
        stats.critical_ns = times.critical_ns.summary();
        stats.publish_ns = times.publish_ns.summary();
        stats.writer_stalls = times.stalls;
        stats
    }
}

/// One writer operation of `spec`'s mode on `alloc`: a rebuild, or the
/// next hotplug step (offline if the movable zone is populated, else
/// online). `migrate_epoch` is the arm's (see `workload/arm.rs`).
pub fn op<G: ZonelistGuard>(
    alloc: &Allocator<G>,
    spec: &CellSpec,
    migrate_epoch: &AtomicU64,
    baton: &Baton,
    w: &mut WriterArm,
) {
    match spec.writer {
        WriterMode::Rebuild => alloc.build_all_zonelists(),
        WriterMode::Hotplug => {
            let movable = alloc.mm.zone(0, ZoneType::Movable).id;
            hotplug_step(alloc, movable, migrate_epoch, baton, &mut w.stats)
        }
        WriterMode::None => return,
    }
    w.ops += 1;
}

/// A writer alone on one allocator (the criterion benches): operations at
/// `spec`'s rate until `baton` stops, counted from the start.
pub fn run_writer<G: ZonelistGuard>(
    alloc: &Allocator<G>,
    spec: &CellSpec,
    baton: &Baton,
) -> WriterStats {
    let mut w = WriterArm::default();
    if spec.writer == WriterMode::None {
        return w.stats;
    }
    let epoch = AtomicU64::new(0);
    let start = Instant::now();
    let mut pace = Pace::new(spec.writer_rate_hz, start);
    while !baton.stopped() {
        op(alloc, spec, &epoch, baton, &mut w);
        let next = pace.next(Instant::now());
        sleep_until(next, baton);
    }
    w.finish(alloc, start.elapsed().as_secs_f64())
}

/// The writer's schedule: one operation every period, never bursting to
/// catch up (an operation longer than the period lowers the achieved
/// rate, which is reported).
#[derive(Debug)]
pub struct Pace {
    period: Duration,
    next: Instant,
}

impl Pace {
    pub fn new(rate_hz: f64, start: Instant) -> Pace {
        Pace {
            period: Duration::from_secs_f64(1.0 / rate_hz),
            next: start,
        }
    }

    /// When the operation after one that finished at `now` is due.
    pub fn next(&mut self, now: Instant) -> Instant {
        self.next += self.period;
        if self.next < now {
            self.next = now;
        }
        self.next
    }

    /// When the next operation is due.
    pub fn due(&self) -> Instant {
        self.next
    }
}

fn hotplug_step<G: ZonelistGuard>(
    alloc: &Allocator<G>,
    zone_id: usize,
    migrate_epoch: &AtomicU64,
    baton: &Baton,
    stats: &mut WriterStats,
) {
    if alloc.mm.zones[zone_id].populated() {
        let deadline = Instant::now() + MIGRATE_TIMEOUT;
        let mut requested = false;
        let mut migrate = || {
            if !requested {
                // Release: readers that see the new epoch see the isolated
                // pageblocks set before it.
                migrate_epoch.fetch_add(1, Ordering::Release);
                requested = true;
            }
            if baton.stopped() || Instant::now() > deadline {
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

/// Sleep until `t` or until `baton` stops.
pub fn sleep_until(t: Instant, baton: &Baton) {
    loop {
        let now = Instant::now();
        if now >= t || baton.stopped() {
            return;
        }
        std::thread::sleep((t - now).min(Duration::from_millis(10)));
    }
}

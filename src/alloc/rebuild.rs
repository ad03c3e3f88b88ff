//! `build_all_zonelists` under the guard's write protocol: the ground-truth
//! generation, the writer's time split, the interrupt raised inside the
//! write section (`--irq`) and the hold (`--writer-hold`).

use super::Allocator;
use crate::guard::{WriterCtx, ZonelistGuard};
use crate::metrics::Hist;
use crate::mm::zone::NOT_POPULATED;
use crate::mm::zonelist::{build_zonelists_node, Zonelists};
use crate::mm::Mm;
use crate::primitive::sync::atomic::Ordering;
use std::cell::Cell;
use std::time::{Duration, Instant};

/// Where the writer's time went, per rebuild.
#[derive(Debug, Default)]
pub struct WriterTimes {
    /// Waiting for the guard's writer lock (readers holding it, or another
    /// writer).
    pub lock_wait_ns: Hist,
    /// Holding it: rewriting in place, or building the copy.
    pub critical_ns: Hist,
    /// Publishing a copy (swap, waiting on readers' debts): RCU-like guards.
    pub publish_ns: Hist,
    /// Rebuilds whose lock wait exceeded the stall threshold.
    pub stalls: u64,
}

impl WriterTimes {
    fn record(
        &mut self,
        start: Instant,
        marks: (Option<Instant>, Option<Instant>),
        end: Instant,
        stall_ns: u64,
    ) {
        let ns = |a: Instant, b: Instant| (b - a).as_nanos() as u64;
        let locked = marks.0.unwrap_or(start);
        let wait = ns(start, locked);
        self.lock_wait_ns.record(wait);
        if wait > stall_ns {
            self.stalls += 1;
        }
        match marks.1 {
            Some(publish) => {
                self.critical_ns.record(ns(locked, publish));
                self.publish_ns.record(ns(publish, end));
            }
            None => self.critical_ns.record(ns(locked, end)),
        }
    }
}

/// An interrupt line of the rebuilding CPU (the interrupt model,
/// `workload::irq`, behind `--irq`). The allocator only says where the
/// interrupt arrives and when the write section is over; what the handler
/// does, and whether masked interrupts wait, is the model's.
pub trait RebuildIrq<G: ZonelistGuard>: Send + Sync {
    /// Inside every rebuild's write section, once, on the writer's thread,
    /// right after the zonelists have been written.
    fn raise(&self, alloc: &Allocator<G>);
    /// The write section (and the guard's `irqrestore`) is over.
    fn section_end(&self, alloc: &Allocator<G>);
}

impl<G: ZonelistGuard> Allocator<G> {
    /// write protocol, then advance the ground-truth generation.
    pub fn build_all_zonelists(&self) {
        let _l = self.zonelist_update.lock();
        self.build_all_zonelists_locked();
    }

    pub(crate) fn build_all_zonelists_locked(&self) {
        // Relaxed: zonelist_gen is written only under zonelist_update (held).
        let gen = self.zonelist_gen.load(Ordering::Relaxed) + 1;
        let writer = WriterCtx::new(&self.writer_irqs_disabled);
        let hold = Duration::from_nanos(self.cfg.writer_hold_ns);
        let printk = self.cfg.printk.cost(self.mm.cfg.nodes);
        let start = Instant::now();
        // Relaxed: read only by the watchdog's report.
        self.writer_in_section.store(true, Ordering::Relaxed);
        // A latch runs the build twice: one interrupt per rebuild.
        let raised = Cell::new(false);
        let cut_short = Cell::new(false);
        self.guard.rebuild(&writer, &|zl| {
            // Ground truth moves when the write protocol actually runs (a
            // lock guard's writer may first wait for its readers): from here
            // on, a walk that meets an emptied zone is on an old list.
            self.note_population(gen);
            build_all_into(&self.mm, zl);
            // --printk: build_zonelists' "Fallback order for Node" lines,
            // one per node, printed inside the section.
            super::busy_wait(printk);
            // --irq: the interrupt arrives with the zonelists written and
            // the section still open (odd count, lock held).
            if let Some(irq) = &self.irq {
                if !raised.replace(true) {
                    irq.raise(self);
                }
            }
            // --writer-hold: a long rebuild (a large NUMA machine) or a
            // writer preempted inside its section; cut short when the run
            // is being torn down (a stalled cell).
            let t = Instant::now();
            // Relaxed: a flag polled in a loop; it publishes nothing.
            while t.elapsed() < hold {
                if self.abort_hold.load(Ordering::Relaxed) {
                    cut_short.set(true);
                    break;
                }
                std::hint::spin_loop();
            }
        });
        let end = Instant::now();
        // Relaxed: as above.
        self.writer_in_section.store(false, Ordering::Relaxed);
        // Bumped after the write section so a reader that saw the new
        // zonelists may hold the old generation (conservative), never the
        // reverse. Release: a reader whose Acquire load sees `gen` also sees
        // the guard's write protocol completed (see the slowpath's nopage).
        self.zonelist_gen.store(gen, Ordering::Release);
        if let Some(irq) = &self.irq {
            irq.section_end(self);
        }
        // A rebuild whose hold the teardown cut short did not last what
        // was asked: its times would understate the section.
        if !cut_short.get() {
            self.writer_times
                .lock()
                .record(start, writer.marks(), end, self.cfg.writer_stall_ns);
        }
    }

    /// Record which zones generation `gen` populates (idempotent: a latch
    /// builds twice).
    fn note_population(&self, gen: u64) {
        for z in self.mm.zones.iter() {
            // Relaxed: written only under zonelist_update (held); readers
            // order their reads through the generation's Release/Acquire.
            let since = z.populated_since.load(Ordering::Relaxed);
            if z.populated() && since == NOT_POPULATED {
                z.populated_since.store(gen, Ordering::Relaxed);
            } else if !z.populated() {
                z.populated_since.store(NOT_POPULATED, Ordering::Relaxed);
            }
        }
    }

    /// Zonelist generation (the number of rebuilds so far).
    pub fn rebuilds(&self) -> u64 {
        // Relaxed: a statistic.
        self.zonelist_gen.load(Ordering::Relaxed)
    }
}

/// `__build_all_zonelists` body: every node's fallback list, written into
/// `zl` from the current zone population. Public so that a bench can time a
/// guard's write protocol (`guard.rebuild(writer, &|zl| build_all_into(mm,
/// zl))`) without [`Allocator::build_all_zonelists`]'s bookkeeping; outside
/// a guard's `rebuild` it races readers.
pub fn build_all_into(mm: &Mm, zl: &Zonelists) {
    let nodes = mm.cfg.nodes;
    for nid in 0..nodes {
        build_zonelists_node(zl, nid, nodes, &|z| mm.zones[z].populated());
    }
}

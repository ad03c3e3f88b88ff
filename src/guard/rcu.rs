//! `rcu`: RCU through `arc-swap`, the seed's userspace stand-in for RCU.
//! It prices neither kernel: a reader pays arc-swap's debt slot on every
//! load, where the kernel's read side is empty (`rcu-qsbr`, a kernel
//! without preemption) or a per-task nesting count (`rcu-preempt`,
//! CONFIG_PREEMPT_RCU). It stays as what a Rust user of the crate pays.
//!
//! The writer builds new zonelists off to the side and publishes them with
//! one pointer swap (`rcu_assign_pointer`); readers load a guard for their
//! whole section (`rcu_read_lock` + `rcu_dereference`) and never retry. The
//! old zonelists are freed when the last reader holding them lets go
//! (arc-swap's reference counting standing in for a grace period).
//!
//! Read protocol: `load()` at `zonelist_iter_begin`; walk that snapshot;
//! `need_retry` is false. Write protocol: writers serialised by a mutex;
//! build a fresh `Zonelists`; `store` (which walks arc-swap's debt slots and
//! pays the debts of readers still holding the old value: the publish cost
//! that grows with reader threads).
//!
//! What the model says about it: a walk is always over one complete,
//! consistent zonelist, so the 2022 index shift cannot happen. But the
//! snapshot can be old: it may list a zone that has since been offlined
//! (counted as `stale_zone_visits`; the zone has no free pages, so the walk
//! skips it and goes on), and it misses a zone onlined since it was taken. A
//! movable allocation that fails on such a snapshot while the newly onlined
//! zone has free pages is a false OOM ("even if the zonelist itself is valid
//! after an RCU update, the zones listed are not necessarily useful any
//! more"). `rcu-recheck` closes that with a generation check.
//!
//! Simplification: arc-swap's reference counting frees an old zonelist
//! promptly rather than after a grace period; `epoch` models deferred
//! reclamation.
//!
//! Model checking (`tests/loom.rs`): under `--cfg loom` `ArcSwap` and the
//! writers' `parking_lot::Mutex` are replaced by stand-ins with the same
//! contract (`crate::primitive`), so loom checks this guard's protocol
//! (build aside, publish, bump the generation), not arc-swap's internals.

use crate::guard::look::{Dash, Family, Hue, Look, Marker};
use crate::guard::{GuardOpts, ReadSection, ReaderProbe, WriterCtx, ZonelistGuard};
use crate::mm::zonelist::{ZoneRef, ZonelistView, Zonelists};
use crate::primitive::sync::atomic::{AtomicU64, Ordering};
use crate::primitive::{ArcCell, ArcCellGuard, Mutex};
use crossbeam_utils::CachePadded;
use std::sync::Arc;

/// RCU zonelists; `RECHECK` adds the generation check of `rcu-recheck`.
#[derive(Debug)]
pub struct Rcu<const RECHECK: bool> {
    current: ArcCell<Zonelists>,
    /// Bumped after every publish; read only by `rcu-recheck` sections.
    generation: CachePadded<AtomicU64>,
    writer: Mutex<()>,
    nodes: usize,
}

/// A pinned snapshot of the zonelists.
#[derive(Debug)]
pub struct RcuView(ArcCellGuard<Zonelists>);

impl ZonelistView for RcuView {
    #[inline]
    fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef {
        self.0.zoneref(nid, idx)
    }
}

#[derive(Debug)]
#[must_use = "the section ends when this is dropped"]
pub struct RcuSection<'a> {
    view: RcuView,
    /// `rcu-recheck`: the generation counter and its value at begin.
    recheck: Option<(&'a AtomicU64, u64)>,
}

impl ZonelistView for RcuSection<'_> {
    #[inline]
    fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef {
        self.view.zoneref(nid, idx)
    }
}

impl ReadSection for RcuSection<'_> {
    #[inline]
    fn need_retry(&self) -> bool {
        // Acquire: pairs with the writer's Release bump (see rebuild).
        self.recheck
            .is_some_and(|(g, start)| g.load(Ordering::Acquire) != start)
    }
}

impl<const RECHECK: bool> ZonelistGuard for Rcu<RECHECK> {
    const NAME: &'static str = if RECHECK { "rcu-recheck" } else { "rcu" };
    const MODELS: &'static str = if RECHECK {
        "userspace RCU stand-in (arc-swap) + a generation check before OOM and failing"
    } else {
        "userspace RCU stand-in (arc-swap): copy, publish, readers never retry"
    };
    const LOOK: Option<Look> = if RECHECK {
        Some(Look::new(
            Family::UserspaceRcu,
            Hue::Orange,
            Marker::Triangle,
            Dash::Short,
        ))
    } else {
        Some(Look::new(
            Family::UserspaceRcu,
            Hue::Green,
            Marker::Square,
            Dash::Long,
        ))
    };
    const PREVENTS_FALSE_OOM: bool = RECHECK;
    type Fast<'a> = RcuView;
    type Section<'a> = RcuSection<'a>;

    fn new(nodes: usize, _opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        let zonelists = Zonelists::built(nodes, build);
        Rcu {
            current: ArcCell::from_pointee(zonelists),
            generation: CachePadded::new(AtomicU64::new(0)),
            writer: Mutex::new(()),
            nodes,
        }
    }

    #[inline]
    fn fast_view(&self, _probe: &mut ReaderProbe) -> RcuView {
        RcuView(self.current.load())
    }

    #[inline]
    fn read_begin(&self, probe: &mut ReaderProbe, _retry: bool) -> RcuSection<'_> {
        // Acquire, and before the pointer load: a reader that sees a bumped
        // generation also loads the zonelists published before the bump.
        let recheck = RECHECK.then(|| (&*self.generation, self.generation.load(Ordering::Acquire)));
        RcuSection {
            view: self.fast_view(probe),
            recheck,
        }
    }

    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        let _writers = self.writer.lock();
        writer.locked();
        let fresh = Zonelists::built(self.nodes, build);
        writer.publishing();
        self.current.store(Arc::new(fresh));
        // Release: publishes the store above to a section whose Acquire load
        // of the generation sees this bump.
        self.generation.fetch_add(1, Ordering::Release);
    }
}

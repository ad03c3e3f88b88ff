//! One conformance body, instantiated for every guard (as arc-swap's
//! tests/stress.rs does): single-thread allocation through each scope,
//! bounded concurrent runs under a rebuild writer and under hotplug, and the
//! 2022 race driven deterministically through the slowpath hook, asserting
//! each guard's documented behaviour.
//!
//! This file is the test crate's root (cargo builds `tests/*/main.rs` as
//! the test target named after its directory): it instantiates, for every
//! guard, the bodies that live beside it, one module per idea.

mod irq;
mod machine;
mod race;
mod rt;
mod runs;
mod sections;

use irq::{irq_run, IrqExpect};
use machine::cell;
use race::{may_oom_window_expect, online_race_expect, race_expect, Expect, Hook};
use rt::rt_run;
use runs::{bounded_run, single_thread};
use sections::{section_and_writer, snapshot_expect};
use zonebench::alloc::Scope;
use zonebench::results::CellResult;
use zonebench::workload::cancel::Cancel;
use zonebench::workload::runner::run_cell;
use zonebench::workload::spec::{CellSpec, Pressure, WriterMode};

macro_rules! conformance {
    ($($m:ident: $ty:ty, $hook:expr, $expect:expr, $irq:expr;)*) => {$(
        mod $m {
            use super::*;
            type G = $ty;

            #[test]
            fn single_thread_each_scope() {
                single_thread::<G>();
            }

            #[test]
            fn bounded_runs_keep_the_invariants() {
                bounded_run::<G>(WriterMode::Rebuild, Scope::Slowpath);
                bounded_run::<G>(WriterMode::Hotplug, Scope::EveryAlloc);
            }

            #[test]
            fn the_2022_race() {
                race_expect::<G>($hook, $expect);
            }

            #[test]
            fn the_window_the_fix_leaves() {
                may_oom_window_expect::<G>($hook, $expect);
            }

            #[test]
            fn snapshot_or_in_place() {
                snapshot_expect::<G>($hook, $expect);
            }

            #[test]
            fn sections_and_the_writer() {
                section_and_writer::<G>($hook);
            }

            #[test]
            fn the_online_race() {
                online_race_expect::<G>($hook);
            }

            #[test]
            fn preempt_rt_readers() {
                rt_run::<G>();
            }

            #[test]
            fn irq_inside_the_write_section() {
                irq_run::<G>($irq, false);
            }
        }
    )*};
}

conformance! {
    none: zonebench::guard::none::NoGuard, Hook::Inline, Expect::FalseOom, IrqExpect::Inline;
    seqcount: zonebench::guard::seqcount::Seqcount, Hook::Inline, Expect::Retries, IrqExpect::Deadlock;
    seqlock: zonebench::guard::seqlock::SeqLock, Hook::Inline, Expect::Retries, IrqExpect::Deferred;
    seqlock_excl: zonebench::guard::seqlock_excl::SeqlockExcl, Hook::Thread, Expect::Succeeds, IrqExpect::Deferred;
    seqbegin_or_lock: zonebench::guard::seqbegin_or_lock::SeqbeginOrLock, Hook::Inline, Expect::RetriesLocked, IrqExpect::Deferred;
    seqcount_spinlock: zonebench::guard::seqcount_spinlock::SeqcountSpinlock, Hook::Inline, Expect::Retries, IrqExpect::Deadlock;
    rcu: zonebench::guard::rcu::Rcu<false>, Hook::Inline, Expect::Succeeds, IrqExpect::Inline;
    rcu_recheck: zonebench::guard::rcu_recheck::RcuRecheck, Hook::Inline, Expect::Succeeds, IrqExpect::Inline;
    rcu_qsbr: zonebench::guard::rcu_qsbr::RcuQsbr<false>, Hook::Inline, Expect::Succeeds, IrqExpect::Inline;
    rcu_qsbr_recheck: zonebench::guard::rcu_qsbr_recheck::RcuQsbrRecheck, Hook::Inline, Expect::Succeeds, IrqExpect::Inline;
    rcu_preempt: zonebench::guard::rcu_preempt::RcuPreempt<false>, Hook::Inline, Expect::Succeeds, IrqExpect::Inline;
    rcu_preempt_recheck: zonebench::guard::rcu_preempt_recheck::RcuPreemptRecheck, Hook::Inline, Expect::Succeeds, IrqExpect::Inline;
    latch: zonebench::guard::latch::Latch, Hook::Inline, Expect::Retries, IrqExpect::Inline;
    rwlock: zonebench::guard::rwlock::RwLockGuard, Hook::Thread, Expect::Succeeds, IrqExpect::Deadlock;
    seqlock_crate: zonebench::guard::seqlock_crate::SeqlockCrate, Hook::Inline, Expect::Succeeds, IrqExpect::Unbounded;
    epoch: zonebench::guard::epoch::Epoch, Hook::Inline, Expect::Succeeds, IrqExpect::Inline;
    // The example guard (`guard::EXAMPLES`): `seqcount` whose begin never
    // waits, so the interrupt handler's walk runs inside the write section
    // and completes where seqcount's deadlocks at begin.
    raw_seqcount: zonebench::guard::raw_seqcount::RawSeqcount, Hook::Inline, Expect::Retries, IrqExpect::Inline;
}

/// The watchdog: a writer that holds its section (practically) forever
/// leaves every-alloc seqcount readers spinning on the odd count; the cell
/// is reported stalled within the timeout and the run still completes.
#[test]
fn the_watchdog_reports_a_writer_stuck_in_its_section() {
    let spec = CellSpec {
        writer_rate_hz: 1000.0,
        pressure: Pressure::Low,
        writer_hold_us: 3.6e9,
        watchdog_s: 0.5,
        duration_s: 30.0,
        warmup_s: 0.0,
        seed: 3,
        ..cell("seqcount", Scope::EveryAlloc, WriterMode::Rebuild)
    };
    let t = std::time::Instant::now();
    let c = CellResult::from(run_cell(&spec, &[], &Cancel::default()).unwrap());
    assert!(
        t.elapsed() < std::time::Duration::from_secs(10),
        "the stalled cell was not torn down"
    );
    assert!(c.stalled, "{c:?}");
    assert!(
        c.stall_report[0].contains("inside its write section"),
        "{:?}",
        c.stall_report
    );
    assert_eq!(
        c.stall_report.len(),
        3,
        "one line per reader: {:?}",
        c.stall_report
    );
    assert!(c.violations().is_empty(), "{:?}", c.violations());
}

/// PREEMPT_RT threads the interrupt: the handler's thread meets a lock its
/// own CPU's writer holds (seqcount-spinlock's associated lock, the
/// seqlock's lock, the rwlock), sleeps on it, boosts the writer, and runs
/// when the section ends: deferred, where without `--rt` it deadlocks.
#[test]
fn irq_rt_threaded_handlers_block_on_the_writers_lock_and_run_after_it() {
    irq_run::<zonebench::guard::seqcount_spinlock::SeqcountSpinlock>(IrqExpect::Deferred, true);
    irq_run::<zonebench::guard::seqlock::SeqLock>(IrqExpect::Deferred, true);
    irq_run::<zonebench::guard::rwlock::RwLockGuard>(IrqExpect::Deferred, true);
}

/// A plain seqcount under PREEMPT_RT: the threaded handler spins on the
/// odd count above the writer it preempted, which never runs again: still
/// a deadlock (a livelock the bound ends).
#[test]
fn irq_rt_plain_seqcount_still_deadlocks() {
    irq_run::<zonebench::guard::seqcount::Seqcount>(IrqExpect::Deadlock, true);
}

#[test]
fn every_guard_is_instantiated_here() {
    assert_eq!(zonebench::guard::ALL.len(), 16);
    assert_eq!(zonebench::guard::EXAMPLES.len(), 1);
}

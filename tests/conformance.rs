//! One conformance body, instantiated for every guard (as arc-swap's
//! tests/stress.rs does): single-thread allocation through each scope,
//! bounded concurrent runs under a rebuild writer and under hotplug, and the
//! 2022 race driven deterministically through the slowpath hook, asserting
//! each guard's documented behaviour.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use zonebench::alloc::{AllocConfig, AllocStats, Allocator, Gfp, NoReclaim, Scope};
use zonebench::guard::ZonelistGuard;
use zonebench::mm::page::Pfn;
use zonebench::mm::zone::{ZoneType, WMARK_LOW, WMARK_MIN};
use zonebench::mm::MmConfig;
use zonebench::workload::runner::run_cell;
use zonebench::workload::spec::{CellSpec, Pressure, WriterMode};

fn small() -> MmConfig {
    MmConfig {
        nodes: 1,
        dma32_mib: 0,
        normal_mib: 8,
        movable_mib: 4,
        nr_cpus: 2,
        pcp_batch: 63,
    }
}

fn allocator<G: ZonelistGuard>(scope: Scope) -> Allocator<G> {
    Allocator::new(
        small(),
        AllocConfig {
            scope,
            reclaim_ns: 0,
            ..AllocConfig::default()
        },
    )
}

/// A short cell on a small machine: two readers, high pressure, no pinning.
fn cell(guard: &str, scope: Scope, writer: WriterMode) -> CellSpec {
    CellSpec {
        guard: guard.into(),
        scope,
        readers: 2,
        writer,
        writer_rate_hz: 5000.0,
        pressure: Pressure::High,
        nodes: 1,
        dma32_mib: 0,
        normal_mib: 32,
        movable_mib: 16,
        reclaim_us: 2.0,
        writer_hold_us: 0.0,
        watchdog_s: 2.0,
        duration_s: 0.3,
        warmup_s: 0.05,
        pin: false,
        rt: false,
        irq: false,
        seed: 7,
        repeat: 0,
    }
}

fn single_thread<G: ZonelistGuard>() {
    for scope in [Scope::Slowpath, Scope::EveryAlloc] {
        let a = allocator::<G>(scope);
        let mut ctx = a.ctx(0);
        let mut held = Vec::new();
        for i in 0..3000u32 {
            let (gfp, order) = if i % 2 == 0 {
                (Gfp::KERNEL, i % 4)
            } else {
                (Gfp::HIGHUSER_MOVABLE, 0)
            };
            if let Some(p) = a.alloc_pages(&mut ctx, gfp, order, &mut NoReclaim) {
                held.push((p, order));
            }
            if i % 3 == 0 {
                if let Some((p, o)) = held.pop() {
                    a.free_pages(&mut ctx, p, o);
                }
            }
        }
        assert!(held.len() > 500, "{}: allocations failed early", G::NAME);
        let acc = a.mm.check(&held);
        assert!(acc.ok(), "{} {scope:?}: {acc:?}", G::NAME);
        assert_eq!(
            ctx.stats.bad_pages + ctx.stats.isolated_allocs + ctx.stats.false_ooms,
            0,
            "{}",
            G::NAME
        );
    }
}

fn bounded_run<G: ZonelistGuard>(writer: WriterMode, scope: Scope) {
    let spec = cell(G::NAME, scope, writer);
    let c = run_cell(&spec, &[]).unwrap();
    assert!(
        c.violations().is_empty(),
        "{} {writer:?}: {:?}",
        G::NAME,
        c.violations()
    );
    assert_eq!(c.pages_lost, 0);
    assert_eq!(c.stats.isolated_allocs, 0);
    assert!(
        c.stats.allocs > 0 && c.writer.rebuilds > 0,
        "{}: no progress {c:?}",
        G::NAME
    );
    if G::PREVENTS_FALSE_OOM {
        assert_eq!(c.stats.false_ooms, 0, "{} {writer:?} {scope:?}", G::NAME);
    }
}

/// How the hook's rebuild meets the reader's section.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Hook {
    /// Run the offline right there (the writer does not wait for readers).
    Inline,
    /// The reader's section excludes writers: start the offline on another
    /// thread, which can only rebuild once the section ends.
    Thread,
}

/// A hotplug operation the hook runs on the movable zone.
type HotplugOp<G> = fn(&Allocator<G>, usize);

fn offline<G: ZonelistGuard>(a: &Allocator<G>, zone: usize) {
    a.offline_pages(zone, &mut || false)
        .expect("movable is free");
}

fn online<G: ZonelistGuard>(a: &Allocator<G>, zone: usize) {
    a.online_pages(zone).expect("movable is offline");
}

/// A race through the slowpath hook: `setup` prepares the machine, NORMAL
/// is squeezed down to watermark `to`, and the hook runs `op` on the movable
/// zone between `preferred_zoneref` and the walk (inline, or on a thread
/// when the guard's section excludes writers).
fn race_with<G: ZonelistGuard>(
    hook: Hook,
    gfp: Gfp,
    setup: HotplugOp<G>,
    op: HotplugOp<G>,
    to: usize,
) -> (Option<Pfn>, AllocStats, u64) {
    let mut a = allocator::<G>(Scope::Slowpath);
    let movable = a.mm.zone(0, ZoneType::Movable).id;
    setup(&a, movable);
    let rebuilds0 = a.rebuilds();
    let fired = AtomicBool::new(false);
    let me: Arc<OnceLock<Weak<Allocator<G>>>> = Arc::new(OnceLock::new());
    let threads: Arc<Mutex<Vec<std::thread::JoinHandle<()>>>> = Arc::default();
    let (me2, threads2) = (me.clone(), threads.clone());
    a.set_slowpath_hook(Box::new(move |a| {
        if fired.swap(true, Ordering::Relaxed) {
            return;
        }
        match hook {
            Hook::Inline => op(a, movable),
            Hook::Thread => {
                let a = me2.get().unwrap().upgrade().unwrap();
                threads2
                    .lock()
                    .unwrap()
                    .push(std::thread::spawn(move || op(&a, movable)));
            }
        }
    }));
    let a = Arc::new(a);
    me.set(Arc::downgrade(&a)).ok().unwrap();
    let normal = a.mm.zone(0, ZoneType::Normal);
    let mut squeezer = a.ctx(1);
    let excess = normal.free_pages() - normal.wmark(to);
    a.take_pages(&mut squeezer, normal.id, excess as usize);
    let mut ctx = a.ctx(0);
    let page = a.alloc_pages(&mut ctx, gfp, 0, &mut NoReclaim);
    for t in threads.lock().unwrap().drain(..) {
        t.join().unwrap();
    }
    assert_eq!(
        a.rebuilds(),
        rebuilds0 + 1,
        "{}: the hook's hotplug rebuilt once",
        G::NAME
    );
    (page, ctx.stats.clone(), ctx.probe.locked_passes)
}

/// The 2022 race: NORMAL below LOW (fast path fails), the hook offlines
/// MOVABLE between `preferred_zoneref` and the walk.
fn race<G: ZonelistGuard>(hook: Hook, gfp: Gfp) -> (Option<Pfn>, AllocStats, u64) {
    race_with::<G>(hook, gfp, |_, _| {}, offline::<G>, WMARK_LOW)
}

/// What the race hook must show for a guard.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Expect {
    /// The 2022 bug: fails although NORMAL had free pages.
    FalseOom,
    /// Notices the rebuild at check_retry_zonelist and succeeds on a retry.
    Retries,
    /// Notices, and the retry pass is the locked one.
    RetriesLocked,
    /// Walks a consistent (old or protected) zonelist and succeeds.
    Succeeds,
}

fn race_expect<G: ZonelistGuard>(hook: Hook, expect: Expect) {
    let (page, stats, locked) = race::<G>(hook, Gfp::KERNEL);
    match expect {
        Expect::FalseOom => {
            assert_eq!(page, None);
            assert_eq!((stats.false_ooms, stats.true_ooms), (1, 0), "{stats:?}");
        }
        Expect::Retries | Expect::RetriesLocked => {
            assert!(page.is_some(), "{stats:?}");
            assert_eq!(stats.retries, 1, "{stats:?}");
            assert_eq!(locked, u64::from(expect == Expect::RetriesLocked));
        }
        Expect::Succeeds => {
            assert!(page.is_some(), "{stats:?}");
            assert_eq!(stats.retries, 0, "{stats:?}");
        }
    }
    assert_eq!(stats.false_ooms, u64::from(expect == Expect::FalseOom));
}

/// Within one section, does the walk still see the zonelist as it was before
/// an offline rebuilt it? Snapshot guards do (the offlined zone stays listed:
/// a stale zone); in-place guards see the rewrite (and the seq family must
/// retry). Lock guards are skipped: the offline would wait for the section.
fn section_keeps_snapshot<G: ZonelistGuard>() -> (bool, bool) {
    use zonebench::guard::{ReadSection, ReaderProbe};
    use zonebench::mm::zonelist::ZonelistView;
    let a = allocator::<G>(Scope::Slowpath);
    let movable = a.mm.zone(0, ZoneType::Movable).id;
    let mut probe = ReaderProbe::default();
    let section = a.guard.read_begin(&mut probe, false);
    let before = section.zoneref(0, 0);
    assert_eq!(before.zone_id(), Some(movable));
    a.offline_pages(movable, &mut || false).unwrap();
    (section.zoneref(0, 0) == before, section.need_retry())
}

fn snapshot_expect<G: ZonelistGuard>(hook: Hook, expect: Expect) {
    if hook == Hook::Thread {
        return;
    }
    let (kept, retry) = section_keeps_snapshot::<G>();
    let snapshot = matches!(G::NAME, "rcu" | "rcu-recheck" | "epoch" | "seqlock-crate");
    assert_eq!(kept, snapshot, "{}", G::NAME);
    // Whoever walked a changed list, or promised a recheck, must say so.
    let must_retry = !snapshot && expect != Expect::FalseOom || G::NAME == "rcu-recheck";
    assert_eq!(retry, must_retry, "{}", G::NAME);
}

/// A lock guard's section excludes the writer: a rebuild started while a
/// section is held cannot finish until it ends (checked for 200 ms; a guard
/// that excluded nothing lets it through at once). Every other guard's writer
/// never waits for readers: the rebuild finishes while the section is held.
fn section_and_writer<G: ZonelistGuard>(hook: Hook) {
    use zonebench::guard::ReaderProbe;
    let a = Arc::new(allocator::<G>(Scope::Slowpath));
    let mut probe = ReaderProbe::default();
    let section = a.guard.read_begin(&mut probe, false);
    let writer = {
        let a = a.clone();
        std::thread::spawn(move || a.build_all_zonelists())
    };
    if hook == Hook::Thread {
        let t = std::time::Instant::now();
        while t.elapsed() < std::time::Duration::from_millis(200) {
            assert_eq!(
                a.rebuilds(),
                0,
                "{}: a rebuild finished inside a read section",
                G::NAME
            );
            std::thread::yield_now();
        }
        drop(section);
        writer.join().unwrap();
    } else {
        writer.join().unwrap();
        assert_eq!(a.rebuilds(), 1, "{}", G::NAME);
        drop(section);
    }
    assert_eq!(a.rebuilds(), 1);
}

/// The other race: MOVABLE comes back online while a movable allocation's
/// slowpath is between `preferred_zoneref` and its walk, and NORMAL is at
/// MIN. A guard that walks an old snapshot without checking it again fails
/// with the onlined zone free (rcu, epoch, seqlock-crate); rcu-recheck
/// notices; in-place guards walk the rewritten list; lock guards make the
/// online wait for the section, which then fails honestly (a true OOM: no
/// zone of its zonelist had memory).
fn online_race_expect<G: ZonelistGuard>(hook: Hook) {
    let (page, stats, _) = race_with::<G>(
        hook,
        Gfp::HIGHUSER_MOVABLE,
        offline::<G>,
        online::<G>,
        WMARK_MIN,
    );
    let stale_snapshot = matches!(G::NAME, "rcu" | "epoch" | "seqlock-crate");
    assert_eq!(
        stats.false_ooms,
        u64::from(stale_snapshot),
        "{}: {stats:?}",
        G::NAME
    );
    let excluded = hook == Hook::Thread;
    assert_eq!(
        page.is_some(),
        !stale_snapshot && !excluded,
        "{}: {stats:?}",
        G::NAME
    );
    assert_eq!(
        stats.true_ooms,
        u64::from(excluded),
        "{}: {stats:?}",
        G::NAME
    );
    assert_eq!(
        stats.retries,
        u64::from(G::NAME == "rcu-recheck"),
        "{}: {stats:?}",
        G::NAME
    );
}

/// PREEMPT_RT readers (a no-op for guards without an RT read side) under
/// oversubscription and a writer that holds its section: the invariants
/// hold, no false OOM appears, and the hold lands inside the section.
fn rt_run<G: ZonelistGuard>() {
    let spec = CellSpec {
        readers: 3,
        writer_rate_hz: 2000.0,
        writer_hold_us: 50.0,
        rt: true,
        seed: 11,
        // Long enough for an excluding guard's starved writer (three
        // readers on two CPUs, a debug build) to finish a few rebuilds.
        duration_s: 0.6,
        ..cell(G::NAME, Scope::EveryAlloc, WriterMode::Rebuild)
    };
    let c = run_cell(&spec, &[]).unwrap();
    assert!(
        c.violations().is_empty(),
        "{}: {:?}",
        G::NAME,
        c.violations()
    );
    assert_eq!(c.stats.false_ooms, 0);
    assert!(
        c.writer.critical_ns.count > 0 && c.writer.critical_ns.p50 >= 50_000,
        "{}: --writer-hold not inside the section: {:?}",
        G::NAME,
        c.writer.critical_ns
    );
}

/// What an interrupt raised inside a guard's write section does
/// (`workload::irq`).
#[derive(Clone, Copy, PartialEq, Debug)]
enum IrqExpect {
    /// The writer does not mask; the handler waits on its own writer and is
    /// abandoned after the bound, every time.
    Deadlock,
    /// The writer masks (irqsave): the handler runs after the section.
    Deferred,
    /// The handler runs inside the section and completes.
    Inline,
    /// The guard's read side cannot be bounded: not run.
    Unbounded,
}

/// A short rebuild cell with `--irq` (one reader, low pressure, 200 Hz):
/// the run completes, every rebuild raised one interrupt, the invariants
/// hold, and the interrupts did what `expect` says.
fn irq_run<G: ZonelistGuard>(expect: IrqExpect, rt: bool) {
    use zonebench::workload::irq::IRQ_DEADLOCK_BOUND;
    let spec = CellSpec {
        readers: 1,
        writer_rate_hz: 200.0,
        pressure: Pressure::Low,
        duration_s: 0.2,
        warmup_s: 0.02,
        irq: true,
        rt,
        ..cell(G::NAME, Scope::Slowpath, WriterMode::Rebuild)
    };
    let t = std::time::Instant::now();
    let c = run_cell(&spec, &[]).unwrap();
    // The measured time, plus at most one deadlock bound and teardown.
    assert!(
        t.elapsed() < std::time::Duration::from_secs(3),
        "{}: the irq cell took {:?}",
        G::NAME,
        t.elapsed()
    );
    assert!(!c.stalled, "{}: {:?}", G::NAME, c.stall_report);
    assert!(
        c.violations().is_empty(),
        "{}: {:?}",
        G::NAME,
        c.violations()
    );
    let irq = c.writer.irq.clone();
    assert!(irq.irqs > 0, "{}: no interrupt raised {irq:?}", G::NAME);
    assert_eq!(irq.irqs, c.writer.rebuilds, "{}: one per rebuild", G::NAME);
    assert_eq!(
        irq.irqs,
        irq.irq_inline + irq.irq_deferred + irq.irq_unbounded,
        "{}",
        G::NAME
    );
    assert_eq!(
        irq.irq_inline + irq.irq_deferred,
        irq.irq_allocs_ok + irq.irq_allocs_failed + irq.irq_deadlocks,
        "{}: every handler that ran ended one way",
        G::NAME
    );
    assert_eq!(irq.irq_allocs_failed, 0, "{}: {irq:?}", G::NAME);
    assert_eq!(irq.irq_delay_ns.count, irq.irq_deferred, "{}", G::NAME);
    let (inline, deferred, deadlocks, unbounded) = match expect {
        IrqExpect::Deadlock => (irq.irqs, 0, irq.irqs, 0),
        IrqExpect::Deferred => (0, irq.irqs, 0, 0),
        IrqExpect::Inline => (irq.irqs, 0, 0, 0),
        IrqExpect::Unbounded => (0, 0, 0, irq.irqs),
    };
    assert_eq!(
        (
            irq.irq_inline,
            irq.irq_deferred,
            irq.irq_deadlocks,
            irq.irq_unbounded
        ),
        (inline, deferred, deadlocks, unbounded),
        "{}: {irq:?}",
        G::NAME
    );
    if deadlocks > 0 {
        // On the count, except rwlock's (its lock) and PREEMPT_RT readers'
        // (the associated mutex).
        let on_lock = G::NAME == "rwlock" || rt;
        assert_eq!(
            irq.irq_deadlocks_on_lock,
            if on_lock { deadlocks } else { 0 },
            "{}: {irq:?}",
            G::NAME
        );
        // Each abandoned after the bound, and not much later.
        let bound = IRQ_DEADLOCK_BOUND.as_nanos() as u64;
        assert_eq!(irq.irq_deadlock_ns.count, deadlocks);
        assert!(
            irq.irq_deadlock_ns.p50 >= bound * 99 / 100 && irq.irq_deadlock_ns.max < 3 * bound,
            "{}: {:?}",
            G::NAME,
            irq.irq_deadlock_ns
        );
    }
    if deferred > 0 {
        assert!(irq.irq_delay_ns.max > 0, "{}: {irq:?}", G::NAME);
    }
}

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
    latch: zonebench::guard::latch::Latch, Hook::Inline, Expect::Retries, IrqExpect::Inline;
    rwlock: zonebench::guard::rwlock::RwLockGuard, Hook::Thread, Expect::Succeeds, IrqExpect::Deadlock;
    seqlock_crate: zonebench::guard::seqlock_crate::SeqlockCrate, Hook::Inline, Expect::Succeeds, IrqExpect::Unbounded;
    epoch: zonebench::guard::epoch::Epoch, Hook::Inline, Expect::Succeeds, IrqExpect::Inline;
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
    let c = run_cell(&spec, &[]).unwrap();
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

/// seqcount-spinlock with PREEMPT_RT readers: the handler does not spin on
/// the count but waits on the associated mutex, which its own CPU's writer
/// holds: a deadlock on a lock.
#[test]
fn irq_rt_seqcount_spinlock_deadlocks_on_its_mutex() {
    irq_run::<zonebench::guard::seqcount_spinlock::SeqcountSpinlock>(IrqExpect::Deadlock, true);
}

#[test]
fn every_guard_is_instantiated_here() {
    assert_eq!(zonebench::guard::ALL.len(), 12);
}

//! Model checking of every guard's protocol with loom.
//! Run with
//! `RUSTFLAGS="--cfg loom" cargo test --release --test loom`.
//!
//! One model per guard: node 0's zonelist starts as [MOVABLE, NORMAL] (the
//! 2022 layout: no DMA32); one writer thread rebuilds it as an offline of
//! the movable zone leaves it, [NORMAL]; one reader does a read section,
//! walks entries up to the terminator and asks `need_retry`. loom explores
//! the interleavings (and, for the atomics, the weak-memory outcomes) of the
//! two, and each model asserts the guard's contract:
//!
//! * validated guards (the seqcount family, `latch`, `rwlock`, the example
//!   `raw-seqcount`): a walk whose `need_retry` is false saw exactly the
//!   old list or exactly the new one, never a torn or shifted one such as
//!   [MOVABLE] alone;
//! * snapshot guards (`rcu`, `rcu-recheck`, the kernel-RCU guards
//!   `rcu-qsbr` and `rcu-preempt` and their recheck variants, `epoch`,
//!   `seqlock-crate`): every walk saw one complete list, whatever
//!   `need_retry` says;
//! * broken guards (`none`, the hidden `seqcount-noretry`): loom must find a
//!   walk that was torn and not flagged; the test fails if it finds none.
//!
//! The reader announces a quiescent state before its section and after it
//! (its allocation's entry, and the next one's: the kernel-RCU guards need
//! them, other guards ignore them); some kernel-RCU models make two
//! allocations. The kernel-RCU guards free a replaced copy only at a later
//! rebuild, so their models rebuild twice; under loom a
//! freed copy is poisoned, every entry the terminator (`guard/grace.rs`),
//! so a copy freed while the reader could still walk it shows up as a torn
//! walk. A model that announces a quiescent state inside the section
//! (breaking `rcu-qsbr`'s contract on purpose) must be caught that way;
//! the same model of `rcu-preempt`, whose quiescent state reports nothing
//! while its nesting count is above zero, must pass. `rcu-preempt`'s
//! reader has no fence: the models check that its grace periods end only
//! through quiescent states reported at nesting zero.
//!
//! Simplifications: one node, one writer, one section (two in some models). The
//! exploration is bounded to a few preemptions (`LOOM_MAX_PREEMPTIONS`
//! overrides the bound), which is enough to tear a two-entry rewrite; loom
//! checks the guards' own protocols, and under `--cfg loom` the third-party
//! primitives some guards use are replaced by stand-ins with the same
//! contract (see `zonebench::primitive`).

#![cfg(loom)]

use loom::sync::atomic::AtomicBool;
use loom::sync::Arc;
use std::panic::{catch_unwind, AssertUnwindSafe};
use zonebench::guard::{
    dispatch, GuardOpts, GuardVisitor, ReadSection, ReaderProbe, WriterCtx, ZonelistGuard, ALL,
    EXAMPLES, HIDDEN,
};
use zonebench::mm::zone::{ZoneType, MAX_NR_ZONES};
use zonebench::mm::zonelist::{build_zonelists_node, ZonelistView, Zonelists};

/// Preemptions loom explores per execution unless `LOOM_MAX_PREEMPTIONS`
/// says otherwise: two suffice to tear the rewrite (one before the
/// reader's first entry, one between its entries); three also let the
/// reader be interrupted between section begin and the walk.
const PREEMPTION_BOUND: usize = 3;

/// The one node of the model.
const NODES: usize = 1;
/// Node 0's zone ids (a node's zones are `nid * MAX_NR_ZONES + type`).
const NORMAL: usize = ZoneType::Normal as usize;
const MOVABLE: usize = ZoneType::Movable as usize;
/// The zonelist before the offline (populated NORMAL and MOVABLE, highest
/// type first) and after it.
const OLD: &[usize] = &[MOVABLE, NORMAL];
const NEW: &[usize] = &[NORMAL];

/// `build_all_zonelists` for a machine whose populated zones are `zones`.
fn build(zones: &'static [usize]) -> impl Fn(&Zonelists) {
    move |out| build_zonelists_node(out, 0, NODES, &|zone_id| zones.contains(&zone_id))
}

/// What a guard promises a reader.
#[derive(Clone, Copy, Debug)]
enum Contract {
    /// A walk that `need_retry` does not flag saw one complete list.
    Validated,
    /// Every walk saw one complete list.
    Snapshot,
    /// Broken on purpose: loom must find a torn walk that is not flagged.
    Torn,
}

/// How one model runs a guard.
#[derive(Clone, Copy, Debug)]
struct Model {
    contract: Contract,
    /// `--rt` (PREEMPT_RT read side, for guards that honour it).
    rt: bool,
    /// The section is a retry pass (`read_seqbegin_or_lock` locks it).
    retry: bool,
    /// The reader yields once before its section, so that loom also runs
    /// the writer first and the section can begin inside the write section
    /// or after it. Without the yield loom never does: its DPOR does not
    /// schedule a thread whose first access to the count is a load (the
    /// writer's `write_seqcount_begin` reads the count, then stores it)
    /// before another thread's load of it (tokio-rs/loom#392), so every
    /// other model's reader begins on the count before the rebuild.
    late: bool,
    /// Rebuilds the writer makes (each as the offline leaves the list):
    /// two let the kernel-RCU guards free the first one's old copy.
    rebuilds: usize,
    /// The reader announces a quiescent state inside its section, which
    /// `rcu-qsbr`'s contract forbids (its copy may be freed under it) and
    /// `rcu-preempt` turns into a request to its outermost unlock.
    qs_inside: bool,
    /// Allocations the reader makes, one section each: two let an online
    /// CPU's quiescent state race the rebuilds.
    sections: usize,
}

impl GuardVisitor for Model {
    type Output = ();

    fn visit<G: ZonelistGuard>(self) {
        let mut builder = loom::model::Builder::new();
        if std::env::var_os("LOOM_MAX_PREEMPTIONS").is_none() {
            builder.preemption_bound = Some(PREEMPTION_BOUND);
        }
        builder.check(move || self.execution::<G>());
    }
}

impl Model {
    /// One execution: a writer thread rebuilds, this thread reads.
    fn execution<G: ZonelistGuard>(self) {
        let opts = GuardOpts {
            rt: self.rt,
            cpus: 1,
            // The kernel-RCU guards' default: no barrier from the writer
            // (under loom there is no system call anyway).
            rcu_expedited: false,
            ..GuardOpts::default()
        };
        let guard = Arc::new(G::new(NODES, &opts, &build(&[NORMAL, MOVABLE])));
        let rebuilds = self.rebuilds;
        let writer = {
            let guard = guard.clone();
            loom::thread::spawn(move || {
                let irqs_disabled = AtomicBool::new(false);
                for _ in 0..rebuilds {
                    guard.rebuild(&WriterCtx::new(&irqs_disabled), &build(&[NORMAL]));
                }
            })
        };

        if self.late {
            loom::thread::yield_now();
        }
        let mut probe = ReaderProbe::default();
        let mut walks = Vec::new();
        for _ in 0..self.sections {
            // The allocation's entry: a quiescent state (the first brings
            // the CPU online).
            guard.quiescent(&mut probe);
            let section = guard.read_begin(&mut probe, self.retry);
            if self.qs_inside {
                guard.quiescent(&mut probe);
            }
            // The last entry of a row is always the terminator.
            let seen: Vec<usize> = (0..NODES * MAX_NR_ZONES + 1)
                .map_while(|idx| section.zoneref(0, idx).zone_id())
                .collect();
            walks.push((seen, section.need_retry()));
        }
        // The next allocation's entry.
        guard.quiescent(&mut probe);
        writer.join().expect("the writer does not panic");

        for (seen, retry) in walks {
            let whole = seen == OLD || seen == NEW;
            match self.contract {
                Contract::Validated | Contract::Torn => assert!(
                    retry || whole,
                    "{}: the walk saw {seen:?} (neither {OLD:?} nor {NEW:?}) and need_retry is false",
                    G::NAME
                ),
                Contract::Snapshot => assert!(
                    whole,
                    "{}: the walk saw {seen:?}, neither {OLD:?} nor {NEW:?} (need_retry: {retry})",
                    G::NAME
                ),
            }
        }
    }
}

/// Model `guard` and assert its contract: for `Torn`, that loom finds the
/// torn walk (the model panics).
fn check(guard: &str, model: Model) {
    let run = || dispatch(guard, model).unwrap_or_else(|| panic!("no guard {guard}"));
    match model.contract {
        Contract::Validated | Contract::Snapshot => run(),
        Contract::Torn => {
            let caught = catch_unwind(AssertUnwindSafe(run));
            assert!(
                caught.is_err(),
                "loom found no torn walk in {guard}, which has no retry check"
            );
        }
    }
}

macro_rules! models {
    ($($test:ident: $guard:literal, $contract:ident $(, rt: $rt:literal)? $(, retry: $retry:literal)? $(, late: $late:literal)? $(, rebuilds: $rebuilds:literal)? $(, qs_inside: $qs_inside:literal)? $(, sections: $sections:literal)?;)*) => {
        /// Every guard name a model covers.
        const MODELLED: &[&str] = &[$($guard),*];

        $(
            #[test]
            fn $test() {
                check(
                    $guard,
                    Model {
                        contract: Contract::$contract,
                        rt: false $(|| $rt)?,
                        retry: false $(|| $retry)?,
                        late: false $(|| $late)?,
                        rebuilds: 1 $(- 1 + $rebuilds)?,
                        qs_inside: false $(|| $qs_inside)?,
                        sections: 1 $(- 1 + $sections)?,
                    },
                );
            }
        )*
    };
}

models! {
    none_is_caught: "none", Torn;
    seqcount_noretry_is_caught: "seqcount-noretry", Torn;
    seqcount: "seqcount", Validated;
    seqcount_rt: "seqcount", Validated, rt: true;
    seqcount_rt_late: "seqcount", Validated, rt: true, late: true;
    seqcount_late: "seqcount", Validated, late: true;
    seqlock: "seqlock", Validated;
    seqlock_rt: "seqlock", Validated, rt: true;
    seqlock_rt_late: "seqlock", Validated, rt: true, late: true;
    seqlock_late: "seqlock", Validated, late: true;
    seqlock_excl: "seqlock-excl", Validated;
    seqlock_excl_late: "seqlock-excl", Validated, late: true;
    seqlock_excl_rt: "seqlock-excl", Validated, rt: true;
    seqlock_excl_rt_late: "seqlock-excl", Validated, rt: true, late: true;
    seqbegin_or_lock: "seqbegin-or-lock", Validated;
    seqbegin_or_lock_rt: "seqbegin-or-lock", Validated, rt: true;
    seqbegin_or_lock_rt_late: "seqbegin-or-lock", Validated, rt: true, late: true;
    seqbegin_or_lock_locked_pass: "seqbegin-or-lock", Validated, retry: true;
    seqbegin_or_lock_late: "seqbegin-or-lock", Validated, late: true;
    seqcount_spinlock: "seqcount-spinlock", Validated;
    seqcount_spinlock_late: "seqcount-spinlock", Validated, late: true;
    seqcount_spinlock_rt: "seqcount-spinlock", Validated, rt: true;
    seqcount_spinlock_rt_late: "seqcount-spinlock", Validated, rt: true, late: true;
    latch: "latch", Validated;
    latch_late: "latch", Validated, late: true;
    rwlock: "rwlock", Validated;
    rcu: "rcu", Snapshot;
    rcu_recheck: "rcu-recheck", Snapshot;
    rcu_qsbr: "rcu-qsbr", Snapshot, rebuilds: 2;
    rcu_qsbr_late: "rcu-qsbr", Snapshot, late: true, rebuilds: 2;
    rcu_qsbr_recheck: "rcu-qsbr-recheck", Snapshot, rebuilds: 2;
    // An online CPU's quiescent state between two sections, racing both
    // rebuilds (the Acquire load of the grace-period number).
    rcu_qsbr_two_sections: "rcu-qsbr", Snapshot, rebuilds: 2, sections: 2;
    // The contract broken on purpose: the poisoned copy must be seen.
    rcu_qsbr_quiescent_inside_a_section_is_caught: "rcu-qsbr", Torn, rebuilds: 2, qs_inside: true;
    rcu_preempt: "rcu-preempt", Snapshot, rebuilds: 2;
    rcu_preempt_late: "rcu-preempt", Snapshot, late: true, rebuilds: 2;
    rcu_preempt_recheck: "rcu-preempt-recheck", Snapshot, rebuilds: 2;
    // Two sections: the second rebuild may find the CPU behind the first
    // one's grace period, ask for a quiescent state and see it reported by
    // the next outermost unlock.
    rcu_preempt_two_sections: "rcu-preempt", Snapshot, rebuilds: 2, sections: 2;
    // The tick inside a section: no report there, a request to the unlock.
    rcu_preempt_quiescent_inside_a_section: "rcu-preempt", Snapshot, rebuilds: 2, qs_inside: true;
    epoch: "epoch", Snapshot;
    seqlock_crate: "seqlock-crate", Snapshot;
    raw_seqcount: "raw-seqcount", Validated;
    raw_seqcount_rt: "raw-seqcount", Validated, rt: true;
    // Its begin on an odd count, the path that differs from seqcount's.
    raw_seqcount_late: "raw-seqcount", Validated, late: true;
}

#[test]
fn every_guard_is_modelled() {
    let missing: Vec<&str> = ALL
        .iter()
        .chain(HIDDEN)
        .chain(EXAMPLES)
        .map(|g| g.name)
        .filter(|name| !MODELLED.contains(name))
        .collect();
    assert!(
        missing.is_empty(),
        "guards without a loom model: {missing:?}"
    );
}

/// A zoneref is two words, written zone first and read index first (as
/// `zoneref_set_zone()` and `next_zones_zonelist()` do): loom must find a
/// reader that sees the new zone with the old index, the pair that lets a
/// request below ZONE_MOVABLE take a movable page (`mm::zonelist`).
#[test]
fn a_zoneref_can_tear() {
    use zonebench::mm::zonelist::ZoneRef;
    let caught = catch_unwind(AssertUnwindSafe(|| {
        loom::model(|| {
            let zl = Arc::new(Zonelists::new(NODES));
            zl.set(0, 0, ZoneRef::new(NORMAL));
            let writer = {
                let zl = zl.clone();
                loom::thread::spawn(move || zl.set(0, 0, ZoneRef::new(MOVABLE)))
            };
            let seen = zl.zoneref(0, 0);
            writer.join().unwrap();
            assert!(
                seen == ZoneRef::new(NORMAL) || seen == ZoneRef::new(MOVABLE),
                "torn: zone {:?} with index {}",
                seen.zone_id(),
                seen.zone_idx()
            );
        })
    }));
    assert!(caught.is_err(), "loom found no torn zoneref");
}

//! The races, driven deterministically through the slowpath hook: the 2022
//! one (an offline between `preferred_zoneref` and the walk) and the online
//! one, each asserting the guard's documented outcome.

use super::machine::allocator;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use zonebench::alloc::{AllocStats, Allocator, Gfp, NoReclaim, Scope, SlowpathPoint};
use zonebench::guard::ZonelistGuard;
use zonebench::mm::page::Pfn;
use zonebench::mm::zone::{ZoneType, WMARK_LOW, WMARK_MIN};

/// How the hook's rebuild meets the reader's section.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(crate) enum Hook {
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

/// Where and how a race's hook strikes.
#[derive(Clone, Copy)]
struct Strike {
    hook: Hook,
    /// The slowpath point it runs at.
    at: SlowpathPoint,
    /// NORMAL is squeezed down to this watermark first.
    to: usize,
    /// The hook gives NORMAL's squeezed pages back before its `op` (a task
    /// exiting elsewhere).
    give_back: bool,
}

/// A race through the slowpath hook: `setup` prepares the machine, NORMAL
/// is squeezed down to watermark `strike.to`, and the hook runs `op` on the
/// movable zone at `strike.at` (inline, or on a thread when the guard's
/// section excludes writers), once.
fn race_with<G: ZonelistGuard>(
    strike: Strike,
    gfp: Gfp,
    setup: HotplugOp<G>,
    op: HotplugOp<G>,
) -> (Option<Pfn>, AllocStats, u64) {
    let mut a = allocator::<G>(Scope::Slowpath);
    let movable = a.mm.zone(0, ZoneType::Movable).id;
    setup(&a, movable);
    let rebuilds0 = a.rebuilds();
    let fired = AtomicBool::new(false);
    let held: Arc<Mutex<Vec<Pfn>>> = Arc::default();
    let me: Arc<OnceLock<Weak<Allocator<G>>>> = Arc::new(OnceLock::new());
    let threads: Arc<Mutex<Vec<std::thread::JoinHandle<()>>>> = Arc::default();
    let (me2, threads2, held2) = (me.clone(), threads.clone(), held.clone());
    a.set_slowpath_hook(Box::new(move |a, point| {
        if point != strike.at || fired.swap(true, Ordering::Relaxed) {
            return;
        }
        if strike.give_back {
            let mut other = a.ctx(1);
            for pfn in held2.lock().unwrap().drain(..) {
                a.free_pages(&mut other, pfn, 0);
            }
            a.mm.drain_all_pages(None);
        }
        match strike.hook {
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
    let excess = normal.free_pages() - normal.wmark(strike.to);
    *held.lock().unwrap() = a.take_pages(&mut squeezer, normal.id, excess as usize);
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

/// The hook between `preferred_zoneref` and the first walk (the 2022
/// race's place), NORMAL squeezed to `to`.
fn at_preferred(hook: Hook, to: usize) -> Strike {
    Strike {
        hook,
        at: SlowpathPoint::Preferred,
        to,
        give_back: false,
    }
}

/// The 2022 race: NORMAL below LOW (fast path fails), the hook offlines
/// MOVABLE between `preferred_zoneref` and the walk.
fn race<G: ZonelistGuard>(hook: Hook, gfp: Gfp) -> (Option<Pfn>, AllocStats, u64) {
    race_with::<G>(at_preferred(hook, WMARK_LOW), gfp, |_, _| {}, offline::<G>)
}

/// What the race hook must show for a guard.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(crate) enum Expect {
    /// The 2022 bug: fails although NORMAL had free pages.
    FalseOom,
    /// Notices the rebuild at check_retry_zonelist and succeeds on a retry.
    Retries,
    /// Notices, and the retry pass is the locked one.
    RetriesLocked,
    /// Walks a consistent (old or protected) zonelist and succeeds.
    Succeeds,
}

pub(crate) fn race_expect<G: ZonelistGuard>(hook: Hook, expect: Expect) {
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

/// The other race: MOVABLE comes back online while a movable allocation's
/// slowpath is between `preferred_zoneref` and its walk, and NORMAL is at
/// MIN. A guard that walks an old snapshot without checking it again fails
/// with the onlined zone free (rcu, epoch, seqlock-crate); rcu-recheck
/// notices; in-place guards walk the rewritten list; lock guards make the
/// online wait for the section, which then fails honestly (a true OOM: no
/// zone of its zonelist had memory).
pub(crate) fn online_race_expect<G: ZonelistGuard>(hook: Hook) {
    let (page, stats, _) = race_with::<G>(
        at_preferred(hook, WMARK_MIN),
        Gfp::HIGHUSER_MOVABLE,
        offline::<G>,
        online::<G>,
    );
    let stale_snapshot = matches!(
        G::NAME,
        "rcu" | "rcu-qsbr" | "rcu-preempt" | "epoch" | "seqlock-crate"
    );
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
        u64::from(matches!(
            G::NAME,
            "rcu-recheck" | "rcu-qsbr-recheck" | "rcu-preempt-recheck"
        )),
        "{}: {stats:?}",
        G::NAME
    );
}

/// The window the 2022 fix leaves open: NORMAL held at MIN and nothing to
/// reclaim, so a GFP_KERNEL allocation passes the `check_retry_zonelist`
/// before OOM; between that check and `__alloc_pages_may_oom`'s walk the
/// hook gives NORMAL's pages back (a task exiting elsewhere) and offlines
/// MOVABLE (inline, or on a thread when the section excludes writers).
///
/// A guard that rewrites the zonelists in place walks them from the stale
/// `preferred_zoneref` past NORMAL: a false OOM kill, whatever its check
/// (the check is behind it). Guards with a check then restart at the next
/// one and succeed; `none` fails as well. Snapshot guards walk the old,
/// consistent zonelist and lock guards keep the offline out, so NORMAL is
/// found at the HIGH watermark and nobody is killed.
pub(crate) fn may_oom_window_expect<G: ZonelistGuard>(hook: Hook, expect: Expect) {
    let strike = Strike {
        hook,
        at: SlowpathPoint::MayOom,
        to: WMARK_MIN,
        give_back: true,
    };
    let (page, stats, _) = race_with::<G>(strike, Gfp::KERNEL, |_, _| {}, offline::<G>);
    let s = &stats;
    assert!(s.oom_checks >= 1, "{}: {s:?}", G::NAME);
    match expect {
        Expect::FalseOom => {
            assert_eq!(page, None, "{s:?}");
            assert_eq!(
                (s.oom_kills, s.false_oom_kills, s.false_ooms),
                (1, 1, 1),
                "{s:?}"
            );
        }
        Expect::Retries | Expect::RetriesLocked => {
            assert!(page.is_some(), "{}: {s:?}", G::NAME);
            assert_eq!(
                (s.oom_kills, s.false_oom_kills),
                (1, 1),
                "{}: {s:?}",
                G::NAME
            );
            assert_eq!(s.retries, 1, "{}: {s:?}", G::NAME);
        }
        Expect::Succeeds => {
            assert!(page.is_some(), "{}: {s:?}", G::NAME);
            assert_eq!(
                (s.oom_kills, s.false_oom_kills),
                (0, 0),
                "{}: {s:?}",
                G::NAME
            );
        }
    }
}

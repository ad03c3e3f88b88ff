//! What a read section promises: whether it walks a snapshot or the list
//! rewritten in place, and whether it holds the writer off.

use super::machine::allocator;
use super::race::{Expect, Hook};
use std::sync::Arc;
use zonebench::alloc::Scope;
use zonebench::guard::ZonelistGuard;
use zonebench::mm::zone::ZoneType;

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
    // Sections outside an allocation: the CPU's first quiescent state
    // before them (rcu-qsbr's CPU comes online, so that the offline's
    // rebuild holds the copy this section walks).
    a.guard.quiescent(&mut probe);
    let section = a.guard.read_begin(&mut probe, false);
    let before = section.zoneref(0, 0);
    assert_eq!(before.zone_id(), Some(movable));
    a.offline_pages(movable, &mut || false).unwrap();
    (section.zoneref(0, 0) == before, section.need_retry())
}

pub(crate) fn snapshot_expect<G: ZonelistGuard>(hook: Hook, expect: Expect) {
    if hook == Hook::Thread {
        return;
    }
    let (kept, retry) = section_keeps_snapshot::<G>();
    let snapshot = matches!(
        G::NAME,
        "rcu"
            | "rcu-recheck"
            | "rcu-qsbr"
            | "rcu-qsbr-recheck"
            | "rcu-preempt"
            | "rcu-preempt-recheck"
            | "epoch"
            | "seqlock-crate"
    );
    assert_eq!(kept, snapshot, "{}", G::NAME);
    // Whoever walked a changed list, or promised a recheck, must say so.
    let must_retry = !snapshot && expect != Expect::FalseOom
        || matches!(
            G::NAME,
            "rcu-recheck" | "rcu-qsbr-recheck" | "rcu-preempt-recheck"
        );
    assert_eq!(retry, must_retry, "{}", G::NAME);
}

/// A lock guard's section excludes the writer: a rebuild started while a
/// section is held cannot finish until it ends (checked for 200 ms; a guard
/// that excluded nothing lets it through at once). Every other guard's writer
/// never waits for readers: the rebuild finishes while the section is held.
pub(crate) fn section_and_writer<G: ZonelistGuard>(hook: Hook) {
    use zonebench::guard::ReaderProbe;
    let a = Arc::new(allocator::<G>(Scope::Slowpath));
    let mut probe = ReaderProbe::default();
    // As in section_keeps_snapshot.
    a.guard.quiescent(&mut probe);
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

//! Each guard alone, outside the allocation path, on one CPU:
//!
//! * `read_section/<guard>`: an uncontended read section as an allocation
//!   opens it: `read_begin`, the `first_zones_zonelist` walk for a
//!   GFP_KERNEL request on the section's zonelists, `need_retry`, end.
//! * `rebuild/<guard>/<nodes>`: the write side, `guard.rebuild` with the
//!   real zonelist build for 1, 8 and 64 simulated nodes (each node's list
//!   holds every zone of the machine and picks nodes by distance in
//!   O(nodes^2), so the whole rebuild grows with the cube of the nodes),
//!   with no reader in the way.
//!
//! Zones are small (4 MiB NORMAL and MOVABLE per node, no DMA32): a
//! zonelist's length depends on nodes and zones, not on their sizes, and the
//! 64-node machine is then cheap to set up.

mod common;

use common::Budget;
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion};
use std::hint::black_box;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use zonebench::alloc::Gfp;
use zonebench::guard::{dispatch, GuardVisitor, ReadSection, ReaderProbe, ZonelistGuard, ALL};
use zonebench::mm::zonelist::first_zones_zonelist;
use zonebench::workload::floors::{rebuild_once, small_allocator};

/// Node counts criterion times each guard's rebuild at.
const CRITERION_NODES: [usize; 3] = [1, 8, 64];

struct ReadSectionCase<'a, 'b>(&'a mut BenchmarkGroup<'b, WallTime>);

impl GuardVisitor for ReadSectionCase<'_, '_> {
    type Output = ();
    fn visit<G: ZonelistGuard>(self) {
        let alloc = small_allocator::<G>(1);
        let mut probe = ReaderProbe::default();
        // The CPU's first quiescent state (rcu-qsbr: it comes online), as
        // an allocation announces one before its sections.
        alloc.guard.quiescent(&mut probe);
        let highest = Gfp::KERNEL.highest_zoneidx();
        self.0.bench_function(G::NAME, |b| {
            b.iter(|| {
                let section = alloc.guard.read_begin(&mut probe, false);
                black_box(first_zones_zonelist(
                    &section,
                    black_box(0),
                    black_box(highest),
                ));
                let retry = section.need_retry();
                drop(section);
                retry
            })
        });
        // With no writer, a section never waits.
        assert_eq!(probe.stall_ns + probe.locked_passes, 0);
    }
}

struct RebuildCase<'a, 'b>(&'a mut BenchmarkGroup<'b, WallTime>);

impl GuardVisitor for RebuildCase<'_, '_> {
    type Output = ();
    fn visit<G: ZonelistGuard>(self) {
        let irqs_disabled = AtomicBool::new(false);
        // The small end of the curve: criterion's 20 samples of a
        // 1024-node rebuild would take minutes; the sweep's curve
        // (`rebuild_cost`) goes to MAX_NUMNODES.
        for nodes in CRITERION_NODES {
            let alloc = small_allocator::<G>(nodes);
            self.0
                .bench_with_input(BenchmarkId::new(G::NAME, nodes), &alloc, |b, alloc| {
                    b.iter(|| rebuild_once(alloc, &irqs_disabled))
                });
        }
    }
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("read_section");
    for g in ALL {
        dispatch(g.name, ReadSectionCase(&mut group));
    }
    group.finish();
    let mut group = c.benchmark_group("rebuild");
    for g in ALL {
        dispatch(g.name, RebuildCase(&mut group));
    }
    group.finish();
}

criterion_group! {
    name = guards;
    config = common::criterion(Budget {
        warm_up: Duration::from_millis(200),
        measurement: Duration::from_millis(500),
        samples: 20,
    });
    targets = benches
}
criterion_main!(guards);

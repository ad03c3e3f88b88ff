//! Order-0 alloc+free round trip on one CPU, per guard and scope, beside its
//! floor measured in the same run: the two uncontended per-CPU lock round
//! trips (one in `alloc_pages`, one in `free_pages`) with no allocator work.
//! Target: a round trip costs at most 1.5x its floor.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Duration;
use zonebench::guard::{GuardVisitor, ZonelistGuard, ALL};
use zonebench::mm::alloc::{AllocConfig, Allocator, Gfp, NoReclaim, Scope};
use zonebench::mm::MmConfig;
use zonebench::sync::SpinLock;

struct RoundTrip<'a> {
    c: &'a mut Criterion,
    scope: Scope,
}

impl GuardVisitor for RoundTrip<'_> {
    type Output = ();
    fn visit<G: ZonelistGuard>(self) {
        let cfg = MmConfig {
            nr_cpus: 1,
            ..MmConfig::default()
        };
        let alloc = Allocator::<G>::new(
            cfg,
            AllocConfig {
                scope: self.scope,
                reclaim_ns: 0,
                ..AllocConfig::default()
            },
        );
        let mut ctx = alloc.ctx(0);
        let name = format!("alloc_free_order0/{}/{}", G::NAME, self.scope.name());
        self.c.bench_function(&name, |b| {
            b.iter(|| {
                let p = alloc
                    .alloc_pages(&mut ctx, Gfp::KERNEL, 0, &mut NoReclaim)
                    .expect("memory is free");
                alloc.free_pages(&mut ctx, black_box(p), 0);
            })
        });
        assert_eq!(ctx.stats.bad_pages + ctx.stats.isolated_allocs, 0);
    }
}

fn benches(c: &mut Criterion) {
    // The floor: the pcp lock taken and released twice, nothing else.
    let lock = SpinLock::new(0u64);
    c.bench_function("alloc_free_order0/floor/2x-pcp-lock", |b| {
        b.iter(|| {
            for _ in 0..2 {
                let mut g = lock.try_lock().expect("uncontended");
                *g += 1;
            }
        })
    });
    for scope in [Scope::Slowpath, Scope::EveryAlloc] {
        for g in ALL {
            zonebench::guard::dispatch(g.name, RoundTrip { c, scope });
        }
    }
}

criterion_group! {
    name = alloc;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = benches
}
criterion_main!(alloc);

//! The memory model: buddy split and merge, per-CPU refill and drain,
//! watermarks, hotplug, a property test against an oracle, and the 2022
//! race reproduced deterministically through the slowpath hook.

use proptest::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use zonebench::alloc::{
    AllocConfig, Allocator, Gfp, Kernel, NoReclaim, Printk, Reclaim, Scope, SlowpathPoint,
};
use zonebench::guard::none::NoGuard;
use zonebench::guard::seqcount::Seqcount;
use zonebench::guard::seqlock::SeqLock;
use zonebench::guard::seqlock_excl::SeqlockExcl;
use zonebench::guard::{ReaderProbe, ZonelistGuard};
use zonebench::mm::page::{Pfn, MAX_ORDER};
use zonebench::mm::zone::{ZoneType, WMARK_HIGH, WMARK_LOW, WMARK_MIN};
use zonebench::mm::MmConfig;

fn small(dma32: u32, normal: u32, movable: u32, cpus: usize) -> MmConfig {
    MmConfig {
        dma32_mib: dma32,
        normal_mib: normal,
        movable_mib: movable,
        nr_cpus: cpus,
        ..MmConfig::default()
    }
}

fn alloc<G: ZonelistGuard>(cfg: MmConfig, scope: Scope) -> Allocator<G> {
    Allocator::new(
        cfg,
        AllocConfig {
            scope,
            reclaim_ns: 0,
            ..AllocConfig::default()
        },
    )
}

fn nr_free(a: &Allocator<NoGuard>, zt: ZoneType) -> [u32; MAX_ORDER as usize + 1] {
    a.mm.zone(0, zt).lock.lock().nr_free
}

#[test]
fn buddy_split_then_merge_back_to_canonical_form() {
    let a = alloc::<NoGuard>(small(0, 4, 4, 1), Scope::Slowpath);
    let before = nr_free(&a, ZoneType::Normal);
    assert_eq!(
        before[MAX_ORDER as usize], 1,
        "4 MiB is one MAX_ORDER block"
    );
    let zone = a.mm.zone(0, ZoneType::Normal);
    let mut ctx = a.ctx(0);
    let pfn = a.take_pages(&mut ctx, zone.id, 1)[0];
    let split = nr_free(&a, ZoneType::Normal);
    // expand: one free block of every order 0..MAX_ORDER, none of MAX_ORDER.
    assert_eq!(split[MAX_ORDER as usize], 0);
    assert!(
        split[..MAX_ORDER as usize].iter().all(|&n| n == 1),
        "{split:?}"
    );
    assert_eq!(zone.free_pages(), 1023);
    assert!(a.mm.check(&[(pfn, 0)]).ok());
    // Freeing straight to buddy merges all the way up again.
    a.mm.free_one_page_for_test(zone, pfn, 0);
    assert_eq!(nr_free(&a, ZoneType::Normal), before);
    assert!(a.mm.check(&[]).ok(), "{:?}", a.mm.check(&[]));
}

#[test]
fn pcp_refills_a_batch_and_drains_at_high() {
    // 1 GiB of NORMAL: the server's batch of 63.
    let a = alloc::<NoGuard>(small(0, 1024, 4, 1), Scope::Slowpath);
    let zone = a.mm.zone(0, ZoneType::Normal);
    let mut ctx = a.ctx(0);
    let p = a
        .alloc_pages(&mut ctx, Gfp::KERNEL, 0, &mut NoReclaim)
        .unwrap();
    let (count, batch, high) = {
        let pcp = a.mm.pcp(0, zone.id).lock();
        (pcp.count, pcp.batch, pcp.high)
    };
    assert_eq!(batch, 63);
    assert_eq!(
        count,
        batch - 1,
        "rmqueue_bulk took a batch, one was handed out"
    );
    assert_eq!(zone.free_pages(), 262_144 - batch as u64);
    // Free enough pages back that count reaches high: a batch goes to buddy.
    let mut held = vec![p];
    while held.len() < high as usize + 10 {
        held.push(
            a.alloc_pages(&mut ctx, Gfp::KERNEL, 0, &mut NoReclaim)
                .unwrap(),
        );
    }
    for pfn in held.drain(..) {
        a.free_pages(&mut ctx, pfn, 0);
        assert!(
            a.mm.pcp(0, zone.id).lock().count < high,
            "free_pcppages_bulk keeps count below high"
        );
    }
    a.mm.drain_all_pages(None);
    assert_eq!(a.mm.pcp(0, zone.id).lock().count, 0);
    assert_eq!(zone.free_pages(), 262_144);
    assert!(a.mm.check(&[]).ok());
}

/// v6.1's `zone_batchsize`, written out from its steps for the test:
/// min(managed / 1024, 256) / 4, at least 1, then the power of two at or
/// below 1.5 times that, less one; `max(1, ...)` by its caller.
fn kernel_batch(managed: u64) -> u32 {
    let mut batch = (managed / 1024).min(256) / 4;
    if batch < 1 {
        batch = 1;
    }
    let b = batch + batch / 2;
    let mut p = 1;
    while p * 2 <= b {
        p *= 2;
    }
    ((p - 1) as u32).max(1)
}

#[test]
fn pcp_batch_and_high_are_the_kernels_for_every_zone_size() {
    use zonebench::mm::pcp::{zone_batchsize, zone_highsize};
    // The kernel's figures: 1 GiB and more 63, 128 MiB 7, tiny zones 1.
    assert_eq!(zone_batchsize(262_144), 63);
    assert_eq!(zone_batchsize(4 * 262_144), 63);
    assert_eq!(zone_batchsize(32_768).max(1), 7);
    assert_eq!(zone_batchsize(1024).max(1), 1);
    for mib in [4u64, 8, 64, 100, 128, 256, 512, 700, 1024, 4096, 65_536] {
        let pages = mib * 256;
        assert_eq!(
            zone_batchsize(pages).max(1),
            kernel_batch(pages),
            "{mib} MiB"
        );
    }
    // zone_highsize: low watermark split over the node's CPUs, at least
    // four batches; a node without CPUs splits over every online CPU.
    assert_eq!(zone_highsize(1286, 63, 3, 3), 428);
    assert_eq!(zone_highsize(1286, 63, 8, 8), 252);
    assert_eq!(zone_highsize(100_000, 63, 0, 16), 6250);
    assert_eq!(zone_highsize(100_000, 63, 2, 16), 50_000);
    // And the allocator sets what the formulas give, per zone.
    let a = alloc::<NoGuard>(small(0, 1024, 128, 3), Scope::Slowpath);
    for (zt, batch) in [(ZoneType::Normal, 63), (ZoneType::Movable, 7)] {
        let zone = a.mm.zone(0, zt);
        let pcp = a.mm.pcp(0, zone.id).lock();
        assert_eq!(pcp.batch, batch, "{zt:?}");
        let want = zone_highsize(zone.wmark(WMARK_LOW), batch, 3, 3);
        assert_eq!(pcp.high, want, "{zt:?}");
    }
}

#[test]
fn vmstat_counts_every_allocation_and_free() {
    use zonebench::mm::vmstat::NumaStat;
    // Two nodes, a CPU on each; allocations from node 0 at high pressure
    // spill to node 1 (NUMA_MISS), frees are all counted.
    let cfg = MmConfig {
        nodes: 2,
        ..small(0, 8, 4, 2)
    };
    let a = alloc::<Seqcount>(cfg, Scope::Slowpath);
    let mut ctx = a.ctx(0);
    let mut held = Vec::new();
    while let Some(p) = a.alloc_pages(&mut ctx, Gfp::KERNEL, 0, &mut NoReclaim) {
        held.push(p);
    }
    let ev = a.mm.vm_events();
    assert_eq!(
        ev.pgalloc_total(),
        ctx.stats.allocs,
        "PGALLOC = allocations"
    );
    assert_eq!(ev.pgalloc[ZoneType::Normal as usize], ctx.stats.allocs);
    assert_eq!(
        ev.numa(NumaStat::Hit) + ev.numa(NumaStat::Miss),
        ctx.stats.allocs
    );
    assert_eq!(ev.numa(NumaStat::Miss), ev.numa(NumaStat::Foreign));
    assert_eq!(
        ev.numa(NumaStat::Local) + ev.numa(NumaStat::Other),
        ctx.stats.allocs
    );
    assert!(
        ev.numa(NumaStat::Miss) > 0,
        "node 0 ran out and spilled to node 1"
    );
    // CPU 0 is on node 0: every miss was on the other node.
    assert_eq!(ev.numa(NumaStat::Other), ev.numa(NumaStat::Miss));
    for p in held.drain(..) {
        a.free_pages(&mut ctx, p, 0);
    }
    let ev = a.mm.vm_events();
    // Every free found its per-CPU lock free, so each was counted.
    assert_eq!(ev.pgfree, ctx.stats.frees);
    assert_eq!(ctx.stats.frees, ctx.stats.allocs);
    assert!(a.mm.check(&[]).ok());
    assert_eq!(a.mm.bad_pages(), 0);
}

#[test]
fn watermarks_are_ordered_and_reserve_protects_lower_zones() {
    let a = alloc::<NoGuard>(small(64, 128, 128, 2), Scope::Slowpath);
    for zt in ZoneType::ALL {
        let z = a.mm.zone(0, zt);
        assert!(z.wmark(WMARK_MIN) > 0);
        assert!(
            z.wmark(WMARK_MIN) < z.wmark(WMARK_LOW) && z.wmark(WMARK_LOW) < z.wmark(WMARK_HIGH)
        );
    }
    let dma32 = a.mm.zone(0, ZoneType::Dma32);
    let r = |i: ZoneType| dma32.vm.lowmem_reserve[i as usize].load(Ordering::Relaxed);
    // v6.1: DMA32 keeps NORMAL/256 from GFP_KERNEL, (NORMAL+MOVABLE)/256 from movable.
    assert_eq!(r(ZoneType::Normal), 32768 / 256);
    assert_eq!(r(ZoneType::Movable), 65536 / 256);
    // A zone passes the watermark check only above min + reserve.
    assert!(dma32.watermark_ok(0, dma32.wmark(WMARK_MIN), ZoneType::Dma32 as usize, false));
}

#[test]
fn offline_then_online_rebuilds_the_zonelist() {
    let a = alloc::<Seqcount>(small(0, 8, 4, 1), Scope::Slowpath);
    let (normal, movable) = (
        a.mm.zone(0, ZoneType::Normal).id,
        a.mm.zone(0, ZoneType::Movable).id,
    );
    assert_eq!(
        a.guard.fast_view(&mut ReaderProbe::default()).node_list(0),
        vec![movable, normal]
    );
    a.offline_pages(movable, &mut || false).unwrap();
    assert_eq!(
        a.guard.fast_view(&mut ReaderProbe::default()).node_list(0),
        vec![normal]
    );
    let acc = a.mm.check(&[]);
    assert!(acc.ok() && acc.offline == 1024, "{acc:?}");
    a.online_pages(movable).unwrap();
    assert_eq!(
        a.guard.fast_view(&mut ReaderProbe::default()).node_list(0),
        vec![movable, normal]
    );
    assert_eq!(a.mm.zone(0, ZoneType::Movable).free_pages(), 1024);
    assert!(a.mm.check(&[]).ok());
    assert_eq!(a.rebuilds(), 2);
}

#[test]
fn offline_gives_up_while_pages_are_held_and_undoes_isolation() {
    let a = alloc::<Seqcount>(small(0, 8, 4, 1), Scope::Slowpath);
    let movable = a.mm.zone(0, ZoneType::Movable);
    let mut ctx = a.ctx(0);
    let held = a.take_pages(&mut ctx, movable.id, 3);
    let mut calls = 0;
    let r = a.offline_pages(movable.id, &mut || {
        calls += 1;
        calls < 5
    });
    assert_eq!(r, Err(zonebench::alloc::HotplugError::Busy));
    assert!(movable.populated());
    assert_eq!(
        movable.free_pages(),
        1021,
        "isolated free pages went back to buddy"
    );
    let held: Vec<(Pfn, u32)> = held.into_iter().map(|p| (p, 0)).collect();
    assert!(a.mm.check(&held).ok());
}

#[test]
fn a_disabled_pageset_holds_nothing_between_allocations() {
    // zone_pcp_disable sets batch 1: a refill of any order takes one block,
    // so nothing stays on the list for isolation to miss.
    let a = alloc::<Seqcount>(small(0, 8, 4, 1), Scope::Slowpath);
    let movable = a.mm.zone(0, ZoneType::Movable);
    a.mm.zone_pcp_disable(movable);
    let mut ctx = a.ctx(0);
    for order in 0..=3 {
        let p = a
            .alloc_pages(&mut ctx, Gfp::HIGHUSER_MOVABLE, order, &mut NoReclaim)
            .unwrap();
        assert_eq!(a.mm.pcp(0, movable.id).lock().count, 0, "order {order}");
        a.free_pages(&mut ctx, p, order);
        assert_eq!(
            a.mm.pcp(0, movable.id).lock().count,
            0,
            "order {order} free"
        );
    }
}

/// Bring zone `zt` to just below its LOW watermark (above MIN), so the fast
/// path fails and the slowpath's MIN walk would succeed.
fn squeeze<G: ZonelistGuard>(a: &Allocator<G>, zt: ZoneType) -> Vec<Pfn> {
    let zone = a.mm.zone(0, zt);
    let mut ctx = a.ctx(1);
    let excess = zone.free_pages() - zone.wmark(WMARK_LOW);
    let held = a.take_pages(&mut ctx, zone.id, excess as usize);
    assert!(zone.free_pages() <= zone.wmark(WMARK_LOW));
    assert!(zone.free_pages() > zone.wmark(WMARK_MIN));
    held
}

/// The 2022 race: the rebuild runs between the slowpath's
/// `preferred_zoneref` computation and its walk. Returns (page, stats).
fn race<G: ZonelistGuard>() -> (Option<Pfn>, zonebench::alloc::AllocStats) {
    race_gfp::<G>(Gfp::KERNEL)
}

/// [`race`] for a request of `gfp`.
fn race_gfp<G: ZonelistGuard>(gfp: Gfp) -> (Option<Pfn>, zonebench::alloc::AllocStats) {
    race_on::<G>(gfp, Kernel::V6_1)
}

/// [`race`] for a request of `gfp` on `kernel`'s slowpath.
fn race_on<G: ZonelistGuard>(
    gfp: Gfp,
    kernel: Kernel,
) -> (Option<Pfn>, zonebench::alloc::AllocStats) {
    race_reclaiming::<G, _>(gfp, kernel, &mut NoReclaim)
}

/// [`race_on`] with direct reclaim by `reclaim`.
fn race_reclaiming<G: ZonelistGuard, R: Reclaim>(
    gfp: Gfp,
    kernel: Kernel,
    reclaim: &mut R,
) -> (Option<Pfn>, zonebench::alloc::AllocStats) {
    // The report's layout: node 0 zonelist [MOVABLE, NORMAL].
    let mut a: Allocator<G> = Allocator::new(
        small(0, 8, 4, 2),
        AllocConfig {
            scope: Scope::Slowpath,
            reclaim_ns: 0,
            kernel,
            ..AllocConfig::default()
        },
    );
    let movable = a.mm.zone(0, ZoneType::Movable).id;
    let fired = AtomicBool::new(false);
    a.set_slowpath_hook(Box::new(move |a, point| {
        if point == SlowpathPoint::Preferred && !fired.swap(true, Ordering::Relaxed) {
            a.offline_pages(movable, &mut || false)
                .expect("movable is all free");
        }
    }));
    let _held = squeeze(&a, ZoneType::Normal);
    let mut ctx = a.ctx(0);
    let page = a.alloc_pages(&mut ctx, gfp, 0, reclaim);
    assert_eq!(a.rebuilds(), 1, "the hook offlined MOVABLE once");
    (page, ctx.stats)
}

#[test]
fn race_none_fails_with_free_memory_false_oom() {
    let (page, stats) = race::<NoGuard>();
    assert_eq!(
        page, None,
        "the walk from the stale index finds the terminator"
    );
    assert_eq!(stats.false_ooms, 1, "{stats:?}");
    assert_eq!(stats.true_ooms, 0);
    assert_eq!(stats.retries, 0);
}

#[test]
fn race_atomic_recomputes_preferred_zoneref_at_retry() {
    // GFP_ATOMIC has no ALLOC_CPUSET: `retry:` finds the first zone of
    // the rebuilt zonelist afresh, so even without a guard the second
    // walk finds NORMAL (a GFP_KERNEL request keeps the stale index: the
    // test above).
    let (page, stats) = race_gfp::<NoGuard>(Gfp::ATOMIC);
    assert!(page.is_some(), "{stats:?}");
    assert_eq!(stats.false_ooms + stats.oom_checks, 0, "{stats:?}");
    assert_eq!(stats.retries, 0);
}

#[test]
fn the_current_kernel_restarts_at_retry_before_reclaiming() {
    // v6.1: the walk from the stale index fails, reclaim runs without
    // progress while should_reclaim_retry (walking from the zonelist's
    // first entry) sees NORMAL above MIN, until MAX_RECLAIM_RETRIES rounds
    // without progress (the 17th gives up), and the check before OOM
    // restarts. Since e05741fb10c3 the check at retry: restarts before
    // any reclaim.
    let (page, old) = race_on::<Seqcount>(Gfp::KERNEL, Kernel::V6_1);
    assert!(page.is_some());
    assert_eq!(
        (old.retries, old.reclaim_rounds),
        (1, zonebench::alloc::MAX_RECLAIM_RETRIES as u64 + 1),
        "{old:?}"
    );
    let (page, new) = race_on::<Seqcount>(Gfp::KERNEL, Kernel::Current);
    assert!(page.is_some());
    assert_eq!((new.retries, new.reclaim_rounds), (1, 0), "{new:?}");
}

#[test]
fn race_seqcount_retries_and_succeeds() {
    let (page, stats) = race::<Seqcount>();
    assert!(page.is_some());
    assert_eq!(stats.false_ooms + stats.true_ooms, 0);
    assert_eq!(stats.retries, 1, "{stats:?}");
}

#[test]
fn race_seqlock_retries_and_succeeds() {
    let (page, stats) = race::<SeqLock>();
    assert!(page.is_some());
    assert_eq!(stats.false_ooms + stats.true_ooms, 0);
    assert_eq!(stats.retries, 1, "{stats:?}");
}

#[test]
fn a_real_oom_is_not_called_false() {
    // NORMAL exhausted below MIN and nothing to reclaim: a true OOM.
    let a = alloc::<NoGuard>(small(0, 8, 4, 2), Scope::Slowpath);
    let zone = a.mm.zone(0, ZoneType::Normal);
    let mut ctx1 = a.ctx(1);
    let _held = a.take_pages(&mut ctx1, zone.id, zone.free_pages() as usize);
    let mut ctx = a.ctx(0);
    assert_eq!(
        a.alloc_pages(&mut ctx, Gfp::KERNEL, 0, &mut NoReclaim),
        None
    );
    assert_eq!((ctx.stats.true_ooms, ctx.stats.false_ooms), (1, 0));
    // A movable allocation still has ZONE_MOVABLE.
    assert!(a
        .alloc_pages(&mut ctx, Gfp::HIGHUSER_MOVABLE, 0, &mut NoReclaim)
        .is_some());
}

#[derive(Debug, Clone)]
enum Op {
    Alloc {
        cpu: usize,
        movable: bool,
        order: u32,
    },
    Free {
        idx: usize,
    },
    Offline,
    Online,
    Drain,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (0..2usize, any::<bool>(), 0..5u32).prop_map(|(cpu, movable, order)| Op::Alloc { cpu, movable, order }),
        6 => any::<usize>().prop_map(|idx| Op::Free { idx }),
        1 => Just(Op::Offline),
        1 => Just(Op::Online),
        1 => Just(Op::Drain),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Random alloc/free/offline/online against an oracle (the set of held
    /// blocks): after every step every page is accounted exactly once, the
    /// buddy lists are canonical, and no held page is in an offline range.
    #[test]
    fn conservation_against_an_oracle(ops in proptest::collection::vec(op(), 1..120)) {
        let a = alloc::<Seqcount>(small(4, 8, 4, 2), Scope::EveryAlloc);
        let movable = a.mm.zone(0, ZoneType::Movable).id;
        let mut ctxs = [a.ctx(0), a.ctx(1)];
        let mut held: Vec<(Pfn, u32, usize)> = Vec::new();
        for op in ops {
            match op {
                Op::Alloc { cpu, movable: m, order } => {
                    let gfp = if m { Gfp::HIGHUSER_MOVABLE } else { Gfp::KERNEL };
                    if let Some(p) = a.alloc_pages(&mut ctxs[cpu], gfp, order, &mut NoReclaim) {
                        prop_assert!(!held.iter().any(|h| h.0 == p), "pfn {} handed out twice", p);
                        held.push((p, order, cpu));
                    }
                }
                Op::Free { idx } if !held.is_empty() => {
                    let (p, order, cpu) = held.swap_remove(idx % held.len());
                    a.free_pages(&mut ctxs[cpu], p, order);
                }
                Op::Free { .. } => {}
                Op::Offline => {
                    // Migration: the oracle frees what it holds in the zone.
                    let zone = &a.mm.zones[movable];
                    let mut mine = Vec::new();
                    held.retain(|h| if zone.contains(h.0) { mine.push(*h); false } else { true });
                    for (p, order, cpu) in mine {
                        a.free_pages(&mut ctxs[cpu], p, order);
                    }
                    let r = a.offline_pages(movable, &mut || false);
                    prop_assert!(r.is_ok() || !zone.populated());
                }
                Op::Online => {
                    let _ = a.online_pages(movable);
                }
                Op::Drain => a.mm.drain_all_pages(None),
            }
            let blocks: Vec<(Pfn, u32)> = held.iter().map(|h| (h.0, h.1)).collect();
            let acc = a.mm.check(&blocks);
            prop_assert!(acc.ok(), "{:?}", acc);
            prop_assert_eq!(acc.free + acc.pcp + acc.isolated + acc.allocated + acc.offline, acc.total);
            let bad = ctxs.iter().map(|c| c.stats.bad_pages + c.stats.isolated_allocs).sum::<u64>();
            prop_assert_eq!(bad, 0);
        }
    }
}

#[test]
fn numa_zonelists_are_local_first_then_by_distance() {
    let cfg = MmConfig {
        nodes: 4,
        dma32_mib: 4,
        normal_mib: 4,
        movable_mib: 4,
        nr_cpus: 4,
    };
    let a = alloc::<Seqcount>(cfg, Scope::Slowpath);
    let z = |nid: usize, zt: ZoneType| a.mm.zone(nid, zt).id;
    use ZoneType::{Dma32, Movable, Normal};
    // Node 1 on a ring of 4: itself, then nodes 0 and 2 (one hop, lower id
    // first), then node 3 (two hops); within a node, highest zone first;
    // DMA32 exists on node 0 only.
    assert_eq!(
        a.guard.fast_view(&mut ReaderProbe::default()).node_list(1),
        vec![
            z(1, Movable),
            z(1, Normal),
            z(0, Movable),
            z(0, Normal),
            z(0, Dma32),
            z(2, Movable),
            z(2, Normal),
            z(3, Movable),
            z(3, Normal)
        ]
    );
    // CPU 1 is on node 1: its GFP_KERNEL allocation comes from node 1's NORMAL.
    let mut ctx = a.ctx(1);
    let p = a
        .alloc_pages(&mut ctx, Gfp::KERNEL, 0, &mut NoReclaim)
        .unwrap();
    assert_eq!(a.mm.page_zone(p).id, z(1, Normal));
    // Offlining node 1's MOVABLE drops it from every node's list.
    a.offline_pages(z(1, Movable), &mut || false).unwrap();
    for nid in 0..4 {
        assert!(!a
            .guard
            .fast_view(&mut ReaderProbe::default())
            .node_list(nid)
            .contains(&z(1, Movable)));
    }
}

#[test]
fn console_printk_runs_inside_the_write_section() {
    // build_zonelists' line for one node, 45 characters at 86.8 us each,
    // printed with the count odd: the critical section lasts at least that
    // long (a lower bound: busy time cannot be shorter than asked).
    let a: Allocator<Seqcount> = Allocator::new(
        small(0, 8, 4, 2),
        AllocConfig {
            printk: Printk::Console,
            ..AllocConfig::default()
        },
    );
    a.build_all_zonelists();
    let critical = a.writer_times.lock().critical_ns.summary();
    let floor = Printk::Console.cost(1).as_nanos() as u64;
    assert_eq!(critical.count, 1);
    assert!(critical.max >= floor, "{} < {floor}", critical.max);
}

/// Reclaim that rebuilds the zonelists the first time it runs (a writer
/// that got in while the reader slept in reclaim) and frees nothing.
struct RebuildingReclaim(bool);

impl Reclaim for RebuildingReclaim {
    fn reclaim<G: ZonelistGuard>(
        &mut self,
        alloc: &Allocator<G>,
        _: &mut zonebench::alloc::AllocCtx,
        _: u32,
    ) -> u32 {
        if !std::mem::replace(&mut self.0, true) {
            alloc.build_all_zonelists();
        }
        0
    }

    fn reclaimable<G: ZonelistGuard>(&self, _: &Allocator<G>, _: usize) -> u64 {
        0
    }
}

#[test]
fn a_locked_section_drops_its_lock_around_reclaim_and_revalidates() {
    // NORMAL below MIN and nothing to reclaim: the allocation reaches
    // direct reclaim inside its section. read_seqlock_excl's section drops
    // the lock there (or this rebuild, on the reader's own thread, would
    // never get it), takes it again, sees the count moved and restarts:
    // a retry that no check_retry_zonelist asked for.
    let a = alloc::<SeqlockExcl>(small(0, 8, 4, 2), Scope::Slowpath);
    let zone = a.mm.zone(0, ZoneType::Normal);
    let mut other = a.ctx(1);
    let _held = a.take_pages(
        &mut other,
        zone.id,
        (zone.free_pages() - zone.wmark(WMARK_MIN)) as usize,
    );
    let mut ctx = a.ctx(0);
    let _ = a.alloc_pages(&mut ctx, Gfp::KERNEL, 0, &mut RebuildingReclaim(false));
    assert_eq!(a.rebuilds(), 1);
    let s = &ctx.stats;
    assert!(s.retries >= 1, "{s:?}");
    assert!(
        s.retries > s.retries_needed,
        "a revalidation restart: {s:?}"
    );
}

#[test]
fn scoped_allocation_constraints_are_applied_to_every_request() {
    use zonebench::mm::gfp::{PF_MEMALLOC_NOFS, PF_MEMALLOC_NOIO, PF_MEMALLOC_PIN};
    // current_gfp_context: NOIO clears IO and FS, NOFS only FS, PIN the
    // movable bit.
    let noio = Gfp::KERNEL.current_gfp_context(PF_MEMALLOC_NOIO);
    assert!(!noio.has(Gfp::IO) && !noio.has(Gfp::FS) && noio.can_direct_reclaim());
    let nofs = Gfp::KERNEL.current_gfp_context(PF_MEMALLOC_NOFS);
    assert!(nofs.has(Gfp::IO) && !nofs.has(Gfp::FS));
    let pin = Gfp::HIGHUSER_MOVABLE.current_gfp_context(PF_MEMALLOC_PIN);
    assert_eq!(pin.highest_zoneidx(), ZoneType::Normal as usize);
    assert_eq!(Gfp::KERNEL.current_gfp_context(0), Gfp::KERNEL);

    // A task inside memalloc_pin_save never gets a ZONE_MOVABLE page, even
    // asking for a movable one; outside it, the same request does.
    let a = alloc::<Seqcount>(small(0, 8, 8, 1), Scope::EveryAlloc);
    let mut ctx = a.ctx(0);
    let movable = a.mm.zone(0, ZoneType::Movable).id;
    let p = a
        .alloc_pages(&mut ctx, Gfp::HIGHUSER_MOVABLE, 0, &mut NoReclaim)
        .unwrap();
    assert_eq!(a.mm.page_zone(p).id, movable);
    a.free_pages(&mut ctx, p, 0);
    ctx.task_flags = PF_MEMALLOC_PIN;
    let pinned: Vec<Pfn> = (0..100)
        .map(|_| {
            a.alloc_pages(&mut ctx, Gfp::HIGHUSER_MOVABLE, 0, &mut NoReclaim)
                .unwrap()
        })
        .collect();
    assert!(pinned.iter().all(|&p| a.mm.page_zone(p).id != movable));
    for p in pinned {
        a.free_pages(&mut ctx, p, 0);
    }
    assert!(a.mm.check(&[]).ok());
}

#[test]
fn a_task_policy_names_the_node_whose_zonelist_is_walked() {
    use zonebench::mm::mempolicy::Mempolicy;
    use zonebench::mm::vmstat::NumaStat;
    let cfg = MmConfig {
        nodes: 2,
        ..small(0, 8, 4, 2)
    };
    let a = alloc::<Seqcount>(cfg, Scope::Slowpath);
    // CPU 0 is on node 0: by default (the node's MPOL_PREFERRED) its
    // allocations come from node 0.
    let mut ctx = a.ctx(0);
    let p = a
        .alloc_pages(&mut ctx, Gfp::KERNEL, 0, &mut NoReclaim)
        .unwrap();
    assert_eq!(a.mm.page_zone(p).nid, 0);
    // set_mempolicy(MPOL_PREFERRED, node 1): node 1's zonelist, so a hit
    // on the preferred zone but not local to the CPU.
    ctx.mempolicy = Some(Box::new(Mempolicy::preferred(1)));
    let q = a
        .alloc_pages(&mut ctx, Gfp::KERNEL, 0, &mut NoReclaim)
        .unwrap();
    assert_eq!(a.mm.page_zone(q).id, a.mm.zone(1, ZoneType::Normal).id);
    let ev = a.mm.vm_events();
    assert_eq!(ev.numa(NumaStat::Hit), 2);
    assert_eq!(ev.numa(NumaStat::Miss), 0);
    assert_eq!(ev.numa(NumaStat::Local), 1);
    assert_eq!(ev.numa(NumaStat::Other), 1);
    a.free_pages(&mut ctx, p, 0);
    a.free_pages(&mut ctx, q, 0);
    assert!(a.mm.check(&[]).ok());
}

#[test]
fn every_pin_of_the_per_cpu_lock_is_undone() {
    // Allocations and frees on two CPUs, with refills and drains: each
    // CPU's preempt count is back at zero, as the end-of-run check demands.
    let a = alloc::<Seqcount>(small(0, 64, 8, 2), Scope::EveryAlloc);
    for cpu in 0..2 {
        let mut ctx = a.ctx(cpu);
        let held: Vec<Pfn> = (0..1000)
            .filter_map(|_| a.alloc_pages(&mut ctx, Gfp::HIGHUSER_MOVABLE, 0, &mut NoReclaim))
            .collect();
        assert_eq!(held.len(), 1000);
        for p in held {
            a.free_pages(&mut ctx, p, 0);
        }
        assert_eq!(a.mm.preempt(cpu).count(), 0);
    }
    assert!(a.mm.check(&[]).ok());
    // The check sees a pin left behind.
    a.mm.preempt(1).preempt_disable();
    let acc = a.mm.check(&[]);
    assert!(!acc.ok());
    assert!(acc.notes.iter().any(|n| n.contains("preempt_count 1")));
}

/// Reclaim that always makes progress, as with swap or a page cache other
/// tasks refill (the page it reports is taken again at once, so it frees
/// nothing here); after `limit` rounds it tears the run down.
struct EndlessReclaim {
    rounds: u64,
    limit: u64,
}

impl Reclaim for EndlessReclaim {
    fn reclaim<G: ZonelistGuard>(
        &mut self,
        alloc: &Allocator<G>,
        _: &mut zonebench::alloc::AllocCtx,
        _: u32,
    ) -> u32 {
        self.rounds += 1;
        if self.rounds >= self.limit {
            alloc.abort_hold.store(true, Ordering::Relaxed);
        }
        1
    }

    fn reclaimable<G: ZonelistGuard>(&self, _: &Allocator<G>, _: usize) -> u64 {
        1
    }
}

#[test]
fn v6_1_retries_endlessly_behind_a_stale_preferred_zoneref_and_current_does_not() {
    // The 2022 race's layout: MOVABLE offlined between preferred_zoneref
    // and the walk leaves GFP_KERNEL's index on the terminator. Reclaim
    // keeps making progress, so should_reclaim_retry (which walks from the
    // zonelist's first entry and finds NORMAL above MIN) says retry every
    // time and 6.1 never reaches the check before OOM: the allocation
    // loops until the run is torn down, counting nothing. Since
    // e05741fb10c3 the check at retry: restarts at once.
    let limit = zonebench::alloc::LONG_RECLAIM + 10;
    for kernel in [Kernel::V6_1, Kernel::Current] {
        let mut reclaim = EndlessReclaim { rounds: 0, limit };
        let (page, stats) = race_reclaiming::<Seqcount, _>(Gfp::KERNEL, kernel, &mut reclaim);
        let s = &stats;
        match kernel {
            Kernel::V6_1 => {
                assert_eq!(page, None, "{s:?}");
                assert_eq!(s.reclaim_rounds, limit, "looped until torn down: {s:?}");
                assert_eq!(s.livelocked, 1, "{s:?}");
                assert_eq!(
                    (s.false_ooms, s.true_ooms, s.oom_checks, s.retries),
                    (0, 0, 0, 0),
                    "{s:?}"
                );
            }
            Kernel::Current => {
                assert!(page.is_some(), "{s:?}");
                assert_eq!((s.reclaim_rounds, s.retries), (0, 1), "{s:?}");
                assert_eq!(s.livelocked + s.long_reclaims, 0, "{s:?}");
            }
        }
    }
}

#[test]
fn an_oom_kill_with_a_missed_zone_between_min_and_high_is_not_false() {
    // NORMAL at MIN, nothing to reclaim: a GFP_KERNEL allocation reaches
    // __alloc_pages_may_oom. Between the check before OOM and its walk,
    // some of NORMAL's pages come back (NORMAL now between MIN and HIGH)
    // and MOVABLE goes offline, so the walk from the stale index misses
    // NORMAL. That walk is at HIGH: NORMAL would have failed it anyway,
    // so the kernel kills with or without the race, and the kill is not
    // false. (Judged at MIN, as before, it was.)
    for (back_to, want_false) in [(WMARK_HIGH, 1), (WMARK_MIN, 0)] {
        let mut a = alloc::<NoGuard>(small(0, 8, 4, 2), Scope::Slowpath);
        let movable = a.mm.zone(0, ZoneType::Movable).id;
        let normal = a.mm.zone(0, ZoneType::Normal).id;
        let mut other = a.ctx(1);
        let zone = &a.mm.zones[normal];
        let held = a.take_pages(
            &mut other,
            normal,
            (zone.free_pages() - zone.wmark(WMARK_MIN)) as usize,
        );
        let held = std::sync::Mutex::new(held);
        let fired = AtomicBool::new(false);
        a.set_slowpath_hook(Box::new(move |a, point| {
            if point != SlowpathPoint::MayOom || fired.swap(true, Ordering::Relaxed) {
                return;
            }
            // Give back enough to stand just above `back_to`'s mark...
            let zone = &a.mm.zones[normal];
            let mut other = a.ctx(1);
            let mut held = held.lock().unwrap();
            while zone.free_pages() <= zone.wmark(back_to) + 1 {
                let pfn = held.pop().expect("pages to give back");
                a.free_pages(&mut other, pfn, 0);
                a.mm.drain_all_pages(None);
            }
            // ...but (for MIN) still below HIGH.
            assert!(back_to == WMARK_HIGH || zone.free_pages() < zone.wmark(WMARK_HIGH));
            a.offline_pages(movable, &mut || false)
                .expect("movable is free");
        }));
        let mut ctx = a.ctx(0);
        let _ = a.alloc_pages(&mut ctx, Gfp::KERNEL, 0, &mut NoReclaim);
        let s = &ctx.stats;
        assert_eq!(s.oom_kills, 1, "{s:?}");
        assert_eq!(s.false_oom_kills, want_false, "back to {back_to}: {s:?}");
    }
}

#[test]
fn two_allocations_failing_together_make_one_kill() {
    // NORMAL exhausted, nothing to reclaim: two GFP_KERNEL allocations
    // reach __alloc_pages_may_oom together. One takes oom_lock and kills;
    // the other either fails the trylock (a jiffy's sleep, progress) or
    // finds the victim still exiting (progress, no kill). Both fail in the
    // end, and only one task is killed.
    let mut a: Allocator<NoGuard> = Allocator::new(
        small(0, 8, 4, 2),
        AllocConfig {
            scope: Scope::Slowpath,
            reclaim_ns: 0,
            // Long enough that the loser's jiffy of sleep cannot outlast it
            // on a loaded machine.
            oom_victim_exit_ns: 300_000_000,
            ..AllocConfig::default()
        },
    );
    let normal = a.mm.zone(0, ZoneType::Normal).id;
    let meet = std::sync::Barrier::new(2);
    let arrived = std::sync::atomic::AtomicUsize::new(0);
    a.set_slowpath_hook(Box::new(move |_, point| {
        if point == SlowpathPoint::MayOom && arrived.fetch_add(1, Ordering::Relaxed) < 2 {
            meet.wait();
        }
    }));
    let mut other = a.ctx(1);
    let free = a.mm.zones[normal].free_pages() as usize;
    let _held = a.take_pages(&mut other, normal, free);
    let a = &a;
    let stats: Vec<_> = std::thread::scope(|s| {
        let t: Vec<_> = (0..2)
            .map(|cpu| {
                s.spawn(move || {
                    let mut ctx = a.ctx(cpu);
                    let page = a.alloc_pages(&mut ctx, Gfp::KERNEL, 0, &mut NoReclaim);
                    (page, ctx.stats)
                })
            })
            .collect();
        t.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let kills: u64 = stats.iter().map(|(_, s)| s.oom_kills).sum();
    assert_eq!(kills, 1, "{stats:?}");
    for (page, s) in &stats {
        assert_eq!(*page, None, "{s:?}");
        assert_eq!(s.true_ooms, 1, "{s:?}");
    }
}

#[test]
fn the_preferred_slot_is_walked_unfiltered_and_can_hand_out_movable() {
    // MOVABLE offline: node 0's zonelist is [NORMAL]; a GFP_KERNEL
    // allocation caches index 0. Between preferred_zoneref and the walk,
    // MOVABLE comes online: the list is [MOVABLE, NORMAL]. The kernel's
    // walk starts with `z->zone` as it reads now, unfiltered, and takes
    // MOVABLE for a request that may not use it; even seqcount's check
    // does not see it (a walk that succeeds is not checked).
    let mut a = alloc::<Seqcount>(small(0, 8, 4, 2), Scope::Slowpath);
    let movable = a.mm.zone(0, ZoneType::Movable).id;
    a.offline_pages(movable, &mut || false)
        .expect("movable is free");
    let fired = AtomicBool::new(false);
    a.set_slowpath_hook(Box::new(move |a, point| {
        if point == SlowpathPoint::Preferred && !fired.swap(true, Ordering::Relaxed) {
            a.online_pages(movable).expect("movable is offline");
        }
    }));
    let _held = squeeze(&a, ZoneType::Normal);
    let mut ctx = a.ctx(0);
    let page = a
        .alloc_pages(&mut ctx, Gfp::KERNEL, 0, &mut NoReclaim)
        .expect("a page");
    assert_eq!(a.mm.page_zone(page).id, movable);
    assert_eq!(ctx.stats.ineligible_allocs, 1, "{:?}", ctx.stats);
}

#[test]
fn freeing_a_block_checks_every_tail_page_and_leaks_it_if_one_is_bad() {
    // free_pages_prepare, order > 0: every tail page is checked and its
    // CHECK_AT_PREP flags cleared; a tail in use (a stray reference here)
    // makes the block bad: it is reported and not freed.
    let a = alloc::<NoGuard>(small(0, 8, 4, 1), Scope::Slowpath);
    let mut ctx = a.ctx(0);
    let good = a
        .alloc_pages(&mut ctx, Gfp::KERNEL, 2, &mut NoReclaim)
        .expect("an order-2 block");
    a.free_pages(&mut ctx, good, 2);
    assert_eq!(ctx.stats.bad_pages, 0, "a clean block frees");
    let pfn = a
        .alloc_pages(&mut ctx, Gfp::KERNEL, 2, &mut NoReclaim)
        .expect("an order-2 block");
    a.mm.mem_map.page(pfn + 3).post_alloc_hook();
    a.free_pages(&mut ctx, pfn, 2);
    assert_eq!(ctx.stats.bad_pages, 1, "{:?}", ctx.stats);
    assert_eq!(ctx.stats.frees, 1, "the bad block was not freed");
}

#[test]
fn nr_free_pages_is_counted_in_per_cpu_diffs_folded_past_the_threshold() {
    // __mod_zone_page_state: a CPU's diff absorbs changes up to
    // stat_threshold (calculate_normal_threshold: 2 CPUs, under 128 MiB:
    // 2 * fls(2) * (1 + fls(0)) = 4); past it the diff is folded into
    // vm_stat. The watermark checks read vm_stat (zone_page_state); the
    // snapshot adds the diffs and stays exact.
    let a = alloc::<NoGuard>(small(0, 8, 4, 2), Scope::Slowpath);
    let zone = a.mm.zone(0, ZoneType::Normal);
    assert_eq!(zone.cpu_stat[0].threshold.load(Ordering::Relaxed), 4);
    let before = zone.free_pages();
    assert_eq!(zone.zone_page_state_free(), before, "folded at boot");
    let mut ctx = a.ctx(0);
    let mut held = Vec::new();
    let mut seen = Vec::new();
    for i in 1..=10u64 {
        held.extend(a.take_pages(&mut ctx, zone.id, 1));
        assert_eq!(zone.free_pages(), before - i, "the snapshot is exact");
        seen.push(before - zone.zone_page_state_free());
    }
    // Each take is several buddy changes (a split returns halves); the
    // folded count is off by at most the threshold and moves only at folds.
    assert!(
        seen.iter()
            .zip(1..)
            .all(|(&s, i): (&u64, i64)| (s as i64 - i).abs() <= 4),
        "{seen:?}"
    );
    assert!(
        seen.windows(2).any(|w| w[0] == w[1]),
        "not every change folds: {seen:?}"
    );
}

//! `mem_map`: one 64-byte descriptor per page frame (`struct page` on
//! x86-64), and the intrusive lists threaded through it (buddy free lists,
//! per-CPU lists, the isolate list).
//!
//! The descriptor has the kernel's layout and the fields the order-0 paths
//! touch, at the kernel's offsets: `flags` (0), the list links `lru` (8,
//! 16; pfn indices where the kernel has pointers), `mapping` (24), `index`
//! (32: the per-CPU migratetype), `private` (40), `_mapcount` (48),
//! `_refcount` (52), `memcg_data` (56). So `mem_map` takes 16 MiB per GiB,
//! as in the kernel, and a page's touches cost one cache line.
//!
//! What `flags` holds: the model's state bits and order (low 9 bits), the
//! page-flag bits the kernel checks at allocation and clears at free
//! (`PAGE_FLAGS_CHECK_AT_PREP`, a stand-in set of 7 bits), the zone id
//! (bits 16..32, the kernel's node/zone fields) and the NUMA-balancing
//! last-cpupid field (bits 32..54, `page_cpupid_reset_last`). The kernel
//! keeps a free block's order in `private` and its buddy mark in
//! `page_type`; the model keeps both in `flags`, where the model's own
//! `PG_allocated` bit lets every run detect a page handed out twice.
//! Tail pages of a block carry no state, as in the kernel only the head
//! page of a free block carries `PageBuddy` and the order.
//!
//! Fields are Relaxed atomics so that safe Rust can share them; every field
//! is written only under the lock that owns the list the page is on (zone
//! lock or per-CPU lock), or by the page's owner once it is handed out,
//! whose Acquire/Release orders the accesses, so Relaxed is enough (and
//! compiles to plain loads/stores). The one read-modify-write is
//! `_refcount`'s decrement in `put_page_testzero`, atomic as in the kernel.

use crate::mm::vmemmap::Vmemmap;
use crate::primitive::sync::atomic::{AtomicI32, AtomicU64, Ordering};

/// Page frame number. u32: 16 TiB of 4 KiB pages is more than any run needs.
pub type Pfn = u32;
/// The end of a list.
pub const NIL: Pfn = u32::MAX;

pub const PAGE_SHIFT: u32 = 12;
pub const PAGE_SIZE: u64 = 1 << PAGE_SHIFT;
/// Orders 0..=MAX_ORDER (the kernel's MAX_ORDER - 1 = 10 before 6.4).
pub const MAX_ORDER: u32 = 10;
pub const MAX_ORDER_NR_PAGES: u32 = 1 << MAX_ORDER;
pub const PAGEBLOCK_ORDER: u32 = 9;
pub const PAGEBLOCK_NR_PAGES: u32 = 1 << PAGEBLOCK_ORDER;

// Page flag bits.
pub const ORDER_MASK: u32 = 0xf;
/// Free, head of a block on a zone `free_area` list (`PageBuddy`).
pub const PG_BUDDY: u32 = 1 << 4;
/// Head of a block on a per-CPU list.
pub const PG_PCP: u32 = 1 << 5;
/// Free, head of a block on the zone's isolate list (MIGRATE_ISOLATE).
pub const PG_ISOLATED: u32 = 1 << 6;
/// Head of a block handed out by the allocator (the model's ownership bit).
pub const PG_ALLOCATED: u32 = 1 << 7;
/// The page's memory is offline.
pub const PG_OFFLINE: u32 = 1 << 8;
pub const STATE_MASK: u32 = PG_BUDDY | PG_PCP | PG_ISOLATED | PG_ALLOCATED | PG_OFFLINE;
/// `PAGE_FLAGS_CHECK_AT_PREP`: page flags (PG_lru, PG_locked, PG_private,
/// PG_writeback, PG_reserved, PG_slab, PG_active in the kernel) that must
/// be clear when a page is handed out and that `free_pages_prepare`
/// clears. The model sets none of them; a page found with one is bad.
pub const PAGE_FLAGS_CHECK_AT_PREP: u64 = 0x7f << 9;
const ZONE_SHIFT: u32 = 16;
const ZONE_MASK: u64 = 0xffff;
/// `LAST_CPUPID_MASK << LAST_CPUPID_PGSHIFT` (CONFIG_NUMA_BALANCING with
/// the last cpupid kept in `flags`).
const LAST_CPUPID_FLAGS: u64 = ((1 << 22) - 1) << 32;
/// `PAGE_MAPPING_FLAGS`: the low bits of `mapping` that mark an anonymous
/// or movable page.
const PAGE_MAPPING_FLAGS: u64 = 3;

/// The zone id bits of a flags word (see [`Page::flags`]).
#[inline]
pub fn page_zone_id(flags: u64) -> usize {
    ((flags >> ZONE_SHIFT) & ZONE_MASK) as usize
}

/// `struct page`: 64 bytes, one cache line (see the module docs).
#[derive(Debug)]
#[repr(C, align(64))]
pub struct Page {
    flags: AtomicU64,
    /// `lru.next` / `buddy_list` / `pcp_list` (a pfn, or [`NIL`]).
    next: AtomicU64,
    /// `lru.prev`.
    prev: AtomicU64,
    mapping: AtomicU64,
    /// The migratetype of a page on a per-CPU list
    /// (`set_pcppage_migratetype`).
    index: AtomicU64,
    private: AtomicU64,
    mapcount: AtomicI32,
    refcount: AtomicI32,
    memcg_data: AtomicU64,
}

// The kernel's size (loom's atomics are larger).
#[cfg(not(loom))]
const _: () = assert!(std::mem::size_of::<Page>() == 64);

/// What `check_new_page` / `free_page_is_bad` found wrong with a page
/// (`page_bad_reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadReason {
    NonzeroMapcount,
    NonNullMapping,
    NonzeroRefcount,
    FlagsSet,
    StillCharged,
}

impl Page {
    fn new(zone_id: u16, offline: bool) -> Self {
        let state = if offline { PG_OFFLINE } else { 0 };
        Page {
            flags: AtomicU64::new(((zone_id as u64) << ZONE_SHIFT) | state as u64),
            next: AtomicU64::new(NIL as u64),
            prev: AtomicU64::new(NIL as u64),
            mapping: AtomicU64::new(0),
            index: AtomicU64::new(0),
            private: AtomicU64::new(0),
            mapcount: AtomicI32::new(-1),
            refcount: AtomicI32::new(0),
            memcg_data: AtomicU64::new(0),
        }
    }

    /// `page_zonenum` + node: the zone id (static for the page's life).
    #[inline]
    pub fn zone_id(&self) -> usize {
        // Relaxed: the zone bits never change after mem_map is built.
        page_zone_id(self.flags.load(Ordering::Relaxed))
    }

    #[inline]
    pub fn flags(&self) -> u64 {
        // Relaxed: the caller holds the lock that owns this page's state
        // (or the page is its own, having been handed out).
        self.flags.load(Ordering::Relaxed)
    }

    #[inline]
    pub fn state(&self) -> u32 {
        self.flags() as u32 & STATE_MASK
    }

    #[inline]
    pub fn order(&self) -> u32 {
        self.flags() as u32 & ORDER_MASK
    }

    /// Set the state bits and order, keeping the other flags.
    #[inline]
    pub fn set_state(&self, state: u32, order: u32) {
        debug_assert!(order <= MAX_ORDER);
        // Relaxed: see the module docs (ordered by the owning lock).
        let rest = self.flags.load(Ordering::Relaxed) & !((STATE_MASK | ORDER_MASK) as u64);
        self.flags
            .store(rest | (state | order) as u64, Ordering::Relaxed);
    }

    /// `page_expected_state`: what is wrong with a page that should be free
    /// and unused (`_mapcount` -1, no mapping, refcount 0, no memcg, none of
    /// `check_flags`), or `None`.
    #[inline]
    pub fn bad_reason(&self, check_flags: u64) -> Option<BadReason> {
        // Relaxed: see the module docs.
        if self.mapcount.load(Ordering::Relaxed) != -1 {
            Some(BadReason::NonzeroMapcount)
        } else if self.mapping.load(Ordering::Relaxed) != 0 {
            Some(BadReason::NonNullMapping)
        } else if self.refcount.load(Ordering::Relaxed) != 0 {
            Some(BadReason::NonzeroRefcount)
        } else if self.flags() & check_flags != 0 {
            Some(BadReason::FlagsSet)
        } else if self.memcg_data.load(Ordering::Relaxed) != 0 {
            Some(BadReason::StillCharged)
        } else {
            None
        }
    }

    /// `post_alloc_hook`'s page writes: `set_page_private(page, 0)`,
    /// `set_page_refcounted` (a plain store of 1), and
    /// `clear_page_pfmemalloc` (`lru.next = NULL`; the model's NULL link
    /// is [`NIL`]).
    #[inline]
    pub fn post_alloc_hook(&self) {
        // Relaxed: the page is now its owner's alone.
        self.private.store(0, Ordering::Relaxed);
        self.refcount.store(1, Ordering::Relaxed);
        self.next.store(NIL as u64, Ordering::Relaxed);
    }

    /// `page_ref_count`.
    #[inline]
    pub fn refcount(&self) -> i32 {
        // Relaxed: read by the checks, with the page's owner quiescent.
        self.refcount.load(Ordering::Relaxed)
    }

    /// `put_page_testzero`: drop a reference, atomically (a page may be
    /// shared); true when it was the last. Release on the decrement, and
    /// Acquire when it reaches zero, as `atomic_dec_and_test` is fully
    /// ordered: the freeing thread sees every access of the other holders.
    #[inline]
    pub fn put_page_testzero(&self) -> bool {
        let was = self.refcount.fetch_sub(1, Ordering::AcqRel);
        debug_assert!(was > 0, "put_page on a free page");
        was == 1
    }

    /// `free_pages_prepare` for an order-0 page without debug options:
    /// `mapping = NULL` if it carries mapping flags, the last cpupid reset,
    /// `PAGE_FLAGS_CHECK_AT_PREP` cleared (one plain read-modify-write).
    #[inline]
    pub fn free_pages_prepare(&self) {
        // Relaxed: the page is still its freeing owner's alone.
        if self.mapping.load(Ordering::Relaxed) & PAGE_MAPPING_FLAGS != 0 {
            self.mapping.store(0, Ordering::Relaxed);
        }
        let f = self.flags.load(Ordering::Relaxed);
        self.flags.store(
            (f | LAST_CPUPID_FLAGS) & !PAGE_FLAGS_CHECK_AT_PREP,
            Ordering::Relaxed,
        );
    }

    /// A tail page's part of `free_pages_prepare` (order > 0):
    /// `free_page_is_bad`, then `PAGE_FLAGS_CHECK_AT_PREP` cleared; false
    /// (left alone) when it is bad.
    #[inline]
    pub fn free_tail_prepare(&self) -> bool {
        if self.bad_reason(PAGE_FLAGS_CHECK_AT_PREP).is_some() {
            return false;
        }
        // Relaxed: the block is still its freeing owner's alone.
        let f = self.flags.load(Ordering::Relaxed);
        self.flags
            .store(f & !PAGE_FLAGS_CHECK_AT_PREP, Ordering::Relaxed);
        true
    }

    /// `set_pcppage_migratetype`.
    #[inline]
    pub fn set_pcppage_migratetype(&self, migratetype: u64) {
        // Relaxed: under the owning lock, or by the page's owner.
        self.index.store(migratetype, Ordering::Relaxed);
    }

    /// `set_page_private(page, 0)` of `del_page_from_free_list`.
    #[inline]
    pub fn clear_private(&self) {
        // Relaxed: under the zone lock.
        self.private.store(0, Ordering::Relaxed);
    }

    #[inline]
    fn next(&self) -> Pfn {
        self.next.load(Ordering::Relaxed) as Pfn
    }
    #[inline]
    fn prev(&self) -> Pfn {
        self.prev.load(Ordering::Relaxed) as Pfn
    }
    #[inline]
    fn set_next(&self, pfn: Pfn) {
        self.next.store(pfn as u64, Ordering::Relaxed)
    }
    #[inline]
    fn set_prev(&self, pfn: Pfn) {
        self.prev.store(pfn as u64, Ordering::Relaxed)
    }
}

/// The page descriptor array, indexed by pfn.
#[derive(Debug)]
pub struct MemMap {
    /// Mapped with 2 MiB pages, as the kernel's vmemmap.
    pages: Vmemmap<Page>,
}

impl MemMap {
    /// `zone_of[pfn]` gives each page's zone id; `offline[pfn]` its state.
    pub fn new(zone_of: impl ExactSizeIterator<Item = (u16, bool)>) -> Self {
        MemMap {
            pages: Vmemmap::new(zone_of.map(|(z, off)| Page::new(z, off))),
        }
    }

    #[inline]
    pub fn page(&self, pfn: Pfn) -> &Page {
        &self.pages[pfn as usize]
    }

    pub fn len(&self) -> usize {
        self.pages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }
}

/// An intrusive doubly linked list of block heads (`struct list_head`), its
/// links living in the page descriptors. The owner's lock protects it.
#[derive(Clone, Copy, Debug)]
pub struct ListHead {
    head: Pfn,
    tail: Pfn,
}

impl Default for ListHead {
    fn default() -> Self {
        ListHead {
            head: NIL,
            tail: NIL,
        }
    }
}

impl ListHead {
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.head == NIL
    }

    #[inline]
    pub fn first(&self) -> Option<Pfn> {
        (self.head != NIL).then_some(self.head)
    }

    /// `list_add`: at the head (hot end).
    #[inline]
    pub fn push_head(&mut self, mm: &MemMap, pfn: Pfn) {
        let p = mm.page(pfn);
        p.set_prev(NIL);
        p.set_next(self.head);
        if self.head != NIL {
            mm.page(self.head).set_prev(pfn);
        } else {
            self.tail = pfn;
        }
        self.head = pfn;
    }

    /// `list_add_tail`: at the tail (cold end).
    #[inline]
    pub fn push_tail(&mut self, mm: &MemMap, pfn: Pfn) {
        let p = mm.page(pfn);
        p.set_next(NIL);
        p.set_prev(self.tail);
        if self.tail != NIL {
            mm.page(self.tail).set_next(pfn);
        } else {
            self.head = pfn;
        }
        self.tail = pfn;
    }
    /// Take the head. The taken page's own links are left stale: every
    /// push sets both before the page is listed again.
    #[inline]
    pub fn pop_head(&mut self, mm: &MemMap) -> Option<Pfn> {
        let pfn = self.first()?;
        let next = mm.page(pfn).next();
        self.head = next;
        if next != NIL {
            mm.page(next).set_prev(NIL);
        } else {
            self.tail = NIL;
        }
        Some(pfn)
    }

    #[inline]
    pub fn pop_tail(&mut self, mm: &MemMap) -> Option<Pfn> {
        if self.tail == NIL {
            return None;
        }
        let pfn = self.tail;
        self.remove(mm, pfn);
        Some(pfn)
    }

    /// `list_del`: `pfn` must be on this list.
    #[inline]
    pub fn remove(&mut self, mm: &MemMap, pfn: Pfn) {
        let p = mm.page(pfn);
        let (prev, next) = (p.prev(), p.next());
        if prev != NIL {
            mm.page(prev).set_next(next);
        } else {
            debug_assert_eq!(self.head, pfn);
            self.head = next;
        }
        if next != NIL {
            mm.page(next).set_prev(prev);
        } else {
            debug_assert_eq!(self.tail, pfn);
            self.tail = prev;
        }
        p.set_next(NIL);
        p.set_prev(NIL);
    }

    /// Walk the list from the head (checks and diagnostics; not a hot path).
    pub fn iter<'a>(&self, mm: &'a MemMap) -> impl Iterator<Item = Pfn> + 'a {
        let mut cur = self.head;
        std::iter::from_fn(move || {
            if cur == NIL {
                return None;
            }
            let pfn = cur;
            cur = mm.page(pfn).next();
            Some(pfn)
        })
    }
}

//! `mem_map`: one small descriptor per page frame, and the intrusive lists
//! threaded through it (buddy free lists, per-CPU lists, the isolate list).
//!
//! Simplifications: the descriptor keeps only what the allocator paths read
//! (state bits, order, zone, list links as pfn indices). Tail pages of a block
//! carry no state, as in the kernel only the head page of a free block carries
//! `PageBuddy` and the order. `PG_allocated` is the model's own bit (the
//! kernel's equivalent is the page's refcount): it lets every run detect a
//! page handed out twice. Fields are Relaxed atomics so that safe Rust can
//! share them; every field is written only under the lock that owns the list
//! the page is on (zone lock or per-CPU lock), whose Acquire/Release orders
//! the accesses, so Relaxed is enough (and compiles to plain loads/stores).

use crate::primitive::sync::atomic::{AtomicU32, Ordering};

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
const ZONE_SHIFT: u32 = 16;

/// The zone id bits of a flags word (see [`Page::flags`]).
#[inline]
pub fn page_zone_id(flags: u32) -> usize {
    (flags >> ZONE_SHIFT) as usize
}

#[derive(Debug)]
pub struct Page {
    flags: AtomicU32,
    next: AtomicU32,
    prev: AtomicU32,
}

impl Page {
    fn new(zone_id: u16, offline: bool) -> Self {
        let state = if offline { PG_OFFLINE } else { 0 };
        Page {
            flags: AtomicU32::new(((zone_id as u32) << ZONE_SHIFT) | state),
            next: AtomicU32::new(NIL),
            prev: AtomicU32::new(NIL),
        }
    }

    /// `page_zonenum` + node: the zone id (static for the page's life).
    #[inline]
    pub fn zone_id(&self) -> usize {
        // Relaxed: the zone bits never change after mem_map is built.
        page_zone_id(self.flags.load(Ordering::Relaxed))
    }

    #[inline]
    pub fn flags(&self) -> u32 {
        // Relaxed: the caller holds the lock that owns this page's state
        // (or the page is its own, having been handed out).
        self.flags.load(Ordering::Relaxed)
    }

    #[inline]
    pub fn state(&self) -> u32 {
        self.flags() & STATE_MASK
    }

    #[inline]
    pub fn order(&self) -> u32 {
        self.flags() & ORDER_MASK
    }

    /// Set the state bits and order, keeping the zone.
    #[inline]
    pub fn set_state(&self, state: u32, order: u32) {
        debug_assert!(order <= MAX_ORDER);
        // Relaxed: see the module docs (ordered by the owning lock).
        let zone = self.flags.load(Ordering::Relaxed) & !(STATE_MASK | ORDER_MASK);
        self.flags.store(zone | state | order, Ordering::Relaxed);
    }

    #[inline]
    fn next(&self) -> Pfn {
        self.next.load(Ordering::Relaxed)
    }
    #[inline]
    fn prev(&self) -> Pfn {
        self.prev.load(Ordering::Relaxed)
    }
    #[inline]
    fn set_next(&self, pfn: Pfn) {
        self.next.store(pfn, Ordering::Relaxed)
    }
    #[inline]
    fn set_prev(&self, pfn: Pfn) {
        self.prev.store(pfn, Ordering::Relaxed)
    }
}

/// The page descriptor array, indexed by pfn.
#[derive(Debug)]
pub struct MemMap {
    pages: Box<[Page]>,
}

impl MemMap {
    /// `zone_of[pfn]` gives each page's zone id; `offline[pfn]` its state.
    pub fn new(zone_of: impl Iterator<Item = (u16, bool)>) -> Self {
        MemMap {
            pages: zone_of.map(|(z, off)| Page::new(z, off)).collect(),
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

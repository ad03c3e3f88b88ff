//! A reader: one simulated CPU looping free-oldest / allocate over a ring of
//! held blocks (its working set, and its LRU: direct reclaim frees the
//! oldest entries). Mixed orders (mostly 0) and mixed gfp (GFP_KERNEL and
//! GFP_HIGHUSER_MOVABLE), from a seeded xorshift generator so a cell can be
//! replayed.

use crate::alloc::{AllocCtx, Allocator, Gfp, Reclaim};
use crate::guard::ZonelistGuard;
use crate::mm::page::Pfn;

const EMPTY: u64 = u64::MAX;

/// The working set: `(pfn << 8) | order` per slot, or EMPTY.
///
/// As an LRU it has holes a kernel LRU list has not (slots whose block was
/// freed by reclaim, by hotplug migration or never filled): reclaim, which
/// takes the oldest blocks, must not rescan them on every call, or its cost
/// grows with the ring's length, which is the demand split among readers,
/// and a cell with fewer readers pays more per allocation (that made one
/// reader under hotplug three to four times slower than half of two). So
/// the slots just ahead of the cursor that reclaim has already emptied are
/// remembered (`clear_ahead`) and skipped.
#[derive(Debug)]
pub struct Ring {
    slots: Box<[u64]>,
    pos: usize,
    /// Slots `pos + 1 ..= pos + clear_ahead` are EMPTY.
    clear_ahead: usize,
}

impl Ring {
    pub fn new(len: usize) -> Self {
        Ring {
            slots: vec![EMPTY; len.max(1)].into_boxed_slice(),
            pos: 0,
            clear_ahead: 0,
        }
    }

    #[inline]
    fn unpack(v: u64) -> (Pfn, u32) {
        ((v >> 8) as Pfn, (v & 0xff) as u32)
    }

    /// Take the current slot's block (the oldest), leaving it empty.
    #[inline]
    pub fn take_current(&mut self) -> Option<(Pfn, u32)> {
        let v = std::mem::replace(&mut self.slots[self.pos], EMPTY);
        (v != EMPTY).then(|| Self::unpack(v))
    }

    /// Store into the current slot and advance.
    #[inline]
    pub fn put_and_advance(&mut self, block: Option<(Pfn, u32)>) {
        if let Some((pfn, order)) = block {
            self.slots[self.pos] = ((pfn as u64) << 8) | order as u64;
        }
        self.pos += 1;
        if self.pos == self.slots.len() {
            self.pos = 0;
        }
        // The slot now at the cursor left the cleared window.
        self.clear_ahead = self.clear_ahead.saturating_sub(1);
    }

    /// Free every held block `pred` selects (hotplug migration).
    pub fn release_where<G: ZonelistGuard>(
        &mut self,
        alloc: &Allocator<G>,
        ctx: &mut AllocCtx,
        pred: impl Fn(Pfn) -> bool,
    ) -> u32 {
        let mut n = 0;
        for s in self.slots.iter_mut() {
            if *s != EMPTY {
                let (pfn, order) = Self::unpack(*s);
                if pred(pfn) {
                    alloc.free_pages(ctx, pfn, order);
                    *s = EMPTY;
                    n += 1 << order;
                }
            }
        }
        n
    }

    /// Every held block (for the end-of-run page accounting).
    pub fn held(&self) -> Vec<(Pfn, u32)> {
        self.slots
            .iter()
            .filter(|&&s| s != EMPTY)
            .map(|&s| Self::unpack(s))
            .collect()
    }
}

impl Reclaim for Ring {
    /// Free the oldest held blocks (the slots just ahead of the cursor), up
    /// to `nr_pages` pages.
    fn reclaim<G: ZonelistGuard>(
        &mut self,
        alloc: &Allocator<G>,
        ctx: &mut AllocCtx,
        nr_pages: u32,
    ) -> u32 {
        let len = self.slots.len();
        let mut freed = 0;
        // Past the slots already known empty.
        let mut i = self.clear_ahead + 1;
        while i < len && freed < nr_pages {
            let at = self.pos + i;
            let s = &mut self.slots[if at >= len { at - len } else { at }];
            if *s != EMPTY {
                let (pfn, order) = Self::unpack(*s);
                *s = EMPTY;
                alloc.free_pages(ctx, pfn, order);
                freed += 1 << order;
            }
            i += 1;
        }
        self.clear_ahead = i - 1;
        freed
    }

    fn reclaimable<G: ZonelistGuard>(&self, alloc: &Allocator<G>, zone_id: usize) -> u64 {
        self.slots
            .iter()
            .filter(|&&s| s != EMPTY)
            .map(|&s| Self::unpack(s))
            .filter(|&(pfn, _)| alloc.mm.page_zone(pfn).id == zone_id)
            .map(|(_, order)| 1u64 << order)
            .sum()
    }
}

/// A seeded xorshift64* generator: the allocation mix's, and the torture
/// mode's choice of cells (so a seed replays a run).
#[derive(Debug)]
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        XorShift(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (n > 0; the modulo bias is immaterial here).
    pub fn below(&mut self, n: u64) -> u64 {
        (self.next_u64() >> 16) % n
    }
}

/// The allocation mix.
#[derive(Debug)]
pub struct Mix(XorShift);

impl Mix {
    pub fn new(seed: u64) -> Self {
        Mix(XorShift::new(seed))
    }

    #[inline]
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Half GFP_KERNEL, half GFP_HIGHUSER_MOVABLE; order 0 with 60/64,
    /// orders 1, 2, 3 with 2/64, 1/64, 1/64.
    #[inline]
    pub fn next_request(&mut self) -> (Gfp, u32) {
        let r = self.next() >> 32;
        let gfp = if r & 1 == 0 {
            Gfp::KERNEL
        } else {
            Gfp::HIGHUSER_MOVABLE
        };
        let order = match (r >> 1) & 63 {
            0..=59 => 0,
            60 | 61 => 1,
            62 => 2,
            _ => 3,
        };
        (gfp, order)
    }

    /// Mean pages per request of `next_request`.
    pub const MEAN_PAGES: f64 = (60.0 + 2.0 * 2.0 + 4.0 + 8.0) / 64.0;
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::alloc::AllocConfig;
    use crate::guard::none::NoGuard;
    use crate::mm::MmConfig;

    #[test]
    fn reclaim_takes_the_oldest_and_does_not_rescan_what_it_emptied() {
        let a: Allocator<NoGuard> = Allocator::new(
            MmConfig {
                normal_mib: 8,
                movable_mib: 4,
                ..MmConfig::default()
            },
            AllocConfig::default(),
        );
        let mut ctx = a.ctx(0);
        let normal = a.mm.zone(0, crate::mm::zone::ZoneType::Normal).id;
        let pages = a.take_pages(&mut ctx, normal, 6);
        let mut ring = Ring::new(8);
        for &p in &pages {
            ring.put_and_advance(Some((p, 0)));
        }
        // Slots 0..6 hold pages 0..6 (oldest first), the cursor at 6; the
        // oldest held are just past the empty slot 7.
        assert_eq!(ring.reclaim(&a, &mut ctx, 2), 2);
        let held: Vec<Pfn> = ring.held().iter().map(|h| h.0).collect();
        assert_eq!(held, pages[2..]);
        // Slots 7, 0 and 1, ahead of the cursor, are known empty now.
        assert_eq!(ring.clear_ahead, 3);
        assert_eq!(ring.reclaim(&a, &mut ctx, 1), 1);
        assert_eq!(ring.held().len(), 3);
        assert_eq!(ring.clear_ahead, 4);
        // Advancing the cursor shrinks the window.
        ring.put_and_advance(None);
        assert_eq!(ring.clear_ahead, 3);
    }
}

//! `mem_section` (SPARSEMEM_EXTREME, x86-64): where a pageblock's flags
//! live. A pfn's section is `pfn >> PFN_SECTION_SHIFT` (128 MiB sections);
//! the table is two levels, roots of `SECTIONS_PER_ROOT` sections, and each
//! section points to its `usage`, the pageblock bitmap. So
//! `get_pfnblock_migratetype`, which every free reads, costs the kernel's
//! three dependent loads (root, section, bitmap word) rather than one.
//!
//! Simplification: a pageblock's flags are one word here (the model's
//! isolate and offline bits) where the kernel packs four bits per block;
//! the number of dependent loads, which is what a free pays, is the same.

use crate::mm::page::{Pfn, PAGEBLOCK_ORDER, PAGE_SHIFT};
use crate::primitive::sync::atomic::{AtomicU32, Ordering};

/// SECTION_SIZE_BITS (x86-64): 128 MiB sections.
const SECTION_SIZE_BITS: u32 = 27;
pub const PFN_SECTION_SHIFT: u32 = SECTION_SIZE_BITS - PAGE_SHIFT;
const PAGEBLOCKS_PER_SECTION: usize = 1 << (PFN_SECTION_SHIFT - PAGEBLOCK_ORDER);
/// `SECTIONS_PER_ROOT`: a page of 16-byte `struct mem_section`s.
const SECTIONS_PER_ROOT: usize = 4096 / 16;

/// `struct mem_section`: the section's pageblock flags (`usage`).
#[derive(Debug)]
struct MemSection {
    usage: Box<[AtomicU32]>,
}

/// The root table.
#[derive(Debug)]
pub struct MemSections {
    roots: Box<[Box<[MemSection]>]>,
}

impl MemSections {
    /// Sections for `nr_pages` page frames from pfn 0, every pageblock's
    /// flags 0.
    pub fn new(nr_pages: u64) -> Self {
        let sections = nr_pages.div_ceil(1 << PFN_SECTION_SHIFT) as usize;
        let roots = sections.div_ceil(SECTIONS_PER_ROOT);
        MemSections {
            roots: (0..roots)
                .map(|r| {
                    let n = (sections - r * SECTIONS_PER_ROOT).min(SECTIONS_PER_ROOT);
                    (0..n)
                        .map(|_| MemSection {
                            usage: (0..PAGEBLOCKS_PER_SECTION)
                                .map(|_| AtomicU32::new(0))
                                .collect(),
                        })
                        .collect()
                })
                .collect(),
        }
    }

    /// `__pfn_to_section` then the pageblock's word.
    #[inline]
    fn word(&self, pfn: Pfn) -> &AtomicU32 {
        let nr = (pfn >> PFN_SECTION_SHIFT) as usize;
        let section = &self.roots[nr / SECTIONS_PER_ROOT][nr % SECTIONS_PER_ROOT];
        let block = (pfn as usize >> PAGEBLOCK_ORDER) & (PAGEBLOCKS_PER_SECTION - 1);
        &section.usage[block]
    }

    /// `get_pfnblock_flags_mask`: the flags of `pfn`'s pageblock.
    #[inline]
    pub fn get(&self, pfn: Pfn) -> u32 {
        // Relaxed: see `Mm::pageblock`.
        self.word(pfn).load(Ordering::Relaxed)
    }

    /// `set_pfnblock_flags_mask` for `pfn`'s pageblock.
    pub fn set(&self, pfn: Pfn, flags: u32) {
        // Relaxed: see `Mm::set_pageblocks`.
        self.word(pfn).store(flags, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mm::page::PAGEBLOCK_NR_PAGES;

    #[test]
    fn every_pageblock_has_its_own_word_across_sections_and_roots() {
        // Three roots' worth of sections, the last one partial.
        let pages = (2 * SECTIONS_PER_ROOT as u64 + 3) << PFN_SECTION_SHIFT;
        let s = MemSections::new(pages);
        let pfns: Vec<Pfn> = [0, 1, 511, 512, 1 << 15, (1 << 15) + 512]
            .into_iter()
            .chain([(pages - 1) as Pfn, (pages - 600) as Pfn])
            .collect();
        for (i, &pfn) in pfns.iter().enumerate() {
            s.set(pfn, i as u32 + 1);
        }
        for (i, &pfn) in pfns.iter().enumerate() {
            let block_mates = pfns
                .iter()
                .skip(i + 1)
                .any(|&q| q / PAGEBLOCK_NR_PAGES == pfn / PAGEBLOCK_NR_PAGES);
            if !block_mates {
                assert_eq!(s.get(pfn), i as u32 + 1, "pfn {pfn}");
            }
        }
        assert_eq!(s.get(2 << PFN_SECTION_SHIFT), 0);
    }
}

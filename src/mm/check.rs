//! The correctness invariants checked at the end of every run (and after
//! every step of the property tests): page conservation (free + per-CPU +
//! isolated + allocated + offline = total), no page in two places, list and
//! counter consistency, buddy free lists in canonical form (no two free
//! buddies of the same order left unmerged), and every CPU's preempt count
//! back at zero (each pin of the per-CPU lock undone).
//!
//! The allocator must be quiescent: no thread allocating or freeing.

use crate::mm::page::{Pfn, MAX_ORDER, PG_ALLOCATED, PG_BUDDY, PG_ISOLATED, PG_OFFLINE, PG_PCP};
use crate::mm::pcp::NR_PCP_LISTS;
use crate::mm::Mm;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Default, Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct PageAccount {
    pub total: u64,
    pub free: u64,
    pub pcp: u64,
    pub isolated: u64,
    pub allocated: u64,
    pub offline: u64,
    /// Pages accounted nowhere (leaked).
    pub lost: u64,
    /// Pages accounted in more than one place (handed out twice).
    pub duplicated: u64,
    /// Inconsistencies: wrong flags on a listed block, counters that disagree
    /// with their lists, unmerged buddies.
    pub inconsistencies: u64,
    /// The first few inconsistencies, in words.
    pub notes: Vec<String>,
}

impl PageAccount {
    pub fn ok(&self) -> bool {
        self.lost == 0 && self.duplicated == 0 && self.inconsistencies == 0
    }

    fn note(&mut self, s: String) {
        self.inconsistencies += 1;
        if self.notes.len() < 8 {
            self.notes.push(s);
        }
    }
}

impl Mm {
    /// Account for every page. `held` lists the blocks the callers own.
    pub fn check(&self, held: &[(Pfn, u32)]) -> PageAccount {
        let mut acc = PageAccount {
            total: self.mem_map.len() as u64,
            ..Default::default()
        };
        let mut cover = vec![0u8; self.mem_map.len()];
        let mut mark = |pfn: Pfn, order: u32| {
            for c in &mut cover[pfn as usize..(pfn + (1 << order)) as usize] {
                *c = c.saturating_add(1);
            }
        };
        let expect = |acc: &mut PageAccount,
                      pfn: Pfn,
                      state: u32,
                      order: u32,
                      zone: usize,
                      what: &str| {
            let p = self.mem_map.page(pfn);
            // A handed-out block holds one reference, a free one none.
            let refs = i32::from(state == PG_ALLOCATED);
            if p.refcount() != refs {
                acc.note(format!(
                    "{what} block pfn {pfn}: refcount {} (expected {refs})",
                    p.refcount()
                ));
            }
            if p.state() != state || p.order() != order || p.zone_id() != zone {
                acc.note(format!(
                    "{what} block pfn {pfn}: state {:#x} order {} zone {} (expected {state:#x}/{order}/{zone})",
                    p.state(),
                    p.order(),
                    p.zone_id()
                ));
            }
        };
        for zone in self.zones.iter() {
            let area = zone.lock.lock();
            let mut zone_free = 0u64;
            for o in 0..=MAX_ORDER {
                let mut n = 0;
                for pfn in area.free_list[o as usize].iter(&self.mem_map) {
                    expect(&mut acc, pfn, PG_BUDDY, o, zone.id, "free");
                    mark(pfn, o);
                    n += 1;
                    zone_free += 1 << o;
                    let buddy = pfn ^ (1 << o);
                    if o < MAX_ORDER && zone.contains(buddy) {
                        let b = self.mem_map.page(buddy);
                        if b.state() == PG_BUDDY && b.order() == o {
                            acc.note(format!("unmerged buddies {pfn} and {buddy} of order {o}"));
                        }
                    }
                }
                if n != area.nr_free[o as usize] {
                    acc.note(format!(
                        "zone {} order {o}: nr_free {} but {n} on the list",
                        zone.id, area.nr_free[o as usize]
                    ));
                }
            }
            if zone_free != zone.free_pages() {
                acc.note(format!(
                    "zone {}: NR_FREE_PAGES {} but {zone_free} free",
                    zone.id,
                    zone.free_pages()
                ));
            }
            acc.free += zone_free;
            let mut iso = 0u64;
            for pfn in area.isolate.iter(&self.mem_map) {
                let o = self.mem_map.page(pfn).order();
                expect(&mut acc, pfn, PG_ISOLATED, o, zone.id, "isolated");
                mark(pfn, o);
                iso += 1 << o;
            }
            if iso != area.nr_isolated as u64 {
                acc.note(format!(
                    "zone {}: nr_isolated {} but {iso} listed",
                    zone.id, area.nr_isolated
                ));
            }
            acc.isolated += iso;
        }
        for cpu in 0..self.nr_cpus {
            let depth = self.preempt(cpu).count();
            if depth != 0 {
                acc.note(format!(
                    "cpu {cpu}: preempt_count {depth} with no thread running (a pin or lock never undone)"
                ));
            }
            for zone in self.zones.iter() {
                let pcp = self.pcp(cpu, zone.id).lock();
                let mut n = 0u64;
                for o in 0..NR_PCP_LISTS {
                    for pfn in pcp.lists[o].iter(&self.mem_map) {
                        expect(&mut acc, pfn, PG_PCP, o as u32, zone.id, "pcp");
                        mark(pfn, o as u32);
                        n += 1 << o;
                    }
                }
                if n != pcp.count as u64 {
                    acc.note(format!(
                        "cpu {cpu} zone {}: pcp count {} but {n} listed",
                        zone.id, pcp.count
                    ));
                }
                acc.pcp += n;
            }
        }
        for &(pfn, order) in held {
            let zone = self.mem_map.page(pfn).zone_id();
            expect(&mut acc, pfn, PG_ALLOCATED, order, zone, "held");
            mark(pfn, order);
            acc.allocated += 1 << order;
        }
        for pfn in 0..self.mem_map.len() as Pfn {
            if self.mem_map.page(pfn).state() == PG_OFFLINE {
                mark(pfn, 0);
                acc.offline += 1;
            }
        }
        for &c in &cover {
            match c {
                0 => acc.lost += 1,
                1 => {}
                _ => acc.duplicated += 1,
            }
        }
        acc
    }
}

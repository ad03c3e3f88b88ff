//! `node_zonelists[ZONELIST_FALLBACK]`: per node, an array of zonerefs
//! rewritten **in place** by `build_all_zonelists`, and the walk helpers
//! (`first_zones_zonelist`).
//!
//! Entries are atomics (Relaxed loads compile to the plain loads the kernel
//! uses), so a reader racing an in-place rebuild is defined behaviour in Rust
//! and sees exactly the shifted or stale entries the kernel's readers can see.
//! A zoneref is two words, as the kernel's `struct zoneref { zone; zone_idx;
//! }`: `zoneref_set_zone()` writes the zone, then its index; the walk
//! (`next_zones_zonelist`) reads the index, then the zone. A reader racing
//! the rewrite can therefore see a zone paired with another entry's index:
//! a new zone with an old index lets a request take a zone above its
//! `highest_zoneidx` (counted as `ineligible_allocs`: a GFP_KERNEL page in
//! ZONE_MOVABLE, which then cannot be offlined), an old zone with a new
//! index can skip an eligible one. A walk that succeeds is never checked
//! again, whatever the guard.

use crate::mm::zone::{ZoneType, MAX_NR_ZONES};
use crate::primitive::sync::atomic::{AtomicU32, Ordering};

/// A zoneref: `None` is the NULL terminator.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ZoneRef(u32);

impl ZoneRef {
    pub const NULL: ZoneRef = ZoneRef(0);
    /// The zone id above two bits of zone type index (the kernel's zoneref
    /// carries `zone_idx` beside the zone pointer for the same reason: the
    /// walk filters on it without touching the zone).
    pub fn new(zone_id: usize) -> Self {
        ZoneRef::from_words((zone_id + 1) as u32, (zone_id % MAX_NR_ZONES) as u32)
    }

    /// A zoneref as read from its two words: the zone (id + 1, 0 for NULL)
    /// and the index, which a racing reader may have taken from two
    /// different entries.
    #[inline]
    pub fn from_words(zone: u32, zone_idx: u32) -> Self {
        ZoneRef((zone << 2) | (zone_idx & 3))
    }

    /// The zone word (id + 1; 0 for NULL).
    #[inline]
    fn zone_word(self) -> u32 {
        self.0 >> 2
    }

    /// `zonelist_zone`: the zone id, or `None` at the terminator.
    #[inline]
    pub fn zone_id(self) -> Option<usize> {
        (self.0 >> 2).checked_sub(1).map(|z| z as usize)
    }

    /// `zonelist_zone_idx`: the zone type index (meaningless for NULL).
    #[inline]
    pub fn zone_idx(self) -> usize {
        (self.0 & 3) as usize
    }

    pub fn raw(self) -> u32 {
        self.0
    }

    /// The inverse of [`ZoneRef::raw`].
    pub fn from_raw(raw: u32) -> Self {
        ZoneRef(raw)
    }
}

/// Anything a zonelist walk can read zonerefs from: the live in-place arrays,
/// an RCU-published copy, a snapshot.
pub trait ZonelistView {
    /// Entry `idx` of node `nid`'s fallback zonelist.
    fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef;
}

/// The zonelists of every node, one flat array (`stride` entries per node:
/// every zone of the machine plus the terminator, so the last entry of each
/// row is always NULL and every walk ends inside its row).
#[derive(Debug)]
pub struct Zonelists {
    entries: Box<[Zoneref]>,
    stride: usize,
}

/// `struct zoneref`: the `zone` word (id + 1; 0: the NULL terminator) and
/// the `zone_idx` word, side by side as in the kernel (one cache line).
#[derive(Debug, Default)]
struct Zoneref {
    zone: AtomicU32,
    zone_idx: AtomicU32,
}

impl Zonelists {
    /// Empty zonelists (every entry NULL) for `nodes` nodes.
    pub fn new(nodes: usize) -> Self {
        let stride = nodes * MAX_NR_ZONES + 1;
        Zonelists {
            entries: (0..nodes * stride).map(|_| Zoneref::default()).collect(),
            stride,
        }
    }

    /// New zonelists for `nodes` nodes, filled by `build` (a rebuild's body).
    pub fn built(nodes: usize, build: &dyn Fn(&Zonelists)) -> Self {
        let zonelists = Zonelists::new(nodes);
        build(&zonelists);
        zonelists
    }

    pub fn nodes(&self) -> usize {
        self.entries.len() / self.stride
    }

    pub fn stride(&self) -> usize {
        self.stride
    }

    /// Store one entry (a rebuild's write; the guard orders it):
    /// `zoneref_set_zone()`, the zone, then its index.
    #[inline]
    pub fn set(&self, nid: usize, idx: usize, zref: ZoneRef) {
        let e = &self.entries[nid * self.stride + idx];
        // Relaxed: the guard's write protocol supplies the ordering (a
        // seqcount's fences, a lock, or publication of a private copy);
        // between the two words there is none, as in the kernel.
        e.zone.store(zref.zone_word(), Ordering::Relaxed);
        e.zone_idx.store(zref.zone_idx() as u32, Ordering::Relaxed);
    }

    /// Copy every entry of `other` (the same shape) into `self`.
    pub fn copy_from(&self, other: &Zonelists) {
        assert_eq!(self.entries.len(), other.entries.len());
        for (d, s) in self.entries.iter().zip(other.entries.iter()) {
            // Relaxed: as in `set`.
            d.zone
                .store(s.zone.load(Ordering::Relaxed), Ordering::Relaxed);
            d.zone_idx
                .store(s.zone_idx.load(Ordering::Relaxed), Ordering::Relaxed);
        }
    }

    /// Node `nid`'s entries up to the terminator (tests and diagnostics).
    pub fn node_list(&self, nid: usize) -> Vec<usize> {
        (0..self.stride)
            .map_while(|i| self.zoneref(nid, i).zone_id())
            .collect()
    }
}

impl ZonelistView for Zonelists {
    #[inline]
    fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef {
        let e = &self.entries[nid * self.stride + idx];
        // Relaxed: the plain loads of the kernel's walk, the index first
        // (`next_zones_zonelist` filters on it), then the zone; any
        // ordering the reader needs comes from its guard's protocol.
        let zone_idx = e.zone_idx.load(Ordering::Relaxed);
        ZoneRef::from_words(e.zone.load(Ordering::Relaxed), zone_idx)
    }
}

impl<T: ZonelistView + ?Sized> ZonelistView for &T {
    #[inline]
    fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef {
        (**self).zoneref(nid, idx)
    }
}

/// `first_zones_zonelist`: the index of the first zoneref whose zone type is
/// at most `highest_zoneidx`, and the entry read there (the terminator,
/// whose index is 0, if none).
#[inline]
pub fn first_zones_zonelist<V: ZonelistView>(
    view: &V,
    nid: usize,
    highest_zoneidx: usize,
) -> (usize, ZoneRef) {
    next_zones_zonelist(view, nid, 0, highest_zoneidx)
}

/// `next_zones_zonelist` from index `idx`: entries are skipped by their
/// zone type index alone, as the kernel's `__next_zones_zonelist` does, so
/// a NULL zone word read beside a higher index (an entry torn by an
/// in-place rewrite) is skipped too; the walk ends at a NULL only where
/// the index passed. Each row's last entry is a terminator never written
/// (index 0), so the loop ends inside the row.
#[inline]
pub fn next_zones_zonelist<V: ZonelistView>(
    view: &V,
    nid: usize,
    mut idx: usize,
    highest_zoneidx: usize,
) -> (usize, ZoneRef) {
    loop {
        let z = view.zoneref(nid, idx);
        if z.zone_idx() <= highest_zoneidx {
            return (idx, z);
        }
        idx += 1;
    }
}

/// `node_distance` of the simulated machine: 10 locally, then 20, 30, ... by
/// hops on a ring of nodes (a SLIT-like table without the firmware).
pub fn node_distance(a: usize, b: usize, nodes: usize) -> usize {
    if a == b {
        return 10;
    }
    let d = a.abs_diff(b);
    10 + 10 * d.min(nodes - d)
}

/// `build_zonelists` for node `local` (NUMA order: nodes by distance, lowest
/// id first on ties, as `find_next_best_node` without its load balancing;
/// within a node `build_zonerefs_node`: populated zones, highest type first).
/// Writes entries in order and then one NULL terminator, in place, as the
/// kernel does; entries past the terminator keep stale values.
///
/// Cost: `find_next_best_node` scans every node for each pick, so one
/// zonelist is O(nodes^2) and `__build_all_zonelists` O(nodes^3), as in
/// the kernel (whose scan also tests a cpumask per node and so costs more
/// per step than this one).
pub fn build_zonelists_node(
    out: &Zonelists,
    local: usize,
    nodes: usize,
    populated: &dyn Fn(usize) -> bool,
) {
    // The local node's row of the distance table (the kernel reads
    // `numa_distance[]`, a table the firmware's SLIT filled).
    let distance: Vec<u32> = (0..nodes)
        .map(|n| node_distance(local, n, nodes) as u32)
        .collect();
    let mut used = vec![false; nodes];
    let mut nr = 0;
    for _ in 0..nodes {
        let node = find_next_best_node(&distance, &used);
        used[node] = true;
        // build_zonerefs_node
        for zt in ZoneType::ALL.iter().rev() {
            let zone_id = node * MAX_NR_ZONES + *zt as usize;
            if populated(zone_id) {
                out.set(local, nr, ZoneRef::new(zone_id));
                nr += 1;
            }
        }
    }
    out.set(local, nr, ZoneRef::NULL);
}

/// `find_next_best_node`: the nearest node not yet `used` (lowest id on
/// ties), one scan over every node keeping the best distance so far.
fn find_next_best_node(distance: &[u32], used: &[bool]) -> usize {
    let mut best = usize::MAX;
    let mut min_val = u32::MAX;
    for (n, (&d, &u)) in distance.iter().zip(used).enumerate() {
        if !u && d < min_val {
            min_val = d;
            best = n;
        }
    }
    assert!(best != usize::MAX, "a node is left to pick");
    best
}

//! `seqlock-crate`: the Rust ecosystem's seqlock, `seqlock::SeqLock<T:
//! Copy>`, one per node, holding that node's zonelist as a fixed-size array.
//!
//! Read protocol: `read()` copies the node's whole array out (retrying
//! internally while a writer is active) and the walk runs over the copy;
//! `need_retry` is false, since the copy is consistent by construction. The
//! crate offers no way to ask later whether the copy is still current, so
//! like `rcu` a section can fail on an old copy that misses a zone onlined
//! since: it prevents the 2022 index shift, not that false OOM.
//! Write protocol: build the zonelists off to the side, then for each node
//! `lock_write()` and copy its row in.
//!
//! How this differs from the kernel's in-place walk: the kernel reads only
//! the entries it walks, in place, and checks the count once at the end; the
//! crate must copy the whole `T` on every section (it cannot hand out a
//! reference into data a writer may change), so its cost grows with the
//! array's size rather than with the walk's length. The array is sized for
//! the run's nodes (16 entries up to 5 nodes, else every zone of
//! MAX_NUMNODES nodes), as a Rust user would size a `Copy` type.
//!
//! Interrupts (`--irq`): the crate's `read()` loops while a node's count is
//! odd, inside the crate, where no deadline can be checked; an interrupt
//! handler on the CPU of a writer inside `publish` would loop forever. The
//! interrupt model therefore runs no handler inside this guard's write
//! section and counts the interrupt as `irq_unbounded` (see
//! `workload::irq`).
//!
//! What the numbers cannot show: `read()` yields the CPU while the count is
//! odd and retries internally, so its waits and retries never reach the
//! probe (this guard reports 0 stall and 0 retries, an artifact); and its
//! copy is a volatile read racing the writer, which the crate accepts and
//! the Rust memory model does not define (the other guards here use atomics).
//!
//! Model checking (`tests/loom.rs`): under `--cfg loom` `seqlock::SeqLock` is
//! replaced by a stand-in with the same contract (`crate::primitive`), so
//! loom checks this guard's protocol (copy a row, walk the copy, publish
//! node by node), not the crate's internals.

use crate::guard::look::{Dash, Family, Hue, Look, Marker};
use crate::guard::{GuardOpts, ReadSection, ReaderProbe, WriterCtx, ZonelistGuard};
use crate::mm::zone::MAX_NR_ZONES;
use crate::mm::zonelist::{ZoneRef, ZonelistView, Zonelists};
use crate::primitive::SeqLock;
use std::cell::OnceCell;

const SMALL: usize = 16;
/// The most nodes this guard holds zonelists for.
pub const COPY_MAX_NODES: usize = 64;
const LARGE: usize = COPY_MAX_NODES * MAX_NR_ZONES + 4;

enum Rows {
    Small(Box<[SeqLock<[u32; SMALL]>]>),
    Large(Box<[SeqLock<[u32; LARGE]>]>),
}

/// The copy lives on the reader's stack: boxing the large variant would add
/// a heap allocation to every section.
#[derive(Clone, Copy)]
#[allow(clippy::large_enum_variant)]
enum RowCopy {
    Small([u32; SMALL]),
    Large([u32; LARGE]),
}

pub struct SeqlockCrate {
    rows: Rows,
    nodes: usize,
}

/// A section: the node's row, copied out on first use (the walk's node is
/// known only then).
#[must_use = "the section ends when this is dropped"]
pub struct CopySection<'a> {
    rows: &'a Rows,
    copy: OnceCell<(usize, RowCopy)>,
}

// The rows are the crate's `SeqLock`s: shown by size only.
impl std::fmt::Debug for SeqlockCrate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeqlockCrate")
            .field("nodes", &self.nodes)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for CopySection<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopySection")
            .field("copied", &self.copy.get().is_some())
            .finish_non_exhaustive()
    }
}

impl ZonelistView for CopySection<'_> {
    #[inline]
    fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef {
        let (copied_nid, row) = self.copy.get_or_init(|| {
            let row = match self.rows {
                Rows::Small(r) => RowCopy::Small(r[nid].read()),
                Rows::Large(r) => RowCopy::Large(r[nid].read()),
            };
            (nid, row)
        });
        debug_assert_eq!(*copied_nid, nid, "one section walks one node's zonelist");
        ZoneRef::from_raw(match row {
            RowCopy::Small(a) => a[idx],
            RowCopy::Large(a) => a[idx],
        })
    }
}

impl ReadSection for CopySection<'_> {
    #[inline]
    fn need_retry(&self) -> bool {
        false
    }
}

fn fill<const N: usize>(row: &mut [u32; N], zonelists: &Zonelists, nid: usize) {
    for (i, slot) in row.iter_mut().enumerate().take(zonelists.stride()) {
        *slot = zonelists.zoneref(nid, i).raw();
    }
}

impl ZonelistGuard for SeqlockCrate {
    const NAME: &'static str = "seqlock-crate";
    const MODELS: &'static str = "the seqlock crate's SeqLock<T: Copy>: copy out, walk the copy";
    const LOOK: Option<Look> = Some(Look::new(
        Family::Others,
        Hue::Orange,
        Marker::Cross,
        Dash::Long,
    ));
    const PREVENTS_FALSE_OOM: bool = false;
    /// `SeqLock::read` yields and retries while a write is in progress,
    /// with no bound the model can add.
    const READ_WAIT_UNBOUNDED: bool = true;
    const MAX_NODES: usize = COPY_MAX_NODES;
    type Fast<'a> = CopySection<'a>;
    type Section<'a> = CopySection<'a>;

    fn new(nodes: usize, _opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        assert!(
            nodes <= COPY_MAX_NODES,
            "seqlock-crate holds at most {COPY_MAX_NODES} nodes (callers check MAX_NODES)"
        );
        let scratch = Zonelists::built(nodes, build);
        let rows = if scratch.stride() <= SMALL {
            Rows::Small((0..nodes).map(|_| SeqLock::new([0; SMALL])).collect())
        } else {
            Rows::Large((0..nodes).map(|_| SeqLock::new([0; LARGE])).collect())
        };
        let guard = SeqlockCrate { rows, nodes };
        guard.publish(&scratch);
        guard
    }

    #[inline]
    fn fast_view(&self, _probe: &mut ReaderProbe) -> CopySection<'_> {
        CopySection {
            rows: &self.rows,
            copy: OnceCell::new(),
        }
    }

    #[inline]
    fn read_begin(&self, probe: &mut ReaderProbe, _retry: bool) -> CopySection<'_> {
        self.fast_view(probe)
    }

    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        // The crate's per-node write locks are taken in publish; building
        // the copy needs none.
        writer.locked();
        let scratch = Zonelists::built(self.nodes, build);
        writer.publishing();
        self.publish(&scratch);
    }
}

impl SeqlockCrate {
    /// Copy every node's row in, each under its SeqLock's write lock (which
    /// also serialises writers).
    fn publish(&self, scratch: &Zonelists) {
        for nid in 0..self.nodes {
            match &self.rows {
                Rows::Small(r) => fill(&mut r[nid].lock_write(), scratch, nid),
                Rows::Large(r) => fill(&mut r[nid].lock_write(), scratch, nid),
            }
        }
    }
}

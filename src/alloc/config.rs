//! How an [`Allocator`](super::Allocator) is configured: the guard's scope,
//! the reclaim and writer hold times, the writer-stall threshold.

use crate::guard::GuardOpts;
use serde::{Deserialize, Serialize};

/// Where a guard's read section applies (`--scope`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Upstream: a section spans the slowpath; the fast path walks unchecked.
    Slowpath,
    /// A section around every zonelist walk, fast path included.
    EveryAlloc,
}

impl Scope {
    /// Every scope, in the order tables list them.
    pub const ALL: [Scope; 2] = [Scope::Slowpath, Scope::EveryAlloc];

    pub fn name(self) -> &'static str {
        match self {
            Scope::Slowpath => "slowpath",
            Scope::EveryAlloc => "every-alloc",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct AllocConfig {
    pub scope: Scope,
    pub guard: GuardOpts,
    /// Busy time of one direct-reclaim round, nanoseconds.
    pub reclaim_ns: u64,
    /// Busy time inside every rebuild's write section, nanoseconds.
    pub writer_hold_ns: u64,
    /// A rebuild whose lock wait exceeds this is a writer stall.
    pub writer_stall_ns: u64,
}

impl Default for AllocConfig {
    fn default() -> Self {
        AllocConfig {
            scope: Scope::Slowpath,
            guard: GuardOpts::default(),
            reclaim_ns: 2_000,
            writer_hold_ns: 0,
            writer_stall_ns: 10_000_000,
        }
    }
}

//! How an [`Allocator`](super::Allocator) is configured: the guard's scope,
//! the reclaim and writer hold times, the console output inside the write
//! section, the writer-stall threshold.

use crate::guard::GuardOpts;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a guard's read section applies (`--scope`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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

/// What `build_zonelists` costs for its `pr_info("Fallback order for Node
/// %d: ")` + one `pr_cont("%d ")` per node + `pr_cont("\n")` (mm/page_alloc.c,
/// under CONFIG_NUMA, inside the write section, once per node): the
/// message's characters, each line with the 15-character timestamp of
/// CONFIG_PRINTK_TIME, at a stated cost per character. It lengthens the
/// odd-count window readers wait out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Printk {
    /// No cost (the model before this option; a kernel without NUMA).
    #[default]
    None,
    /// Since 1007843a9190 (2023): `printk_deferred_enter()` inside the
    /// section, so the message is only stored in the log buffer; taken as
    /// 5 ns per character (formatting and the copy; the console is written
    /// later, outside the section).
    Deferred,
    /// v6.1, as the 2022 thread reviewed it: synchronous output to a serial
    /// console at 115200 baud, 8N1: 10 bits, 86.8 us, per character.
    Console,
}

impl Printk {
    pub const ALL: [Printk; 3] = [Printk::None, Printk::Deferred, Printk::Console];

    pub fn name(self) -> &'static str {
        match self {
            Printk::None => "none",
            Printk::Deferred => "deferred",
            Printk::Console => "console",
        }
    }

    /// Nanoseconds per character written.
    pub fn ns_per_char(self) -> u64 {
        match self {
            Printk::None => 0,
            Printk::Deferred => 5,
            Printk::Console => 86_806,
        }
    }

    /// The characters one rebuild prints on a machine of `nodes` nodes:
    /// per node, `[    1.234567] Fallback order for Node N: ` and `M ` for
    /// each node of its fallback order, then the newline.
    pub fn chars(nodes: usize) -> u64 {
        let digits = |n: usize| n.to_string().len() as u64;
        let nodes_list: u64 = (0..nodes).map(|m| digits(m) + 1).sum();
        (0..nodes)
            .map(|n| 15 + "Fallback order for Node : ".len() as u64 + digits(n) + nodes_list + 1)
            .sum()
    }

    /// The busy time one rebuild spends printing on `nodes` nodes.
    pub fn cost(self, nodes: usize) -> std::time::Duration {
        std::time::Duration::from_nanos(self.ns_per_char() * Printk::chars(nodes))
    }
}

/// Which kernel's `__alloc_pages_slowpath` the model follows, where the
/// difference changes what is measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Kernel {
    /// v6.1 with the 2022 fix (3d36424b3b58), as the thread reviewed it:
    /// `check_retry_zonelist()` before OOM and at `nopage:` only. v6.6's
    /// slowpath differs from it only in flag names the model does not
    /// carry, so it is this variant too.
    #[default]
    #[serde(rename = "6.1")]
    V6_1,
    /// Since e05741fb10c3 (2025, "avoid infinite retries caused by cpuset
    /// race", in stable kernels too): the check also at `retry:`, so a
    /// rebuild during reclaim restarts the allocation at its next round.
    #[serde(rename = "current")]
    Current,
}

impl Kernel {
    pub const ALL: [Kernel; 2] = [Kernel::V6_1, Kernel::Current];

    pub fn name(self) -> &'static str {
        match self {
            Kernel::V6_1 => "6.1",
            Kernel::Current => "current",
        }
    }

    /// One line for `zonebench list`.
    pub fn describe(self) -> &'static str {
        match self {
            Kernel::V6_1 => {
                "v6.1 with the 2022 fix 3d36424b3b58, as the thread reviewed it (default; v6.6 is the same here)"
            }
            Kernel::Current => {
                "since e05741fb10c3 (2025, also in stable): check_retry_zonelist at retry: too"
            }
        }
    }

    /// `check_retry_zonelist()` at `retry:`.
    #[inline]
    pub fn checks_at_retry(self) -> bool {
        self == Kernel::Current
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
    /// `build_zonelists`' console output inside the write section.
    pub printk: Printk,
    /// The slowpath's variant.
    pub kernel: Kernel,
    /// A rebuild whose lock wait exceeds this is a writer stall.
    pub writer_stall_ns: u64,
    /// How long an OOM victim stays in flight after its kill, nanoseconds
    /// (`oom.rs`; default [`super::oom::VICTIM_EXIT`]).
    pub oom_victim_exit_ns: u64,
}

impl Default for AllocConfig {
    fn default() -> Self {
        AllocConfig {
            scope: Scope::Slowpath,
            guard: GuardOpts::default(),
            reclaim_ns: 2_000,
            writer_hold_ns: 0,
            printk: Printk::None,
            kernel: Kernel::V6_1,
            writer_stall_ns: 10_000_000,
            oom_victim_exit_ns: super::oom::VICTIM_EXIT.as_nanos() as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printk_counts_build_zonelists_lines() {
        // "[    0.000000] Fallback order for Node 0: 0 \n".
        assert_eq!(Printk::chars(1), 45);
        // Two lines of "... Node N: 0 1 \n".
        assert_eq!(Printk::chars(2), 2 * 47);
        // An eleventh node: "10 " on each of the ten lines, and its own
        // line with a two-digit name and a list of 10 x "N " + "10 ".
        assert_eq!(
            Printk::chars(11) - Printk::chars(10),
            10 * 3 + (15 + 26 + 2 + 23 + 1)
        );
        assert_eq!(Printk::None.cost(4), std::time::Duration::ZERO);
        assert_eq!(Printk::Console.cost(1).as_micros(), 3906);
    }
}

//! `rcu-recheck`: `rcu` (the seed's userspace stand-in for RCU, arc-swap)
//! plus a generation check where the kernel checks its cookie: before OOM
//! and before failing; `rcu-qsbr-recheck` and `rcu-preempt-recheck` add the
//! same check to the kernel's read sides. Not a kernel construct: a proposal
//! the thread did not make, the cheapest way to make RCU correct here (an
//! `rcu_read_lock` section plus the seqcount's retry discipline, without the
//! in-place rewrite).
//!
//! Read protocol: read the generation (Acquire), then load the snapshot;
//! walk it; `need_retry` is "the generation moved", so a slowpath that would
//! fail on an old snapshot restarts on the new one. Write protocol: as `rcu`,
//! then bump the generation (Release). The common path costs one extra load
//! of a line that changes only on rebuilds. Simplifications: those of `rcu`
//! (loom stand-ins included).

use crate::guard::rcu::Rcu;

/// [`Rcu`] with the generation check.
pub type RcuRecheck = Rcu<true>;

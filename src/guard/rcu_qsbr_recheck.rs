//! `rcu-qsbr-recheck`: `rcu-qsbr` plus the generation check of
//! `rcu-recheck`, where the kernel checks its cookie: before OOM and
//! before failing. The kernel's RCU read side with the seqcount's retry
//! discipline, without the in-place rewrite.
//!
//! Read protocol: mark the CPU inside a section, read the generation
//! (Acquire), load the snapshot; walk it; `need_retry` is "the generation
//! moved". Write protocol: as `rcu-qsbr` (the generation is bumped right
//! after the exchange). The common path costs one extra load of a line that
//! changes only on rebuilds. Simplifications: those of `rcu-qsbr`.

use crate::guard::rcu_qsbr::RcuQsbr;

/// [`RcuQsbr`] with the generation check.
pub type RcuQsbrRecheck = RcuQsbr<true>;

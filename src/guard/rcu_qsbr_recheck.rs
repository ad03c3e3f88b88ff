//! `rcu-qsbr-recheck`: `rcu-qsbr` plus the generation check of
//! `rcu-recheck`, where the kernel checks its cookie: before OOM and
//! before failing. The read side of a kernel without preemption (empty)
//! with the seqcount's retry discipline, without the in-place rewrite.
//!
//! Read protocol: read the generation (Acquire), load the snapshot; walk
//! it; `need_retry` is "the generation moved". Quiescent states and the
//! write protocol: as `rcu-qsbr` (the generation is bumped right after the
//! exchange). The common path costs one extra load of a line that changes
//! only on rebuilds. Simplifications: those of `rcu-qsbr`.

use crate::guard::rcu_qsbr::RcuQsbr;

/// [`RcuQsbr`] with the generation check.
pub type RcuQsbrRecheck = RcuQsbr<true>;

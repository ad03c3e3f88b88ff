//! `rcu-preempt-recheck`: `rcu-preempt` plus the generation check of
//! `rcu-recheck`, where the kernel checks its cookie: before OOM and
//! before failing. The read side of a CONFIG_PREEMPT_RCU kernel with the
//! seqcount's retry discipline, without the in-place rewrite.
//!
//! Read protocol: `rcu_read_lock()` as `rcu-preempt` (the nesting count,
//! no fence), then read the generation (Acquire) and load the snapshot;
//! walk it; `need_retry` is "the generation moved"; `rcu_read_unlock()` as
//! `rcu-preempt`. Quiescent states and the write protocol: as
//! `rcu-preempt` (the generation is bumped right after the exchange). The
//! common path costs one extra load of a line that changes only on
//! rebuilds. Simplifications: those of `rcu-preempt`.

use crate::guard::rcu_preempt::RcuPreempt;

/// [`RcuPreempt`] with the generation check.
pub type RcuPreemptRecheck = RcuPreempt<true>;

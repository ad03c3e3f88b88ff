//! The synchronisation primitives the model is built from: a spinlock (the
//! zone lock, the per-CPU pageset lock), `spinlock_t` as PREEMPT_RT makes it
//! or not (the guards' locks: `spinlock_t.rs`), and a sequence count
//! (`seqcount_t`); interrupt context (`hardirq`), which bounds how long
//! their waits may last in a handler; and `preempt_count` (`preempt`).

pub mod backoff;
pub mod hardirq;
pub mod preempt;
pub mod seqcount;
pub mod spinlock;
pub mod spinlock_t;

pub use backoff::stall_ns;
pub use preempt::PreemptCount;
pub use seqcount::SeqCount;
pub use spinlock::{SpinLock, SpinLockGuard};
pub use spinlock_t::{SpinlockT, SpinlockTGuard};

//! The two synchronisation primitives the model is built from: a spinlock
//! (`spinlock_t`: the zone lock, the per-CPU pageset lock, the guards' writer
//! locks) and a sequence count (`seqcount_t`); and interrupt context
//! (`hardirq`), which bounds how long their waits may last in a handler.

pub mod backoff;
pub mod hardirq;
pub mod seqcount;
pub mod spinlock;

pub use backoff::stall_ns;
pub use seqcount::SeqCount;
pub use spinlock::{SpinLock, SpinLockGuard};

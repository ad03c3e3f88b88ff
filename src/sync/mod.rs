//! The two synchronisation primitives the model is built from: a spinlock
//! (`spinlock_t`: the zone lock, the per-CPU pageset lock, the guards' writer
//! locks) and a sequence count (`seqcount_t`).

pub mod seqcount;
pub mod spinlock;

pub use seqcount::{stall_ns, SeqCount};
pub use spinlock::{SpinLock, SpinLockGuard};

//! The machine's state before a round: how long a cache line takes to go
//! from one reader CPU to another and back.
//!
//! On a KVM guest the host may place two vCPUs on cores that share a cache
//! or on cores that do not, and move them between the two every few
//! seconds; every guard's throughput follows (on the development machine
//! a round trip of ~55 ns or ~320 ns, 2-reader cells ~42 or ~20 M
//! allocs/s, switching on a scale of a second or two). Every cell records
//! the round trip measured just before it and just after it, so that a
//! reader of the results can see which cells ran in which mode, the paired
//! comparisons can leave out a round whose two cells did not run in one
//! (`metrics/paired.rs`), and the report can say when modes differed. The probe is the
//! classic ping-pong: two threads pinned to the two CPUs take turns
//! writing one shared counter, each waiting to see the other's value
//! before writing the next.

use crate::primitive::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use crossbeam_utils::CachePadded;
use std::sync::Barrier;
use std::time::Instant;

/// Round trips per batch; the median of [`BATCHES`] batches is kept.
const TRIPS: u64 = 1_000;
const BATCHES: usize = 5;

/// The median time of one cache-line round trip between `a` and `b`, ns
/// (`None` if either thread could not be pinned: the number would not
/// describe those CPUs). About 0.5-2.5 ms.
pub fn round_trip_ns(a: core_affinity::CoreId, b: core_affinity::CoreId) -> Option<f64> {
    /// The value that ends the ponger.
    const STOP: u64 = u64::MAX;
    let line = CachePadded::new(AtomicU64::new(0));
    let pinned = [AtomicBool::new(false), AtomicBool::new(false)];
    let barrier = Barrier::new(2);
    let both = |pinned: &[AtomicBool; 2]| pinned.iter().all(|p| p.load(Ordering::Relaxed));
    std::thread::scope(|s| {
        let (line, pinned, barrier) = (&line, &pinned, &barrier);
        s.spawn(move || {
            // Relaxed: read after the barrier, which orders it.
            pinned[1].store(core_affinity::set_for_current(b), Ordering::Relaxed);
            barrier.wait();
            if !both(pinned) {
                return;
            }
            let mut want = 1;
            loop {
                // Relaxed: the counter carries no other data, and the
                // probe is meant to cost the line's own transfer only.
                let v = line.load(Ordering::Relaxed);
                if v == STOP {
                    return;
                }
                if v == want {
                    line.store(v + 1, Ordering::Relaxed);
                    want += 2;
                } else {
                    std::hint::spin_loop();
                }
            }
        });
        // The pinger runs in a thread of its own: pinning the caller would
        // leave the session's thread on a reader's CPU.
        s.spawn(move || {
            // Relaxed: read after the barrier, which orders it.
            pinned[0].store(core_affinity::set_for_current(a), Ordering::Relaxed);
            barrier.wait();
            if !both(pinned) {
                return None;
            }
            let mut batches = Vec::with_capacity(BATCHES);
            let mut next = 0u64;
            for _ in 0..BATCHES {
                let t = Instant::now();
                for _ in 0..TRIPS {
                    // Relaxed: see the ponger.
                    line.store(next + 1, Ordering::Relaxed);
                    while line.load(Ordering::Relaxed) != next + 2 {
                        std::hint::spin_loop();
                    }
                    next += 2;
                }
                batches.push(t.elapsed().as_nanos() as f64 / TRIPS as f64);
            }
            // The ponger's last write has been seen: it now waits for a
            // value only STOP replaces. Relaxed: the join orders the rest.
            line.store(STOP, Ordering::Relaxed);
            batches.sort_by(f64::total_cmp);
            Some(batches[BATCHES / 2])
        })
        .join()
        .ok()
        .flatten()
    })
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_round_trip_takes_some_time_and_ends() {
        let Some(ids) = core_affinity::get_core_ids() else {
            return;
        };
        if ids.len() < 2 {
            return;
        }
        let ns = round_trip_ns(ids[0], ids[1]).expect("both threads pinned");
        // A transfer through any cache hierarchy takes more than a
        // nanosecond and, even preempted, far less than a millisecond.
        assert!(ns > 1.0 && ns < 1e6, "{ns}");
    }
}

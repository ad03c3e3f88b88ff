//! Who runs now: the one shared word every thread of a group reads once
//! per operation (the *baton*), and the conductor that moves it.
//!
//! A group is the guards of one comparison (`session/rounds.rs`), every
//! one of them resident at once, one allocator each (an *arm*,
//! `workload/arm.rs`), served by one set of readers and one writer. The
//! active arm changes at phase boundaries, every `phase` (a few
//! milliseconds), in *blocks*: in each block every arm runs one phase, in
//! an order shuffled afresh for the block from a seed, so a round
//! replays. Readers and the writer switch together: each reads the baton
//! before every operation and, on a change, closes its phase on its own
//! clock (so a thread that sees the switch late counts its late
//! operations with their time, and biases nothing) and opens the next.
//!
//! Why switch so often: on a shared host the machine's speed is a state
//! of its last-level cache that changes on a scale of tens of
//! milliseconds, so two guards measured a few hundred milliseconds apart
//! see different machines, and their ratio moves by tens of percent from
//! one run to the next; guards alternating every few milliseconds share
//! each state, and their ratio repeats (see the README's "Numbers that
//! repeat").
//!
//! The baton also carries the group's [`Stage`] (warm-up, measuring,
//! stop), set by the main thread: one word, one load per operation, the
//! cost the single `Phase` flag of a one-guard run had before.

use crate::primitive::sync::atomic::{AtomicU64, Ordering};
use crossbeam_utils::CachePadded;
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::time::{Duration, Instant};

/// The stages of a group's run, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Stage {
    Warmup = 0,
    /// Counters and histograms start from zero when a thread first runs
    /// an arm in this stage (see [`crate::alloc::AllocCtx::begin_measuring`]).
    Measure = 1,
    Stop = 2,
}

/// A reading of the baton: the active arm, the stage, and the phase's
/// sequence number (so that two phases of one arm in a row are still two).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Word(u64);

impl Word {
    const ARM_BITS: u32 = 16;
    const STAGE_SHIFT: u32 = 16;
    /// 46 bits of phase number: 11 000 years of 0.1 ms phases.
    const SEQ_SHIFT: u32 = 18;

    fn new(arm: usize, stage: Stage, seq: u64) -> Word {
        Word(arm as u64 | (stage as u64) << Self::STAGE_SHIFT | seq << Self::SEQ_SHIFT)
    }

    /// The arm that runs now (an index into the group's arms).
    #[inline]
    pub fn arm(self) -> usize {
        (self.0 & ((1 << Self::ARM_BITS) - 1)) as usize
    }

    #[inline]
    pub fn stage(self) -> Stage {
        match (self.0 >> Self::STAGE_SHIFT) & 3 {
            0 => Stage::Warmup,
            1 => Stage::Measure,
            _ => Stage::Stop,
        }
    }

    /// The phase's number (46 bits: it never wraps).
    #[inline]
    pub fn seq(self) -> u64 {
        self.0 >> Self::SEQ_SHIFT
    }
}

/// The phase length of a comparison unless told otherwise. Chosen by
/// measurement on the development machine (see the README's "Numbers that
/// repeat"): phases of 1-5 ms share the host's cache state, 20 ms and
/// longer phases begin to see it change.
pub const DEFAULT_PHASE: Duration = Duration::from_millis(5);

/// The most arms a group may have (the arm index's bits).
pub const MAX_ARMS: usize = 1 << Word::ARM_BITS;

/// The shared word.
#[derive(Debug)]
pub struct Baton(CachePadded<AtomicU64>);

impl Baton {
    /// Warm-up, arm `first`.
    pub fn new(first: usize) -> Baton {
        Baton(CachePadded::new(AtomicU64::new(
            Word::new(first, Stage::Warmup, 0).0,
        )))
    }

    /// The word now. Relaxed: a flag polled once per operation; nothing is
    /// published through it (results are handed over by joining the
    /// threads, each arm's memory belongs to its allocator, whose own
    /// synchronisation covers every access), and a thread that sees a
    /// change one operation late counts that operation, with its time, in
    /// the phase it ran in.
    #[inline]
    pub fn load(&self) -> Word {
        Word(self.0.load(Ordering::Relaxed))
    }

    #[inline]
    pub fn stopped(&self) -> bool {
        self.load().stage() == Stage::Stop
    }

    /// Move to `stage` (the main thread), keeping the arm; the phase
    /// number changes too, so every thread closes its phase. Relaxed: see
    /// [`Baton::load`]; the update is atomic against the conductor's.
    pub fn set_stage(&self, stage: Stage) {
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |w| {
                let w = Word(w);
                Some(Word::new(w.arm(), stage, w.seq() + 1).0)
            });
    }

    /// Make `arm` the active one (the conductor), keeping the stage; the
    /// new reading. Relaxed: as [`Baton::set_stage`].
    fn pass_to(&self, arm: usize) -> Word {
        let next = |w: u64| {
            let w = Word(w);
            Word::new(arm, w.stage(), w.seq() + 1)
        };
        match self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |w| Some(next(w).0))
        {
            Ok(prev) | Err(prev) => next(prev),
        }
    }
}

/// The schedule: shuffled blocks of phases, one phase per arm a block.
/// Owned by the thread that conducts (the writer's).
#[derive(Debug)]
pub struct Conductor {
    phase: Duration,
    order: Vec<usize>,
    pos: usize,
    rng: SmallRng,
    phase_end: Instant,
    /// Phases begun per arm (all stages).
    pub phases: Vec<u64>,
    /// Blocks begun.
    block: u32,
    /// The phases begun while measuring: each one's number, arm and block.
    pub measured: Vec<(u64, usize, u32)>,
}

impl Conductor {
    /// `arms` arms (at least one) alternating every `phase`, in blocks
    /// shuffled from `seed`; the first phase's arm is [`Conductor::first`].
    /// One arm never switches.
    pub fn new(arms: usize, phase: Duration, seed: u64) -> Conductor {
        assert!((1..=MAX_ARMS).contains(&arms), "{arms} arms");
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut order: Vec<usize> = (0..arms).collect();
        order.shuffle(&mut rng);
        let mut phases = vec![0; arms];
        phases[order[0]] = 1;
        Conductor {
            phase,
            order,
            pos: 0,
            rng,
            phase_end: Instant::now() + phase,
            phases,
            block: 0,
            measured: Vec::new(),
        }
    }

    /// The arm of the first phase (the baton starts there).
    pub fn first(&self) -> usize {
        self.order[0]
    }

    /// When the phase now running ends (never, with one arm).
    pub fn phase_end(&self) -> Option<Instant> {
        (self.order.len() > 1).then_some(self.phase_end)
    }

    /// The phase starts again from `now` (the threads start, or the
    /// measuring begins).
    pub fn restart(&mut self, now: Instant) {
        self.phase_end = now + self.phase;
    }

    /// If the phase is over at `now`, pass the baton to the next arm of the
    /// block (or of a new block, shuffled). True when it moved.
    pub fn tick(&mut self, now: Instant, baton: &Baton) -> bool {
        if self.order.len() == 1 || now < self.phase_end {
            return false;
        }
        self.pos += 1;
        if self.pos == self.order.len() {
            self.pos = 0;
            self.block += 1;
            self.order.shuffle(&mut self.rng);
        }
        let arm = self.order[self.pos];
        self.phases[arm] += 1;
        let word = baton.pass_to(arm);
        if word.stage() == Stage::Measure {
            self.measured.push((word.seq(), arm, self.block));
        }
        self.phase_end = now + self.phase;
        true
    }

    /// The run stops: the block running now is cut short, and its last
    /// phase (stopped early, most of it the refill of a switch) must not
    /// count, even where every arm has begun one.
    pub fn cut(&mut self) {
        let block = self.block;
        self.measured.retain(|m| m.2 != block);
    }

    /// The measured blocks in which every arm ran a phase: for each, the
    /// phase number of every arm (indexed by arm), in order. A block
    /// begun during the warm-up, or cut by the stop, is left out.
    pub fn complete_blocks(&self) -> Vec<Vec<u64>> {
        let n = self.order.len();
        let mut out: Vec<Vec<u64>> = Vec::new();
        let mut i = 0;
        while i < self.measured.len() {
            let block = self.measured[i].2;
            let mut seqs = vec![None; n];
            while i < self.measured.len() && self.measured[i].2 == block {
                let (seq, arm, _) = self.measured[i];
                seqs[arm] = Some(seq);
                i += 1;
            }
            if let Some(all) = seqs.into_iter().collect::<Option<Vec<u64>>>() {
                out.push(all);
            }
        }
        out
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn the_word_keeps_arm_stage_and_phase_apart() {
        let b = Baton::new(3);
        let w0 = b.load();
        assert_eq!((w0.arm(), w0.stage()), (3, Stage::Warmup));
        b.set_stage(Stage::Measure);
        let w1 = b.load();
        assert_eq!((w1.arm(), w1.stage()), (3, Stage::Measure));
        assert_ne!(w0, w1);
        b.pass_to(3);
        let w2 = b.load();
        // The same arm again is a new phase.
        assert_eq!((w2.arm(), w2.stage()), (3, Stage::Measure));
        assert_ne!(w1, w2);
        b.set_stage(Stage::Stop);
        assert!(b.stopped());
        assert_eq!(b.load().arm(), 3);
    }

    #[test]
    fn blocks_run_every_arm_once_in_shuffled_orders_that_replay() {
        let run = |seed| {
            let mut c = Conductor::new(4, Duration::ZERO, seed);
            let b = Baton::new(c.first());
            let mut seen = vec![b.load().arm()];
            for _ in 0..39 {
                assert!(c.tick(Instant::now() + Duration::from_millis(1), &b));
                seen.push(b.load().arm());
            }
            (seen, c.phases)
        };
        let (seen, phases) = run(7);
        for block in seen.chunks(4) {
            let mut b = block.to_vec();
            b.sort();
            assert_eq!(b, [0, 1, 2, 3]);
        }
        assert_eq!(phases, [10, 10, 10, 10]);
        // Nothing was measured: no blocks.
        assert!(seen.chunks(4).any(|b| b != &seen[..4]), "{seen:?}");
        assert_eq!(run(7).0, seen);
        assert_ne!(run(8).0, seen);
    }

    #[test]
    fn complete_blocks_are_those_begun_and_ended_while_measuring() {
        let mut c = Conductor::new(3, Duration::ZERO, 3);
        let b = Baton::new(c.first());
        let later = || Instant::now() + Duration::from_millis(1);
        // Two phases of the first block in the warm-up, then measuring.
        c.tick(later(), &b);
        b.set_stage(Stage::Measure);
        for _ in 0..7 {
            c.tick(later(), &b);
        }
        // Block 0 had its third phase measured only; blocks 1 and 2 are
        // whole.
        let blocks = c.complete_blocks();
        assert_eq!(blocks.len(), 2);
        let seqs: Vec<u64> = c.measured.iter().map(|m| m.0).collect();
        for blk in &blocks {
            let mut arms_seen: Vec<u64> = blk.clone();
            arms_seen.sort();
            assert!(arms_seen.iter().all(|s| seqs.contains(s)));
            assert_eq!(arms_seen.len(), 3);
        }
        assert!(blocks[0].iter().all(|s| blocks[1].iter().all(|t| s < t)));
        // Block 3 begins all its phases; the stop, during its last, cuts it
        // all the same.
        for _ in 0..3 {
            c.tick(later(), &b);
        }
        assert_eq!(c.complete_blocks().len(), 3);
        c.cut();
        assert_eq!(c.complete_blocks().len(), 2);
    }

    #[test]
    fn a_phase_ends_on_time_and_one_arm_never_switches() {
        let mut c = Conductor::new(2, Duration::from_secs(60), 1);
        let b = Baton::new(c.first());
        let now = Instant::now();
        c.restart(now);
        assert!(!c.tick(now + Duration::from_secs(59), &b));
        assert!(c.tick(now + Duration::from_secs(61), &b));
        let mut one = Conductor::new(1, Duration::ZERO, 1);
        assert_eq!(one.phase_end(), None);
        assert!(!one.tick(now + Duration::from_secs(1), &b));
    }
}

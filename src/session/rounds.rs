//! Rounds: the order a session measures its cells in, and when it stops.
//!
//! The cells of a session that differ only in their guard form a *group*:
//! the guards one table compares. A group is measured in rounds. In each
//! round every guard of the group runs at once, on allocators built fresh
//! for the round, the active one switched every phase in shuffled blocks
//! (`workload/runner.rs`, `workload/conductor.rs`); the round's cells
//! share its `repeat` number and its blocks, and the report compares
//! guards by the median of their per-block ratios in each round
//! (`metrics/paired.rs`): whatever the machine does, even for a few
//! milliseconds, hits every guard of a block alike. Fresh allocators each
//! round matter too: a guard's memory can sit in a slower state of the
//! host than another's for a whole round (measured: one arm of an A/A
//! pair 20-30% slower through a round, now and then), which no
//! interleaving cancels, so rounds are the unit the intervals rest on.
//! `--solo` runs each guard's cell alone instead, back to back in an order
//! shuffled afresh for the round (seeded by the cells' seed, the group and
//! the round, so a plan replays), comparing per-round ratios and leaving
//! out a round whose two cells ran in different modes of the machine.
//! Groups run one after another, each with all its rounds.
//!
//! How many rounds: a fixed number ([`Rounds::fixed`]), or adaptively: at
//! least `min`, then more until every guard's paired ratio of allocations
//! per second to the group's baseline (`guard::default_baseline`) has a 95%
//! interval within +-`ci_target_pct` percent, or `max` rounds have run, or
//! the next round would overrun the group's share of the time budget (what
//! is left of it, divided among the groups left). Each group's outcome is
//! kept in the results file (`rounds`) and printed.

use crate::alloc::{Kernel, Printk};
use crate::metrics::paired::{pair, Paired};
use crate::results::repeats::Repeats;
use crate::results::schema::GroupRounds;
use crate::results::CellResult;
use crate::workload::rounds::Rounds;
use crate::workload::spec::{CellKey, CellSpec, Dim};
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// Cells compared with each other: one per guard, otherwise alike.
#[derive(Debug, Clone)]
pub(super) struct Group {
    key: CellKey,
    /// Repeat 0 of each guard's cell, in plan order.
    pub cells: Vec<CellSpec>,
    pub baseline: String,
}

/// `cells` (repeat 0 each) grouped by everything but the guard, in
/// first-seen order; a cell given twice is measured once.
pub(super) fn groups(cells: &[CellSpec]) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for c in cells {
        let key = c.key().without(&[Dim::Guard]);
        match out.iter_mut().find(|g| g.key == key) {
            Some(g) if g.cells.iter().any(|d| d.key() == c.key()) => {}
            Some(g) => g.cells.push(c.clone()),
            None => out.push(Group {
                key,
                cells: vec![c.clone()],
                baseline: String::new(),
            }),
        }
    }
    for g in &mut out {
        let guards: Vec<String> = g.cells.iter().map(|c| c.guard.clone()).collect();
        g.baseline = crate::guard::default_baseline(&guards)
            .unwrap_or_default()
            .to_string();
    }
    out
}

impl Group {
    /// Round `round`'s cells, in the round's shuffled order: repeat
    /// `round`, seed the cell's plus `round` (as every repeat has had).
    /// `index` is the group's place in the session.
    pub(super) fn round(&self, index: usize, round: usize) -> Vec<CellSpec> {
        let mut cells: Vec<CellSpec> = self
            .cells
            .iter()
            .map(|c| CellSpec {
                repeat: round,
                seed: c.seed.wrapping_add(round as u64),
                ..c.clone()
            })
            .collect();
        let seed = self.cells[0].seed ^ ((index as u64) << 32) ^ round as u64;
        cells.shuffle(&mut SmallRng::seed_from_u64(seed));
        cells
    }

    /// Why `done` rounds are enough (`None`: measure another): `fixed`
    /// (the rounds asked for), `target` (every interval within the CI
    /// target), `max` (the most rounds allowed), `budget` (another round,
    /// as long as the last, `round`, would overrun the group's `share` of
    /// the budget after `spent`). Never fewer than `rounds.min`.
    pub(super) fn enough(
        &self,
        rounds: &Rounds,
        done: usize,
        cells: &[CellResult],
        spent: Duration,
        round: Duration,
        share: Option<Duration>,
    ) -> Option<&'static str> {
        if done < rounds.min {
            return None;
        }
        let Some(target) = rounds.ci_target_pct else {
            return Some("fixed");
        };
        if self.widest(cells).map_or(0.0, |w| w.1) <= target {
            Some("target")
        } else if done >= rounds.max {
            Some("max")
        } else if share.is_some_and(|s| spent + round > s) {
            Some("budget")
        } else {
            None
        }
    }

    /// The group in one line: its cell's label without guard and repeat,
    /// with what sets it apart from the default layout.
    pub(super) fn label(&self) -> String {
        let s = self.key.spec();
        let mut label = format!(
            "{} rd={} writer={} pressure={}",
            s.scope.name(),
            s.readers,
            s.writer_label(),
            s.pressure.name()
        );
        if s.writer_hold_us > 0.0 {
            label.push_str(&format!(" hold={}us", s.writer_hold_us));
        }
        if s.printk != Printk::None {
            label.push_str(&format!(" printk={}", s.printk.name()));
        }
        if s.kernel != Kernel::V6_1 {
            label.push_str(&format!(" kernel={}", s.kernel.name()));
        }
        for (on, name) in [
            (s.rt, "rt"),
            (s.irq, "irq"),
            (s.rcu_expedited, "rcu-expedited"),
            (!s.pin, "unpinned"),
        ] {
            if on {
                label.push(' ');
                label.push_str(name);
            }
        }
        label
    }

    /// Whether `cell` is one of this group's.
    pub(super) fn holds(&self, cell: &CellResult) -> bool {
        cell.spec.key().without(&[Dim::Guard]) == self.key
    }

    /// The widest 95% interval half-width, percent, of any guard's paired
    /// ratio of allocations per second to the baseline over `cells`' rounds,
    /// and whose (`None` with one guard: nothing to compare). Infinite
    /// while some guard has fewer than two rounds to pair.
    pub(super) fn widest(&self, cells: &[CellResult]) -> Option<(String, f64)> {
        let mine = |guard: &str| {
            Repeats(
                cells
                    .iter()
                    .filter(|c| self.holds(c) && c.spec.guard == guard)
                    .collect(),
            )
            .rate_samples()
        };
        let base = mine(&self.baseline);
        self.cells
            .iter()
            .filter(|c| c.guard != self.baseline)
            .map(|c| {
                let pairs = pair(&mine(&c.guard), &base);
                let half =
                    Paired::of_ratios(&pairs.ratios).map_or(f64::INFINITY, |p| p.half_width_pct());
                (c.guard.clone(), half)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// Why a group stopped adding rounds.
pub(super) fn outcome(
    group: &Group,
    rounds: usize,
    stopped: &str,
    cells: &[CellResult],
) -> GroupRounds {
    let widest = group.widest(cells);
    GroupRounds {
        cells: group.label(),
        rounds,
        stopped: stopped.to_string(),
        widest_half_width_pct: widest.as_ref().map(|w| w.1).filter(|h| h.is_finite()),
        widest_guard: widest.map(|w| w.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(guard: &str, readers: usize) -> CellSpec {
        CellSpec {
            guard: guard.into(),
            readers,
            ..CellSpec::default()
        }
    }

    #[test]
    fn groups_are_the_cells_but_the_guard_and_rounds_shuffle_them() {
        let cells = [
            spec("rcu", 1),
            spec("seqcount", 1),
            spec("rcu", 2),
            spec("rcu", 1),
            spec("latch", 1),
        ];
        let g = groups(&cells);
        assert_eq!(g.len(), 2);
        let names = |cells: &[CellSpec]| cells.iter().map(|c| c.guard.clone()).collect::<Vec<_>>();
        assert_eq!(names(&g[0].cells), ["rcu", "seqcount", "latch"]);
        assert_eq!(g[0].baseline, "seqcount");
        assert_eq!(g[1].baseline, "rcu");
        // Every round holds every guard once, with the round's repeat and
        // seed; the orders differ between rounds, and replay.
        let orders: Vec<Vec<String>> = (0..12).map(|r| names(&g[0].round(0, r))).collect();
        for (r, o) in orders.iter().enumerate() {
            let mut sorted = o.clone();
            sorted.sort();
            assert_eq!(sorted, ["latch", "rcu", "seqcount"]);
            assert!(g[0]
                .round(0, r)
                .iter()
                .all(|c| c.repeat == r && c.seed == 1 + r as u64));
        }
        assert!(orders.iter().any(|o| *o != orders[0]), "{orders:?}");
        assert_eq!(names(&g[0].round(0, 5)), orders[5]);
    }

    #[test]
    fn rounds_stop_fixed_at_the_target_the_most_or_the_budget() {
        let g = &groups(&[spec("seqcount", 1), spec("rcu", 1)])[0];
        let s = Duration::from_secs;
        let fixed = Rounds::fixed(3);
        assert_eq!(g.enough(&fixed, 2, &[], s(0), s(0), None), None);
        assert_eq!(g.enough(&fixed, 3, &[], s(0), s(0), None), Some("fixed"));
        let adaptive = Rounds {
            min: 2,
            max: 5,
            ci_target_pct: Some(2.0),
            budget: None,
        };
        // No rounds to pair yet: the interval is infinite.
        assert_eq!(g.enough(&adaptive, 2, &[], s(0), s(0), None), None);
        assert_eq!(g.enough(&adaptive, 5, &[], s(0), s(0), None), Some("max"));
        assert_eq!(
            g.enough(&adaptive, 3, &[], s(9), s(2), Some(s(10))),
            Some("budget")
        );
        assert_eq!(g.enough(&adaptive, 3, &[], s(7), s(2), Some(s(10))), None);
        // Identical rates in every round: the interval is a point.
        let cells: Vec<CellResult> = (0..3)
            .flat_map(|r| {
                ["seqcount", "rcu"].map(|guard| CellResult {
                    spec: CellSpec {
                        repeat: r,
                        ..spec(guard, 1)
                    },
                    allocs_per_sec: 100.0,
                    ..CellResult::default()
                })
            })
            .collect();
        assert_eq!(
            g.enough(&adaptive, 3, &cells, s(0), s(0), None),
            Some("target")
        );
    }

    #[test]
    fn the_widest_interval_is_the_least_certain_guards() {
        let g = &groups(&[spec("seqcount", 1), spec("rcu", 1), spec("latch", 1)])[0];
        let cell = |guard: &str, round: usize, rate: f64| CellResult {
            spec: CellSpec {
                repeat: round,
                ..spec(guard, 1)
            },
            allocs_per_sec: rate,
            ..CellResult::default()
        };
        let mut cells = Vec::new();
        // The machine's speed halves every other round; rcu is 10% slower
        // throughout, latch 0-20% faster at random.
        for r in 0..8 {
            let m = if r % 2 == 0 { 1.0 } else { 0.5 };
            cells.push(cell("seqcount", r, 100.0 * m));
            cells.push(cell("rcu", r, 90.0 * m));
            cells.push(cell("latch", r, [100.0, 120.0, 105.0, 115.0][r % 4] * m));
        }
        let (who, half) = g.widest(&cells).unwrap();
        assert_eq!(who, "latch");
        assert!(half > 1.0 && half < 10.0, "{half}");
        // One round: nothing to pair yet.
        let first: Vec<CellResult> = cells
            .iter()
            .filter(|c| c.spec.repeat == 0)
            .cloned()
            .collect();
        assert_eq!(g.widest(&first).unwrap().1, f64::INFINITY);
        // One guard: nothing to compare.
        assert!(groups(&[spec("rcu", 1)])[0].widest(&cells).is_none());
    }
}

//! Changes split by the mode the host ran the rounds in.
//!
//! Every round is preceded and followed by a probe of the cache-line round
//! trip between the reader CPUs (`workload/pingpong.rs`). On a shared host
//! the probes fall into two modes, the vCPUs on cores that share a cache
//! or on cores that do not (about 50 and 400 ns on the development
//! machine). A guard whose read side writes a line the readers share
//! (`rwlock`'s reader count, the userspace RCU's reference counts) pays
//! that round trip on every section, so its change at several readers is a
//! different number in each mode: on the development machine `rwlock` at
//! two readers read -37% in the far mode and -22% or -45% in the near one
//! (docs/reference-machine-2026-12.md). A run whose rounds span both modes
//! would show their mixture in its table; this note gives the change in
//! each mode wherever the two intervals do not meet, and says so where
//! they agree.
//!
//! The rounds are classified by the geometric mean of their two probes
//! against the middle of the file's probe range ([`middle`]), the line
//! `modes_line` in `document.rs` counts cells by. A mode needs two rounds
//! for an interval; the statistics are those of the table
//! (`metrics/paired.rs`).

use super::metric::Metric;
use super::model::Section;
use crate::metrics::paired::{pair, Paired, Sample, FEWEST_MARKABLE, MODE_SPREAD};

/// The probe value that separates the two modes (the geometric middle of
/// the probes' range), or `None` when the probes show one mode (the
/// slowest within [`MODE_SPREAD`] of the fastest) or there are none.
pub(super) fn middle(probes: &[f64]) -> Option<f64> {
    let lo = probes.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = probes.iter().copied().fold(0.0, f64::max);
    (lo.is_finite() && lo > 0.0 && hi > MODE_SPREAD * lo).then(|| (lo * hi).sqrt())
}

/// Whether a round ran in the slow mode: the geometric mean of its probes
/// (before and after, `Summary::modes`) above `middle` (`None` without
/// probes).
fn slow(probes: Option<(f64, f64)>, middle: f64) -> Option<bool> {
    probes
        .filter(|(a, b)| *a > 0.0 && *b > 0.0)
        .map(|(a, b)| (a * b).sqrt() > middle)
}

/// `guard`'s throughput change against `baseline` at `readers`, over the
/// rounds of one mode (`None` with fewer than two such rounds).
fn in_mode(
    section: &Section,
    baseline: &str,
    guard: &str,
    readers: usize,
    middle: f64,
    want_slow: bool,
) -> Option<Paired> {
    let rounds = |g: &str| -> Option<Vec<Sample>> {
        let summary = section.group(g, readers)?.get(Metric::AllocsPerSec)?;
        Some(
            summary
                .by_round()
                .into_iter()
                .zip(&summary.modes)
                .filter(|(_, m)| slow(**m, middle) == Some(want_slow))
                .map(|(s, _)| s)
                .collect(),
        )
    };
    let pairs = pair(&rounds(guard)?, &rounds(baseline)?);
    Paired::of_ratios(&pairs.ratios)
}

/// `-37.0% [-38.2, -36.1] (5 rounds)`.
fn describe(p: &Paired) -> String {
    let (lo, hi) = p.ci_pct();
    format!(
        "{:+.1}% [{lo:+.1}, {hi:+.1}] ({} rounds)",
        p.pct(),
        p.rounds
    )
}

/// The section's note on changes that differ between the host's modes.
/// A guard and reader count whose rounds ran in both modes are compared
/// where each mode holds [`FEWEST_MARKABLE`] rounds or more (with fewer,
/// the interval is the range of the rounds, which covers the centre with
/// less than 95%: 50% with two): the change of allocs/s in each mode is
/// given where their 95% intervals do not meet, and one sentence says so
/// where none differs. The others that span both modes are counted.
/// `None` when no comparison spans both modes.
pub(super) fn mode_note(
    section: &Section,
    baseline: &str,
    guards: &[&String],
    middle: Option<f64>,
) -> Option<String> {
    let middle = middle?;
    let (mut compared, mut too_few) = (0, 0);
    let mut apart = Vec::new();
    for g in guards.iter().filter(|g| g.as_str() != baseline) {
        for &r in &section.readers {
            let near = in_mode(section, baseline, g, r, middle, false);
            let far = in_mode(section, baseline, g, r, middle, true);
            let (Some(near), Some(far)) = (near, far) else {
                continue;
            };
            if near.rounds.min(far.rounds) < FEWEST_MARKABLE {
                too_few += 1;
                continue;
            }
            compared += 1;
            if near.ci.1 < far.ci.0 || far.ci.1 < near.ci.0 {
                apart.push(format!(
                    "{g} at {r} readers {} in the fast mode, {} in the slow",
                    describe(&near),
                    describe(&far)
                ));
            }
        }
    }
    let count = |n: usize| match n {
        1 => "1 change".to_string(),
        n => format!("{n} changes"),
    };
    let verdict = match (compared, apart.is_empty()) {
        (0, _) => None,
        (n, true) => Some(format!(
            "none of the {} with {FEWEST_MARKABLE} rounds or more in each mode differs clearly between them (each pair of 95% intervals meets)",
            count(n)
        )),
        (n, false) => Some(format!(
            "of the {} with {FEWEST_MARKABLE} rounds or more in each, these differ between the modes (95% intervals apart), so the table's figure mixes two machines: {}",
            count(n),
            apart.join("; ")
        )),
    };
    let rest = (too_few > 0).then(|| {
        format!(
            "{} had fewer than {FEWEST_MARKABLE} rounds in one mode and are not compared (their figures may mix the modes)",
            count(too_few)
        )
    });
    let body = match (verdict, rest) {
        (None, None) => return None,
        (Some(v), None) => v,
        (None, Some(r)) => r,
        (Some(v), Some(r)) => format!("{v}; {r}"),
    };
    Some(format!(
        "the host ran these rounds in both of its modes (machine state): {body}."
    ))
}

#[cfg(test)]
mod tests {
    use super::super::{report, Format, ReportOpts};
    use super::*;
    use crate::results::fixture::{cell, file};

    /// `rounds` rounds of seqcount and rwlock at 2 readers, the first
    /// `in_slow` in the slow mode; rwlock's share is `slow` there and
    /// `fast` after.
    fn two_modes(rounds: usize, in_slow: usize, slow: f64, fast: f64) -> String {
        let mut cells = Vec::new();
        for rep in 0..rounds {
            let probe = if rep < in_slow { 400.0 } else { 50.0 };
            let share = if rep < in_slow { slow } else { fast };
            let jitter = 1.0 + (rep % 3) as f64 / 1000.0;
            for (g, rate) in [("seqcount", 1e7), ("rwlock", 1e7 * share * jitter)] {
                let mut c = cell(g, 2, rep, rate, 10);
                c.probe_rtt_ns = Some(probe);
                c.probe_end_ns = Some(probe + 5.0);
                cells.push(c);
            }
        }
        report(
            &file(cells),
            "x.json",
            &ReportOpts::default(),
            Format::Markdown,
        )
        .unwrap()
    }

    #[test]
    fn a_change_that_differs_between_the_modes_is_given_in_each() {
        let t = two_modes(12, 6, 0.63, 0.78);
        assert!(
            t.contains("TWO MODES, 12 of 24 cells in the slow one"),
            "{t}"
        );
        assert!(
            t.contains("of the 1 change with 6 rounds or more in each"),
            "{t}"
        );
        assert!(t.contains("rwlock at 2 readers -21.9%"), "{t}");
        assert!(t.contains("(6 rounds) in the fast mode, -36.9%"), "{t}");
        let t = two_modes(12, 6, 0.7, 0.7);
        assert!(t.contains("none of the 1 change with 6 rounds"), "{t}");
        // Two rounds in one mode: their range covers the centre half the
        // time, so no comparison is made.
        let t = two_modes(8, 2, 0.63, 0.78);
        assert!(
            t.contains("1 change had fewer than 6 rounds in one mode"),
            "{t}"
        );
        assert!(!t.contains("differ between the modes"), "{t}");
    }

    #[test]
    fn the_modes_split_at_the_geometric_middle_only_when_far_apart() {
        assert_eq!(middle(&[]), None);
        assert_eq!(middle(&[50.0, 60.0, 140.0]), None);
        let m = middle(&[50.0, 400.0, 450.0]).unwrap();
        assert!((m - 150.0).abs() < 1e-9, "{m}");
        assert_eq!(slow(Some((400.0, 420.0)), m), Some(true));
        assert_eq!(slow(Some((45.0, 60.0)), m), Some(false));
        assert_eq!(slow(None, m), None);
    }
}

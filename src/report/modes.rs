//! Changes split by the mode the host ran the rounds in.
//!
//! Every round is preceded and followed by a probe of the cache-line round
//! trip between the reader CPUs (`workload/pingpong.rs`). On a shared host
//! the probes fall into two modes, the vCPUs on cores that share a cache
//! or on cores that do not (about 47 and 400 ns on the development
//! machine in December 2026). A guard whose read side writes a line the
//! readers share (`rwlock`'s reader count, the userspace RCU's reference
//! counts) pays that round trip on every section, so its change at
//! several readers is a different number in each mode: on the
//! development machine `rwlock` at two readers cost 107-110 ns per
//! allocation in the far mode and 39-72 ns in the near one, its ratio
//! -36.6% to -41.0% and -22% to -51% (docs/reference-machine-2026-12.md;
//! the near mode holds more than one state of the host, which the probes
//! do not tell apart). A run whose rounds span both modes shows their
//! mixture in its table; this note gives the change in each mode wherever
//! the two intervals do not meet, says so where none differs, and counts
//! the changes it could not compare.
//!
//! A round is in the slow mode when the geometric mean of its two probes
//! lies above the middle of the file's probe range (`mode_split`), and in
//! neither when its two probes show two modes (`mode_level`: the host
//! moved during it). `modes_line` in `document.rs` counts cells by
//! their first probe against the same middle. The statistics are those of
//! the table (`metrics/paired.rs`), one interval per mode, not corrected
//! for the table's many comparisons.

use super::metric::Metric;
use super::model::Section;
use crate::metrics::paired::{mode_level, pair, Paired, Sample, FEWEST_MARKABLE};

/// Whether a round ran in the slow mode: its probe level above `middle`;
/// `None` without probes, or where its two probes show the host changed
/// mode during the round, which then belongs to neither (`mode_level`).
fn slow(probes: Option<(f64, f64)>, middle: f64) -> Option<bool> {
    mode_level(probes).map(|l| l > middle)
}

/// `guard`'s per-round throughput ratios to `baseline` at `readers`,
/// paired as the table pairs them, over the rounds of one mode.
fn ratios_in_mode(
    section: &Section,
    baseline: &str,
    guard: &str,
    readers: usize,
    middle: f64,
    want_slow: bool,
) -> Vec<f64> {
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
    match (rounds(guard), rounds(baseline)) {
        (Some(new), Some(base)) => pair(&new, &base).ratios,
        _ => Vec::new(),
    }
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
/// A guard and reader count with paired rounds in both modes is compared
/// where each mode holds [`FEWEST_MARKABLE`] rounds or more (with fewer,
/// the interval is the range of the rounds, which holds the centre less
/// often than 95%: half the time with two): the change of allocs/s in
/// each mode is given where their intervals do not meet, and one sentence
/// says so where none differs. The others with rounds in both modes are
/// counted. `None` when no change has rounds in both.
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
            let fast = ratios_in_mode(section, baseline, g, r, middle, false);
            let slow = ratios_in_mode(section, baseline, g, r, middle, true);
            match fast.len().min(slow.len()) {
                0 => continue,
                n if n < FEWEST_MARKABLE => {
                    too_few += 1;
                    continue;
                }
                _ => {}
            }
            let (Some(fast), Some(slow)) = (Paired::of_ratios(&fast), Paired::of_ratios(&slow))
            else {
                continue;
            };
            compared += 1;
            if fast.ci.1 < slow.ci.0 || slow.ci.1 < fast.ci.0 {
                apart.push(format!(
                    "{g} at {r} readers {} in the fast mode, {} in the slow",
                    describe(&fast),
                    describe(&slow)
                ));
            }
        }
    }
    let changes = |n: usize| match n {
        1 => "1 change".to_string(),
        n => format!("{n} changes"),
    };
    let verdict = match (compared, apart.is_empty()) {
        (0, _) => None,
        (1, true) => Some(format!(
            "the 1 change with {FEWEST_MARKABLE} rounds or more in each mode does not differ clearly between them (its two 95% intervals meet)"
        )),
        (n, true) => Some(format!(
            "none of the {n} changes with {FEWEST_MARKABLE} rounds or more in each mode differs clearly between them (each pair of 95% intervals meets)"
        )),
        (n, false) => Some(format!(
            "of the {} with {FEWEST_MARKABLE} rounds or more in each, these differ between the modes (95% intervals apart, not corrected for the table's many comparisons): {}",
            changes(n),
            apart.join("; ")
        )),
    };
    let rest = match too_few {
        0 => None,
        1 => Some(format!(
            "1 change had fewer than {FEWEST_MARKABLE} rounds in one mode and is not compared (its figure may mix the modes)"
        )),
        n => Some(format!(
            "{n} changes had fewer than {FEWEST_MARKABLE} rounds in one mode and are not compared (their figures may mix the modes)"
        )),
    };
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
    use crate::metrics::paired::mode_split;
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
        assert!(
            t.contains("the 1 change with 6 rounds or more in each mode does not differ"),
            "{t}"
        );
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
        assert_eq!(mode_split(&[]), None);
        assert_eq!(mode_split(&[50.0, 60.0, 140.0]), None);
        let m = mode_split(&[50.0, 400.0, 450.0]).unwrap();
        assert!((m - 150.0).abs() < 1e-9, "{m}");
        assert_eq!(slow(Some((400.0, 420.0)), m), Some(true));
        assert_eq!(slow(Some((45.0, 60.0)), m), Some(false));
        assert_eq!(slow(None, m), None);
        // The host moved during the round: neither mode.
        assert_eq!(slow(Some((372.0, 47.0)), m), None);
    }
}

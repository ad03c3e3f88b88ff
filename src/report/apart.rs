//! Changes between two results files measured apart (before and after a
//! patch, two machines, two runs of one command): the machine itself may
//! have changed between them, and on a VM that moves its vCPUs between
//! cores it does, halving every guard's speed for a second or two. So `compare` weighs a
//! guard two ways:
//!
//! * A guard beside the comparison's reference (its first column, present
//!   in both files): the change of its ratio to the reference. Each file's
//!   ratios are paired round by round as the report pairs them
//!   (`metrics/paired.rs`, rounds in one mode of the machine only), and
//!   the two files' log ratios are compared by Welch's t-test. Whatever
//!   the machine did to both files' cells moves the guard and the
//!   reference alike; what is left is the guard's own change.
//! * The reference itself (and a guard without one): its values, by
//!   Welch's t-test, over the cells of both files that ran in the one mode
//!   of the machine both ran in most (from the probes around every cell);
//!   when the files share no mode, untested, and the table says so.

use super::metric::{Change, Metric, Summary};
use crate::metrics::paired::{mode_level, mode_split, pair};
use crate::metrics::stats::{mean, t_quantile, welch};

/// `new`'s change against `base`, each relative to its file's reference
/// (`base_ref`, `new_ref`).
pub(super) fn relative(
    metric: Metric,
    (base, base_ref): (&Summary, &Summary),
    (new, new_ref): (&Summary, &Summary),
) -> Change {
    let logs = |g: &Summary, r: &Summary| -> Vec<f64> {
        pair(&g.by_round(), &r.by_round())
            .ratios
            .iter()
            .filter(|x| x.is_finite() && **x > 0.0)
            .map(|x| x.ln())
            .collect()
    };
    let (b, n) = (logs(base, base_ref), logs(new, new_ref));
    let diff = mean(&n) - mean(&b);
    let scale = |log: f64| log.exp_m1() * 100.0;
    // No ratio on a side (a zero value): no change to show unless the
    // values are equal (the values' own change would be the machine's).
    let plain = Change::plain(metric, base, new);
    let c = Change {
        pct: match (diff.is_finite(), plain.pct) {
            (true, _) => Some(orient(metric, scale(diff))),
            (false, Some(0.0)) => Some(0.0),
            _ => None,
        },
        n: b.len().min(n.len()),
        ..plain
    };
    tested(metric, c, &b, &n, scale)
}

/// `new`'s values against `base`'s (Welch's t-test on the per-repeat
/// values; interval and minimum detectable effect in percent of base's
/// mean).
pub(super) fn unpaired(metric: Metric, base: &Summary, new: &Summary) -> Change {
    let m = mean(&base.samples).abs();
    let c = Change::plain(metric, base, new);
    if m > 0.0 {
        tested(metric, c, &base.samples, &new.samples, |x| x / m * 100.0)
    } else {
        c
    }
}

/// `c` with Welch's test of `new` against `base` (the samples compared),
/// `scale` turning a difference of their means into percent.
fn tested(
    metric: Metric,
    mut c: Change,
    base: &[f64],
    new: &[f64],
    scale: impl Fn(f64) -> f64,
) -> Change {
    let Some(w) = welch(base, new) else {
        return c;
    };
    c.n = base.len().min(new.len());
    if w.df.is_nan() {
        // Neither side varies: any difference is certain.
        c.p = if w.significant { 0.0 } else { 1.0 };
        c.ci = c.pct.map(|p| (p, p));
        c.mde = Some(0.0);
    } else {
        let diff = mean(new) - mean(base);
        let (lo, hi) = (
            orient(metric, scale(diff - w.critical * w.se)),
            orient(metric, scale(diff + w.critical * w.se)),
        );
        c.ci = Some((lo.min(hi), lo.max(hi)));
        c.mde = Some(scale((w.critical + t_quantile(0.8, w.df)) * w.se));
        c.p = w.p;
    }
    c
}

/// `x` signed so that positive is better.
fn orient(metric: Metric, x: f64) -> f64 {
    if metric.higher_is_better() {
        x
    } else {
        -x
    }
}

/// `new`'s values against `base`'s, over the cells of both that ran in
/// one mode of the machine (untested when they share none).
pub(super) fn absolute(metric: Metric, base: &Summary, new: &Summary) -> Change {
    match shared_mode(metric, base, new) {
        Some((b, n)) => unpaired(metric, &b, &n),
        // No shared mode: the values' change would be the machine's.
        None => Change {
            pct: None,
            split: base.samples.len().max(new.samples.len()),
            ..Change::plain(metric, base, new)
        },
    }
}

/// The samples of `a` and `b` from the mode of the machine both ran in
/// most: modes are told apart where the steady probes (each cell's two in
/// one mode, `mode_level`) spread wider than one mode, at their geometric
/// middle (`mode_split`).
/// Both unchanged when either has no probes (nothing to tell modes by);
/// `None` when no mode holds two samples of each.
fn shared_mode(metric: Metric, a: &Summary, b: &Summary) -> Option<(Summary, Summary)> {
    if a.modes.iter().all(Option::is_none) || b.modes.iter().all(Option::is_none) {
        return Some((a.clone(), b.clone()));
    }
    let levels: Vec<f64> = a
        .modes
        .iter()
        .chain(&b.modes)
        .filter_map(|p| mode_level(*p))
        .collect();
    let split = mode_split(&levels);
    let mode = |p: &Option<(f64, f64)>| mode_level(*p).map(|l| split.is_some_and(|s| l > s));
    let keep = |s: &Summary, m: bool| s.only(metric, |i| mode(&s.modes[i]) == Some(m));
    [false, true]
        .into_iter()
        .map(|m| (keep(a, m), keep(b, m)))
        .filter(|(x, y)| x.samples.len() >= 2 && y.samples.len() >= 2)
        .max_by_key(|(x, y)| x.samples.len().min(y.samples.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(v: &[f64], probe: f64) -> Summary {
        Summary {
            value: mean(v),
            paired: None,
            samples: v.to_vec(),
            rounds: (0..v.len()).collect(),
            probes: vec![Some((probe, probe)); v.len()],
            modes: vec![Some((probe, probe)); v.len()],
            blocks: Vec::new(),
        }
    }

    #[test]
    fn a_guard_is_weighed_by_its_ratio_to_the_reference() {
        // The second file ran at half the speed, every guard alike: the
        // guard's ratio to the reference did not change.
        let (b, b_ref) = (
            summary(&[90.0, 91.0, 89.0], 80.0),
            summary(&[100.0, 100.0, 100.0], 80.0),
        );
        let (n, n_ref) = (
            summary(&[45.0, 45.5, 44.5], 400.0),
            summary(&[50.0, 50.0, 50.0], 400.0),
        );
        let c = relative(Metric::AllocsPerSec, (&b, &b_ref), (&n, &n_ref));
        assert!(c.pct.unwrap().abs() < 1e-9, "{c:?}");
        assert!(c.p > 0.5);
        // Its ratio fell by a tenth.
        let n = summary(&[40.5, 41.0, 40.0], 400.0);
        let c = relative(Metric::AllocsPerSec, (&b, &b_ref), (&n, &n_ref));
        assert!((c.pct.unwrap() + 10.0).abs() < 0.1, "{c:?}");
        assert!(c.p < 0.01);
    }

    #[test]
    fn values_are_compared_within_one_mode_or_not_at_all() {
        let fast = summary(&[100.0, 101.0, 99.0], 80.0);
        let slow = summary(&[50.0, 51.0, 49.0], 400.0);
        // All fast against all slow: no shared mode, untested.
        let c = absolute(Metric::AllocsPerSec, &fast, &slow);
        assert!(c.p.is_nan() && !c.significant && c.split == 3);
        // Mixed: the fast cells of each are compared.
        let mut mixed = fast.clone();
        mixed.samples.extend([50.0, 50.0]);
        mixed.rounds.extend([3, 4]);
        mixed.probes.extend([Some((400.0, 400.0)); 2]);
        mixed.modes.extend([Some((400.0, 400.0)); 2]);
        let c = absolute(Metric::AllocsPerSec, &fast, &mixed);
        assert!(c.pct.unwrap().abs() < 1e-9 && c.p > 0.5, "{c:?}");
    }

    #[test]
    fn unpaired_changes_use_welch() {
        let c = unpaired(
            Metric::LatP99,
            &summary(&[100.0, 101.0, 99.0], 80.0),
            &summary(&[150.0, 151.0, 149.0], 80.0),
        );
        assert!((c.pct.unwrap() + 50.0).abs() < 1e-9);
        let (lo, hi) = c.ci.unwrap();
        assert!(lo < -50.0 && -50.0 < hi && hi < 0.0, "{c:?}");
        assert!(c.p < 0.001);
        // Constant but different: certain.
        let c = unpaired(
            Metric::FalseOoms,
            &summary(&[1.0, 1.0], 80.0),
            &summary(&[3.0, 3.0], 80.0),
        );
        assert_eq!(c.p, 0.0);
    }
}

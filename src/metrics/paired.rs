//! Two arms measured in the same rounds, compared by the per-round ratio.
//!
//! A round runs every arm of one cell once, back to back in a shuffled
//! order, so whatever the machine did during the round (a host that moves
//! the vCPUs between cores that share a cache and cores that do not, a
//! neighbour's burst) hits both arms of a pair alike, and the ratio of the
//! two is far steadier than either rate. The statistic is therefore the
//! ratio within each round, never the two arms' samples treated as
//! independent:
//!
//! 1. `d_i = ln(new_i / base_i)` for every round `i` where both arms ran
//!    in the same mode of the machine ([`same_mode`], from the probes
//!    taken around every cell). A round whose two cells did not (a host
//!    that moved the vCPUs between them, or during one) is left out: its
//!    ratio would measure the move. Where the round interleaved its guards
//!    (`workload/conductor.rs`) and both cells carry their rate in each of
//!    its blocks, the round's ratio is instead the median over the blocks
//!    of the two rates' ratio in the same block ([`block_ratio`]); such a
//!    round is never left out (its guards shared every state the machine
//!    passed through, phase by phase).
//! 2. The effect is the Hodges-Lehmann estimate of the rounds' ratio:
//!    `exp` of the median of the Walsh averages `(d_i + d_j) / 2, i <= j`,
//!    the estimator that goes with the signed-rank test of step 4 (with
//!    no outlying round it is the geometric mean ratio, near enough; a
//!    round in which one guard's memory sat in a slower state of the host
//!    for its whole length, which the interleaving cannot cancel, moves it
//!    little).
//! 3. Its 95% interval is the signed-rank test inverted (Moses): the
//!    Walsh averages between the `T+1`th smallest and the `T+1`th largest,
//!    `T` the largest count with `P(W+ <= T) <= 2.5%`, exact up to
//!    [`EXACT_MAX`] rounds and by the normal approximation beyond. With
//!    six rounds or fewer the interval is the range of the averages, from
//!    the lowest round to the highest. At six it holds the centre 96.9% of
//!    the time; with fewer, less than 95%: `1 - 2^(1-n)`, 93.8% at 5,
//!    87.5% at 4, 75% at 3 (a budget may cut a plan that far; the tables
//!    then say that nothing could be marked).
//! 4. The p-value is Wilcoxon's signed-rank test of `d` against 0, exact
//!    (ties by mid-ranks, zeros dropped) up to [`EXACT_MAX`] rounds, the
//!    normal approximation with continuity and tie correction beyond. It
//!    assumes only that `d` is symmetric about its centre; with 5 rounds
//!    or fewer no two-sided p can fall below 0.0625, and the tables say so
//!    by marking nothing.
//! 5. The minimum detectable effect: the change the signed-rank test of
//!    step 4 would find with 80% power at the 5% level, given the rounds'
//!    spread, `k(n) * s` as a fraction, with `k(n)` the shift in standard
//!    deviations at which the test has that power with `n` normal rounds
//!    (`metrics/rank_power.rs`: 1.79 at 6 rounds, where the t-test's
//!    formula says 1.43) and `s` the spread of the bulk of the rounds,
//!    `1.4826 * MAD(d)` (the standard deviation where `d` is normal): the
//!    rank test's power rests on the bulk, so one outlying round must not
//!    make it claim it could find nothing. A comparison that finds nothing
//!    finds "no difference larger than this". `n` counts the rounds the
//!    test keeps (a ratio of exactly 1 is dropped); below
//!    [`FEWEST_MARKABLE`] of them the test can mark nothing, so the effect
//!    it could detect is infinite, and the tables say so. Where every
//!    round's ratio is exactly 1 (a quantised metric that never moved)
//!    there is none (NaN): the rounds say nothing of what would have
//!    been found.

use super::rank_power::mde_in_sd;
use std::sync::Arc;

/// Rounds up to which the signed-rank distribution is enumerated exactly.
pub(crate) const EXACT_MAX: usize = 50;

/// The fewest rounds at which the signed-rank test can reach p < 0.05:
/// with `n` untied rounds all on one side, the two-sided p is `2 / 2^n`,
/// 0.0625 at 5 rounds and 0.031 at 6. With fewer, no change can be
/// marked whatever its size, and the minimum detectable effect is
/// infinite (a budget may cut a group to [`crate::workload::plan::MIN_ROUNDS`]).
pub(crate) const FEWEST_MARKABLE: usize = 6;

/// How often the range of `n` rounds (the interval below
/// [`FEWEST_MARKABLE`] rounds and at it) holds the centre of their
/// distribution: `1 - 2^(1-n)`, 0.75 at 3 rounds, 0.969 at 6.
pub(crate) fn range_coverage(n: usize) -> f64 {
    1.0 - 0.5f64.powi(n as i32 - 1)
}

/// How far apart two probes of the machine may be and still show one mode:
/// on the development machine the two modes differ about sixfold (a
/// cache-line round trip of ~75 or ~450 ns), and readings within the fast
/// one spread threefold (25-125 ns over a sweep's 1680 probes; the slow
/// one 400-525 ns).
pub(crate) const MODE_SPREAD: f64 = 3.0;

/// Whether two probe readings (ns) lie in one mode of the machine: the
/// larger within [`MODE_SPREAD`] times the smaller.
pub(crate) fn one_mode(x: f64, y: f64) -> bool {
    x.max(y) <= MODE_SPREAD * x.min(y)
}

/// A round's (or cell's) probe level: the geometric mean of its probes
/// before and after, where they show one mode (`None` without probes, or
/// where the machine changed mode in between).
pub(crate) fn mode_level(probes: Option<(f64, f64)>) -> Option<f64> {
    probes
        .filter(|&(x, y)| x > 0.0 && y > 0.0 && one_mode(x, y))
        .map(|(x, y)| (x * y).sqrt())
}

/// The level that separates the machine's two modes, the geometric middle
/// of `levels`' range, where they span more than one ([`one_mode`]);
/// `None` where they show one mode or there are none.
pub(crate) fn mode_split(levels: &[f64]) -> Option<f64> {
    let lo = levels.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = levels.iter().copied().fold(0.0, f64::max);
    (lo.is_finite() && lo > 0.0 && !one_mode(lo, hi)).then(|| (lo * hi).sqrt())
}

/// Whether two cells, with their machine probes before and after
/// (`results::CellResult::probes`), ran in the same mode of the machine,
/// so that their ratio measures the guards rather than the machine: each
/// kept one mode throughout (its two probes within [`MODE_SPREAD`]), and
/// it was the same one. Cells without probes (unpinned, one CPU, older
/// files) cannot be told apart and count as alike.
pub(crate) fn same_mode(a: Option<(f64, f64)>, b: Option<(f64, f64)>) -> bool {
    match (a, b) {
        (Some((a0, a1)), Some((b0, b1))) => {
            one_mode(a0, a1) && one_mode(b0, b1) && one_mode((a0 * a1).sqrt(), (b0 * b1).sqrt())
        }
        _ => true,
    }
}

/// One arm's value in one round, with the machine probes around its cell
/// and, for a rate measured interleaved, its value in each of the round's
/// blocks.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Sample {
    pub round: usize,
    pub value: f64,
    pub probes: Option<(f64, f64)>,
    pub blocks: Option<Blocks>,
}

/// A metric in each block of an interleaved round (NaN where missing),
/// and how a round's blocks combine into its ratio.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Blocks {
    pub values: Arc<[f64]>,
    /// The writer ran in fewer phases than not (its rate times the phase
    /// under 1): what it costs the readers shows in a minority of blocks,
    /// which the median would discard, so such rounds take the mean of
    /// the blocks' log ratios instead.
    pub sparse: bool,
}

/// Blocks a round's ratio must rest on to be taken block by block.
pub(crate) const MIN_BLOCKS: usize = 5;

/// The median over the blocks of `new`'s value over `base`'s in the same
/// block (blocks where either is missing, zero or not finite are left
/// out): a guard's effect in one interleaved round. Why the median: the
/// machine's speed changes within a round, sometimes threefold for a few
/// milliseconds, and such a burst falls on one phase of a block, the
/// first or the second at random (the order within every block is
/// shuffled), so it makes a block's ratio an outlier, as often up as down;
/// the mean of the logarithms would carry it, the median does not. With
/// `sparse` (see [`Blocks::sparse`]) the mean of the logarithms all the
/// same: there the rare blocks are the effect. `None` with fewer than
/// [`MIN_BLOCKS`] usable blocks.
pub(crate) fn block_ratio(new: &[f64], base: &[f64], sparse: bool) -> Option<f64> {
    if new.len() != base.len() {
        return None;
    }
    let mut d: Vec<f64> = new
        .iter()
        .zip(base)
        .filter(|(n, b)| n.is_finite() && b.is_finite() && **n > 0.0 && **b > 0.0)
        .map(|(n, b)| (n / b).ln())
        .collect();
    if d.len() < MIN_BLOCKS {
        return None;
    }
    if sparse {
        return Some((d.iter().sum::<f64>() / d.len() as f64).exp());
    }
    d.sort_by(f64::total_cmp);
    Some(quantile(&d, 0.5).exp())
}

/// The rounds of two arms, paired.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Pairs {
    /// `new / base` in every round both measured in one mode, in round
    /// order, and those rounds.
    pub ratios: Vec<f64>,
    pub rounds: Vec<usize>,
    /// Rounds both measured, left out: their cells ran in different modes.
    pub split: usize,
}

/// Pair `new`'s rounds with `base`'s (see [`same_mode`]).
pub(crate) fn pair(new: &[Sample], base: &[Sample]) -> Pairs {
    let mut matched: Vec<(usize, f64)> = Vec::new();
    let mut split = 0;
    for n in new {
        let Some(b) = base.iter().find(|b| b.round == n.round) else {
            continue;
        };
        let blocks = match (&n.blocks, &b.blocks) {
            (Some(nb), Some(bb)) => block_ratio(&nb.values, &bb.values, nb.sparse || bb.sparse),
            _ => None,
        };
        if let Some(r) = blocks {
            matched.push((n.round, r));
        } else if same_mode(n.probes, b.probes) {
            matched.push((n.round, n.value / b.value));
        } else {
            split += 1;
        }
    }
    matched.sort_by_key(|(r, _)| *r);
    Pairs {
        ratios: matched.iter().map(|(_, x)| *x).collect(),
        rounds: matched.iter().map(|(r, _)| *r).collect(),
        split,
    }
}

/// One arm against the other over paired rounds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Paired {
    /// Rounds with both arms (pairs used).
    pub rounds: usize,
    /// The per-round ratios' Hodges-Lehmann estimate (step 2 above).
    pub ratio: f64,
    /// Its 95% interval, the signed-rank test inverted (step 3).
    pub ci: (f64, f64),
    /// Two-sided p of the signed-rank test that the ratio is 1.
    pub p: f64,
    /// Minimum detectable effect of the signed-rank test at 80% power, 5%
    /// level: a fraction (0.03 = a 3% change in either direction).
    /// Infinite below [`FEWEST_MARKABLE`] tested rounds, where the test can
    /// mark nothing; NaN where every ratio is exactly 1.
    pub mde: f64,
}

impl Paired {
    /// From the per-round ratios `new / base`; `None` unless there are at
    /// least 2 and every one is finite and positive (a zero or infinite
    /// ratio has no logarithm: compare such values some other way).
    pub(crate) fn of_ratios(ratios: &[f64]) -> Option<Paired> {
        if ratios.len() < 2 || ratios.iter().any(|r| !(r.is_finite() && *r > 0.0)) {
            return None;
        }
        let d: Vec<f64> = ratios.iter().map(|r| r.ln()).collect();
        let n = d.len();
        let (centre, (lo, hi)) = hodges_lehmann(&d);
        // The test drops rounds whose ratio is exactly 1.
        let tested = d.iter().filter(|x| **x != 0.0).count();
        Some(Paired {
            rounds: n,
            ratio: centre.exp(),
            ci: (lo.exp(), hi.exp()),
            p: signed_rank_p(&d),
            mde: match tested {
                0 => f64::NAN,
                t => (mde_in_sd(t) * robust_sd(&d)).exp_m1(),
            },
        })
    }

    /// The effect in percent of the baseline: `(ratio - 1) * 100`.
    pub(crate) fn pct(&self) -> f64 {
        (self.ratio - 1.0) * 100.0
    }

    /// The interval in percent of the baseline.
    pub(crate) fn ci_pct(&self) -> (f64, f64) {
        ((self.ci.0 - 1.0) * 100.0, (self.ci.1 - 1.0) * 100.0)
    }

    /// Half the interval's width in percent of the baseline: how
    /// precisely the effect is known (what `--ci-target` bounds).
    pub(crate) fn half_width_pct(&self) -> f64 {
        (self.ci.1 - self.ci.0) / 2.0 * 100.0
    }
}

/// The Hodges-Lehmann estimate of `d`'s centre (the median of its Walsh
/// averages) and the signed-rank test's 95% interval for it (n >= 1).
fn hodges_lehmann(d: &[f64]) -> (f64, (f64, f64)) {
    let n = d.len();
    let mut walsh: Vec<f64> = (0..n)
        .flat_map(|i| (i..n).map(move |j| (i, j)))
        .map(|(i, j)| (d[i] + d[j]) / 2.0)
        .collect();
    walsh.sort_by(f64::total_cmp);
    let m = walsh.len();
    let c = signed_rank_critical(n).min((m - 1) / 2);
    (quantile(&walsh, 0.5), (walsh[c], walsh[m - 1 - c]))
}

/// The index of the interval's lower end among the sorted Walsh averages
/// for `n` untied ranks: the largest `T` with `P(W+ <= T) <= 2.5%`, the
/// interval running from the `T+1`th smallest average to the `T+1`th
/// largest (as R's `wilcox.test(conf.int = TRUE)` has it); 0 where no `T`
/// is that rare (then the interval is the range: 96.9% at six rounds,
/// under 95% with fewer, `1 - 2^(1-n)`). Exact up
/// to [`EXACT_MAX`], normal with continuity correction beyond.
pub(super) fn signed_rank_critical(n: usize) -> usize {
    let total = n * (n + 1) / 2;
    if n > EXACT_MAX {
        use statrs::distribution::{ContinuousCDF, Normal};
        let z = Normal::standard().inverse_cdf(0.975);
        let sd = ((n * (n + 1) * (2 * n + 1)) as f64 / 24.0).sqrt();
        return (total as f64 / 2.0 - z * sd - 0.5).floor().max(0.0) as usize;
    }
    let mut count = vec![0.0f64; total + 1];
    count[0] = 1.0;
    for r in 1..=n {
        for s in (r..=total).rev() {
            count[s] += count[s - r];
        }
    }
    let all = 2f64.powi(n as i32);
    let mut below = 0.0;
    let mut t = 0;
    for (s, k) in count.iter().enumerate() {
        below += k;
        if below / all > 0.025 {
            break;
        }
        t = s;
    }
    t
}

/// `1.4826 * MAD`: the spread of the bulk of `d`, the standard deviation
/// where `d` is normal.
fn robust_sd(d: &[f64]) -> f64 {
    let mut x = d.to_vec();
    x.sort_by(f64::total_cmp);
    let med = quantile(&x, 0.5);
    let mut dev: Vec<f64> = x.iter().map(|v| (v - med).abs()).collect();
    dev.sort_by(f64::total_cmp);
    1.4826 * quantile(&dev, 0.5)
}

/// The `q` quantile of sorted `xs`, interpolated between neighbours.
fn quantile(xs: &[f64], q: f64) -> f64 {
    let pos = q * (xs.len() - 1) as f64;
    let (i, f) = (pos.floor() as usize, pos.fract());
    match xs.get(i + 1) {
        Some(next) => xs[i] + f * (next - xs[i]),
        None => xs[i],
    }
}

/// Two-sided p of Wilcoxon's signed-rank test that `d` is centred on 0.
/// Zeros are dropped (Wilcoxon's convention); tied magnitudes share their
/// mid-rank. Ranks are doubled so that mid-ranks stay integers.
pub(crate) fn signed_rank_p(d: &[f64]) -> f64 {
    let mut nz: Vec<f64> = d.iter().copied().filter(|x| *x != 0.0).collect();
    let n = nz.len();
    if n == 0 {
        return 1.0;
    }
    nz.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
    // Doubled mid-ranks: positions i..=j tie, ranks i+1..=j+1, mean
    // (i+j+2)/2, doubled i+j+2.
    let mut rank2 = vec![0usize; n];
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && nz[j + 1].abs() == nz[i].abs() {
            j += 1;
        }
        rank2[i..=j].fill(i + j + 2);
        i = j + 1;
    }
    let w: usize = rank2
        .iter()
        .zip(&nz)
        .filter(|(_, x)| **x > 0.0)
        .map(|(r, _)| r)
        .sum();
    let p = if n <= EXACT_MAX {
        exact_tails(&rank2, w)
    } else {
        normal_tails(&rank2, w)
    };
    (2.0 * p).min(1.0)
}

/// The smaller tail probability of the positive-rank sum `w` over all
/// `2^n` sign assignments of the doubled ranks, enumerated.
fn exact_tails(rank2: &[usize], w: usize) -> f64 {
    let total: usize = rank2.iter().sum();
    // count[s]: sign assignments whose positive ranks sum to s (exact in
    // f64 up to 2^53, far beyond 2^EXACT_MAX).
    let mut count = vec![0.0f64; total + 1];
    count[0] = 1.0;
    let mut reach = 0;
    for &r in rank2 {
        reach += r;
        for s in (r..=reach).rev() {
            count[s] += count[s - r];
        }
    }
    let all = 2f64.powi(rank2.len() as i32);
    let below: f64 = count[..=w].iter().sum();
    let above: f64 = count[w..].iter().sum();
    below.min(above) / all
}

/// The smaller tail by the normal approximation: mean and variance of the
/// positive-rank sum under the null (ties included through the ranks
/// themselves), continuity-corrected by half a rank.
fn normal_tails(rank2: &[usize], w: usize) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    let r: Vec<f64> = rank2.iter().map(|&r| r as f64 / 2.0).collect();
    let mu = r.iter().sum::<f64>() / 2.0;
    let sd = (r.iter().map(|x| x * x).sum::<f64>() / 4.0).sqrt();
    let w = w as f64 / 2.0;
    let z = ((w - mu).abs() - 0.5).max(0.0) / sd;
    1.0 - Normal::standard().cdf(z)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::stats::mean;
    use rand::rngs::SmallRng;
    use rand::{RngExt, SeedableRng};
    use statrs::distribution::{ContinuousCDF, Normal};

    /// `n` log ratios drawn from Normal(mu, sd) by inversion.
    fn normal_logs(rng: &mut SmallRng, n: usize, mu: f64, sd: f64) -> Vec<f64> {
        let z = Normal::standard();
        (0..n)
            .map(|_| mu + sd * z.inverse_cdf(rng.random_range(1e-12..1.0 - 1e-12)))
            .collect()
    }

    /// `n` ratios whose logarithms are Normal(mu, sd).
    fn normal_ratios(rng: &mut SmallRng, n: usize, mu: f64, sd: f64) -> Vec<f64> {
        normal_logs(rng, n, mu, sd)
            .iter()
            .map(|x| x.exp())
            .collect()
    }

    #[test]
    fn rounds_pair_by_number_and_mode() {
        let s = |round, value, probes| Sample {
            round,
            value,
            probes,
            blocks: None,
        };
        let fast = Some((80.0, 82.0));
        let slow = Some((400.0, 410.0));
        let base = [s(0, 10.0, fast), s(1, 5.0, slow), s(2, 10.0, fast)];
        let new = [
            s(2, 11.0, fast),
            s(0, 12.0, fast),
            s(1, 11.0, fast),
            s(3, 1.0, None),
        ];
        let p = pair(&new, &base);
        assert_eq!(p.ratios, [1.2, 1.1]);
        assert_eq!(p.split, 1);
    }

    #[test]
    fn interleaved_rounds_pair_by_the_median_block_ratio_whatever_the_modes() {
        let s = |round, value, probes, blocks: &[f64]| Sample {
            round,
            value,
            probes,
            blocks: Some(Blocks {
                values: blocks.into(),
                sparse: false,
            }),
        };
        let (fast, slow) = (Some((80.0, 82.0)), Some((400.0, 410.0)));
        // Round 0: the new arm is 2% slower in every block but one, where
        // a burst of speed fell on its phase; the totals say +50%.
        let base = [s(0, 100.0, fast, &[10.0, 10.0, 10.0, 10.0, 10.0, 10.0])];
        let new = [s(0, 150.0, slow, &[9.8, 9.8, 30.0, 9.8, 9.8, f64::NAN])];
        let p = pair(&new, &base);
        assert_eq!(p.split, 0);
        assert!((p.ratios[0] - 0.98).abs() < 1e-12, "{:?}", p.ratios);
        // Too few blocks: the totals, and the modes decide.
        let base = [s(0, 100.0, fast, &[10.0, 10.0])];
        let new = [s(0, 150.0, fast, &[9.8, 9.8])];
        assert_eq!(pair(&new, &base).ratios, [1.5]);
        assert_eq!(block_ratio(&[1.0; 5], &[1.0; 4], false), None);
        // A sparse writer's cost shows in a minority of blocks: the mean
        // keeps it, the median would not.
        let base = [10.0; 10];
        let mut new = [10.0; 10];
        new[3] = 5.0;
        assert_eq!(block_ratio(&new, &base, false), Some(1.0));
        let mean = block_ratio(&new, &base, true).unwrap();
        assert!((mean - 0.5f64.powf(0.1)).abs() < 1e-12, "{mean}");
    }

    #[test]
    fn modes_from_the_probes() {
        assert!(same_mode(Some((80.0, 85.0)), Some((75.0, 90.0))));
        assert!(same_mode(Some((30.0, 75.0)), Some((110.0, 90.0))));
        // One cell moved during its slice; two cells in different modes.
        assert!(!same_mode(Some((80.0, 400.0)), Some((80.0, 85.0))));
        assert!(!same_mode(Some((400.0, 420.0)), Some((80.0, 85.0))));
        // No probes: cannot tell, alike.
        assert!(same_mode(None, Some((80.0, 85.0))));
    }

    #[test]
    fn the_interval_is_the_signed_rank_test_inverted() {
        // n = 10: P(W+ <= 8) = 0.0244, P(W+ <= 9) = 0.0322 (tables): the
        // interval runs from the 9th smallest Walsh average (R's too).
        assert_eq!(signed_rank_critical(10), 8);
        // n = 6: P(W+ = 0) = 1/64 <= 2.5%, P(W+ <= 1) = 2/64 is not.
        assert_eq!(signed_rank_critical(6), 0);
        // n = 5: not even W+ = 0 (1/32) is that rare: the range.
        assert_eq!(signed_rank_critical(5), 0);
        assert_eq!(signed_rank_critical(20), 52);
        // The normal approximation continues the exact values.
        let exact = signed_rank_critical(EXACT_MAX) as f64;
        let total = (EXACT_MAX * (EXACT_MAX + 1) / 2) as f64;
        let sd = ((EXACT_MAX * (EXACT_MAX + 1) * (2 * EXACT_MAX + 1)) as f64 / 24.0).sqrt();
        assert!((exact - (total / 2.0 - 1.96 * sd - 0.5)).abs() <= 1.0);
        // One wild round moves the estimate and the spread little.
        let mut r = vec![1.02, 1.01, 1.03, 1.02, 1.015, 1.025, 1.02, 1.01, 1.03];
        r.push(0.7);
        let p = Paired::of_ratios(&r).unwrap();
        assert!((p.ratio - 1.02).abs() < 0.005, "{}", p.ratio);
        assert!(p.mde < 0.03, "{}", p.mde);
    }

    #[test]
    fn the_effect_is_the_centre_of_the_log_ratios() {
        let p = Paired::of_ratios(&[2.0, 0.5, 1.0]).unwrap();
        assert!((p.ratio - 1.0).abs() < 1e-12);
        let p = Paired::of_ratios(&[1.1; FEWEST_MARKABLE]).unwrap();
        assert!((p.pct() - 10.0).abs() < 1e-9);
        // No spread: the interval is the point, nothing is left undetectable.
        assert!((p.ci.0 - 1.1).abs() < 1e-12 && (p.ci.1 - 1.1).abs() < 1e-12);
        assert_eq!(p.mde, 0.0);
        assert!(Paired::of_ratios(&[1.0]).is_none());
        assert!(Paired::of_ratios(&[1.0, 0.0]).is_none());
        assert!(Paired::of_ratios(&[1.0, f64::INFINITY]).is_none());
    }

    #[test]
    fn below_the_fewest_markable_rounds_nothing_is_detectable() {
        // Distinct ratios, all above 1: the most extreme the test can see.
        let rounds = |n: usize| (1..=n).map(|i| 1.0 + i as f64 / 100.0).collect::<Vec<_>>();
        let short = Paired::of_ratios(&rounds(FEWEST_MARKABLE - 1)).unwrap();
        assert!(short.p >= 0.05, "{}", short.p);
        assert!(short.mde.is_infinite());
        let enough = Paired::of_ratios(&rounds(FEWEST_MARKABLE)).unwrap();
        assert!(enough.p < 0.05, "{}", enough.p);
        assert!(enough.mde.is_finite());
    }

    #[test]
    fn signed_rank_exact_values() {
        // All five positive: 1 of 32 assignments as extreme, two-sided 2/32.
        assert!((signed_rank_p(&[1.0, 2.0, 3.0, 4.0, 5.0]) - 0.0625).abs() < 1e-12);
        // n = 6, W+ = 20: sums >= 20 mirror sums <= 1 ({}, {1}): 2 * 2/64.
        assert!((signed_rank_p(&[-1.0, 2.0, 3.0, 4.0, 5.0, 6.0]) - 0.0625).abs() < 1e-12);
        // n = 6, all positive: 2 * 1/64.
        assert!((signed_rank_p(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]) - 2.0 / 64.0).abs() < 1e-12);
        // Symmetric: W+ at its mean, p = 1. Zeros are dropped.
        assert_eq!(signed_rank_p(&[-1.0, 1.0, -2.0, 2.0]), 1.0);
        assert_eq!(signed_rank_p(&[0.0, 0.0]), 1.0);
        // Ties share mid-ranks: |d| = 1,1 -> ranks 1.5, 1.5; W+ = 1.5 of a
        // possible 3; the assignments {0, 1.5, 1.5, 3}: P(W+ <= 1.5) = 3/4.
        assert_eq!(signed_rank_p(&[1.0, -1.0]), 1.0);
    }

    #[test]
    fn signed_rank_normal_approximation_agrees_with_the_exact_count() {
        let mut rng = SmallRng::seed_from_u64(3);
        let mut d = normal_logs(&mut rng, 40, 0.2, 1.0);
        d.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
        // No ties: doubled ranks 2, 4, ..., 80.
        let rank2: Vec<usize> = (1..=d.len()).map(|i| 2 * i).collect();
        let w = rank2
            .iter()
            .zip(&d)
            .filter(|(_, x)| **x > 0.0)
            .map(|(r, _)| r)
            .sum();
        let (exact, approx) = (exact_tails(&rank2, w), normal_tails(&rank2, w));
        assert!((exact - approx).abs() < 0.01, "{exact} {approx}");
    }

    #[test]
    fn the_interval_covers_a_known_ratio_about_95_percent_of_the_time() {
        // Log ratios Normal(ln 1.05, 0.05), 20 rounds, 400 experiments.
        let mut rng = SmallRng::seed_from_u64(11);
        let truth = 1.05f64;
        let runs = 400;
        let covered = (0..runs)
            .filter(|_| {
                let r = normal_ratios(&mut rng, 20, truth.ln(), 0.05);
                let p = Paired::of_ratios(&r).unwrap();
                p.ci.0 <= truth && truth <= p.ci.1
            })
            .count();
        let rate = covered as f64 / runs as f64;
        // The percentile bootstrap runs a little short of 95% at n = 20.
        assert!((0.90..=0.98).contains(&rate), "coverage {rate}");
    }

    #[test]
    fn the_test_holds_its_level_and_finds_what_the_mde_says_it_can() {
        let mut rng = SmallRng::seed_from_u64(7);
        let runs = 400;
        let sd = 0.05;
        // Under the null: about 5% significant.
        let false_pos = (0..runs)
            .filter(|_| {
                let r = normal_ratios(&mut rng, 15, 0.0, sd);
                Paired::of_ratios(&r).unwrap().p < 0.05
            })
            .count() as f64
            / runs as f64;
        assert!(false_pos <= 0.08, "false positives {false_pos}");
        // An effect the size of the expected MDE is found about 80% of
        // the time.
        let mde = mde_in_sd(15) * sd;
        let mut mdes = Vec::new();
        let found = (0..runs)
            .filter(|_| {
                let r = normal_ratios(&mut rng, 15, mde, sd);
                let p = Paired::of_ratios(&r).unwrap();
                mdes.push(p.mde.ln_1p());
                p.p < 0.05
            })
            .count() as f64
            / runs as f64;
        assert!((0.65..=0.92).contains(&found), "power {found}");
        let typical = mean(&mdes);
        assert!((typical / mde - 1.0).abs() < 0.1, "{typical} vs {mde}");
    }
}

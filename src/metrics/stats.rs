//! Statistics across repeats: arithmetic mean for times, harmonic mean for
//! rates, a 95% confidence interval from Student's t, and Welch's t-test for
//! whether two sets of repeats differ (unpaired: two files, measured apart;
//! arms measured in the same rounds are compared by `paired.rs`).
//! Quantiles come from `statrs`.

/// The two-sided 95% quantile of Student's t with `df` degrees of freedom
/// (`df` need not be an integer; NaN for `df` <= 0 or NaN), from `statrs`.
pub(crate) fn t95(df: f64) -> f64 {
    t_quantile(0.975, df)
}

/// Student's t distribution function at `x` with `df` degrees of freedom.
fn t_cdf(x: f64, df: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |t| t.cdf(x))
}

/// The `q` quantile of Student's t with `df` degrees of freedom (NaN where
/// no such distribution exists; the normal's beyond a million df).
pub(crate) fn t_quantile(q: f64, df: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
    if df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if df > 1e6 {
        return Normal::standard().inverse_cdf(q);
    }
    StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |t| t.inverse_cdf(q))
}

/// The exact (Garwood) 95% interval of a Poisson mean from `k` observed
/// events: `(chi2(0.025, 2k) / 2, chi2(0.975, 2k + 2) / 2)`, the lower
/// end 0 when `k` is 0. Quantiles from `statrs`.
pub(crate) fn poisson_ci95(k: u64) -> (f64, f64) {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    let q = |p: f64, df: f64| ChiSquared::new(df).map_or(f64::NAN, |d| d.inverse_cdf(p)) / 2.0;
    let lo = if k == 0 {
        0.0
    } else {
        q(0.025, 2.0 * k as f64)
    };
    (lo, q(0.975, 2.0 * k as f64 + 2.0))
}

pub(crate) fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Harmonic mean (the mean of rates measured over equal amounts of work).
/// The median (the upper of the middle two for an even count; NaN when
/// empty).
pub(crate) fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

pub(crate) fn hmean(xs: &[f64]) -> f64 {
    xs.len() as f64 / xs.iter().map(|x| 1.0 / x).sum::<f64>()
}

/// Sample variance (n - 1 in the denominator; NaN for n < 2).
pub(crate) fn variance(xs: &[f64]) -> f64 {
    let n = xs.len();
    if n < 2 {
        return f64::NAN;
    }
    let m = mean(xs);
    xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64
}

/// Half-width of the 95% confidence interval of the mean (NaN for n < 2).
pub(crate) fn ci95_half_width(xs: &[f64]) -> f64 {
    let n = xs.len();
    if n < 2 {
        return f64::NAN;
    }
    t95((n - 1) as f64) * (variance(xs) / n as f64).sqrt()
}

/// Welch's two-sided t-test of `a` against `b` at 95%.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Welch {
    /// `(mean(b) - mean(a)) / sqrt(var(a)/na + var(b)/nb)`.
    pub t: f64,
    /// Welch-Satterthwaite degrees of freedom (not an integer in general).
    pub df: f64,
    /// The quantile `|t|` was held against: `t95(df)`.
    pub critical: f64,
    /// The standard error of the difference of the means.
    pub se: f64,
    /// Two-sided p.
    pub p: f64,
    /// `|t| > critical`: the means differ at the 95% level.
    pub significant: bool,
}

/// Welch's unequal-variances t-test on two sets of per-repeat values.
///
/// `None` when either side has fewer than 2 values: with one repeat there
/// is no variance to test against, and nothing can be significant.
///
/// The degrees of freedom come from the Welch-Satterthwaite equation,
/// `(sa + sb)^2 / (sa^2/(na-1) + sb^2/(nb-1))` with `s = var/n`, and the
/// quantile is Student's t at that (non-integer) df.
///
/// When neither side varies (every repeat gave the same value, common for
/// counters and for latencies quantised by the histogram), the standard
/// error is 0: the difference is then significant exactly when the means
/// differ (`t` = +-inf, `df` = NaN); identical samples never are (`t` = 0).
pub(crate) fn welch(a: &[f64], b: &[f64]) -> Option<Welch> {
    let (na, nb) = (a.len(), b.len());
    if na < 2 || nb < 2 {
        return None;
    }
    let (sa, sb) = (variance(a) / na as f64, variance(b) / nb as f64);
    let diff = mean(b) - mean(a);
    let se2 = sa + sb;
    if se2.is_nan() || se2 <= 0.0 {
        // No spread on either side (or NaN input).
        let t = if diff == 0.0 {
            0.0
        } else {
            diff.signum() * f64::INFINITY
        };
        let significant = diff != 0.0 && diff.is_finite();
        return Some(Welch {
            t,
            df: f64::NAN,
            critical: f64::NAN,
            se: 0.0,
            p: if significant { 0.0 } else { 1.0 },
            significant,
        });
    }
    let t = diff / se2.sqrt();
    let df = se2 * se2 / (sa * sa / (na - 1) as f64 + sb * sb / (nb - 1) as f64);
    let critical = t95(df);
    Some(Welch {
        t,
        df,
        critical,
        se: se2.sqrt(),
        p: 2.0 * (1.0 - t_cdf(t.abs(), df)),
        significant: t.abs() > critical,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn significant(a: &[f64], b: &[f64]) -> bool {
        welch(a, b).is_some_and(|w| w.significant)
    }

    #[test]
    fn means_and_interval() {
        assert_eq!(mean(&[1.0, 2.0, 3.0]), 2.0);
        assert!((hmean(&[1.0, 2.0]) - 4.0 / 3.0).abs() < 1e-12);
        // n = 2, values 1 and 3: sd = sqrt(2), se = 1, t(1) = 12.706.
        assert!((ci95_half_width(&[1.0, 3.0]) - 12.706).abs() < 1e-3);
        // Published quantiles: t(0.975; 4) = 2.776, t(0.975; 30) = 2.042,
        // t(0.8; 9) = 0.883, the normal's 1.960.
        assert!((t95(4.0) - 2.776).abs() < 1e-3);
        assert!((t95(30.0) - 2.042).abs() < 1e-3);
        assert!((t_quantile(0.8, 9.0) - 0.883).abs() < 1e-3);
        assert!((t95(1e7) - 1.960).abs() < 1e-3);
        assert!(t95(0.0).is_nan());
        assert!(ci95_half_width(&[5.0]).is_nan());
        assert_eq!(ci95_half_width(&[4.0, 4.0, 4.0]), 0.0);
        assert!((variance(&[1.0, 3.0]) - 2.0).abs() < 1e-12);
        assert!(variance(&[1.0]).is_nan());
    }

    #[test]
    fn welch_identical_samples_are_not_significant() {
        let a = [10.0, 11.0, 12.0, 10.5];
        let w = welch(&a, &a).unwrap();
        assert_eq!(w.t, 0.0);
        assert!(!w.significant);
        // Constant and equal: no spread, no difference.
        assert!(!significant(&[5.0, 5.0, 5.0], &[5.0, 5.0, 5.0]));
    }

    #[test]
    fn welch_separated_samples_are_significant() {
        let a = [100.0, 101.0, 99.0];
        let b = [120.0, 121.0, 119.0];
        let w = welch(&a, &b).unwrap();
        assert!(w.t > 0.0 && w.significant, "{w:?}");
        assert!(welch(&b, &a).unwrap().t < 0.0);
        // Constant but different (counters, quantised latencies).
        assert!(significant(&[0.0, 0.0, 0.0], &[3.0, 3.0, 3.0]));
        // Overlapping and noisy: not significant.
        assert!(!significant(&[100.0, 140.0, 60.0], &[110.0, 150.0, 70.0]));
    }

    #[test]
    fn welch_needs_two_repeats_a_side() {
        assert!(welch(&[1.0], &[100.0, 101.0]).is_none());
        assert!(welch(&[1.0, 2.0], &[]).is_none());
        assert!(!significant(&[1.0], &[1000.0]));
    }

    #[test]
    fn welch_textbook_examples() {
        // Wikipedia, "Welch's t-test", examples 1 and 2 (t, df, p to the
        // precision published there).
        let a1 = [
            27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7,
            21.4,
        ];
        let a2 = [
            27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5,
            24.4,
        ];
        let w = welch(&a2, &a1).unwrap();
        assert!((w.t - -2.46).abs() < 0.005, "{w:?}");
        assert!((w.df - 25.0).abs() < 0.05, "{w:?}");
        assert!((w.critical - t95(w.df)).abs() < 1e-12);
        assert!(w.significant); // p = 0.021
        assert!((w.p - 0.021).abs() < 0.0005, "{w:?}");
        let b1 = [17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8];
        let b2 = [
            21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8, 20.7, 21.7, 21.5, 22.5,
            23.6, 21.5, 22.5, 23.5, 21.5, 21.8,
        ];
        let w = welch(&b2, &b1).unwrap();
        assert!((w.t - -1.57).abs() < 0.005, "{w:?}");
        assert!((w.df - 9.9).abs() < 0.05, "{w:?}");
        assert!((w.critical - t95(w.df)).abs() < 1e-12);
        assert!(!w.significant); // p = 0.149
        assert!((w.p - 0.149).abs() < 0.0005, "{w:?}");
    }

    #[test]
    fn poisson_intervals_match_the_tables() {
        // Garwood's table: 0 events [0, 3.689], 1 [0.0253, 5.572],
        // 10 [4.795, 18.39].
        let close = |a: f64, b: f64| (a - b).abs() < 2e-3 * b.max(1.0);
        for (k, lo, hi) in [(0, 0.0, 3.689), (1, 0.0253, 5.572), (10, 4.795, 18.39)] {
            let (l, h) = poisson_ci95(k);
            assert!(close(l, lo) && close(h, hi), "{k}: {l} {h}");
        }
    }
}

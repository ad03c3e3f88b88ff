//! A family of comparisons made at once (one review table, one claim's
//! cells): each comparison's p-value adjusted for the others, so that a
//! table of sixty comparisons does not mark three of them by chance.
//!
//! * Holm's step-down method controls the family-wise error rate (the
//!   chance of marking any true null) at the level, for any dependence
//!   between the comparisons: sort the m p-values ascending, multiply the
//!   k-th (1-based) by `m - k + 1`, make the sequence non-decreasing, cap
//!   at 1.
//! * Benjamini-Hochberg controls the false discovery rate (the expected
//!   share of marked comparisons that are true nulls): the k-th smallest
//!   times `m / k`, made non-increasing from the largest down, capped at 1.
//!   Its guarantee assumes independent or positively dependent tests,
//!   which comparisons against one shared baseline are.
//!
//! NaN p-values (comparisons that could not be tested) are left NaN and
//! do not count in m.

use clap::ValueEnum;

/// How a family of p-values is corrected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum Correction {
    /// Holm's step-down (family-wise error rate).
    Holm,
    /// Benjamini-Hochberg (false discovery rate): the default, since a
    /// review table holds hundreds of comparisons, many with real effects;
    /// where none has one (an A/A run) it bounds the chance of any mark,
    /// as Holm does.
    #[default]
    Bh,
}

impl Correction {
    /// How the reports' legends name it (over the table's comparisons).
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Correction::Holm => "Holm-corrected",
            Correction::Bh => "Benjamini-Hochberg-corrected",
        }
    }

    /// `p` adjusted, in the same order.
    pub(crate) fn adjust(self, p: &[f64]) -> Vec<f64> {
        let mut order: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
        order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
        let m = order.len() as f64;
        let mut out = vec![f64::NAN; p.len()];
        match self {
            Correction::Holm => {
                let mut running = 0.0f64;
                for (k, &i) in order.iter().enumerate() {
                    running = running.max((m - k as f64) * p[i]);
                    out[i] = running.min(1.0);
                }
            }
            Correction::Bh => {
                let mut running = 1.0f64;
                for (k, &i) in order.iter().enumerate().rev() {
                    running = running.min(m / (k + 1) as f64 * p[i]);
                    out[i] = running.min(1.0);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| (x.is_nan() && y.is_nan()) || (x - y).abs() < 1e-12)
    }

    #[test]
    fn holm_on_a_known_family() {
        // Sorted 0.005, 0.01, 0.03, 0.04 -> 0.02, 0.03, 0.06, max(0.04, 0.06).
        let adj = Correction::Holm.adjust(&[0.01, 0.04, 0.03, 0.005]);
        assert!(close(&adj, &[0.03, 0.06, 0.06, 0.02]), "{adj:?}");
        // Capped at 1; NaN left alone and not counted.
        let adj = Correction::Holm.adjust(&[0.5, f64::NAN, 0.6]);
        assert!(close(&adj, &[1.0, f64::NAN, 1.0]), "{adj:?}");
    }

    #[test]
    fn bh_on_a_known_family() {
        // Sorted 0.005, 0.01, 0.03, 0.04 -> x4/1, x4/2, x4/3, x4/4 =
        // 0.02, 0.02, 0.04, 0.04 (already monotone).
        let adj = Correction::Bh.adjust(&[0.01, 0.04, 0.03, 0.005]);
        assert!(close(&adj, &[0.02, 0.04, 0.04, 0.02]), "{adj:?}");
        // The step-up: a larger p can rescue a smaller one's rank.
        let adj = Correction::Bh.adjust(&[0.02, 0.021, 0.9]);
        assert!(close(&adj, &[0.0315, 0.0315, 0.9]), "{adj:?}");
        // BH never marks fewer than Holm.
        let p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205];
        let (h, b) = (Correction::Holm.adjust(&p), Correction::Bh.adjust(&p));
        assert!(h.iter().zip(&b).all(|(h, b)| b <= h));
    }
}

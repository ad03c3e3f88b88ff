//! One colour per guard, the same in every figure.

use plotters::style::RGBColor;

/// One colour per guard, in `guard::ALL` order, fixed so that a guard looks
/// the same in every figure (tab10, then four for the fourteen; the two
/// kernel-RCU guards in the greens of the arc-swap ones, darker).
pub(super) const PALETTE: [(&str, RGBColor); 14] = [
    ("none", RGBColor(0, 0, 0)),
    ("seqcount", RGBColor(31, 119, 180)),
    ("seqlock", RGBColor(255, 127, 14)),
    ("seqlock-excl", RGBColor(214, 39, 40)),
    ("seqbegin-or-lock", RGBColor(148, 103, 189)),
    ("seqcount-spinlock", RGBColor(23, 190, 207)),
    ("rcu", RGBColor(44, 160, 44)),
    ("rcu-recheck", RGBColor(123, 65, 115)),
    ("rcu-qsbr", RGBColor(0, 100, 0)),
    ("rcu-qsbr-recheck", RGBColor(82, 40, 75)),
    ("latch", RGBColor(140, 86, 75)),
    ("rwlock", RGBColor(227, 119, 194)),
    ("seqlock-crate", RGBColor(188, 189, 34)),
    ("epoch", RGBColor(127, 127, 127)),
];

/// The guard's colour; a name this build does not know gets a grey.
pub(super) fn guard_colour(guard: &str) -> RGBColor {
    PALETTE
        .iter()
        .find(|(name, _)| *name == guard)
        .map_or(RGBColor(170, 170, 170), |&(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_guard_has_its_own_colour() {
        for g in crate::guard::ALL {
            assert!(
                PALETTE.iter().any(|(n, _)| *n == g.name),
                "{} has no colour",
                g.name
            );
        }
        for (i, (_, a)) in PALETTE.iter().enumerate() {
            assert!(PALETTE[i + 1..].iter().all(|(_, b)| a != b));
        }
    }
}

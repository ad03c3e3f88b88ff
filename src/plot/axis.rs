//! Axis ranges that survive zeros, NaN and infinities (a log axis cannot
//! show them), and the text of ticks that are not plain numbers: reader
//! counts as categories, percentiles on a "nines" axis.

use std::ops::Range;

/// `v` if finite and at least `floor`, else `floor`: a log axis cannot show
/// zero, NaN or infinity.
pub(super) fn at_least(v: f64, floor: f64) -> f64 {
    if v.is_finite() && v >= floor {
        v
    } else {
        floor
    }
}

/// Lowest and highest of the finite values at or above `floor`.
fn span(values: impl IntoIterator<Item = f64>, floor: f64) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite() && *v >= floor)
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((f64::min(lo, v), f64::max(hi, v))),
        })
}

/// A log axis over the values at or above `floor`, widened to whole
/// decades (labelled at powers of ten), never empty.
pub(super) fn log_decades(values: impl IntoIterator<Item = f64>, floor: f64) -> Range<f64> {
    let Some((lo, hi)) = span(values, floor) else {
        return floor..floor * 10.0;
    };
    // In log space: `hi * 1.05` overflows near f64::MAX.
    let lo = 10f64
        .powf((lo.log10() + 0.95f64.log10()).floor())
        .max(floor);
    let hi = finite(10f64.powf((hi.log10() + 1.05f64.log10()).ceil()));
    lo..hi.max(finite(lo * 10.0))
}

/// `v`, or the largest finite value if it overflowed: every value a file
/// may hold must still give an axis with ends.
pub(super) fn finite(v: f64) -> f64 {
    v.min(f64::MAX)
}

/// A log axis just wider than the values at or above `floor` (for an axis
/// ticked at the values themselves), never empty.
pub(super) fn log_padded(values: impl IntoIterator<Item = f64>, floor: f64) -> Range<f64> {
    let Some((lo, hi)) = span(values, floor) else {
        return floor..floor * 10.0;
    };
    (lo / 1.3).max(floor)..finite((hi * 1.3).max(lo * 2.0))
}

/// Distinct finite values, ascending: ticks for an axis.
pub(super) fn ticks(values: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v.dedup();
    v
}

/// 0 to a little above the largest finite value (1 if there is none).
pub(super) fn linear_top(values: impl IntoIterator<Item = f64>) -> f64 {
    let hi = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    if hi > 0.0 {
        finite(hi * 1.12)
    } else {
        1.0
    }
}

/// A category axis on f64: category `i` sits at `i`, labelled `names[i]`.
pub(super) fn category_range(n: usize) -> Range<f64> {
    -0.5..n.max(1) as f64 - 0.5
}

pub(super) fn category_label(names: &[String], v: f64) -> String {
    let i = v.round();
    match names.get(i.max(0.0) as usize) {
        Some(name) if (v - i).abs() < 1e-6 && i >= 0.0 => name.clone(),
        _ => String::new(),
    }
}

/// The percentile axis: 0 .. the deepest nines any curve reaches.
pub(super) fn nines_range(curves: &[Vec<(f64, f64)>]) -> Range<f64> {
    let deepest = curves.iter().flatten().map(|p| p.0).fold(1.0f64, f64::max);
    0.0..deepest.ceil().clamp(1.0, 9.0)
}

/// Nines as a percentile: 0 -> "0", 1 -> "90", 3 -> "99.9"; nothing
/// between whole nines.
pub(super) fn nines_label(v: f64) -> String {
    let k = v.round();
    if (v - k).abs() > 1e-6 || k < 0.0 {
        return String::new();
    }
    match k as usize {
        0 => "0".into(),
        1 => "90".into(),
        k => format!("99.{}", "9".repeat(k - 2))
            .trim_end_matches('.')
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_labels() {
        assert_eq!(nines_label(0.0), "0");
        assert_eq!(nines_label(1.0), "90");
        assert_eq!(nines_label(2.0), "99");
        assert_eq!(nines_label(4.0), "99.99");
        assert_eq!(nines_label(1.5), "");
        assert_eq!(category_label(&["1".into(), "2".into()], 1.0), "2");
        assert_eq!(category_label(&["1".into()], 0.5), "");
        assert_eq!(log_decades([0.0, f64::NAN], 1.0), 1.0..10.0);
        assert_eq!(log_decades([3.0, 250.0], 1.0), 1.0..1000.0);
        // The largest values a file may hold still give finite ends.
        assert!(log_decades([1.0, 1.7e308], 1.0).end.is_finite());
        assert!(log_padded([1.0, 1.7e308], 1.0).end.is_finite());
        assert!(linear_top([1.7e308]).is_finite());
    }
}

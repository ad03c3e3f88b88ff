//! Percentile curves from HdrHistograms: histograms merged across
//! repeats, and their distribution as points on a "nines" axis
//! (-log10(1 - q): 1 at p90, 2 at p99, ...).

use hdrhistogram::Histogram;

/// Sum of histograms (auto-resizing, so differing bounds still merge);
/// `None` if there are none or all are empty.
pub(super) fn merge(hists: Vec<Histogram<u64>>) -> Option<Histogram<u64>> {
    let mut it = hists.into_iter();
    let mut acc = it.next()?;
    acc.auto(true);
    for h in it {
        acc.add(&h).ok()?;
    }
    (!acc.is_empty()).then_some(acc)
}

/// -log10(1 - q): 0 at the median's left end, 1 at p90, 2 at p99, ...
pub(super) fn nines(q: f64) -> f64 {
    -(1.0 - q.clamp(0.0, 1.0)).max(1e-12).log10()
}

/// The deepest percentile `count` samples can resolve, in nines.
pub(super) fn nines_limit(count: u64) -> f64 {
    (count.max(10) as f64).log10()
}

/// HdrHistogram's percentile distribution as (nines, value) points; the
/// maximum is placed at the deepest percentile the sample count resolves.
pub(super) fn curve(h: &Histogram<u64>) -> Vec<(f64, f64)> {
    let last = nines_limit(h.len());
    let mut pts: Vec<(f64, f64)> = h
        .iter_quantiles(4)
        .map(|v| {
            (
                nines(v.quantile_iterated_to()).min(last),
                v.value_iterated_to() as f64,
            )
        })
        .collect();
    pts.dedup_by(|b, a| a.0 == b.0 && a.1 == b.1);
    pts
}

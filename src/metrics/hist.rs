//! A latency histogram (hdrhistogram, nanoseconds, 3 significant digits),
//! its summary, and its serialised form (V2 + deflate, base64) so a results
//! file keeps enough to recompute any percentile.

use base64::Engine;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Largest value tracked: one hour in nanoseconds (larger values saturate).
const MAX_NS: u64 = 3_600_000_000_000;

#[derive(Clone, Debug)]
pub struct Hist(Histogram<u64>);

impl Default for Hist {
    fn default() -> Self {
        Hist(Histogram::new_with_bounds(1, MAX_NS, 3).expect("valid histogram bounds"))
    }
}

/// p50/p90/p99/p99.9/max/mean of a histogram, nanoseconds.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct HistSummary {
    pub count: u64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
    pub mean: f64,
    /// The histogram itself: hdrhistogram V2 + deflate, base64.
    pub hdr: String,
}

impl Hist {
    #[inline]
    pub fn record(&mut self, ns: u64) {
        self.0.saturating_record(ns.clamp(1, MAX_NS));
    }

    pub fn merge(&mut self, other: &Hist) {
        self.0.add(&other.0).expect("histograms share bounds");
    }

    pub fn summary(&self) -> HistSummary {
        let h = &self.0;
        let mut bytes = Vec::new();
        let hdr = match V2DeflateSerializer::new().serialize(h, &mut bytes) {
            Ok(_) => base64::engine::general_purpose::STANDARD.encode(&bytes),
            Err(_) => String::new(),
        };
        if h.is_empty() {
            return HistSummary {
                hdr,
                ..HistSummary::default()
            };
        }
        HistSummary {
            count: h.len(),
            p50: h.value_at_quantile(0.5),
            p90: h.value_at_quantile(0.9),
            p99: h.value_at_quantile(0.99),
            p999: h.value_at_quantile(0.999),
            max: h.max(),
            mean: h.mean(),
            hdr,
        }
    }
}

impl HistSummary {
    /// The histogram back from `hdr`, to recompute any percentile or merge
    /// repeats; `None` if `hdr` is empty or not a V2 (+ deflate) histogram.
    pub fn histogram(&self) -> Option<Histogram<u64>> {
        if self.hdr.is_empty() {
            return None;
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&self.hdr)
            .ok()?;
        Deserializer::new().deserialize(&mut bytes.as_slice()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_round_trips_through_summary() {
        let mut h = Hist::default();
        for ns in [1, 20, 20, 300, 4_000, 50_000, 600_000] {
            h.record(ns);
        }
        let s = h.summary();
        let back = s.histogram().expect("hdr decodes");
        assert_eq!(back, h.0);
        assert_eq!(back.len(), s.count);
        assert_eq!(back.max(), s.max);
        assert_eq!(back.value_at_quantile(0.5), s.p50);
    }

    #[test]
    fn histogram_rejects_missing_or_corrupt_hdr() {
        assert!(HistSummary::default().histogram().is_none());
        let bad = HistSummary {
            hdr: "not base64!".into(),
            ..HistSummary::default()
        };
        assert!(bad.histogram().is_none());
        let truncated = HistSummary {
            hdr: base64::engine::general_purpose::STANDARD.encode([0x1c, 0x84, 0x93]),
            ..HistSummary::default()
        };
        assert!(truncated.histogram().is_none());
    }
}

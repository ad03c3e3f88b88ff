//! A latency histogram (hdrhistogram, nanoseconds, 3 significant digits),
//! its summary, and its serialised form (V2 + deflate, base64) so a results
//! file keeps enough to recompute any percentile.

use base64::Engine;
use hdrhistogram::serialization::{Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;
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
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
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

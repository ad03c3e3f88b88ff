//! Figure 2, read latency: the percentile distribution of allocation
//! latency as the caller sees it (sampled, timer overhead subtracted; see
//! `meta.timer`), one line per guard, on HdrHistogram's "nines" axis, one column per
//! family of guards where there are more than six (`family.rs`).
//!
//! One file per setting, for one representative cell group: a writer
//! running if the file has one, then the most readers that are not
//! oversubscribed, then the highest writer rate (the title names it).
//! Repeats: their histograms merged.

use super::figure::{Body, Plan};
use super::group::Index;
use super::panels::{Curve, Percentiles, Row};
use super::DrawError;
use plotters::coord::Shift;
use plotters::prelude::*;

pub(super) struct Latency(Percentiles);

pub(super) fn plan(ix: &Index) -> Plan<Latency> {
    let mut plan = Plan::per_setting(ix, "latency");
    for s in &ix.settings {
        let name = format!("latency-{}", ix.slug(s));
        let Some(pick) = ix.pick(s, |_| true) else {
            continue;
        };
        let curves: Vec<Curve> = ix
            .in_setting(s)
            .filter(|g| g.at(&pick))
            .map(|g| Curve {
                guard: g.guard.to_string(),
                label: g.guard.to_string(),
                pts: g.percentiles(|c| &c.read_latency_ns),
            })
            .filter(|c| !c.pts.is_empty())
            .collect();
        if curves.is_empty() {
            plan.skip(&name, format!("no latency samples at {}", pick.describe()));
            continue;
        }
        plan.push(
            name,
            format!(
                "Allocation latency percentiles, {}: {}",
                ix.describe(s),
                pick.describe()
            ),
            Latency(Percentiles::new(vec![Row {
                title: String::new(),
                y_desc: "allocation latency (ns)".into(),
                curves,
            }])),
        );
    }
    plan
}

impl Body for Latency {
    fn size(&self) -> (u32, u32) {
        self.0.size()
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        self.0.draw(area)
    }
}

//! Figure 6, rebuild cost: one uncontended `build_all_zonelists` against
//! the number of simulated NUMA nodes (1 to 1024), log-log, one line per
//! guard (one column per family of guards where there are more than six). Each node's zonelist is ordered by `find_next_best_node`, a scan
//! of every node per pick, so the rebuild grows with nodes cubed at scale
//! (and the zonelists' nodes x zones entries per node with nodes squared);
//! what a guard adds shows as an offset.
//!
//! From the file's `rebuild_cost` entries, not its cells; entries repeated
//! for one guard and node count: arithmetic mean of their medians.

use super::figure::{Body, Plan};
use super::group::{by_guard, guard_rank};
use super::panels::{Curve, LogLines};
use super::DrawError;
use crate::workload::floors::RebuildCost as Entry;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Per guard: (nodes, median ns) by nodes.
pub(super) struct RebuildCost(LogLines);

pub(super) fn plan(entries: &[Entry]) -> Plan<RebuildCost> {
    let mut plan = Plan::default();
    // (guard, nodes) -> (sum of medians, entries)
    let mut acc: Vec<(&str, usize, f64, usize)> = Vec::new();
    for e in entries
        .iter()
        .filter(|e| e.median_ns.is_finite() && e.median_ns > 0.0)
    {
        match acc.iter_mut().find(|a| a.0 == e.guard && a.1 == e.nodes) {
            Some(a) => {
                a.2 += e.median_ns;
                a.3 += 1;
            }
            None => acc.push((&e.guard, e.nodes, e.median_ns, 1)),
        }
    }
    let mut lines = by_guard(
        acc.into_iter()
            .filter(|a| a.1 > 0)
            .map(|(guard, nodes, sum, n)| (guard, (nodes as f64, sum / n as f64))),
    );
    if lines.is_empty() {
        plan.skip("rebuild-cost", "the file has no rebuild_cost measurements");
        return plan;
    }
    lines.sort_by_key(|(g, _)| guard_rank(g));
    for (_, pts) in &mut lines {
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    plan.push(
        "rebuild-cost".into(),
        "Zonelist rebuild cost vs simulated nodes (uncontended, median)".into(),
        RebuildCost(LogLines::new(
            lines
                .into_iter()
                .map(|(guard, pts)| Curve {
                    label: guard.clone(),
                    guard,
                    pts,
                })
                .collect(),
            1.0,
            "simulated NUMA nodes",
            "one rebuild (ns)",
        )),
    );
    plan
}

impl Body for RebuildCost {
    fn size(&self) -> (u32, u32) {
        self.0.size()
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        self.0.draw(area)
    }
}

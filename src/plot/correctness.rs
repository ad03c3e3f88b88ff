//! Figure 5, correctness: spurious OOMs (an allocation failed although an
//! eligible zone had free pages above its watermark) and stale zone visits
//! (a walk touched a zone a rebuild had already dropped), one bar per
//! guard, side by side.
//!
//! One file per setting. Counts are totals over every cell of the setting:
//! all reader counts, writers, rates and repeats (events, so summed). A
//! setting whose counts are all 0 gets no figure, and the skip says so.

use super::figure::{Body, Plan};
use super::group::Index;
use super::panels::{bar_grid_size, draw_bar_grid, Bar, BarPanel};
use super::DrawError;
use crate::results::CellResult;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Spurious OOMs, then stale zone visits.
pub(super) struct Correctness([BarPanel; 2]);

pub(super) fn plan(ix: &Index) -> Plan<Correctness> {
    let mut plan = Plan::per_setting(ix, "correctness");
    for s in &ix.settings {
        let mut guards: Vec<&str> = Vec::new();
        let mut cells = 0;
        for g in ix.in_setting(s) {
            cells += g.cells.len();
            if !guards.contains(&g.guard) {
                guards.push(g.guard);
            }
        }
        let bars = |f: fn(&CellResult) -> u64| -> Vec<Bar> {
            guards
                .iter()
                .map(|&guard| {
                    let n = ix
                        .in_setting(s)
                        .filter(|g| g.guard == guard)
                        .fold(0u64, |a, g| a.saturating_add(g.sum(f)));
                    Bar {
                        guard: guard.to_string(),
                        value: n as f64,
                        ci: None,
                        text: n.to_string(),
                    }
                })
                .collect()
        };
        let name = format!("correctness-{}", ix.slug(s));
        let body = Correctness([
            BarPanel {
                title: "spurious OOMs".into(),
                x_desc: "allocations failed".into(),
                bars: bars(|c| c.stats.false_ooms),
            },
            BarPanel {
                title: "stale zone visits".into(),
                x_desc: "zone visits".into(),
                bars: bars(|c| c.stats.stale_zone_visits),
            },
        ]);
        // A figure of zeros shows nothing a sentence cannot say.
        if body.0.iter().flat_map(|p| &p.bars).all(|b| b.value == 0.0) {
            plan.skip(
                &name,
                format!("every count is 0 ({cells} cells: no spurious OOM, no stale zone visit)"),
            );
            continue;
        }
        plan.push(
            name,
            format!(
                "Correctness, {}: totals over {cells} cells (all readers, writers, repeats)",
                ix.describe(s)
            ),
            body,
        );
    }
    plan
}

impl Body for Correctness {
    fn size(&self) -> (u32, u32) {
        bar_grid_size(&self.0)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        draw_bar_grid(area, &self.0)
    }
}

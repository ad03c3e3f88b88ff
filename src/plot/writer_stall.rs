//! Figure 4, writer stall: per zonelist rebuild, how long the writer
//! waited for the guard's write side (lock wait) and how long it then held
//! it (critical section: readers retry or wait meanwhile), as percentile
//! curves per guard, stacked in two panels.
//!
//! One file per setting, for one representative group among the writer
//! cells (the most readers not oversubscribed, then the highest rate; the
//! title names it). The legend counts rebuilds that waited past the stall
//! threshold. Repeats: histograms merged, stalls summed.

use super::figure::{Body, Plan};
use super::group::Index;
use super::panels::{draw_percentiles, Curve};
use super::theme::WIDTH;
use super::DrawError;
use crate::workload::spec::WriterMode;
use plotters::coord::Shift;
use plotters::prelude::*;

pub(super) struct WriterStall {
    lock_wait: Vec<Curve>,
    critical: Vec<Curve>,
}

pub(super) fn plan(ix: &Index) -> Plan<WriterStall> {
    let mut plan = Plan::per_setting(ix, "writer-stall");
    for s in &ix.settings {
        let name = format!("writer-stall-{}", ix.slug(s));
        let Some(pick) = ix.pick(s, |w| w != WriterMode::None) else {
            plan.skip(&name, "no cells with a writer");
            continue;
        };
        let (mut lock_wait, mut critical) = (Vec::new(), Vec::new());
        for g in ix.in_setting(s).filter(|g| g.at(&pick)) {
            let label = match g.sum(|c| c.writer.writer_stalls) {
                0 => g.guard.to_string(),
                n => format!("{} ({n} stalls > 10 ms)", g.guard),
            };
            let push = |to: &mut Vec<Curve>, pts: Vec<(f64, f64)>| {
                if !pts.is_empty() {
                    to.push(Curve {
                        guard: g.guard.to_string(),
                        label: label.clone(),
                        pts,
                    });
                }
            };
            push(&mut lock_wait, g.percentiles(|c| &c.writer.lock_wait_ns));
            push(&mut critical, g.percentiles(|c| &c.writer.critical_ns));
        }
        if lock_wait.is_empty() && critical.is_empty() {
            plan.skip(&name, format!("no rebuilds timed at {}", pick.describe()));
            continue;
        }
        plan.push(
            name,
            format!(
                "Writer: time per rebuild, {}: {}",
                ix.describe(s),
                pick.describe()
            ),
            WriterStall {
                lock_wait,
                critical,
            },
        );
    }
    plan
}

impl Body for WriterStall {
    fn size(&self) -> (u32, u32) {
        (WIDTH, 920)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let panes = area.split_evenly((2, 1));
        draw_percentiles(
            &panes[0],
            "lock wait: before the write section begins",
            "lock wait (ns)",
            &self.lock_wait,
        )?;
        draw_percentiles(
            &panes[1],
            "critical section: readers retry or wait meanwhile",
            "critical section (ns)",
            &self.critical,
        )
    }
}

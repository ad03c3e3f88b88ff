//! Figure 4, writer stall: per zonelist rebuild, how long the writer
//! waited for the guard's write side (lock wait) and how long it then held
//! it (critical section: readers retry or wait meanwhile), as percentile
//! curves per guard, stacked in two rows of panels (one column per
//! family of guards where there are more than six, `family.rs`).
//!
//! One file per setting, for one representative group among the writer
//! cells (the most readers not oversubscribed, then the highest rate; the
//! title names it). The legend counts rebuilds that waited past the stall
//! threshold. Repeats: histograms merged, stalls summed.

use super::figure::{Body, Plan};
use super::group::Index;
use super::panels::{Curve, Percentiles, Row};
use super::DrawError;
use crate::workload::spec::WriterMode;
use plotters::coord::Shift;
use plotters::prelude::*;

pub(super) struct WriterStall(Percentiles);

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
            WriterStall(Percentiles::new(vec![
                Row {
                    title: "lock wait: before the write section begins".into(),
                    y_desc: "lock wait (ns)".into(),
                    curves: lock_wait,
                },
                Row {
                    title: "critical section: readers retry or wait meanwhile".into(),
                    y_desc: "critical section (ns)".into(),
                    curves: critical,
                },
            ])),
        );
    }
    plan
}

impl Body for WriterStall {
    fn size(&self) -> (u32, u32) {
        self.0.size()
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        self.0.draw(area)
    }
}

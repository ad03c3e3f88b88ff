//! Figure 3, retries: read-section restarts per million sections against
//! the writer's rate, one line per guard, log-log (a zero cannot sit on a
//! log axis: a guard that never retried is listed in the legend only),
//! one column per family of guards where there are more than six.
//!
//! One file per setting and writer mode (rebuild, hotplug), at one reader
//! count: the most readers that are not oversubscribed. With a single
//! writer rate in the file there is no curve to draw: a bar per guard
//! instead, the title says so. A figure in which no guard ever retried is
//! not drawn; the skip says so. Repeats: arithmetic mean (retries per
//! million is a ratio, and a harmonic mean would read 0 whenever one
//! repeat saw no retry).

use super::figure::{Body, Plan};
use super::group::{by_guard, Index};
use super::label::{readers_text, short, writer_text};
use super::panels::{bar_grid_size, draw_bar_grid, Bar, BarPanel, Curve, LogLines};
use super::DrawError;
use crate::workload::spec::WriterMode;
use plotters::coord::Shift;
use plotters::prelude::*;

pub(super) enum Retries {
    /// Per guard: (rate Hz, retries per million) at the rates it retried.
    Lines(LogLines),
    Bars([BarPanel; 1]),
}

/// A guard's line through the rates at which it retried, labelled with
/// how many rates it did not.
fn curve(guard: String, all: Vec<(f64, f64)>) -> Curve {
    let pts: Vec<(f64, f64)> = all
        .iter()
        .copied()
        .filter(|p| p.0.is_finite() && p.0 > 0.0 && p.1.is_finite() && p.1 > 0.0)
        .collect();
    let label = match all.len() - pts.len() {
        _ if pts.is_empty() => format!("{guard} (no retries)"),
        0 => guard.clone(),
        n => format!("{guard} (none at {n} of {} rates)", all.len()),
    };
    Curve { guard, label, pts }
}

pub(super) fn plan(ix: &Index) -> Plan<Retries> {
    let mut plan = Plan::default();
    for s in &ix.settings {
        for writer in [WriterMode::Rebuild, WriterMode::Hotplug] {
            let name = format!("retries-{}-{}", ix.slug(s), writer.name());
            let Some(pick) = ix.pick(s, |w| w == writer) else {
                continue;
            };
            let groups: Vec<_> = ix
                .in_setting(s)
                .filter(|g| g.writer == writer && g.readers == pick.readers)
                .collect();
            let mut rates: Vec<f64> = groups.iter().map(|g| g.rate_hz).collect();
            rates.sort_by(f64::total_cmp);
            rates.dedup_by(|a, b| a.to_bits() == b.to_bits());

            let mut lines = by_guard(
                groups
                    .iter()
                    .map(|g| (g.guard, (g.rate_hz, g.mean(|c| c.retries_per_million)))),
            );
            // A figure of zeros shows nothing a sentence cannot say.
            if lines.iter().flat_map(|(_, pts)| pts).all(|p| p.1 == 0.0) {
                plan.skip(
                    &name,
                    format!(
                        "no guard retried ({} groups, {})",
                        groups.len(),
                        readers_text(pick.readers)
                    ),
                );
                continue;
            }
            let readers = readers_text(pick.readers);
            let (title, body) = if rates.len() > 1 {
                for (_, pts) in &mut lines {
                    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
                }
                (
                    format!(
                        "Reader retries vs {} rate, {}, {readers}",
                        writer.name(),
                        ix.describe(s)
                    ),
                    Retries::Lines(LogLines::new(
                        lines.into_iter().map(|(g, pts)| curve(g, pts)).collect(),
                        1e-3,
                        "writer rate (Hz)",
                        "retries per million read sections",
                    )),
                )
            } else {
                let bars = lines
                    .into_iter()
                    .map(|(guard, pts)| {
                        let value = pts.first().map_or(f64::NAN, |p| p.1);
                        Bar {
                            guard,
                            value,
                            ci: None,
                            text: short(value),
                        }
                    })
                    .collect();
                (
                    format!(
                        "Reader retries, {}, {readers}, {} (the file's only rate)",
                        ix.describe(s),
                        writer_text(writer, pick.rate_hz)
                    ),
                    Retries::Bars([BarPanel {
                        title: String::new(),
                        x_desc: "retries per million read sections".into(),
                        bars,
                    }]),
                )
            };
            plan.push(name, title, body);
        }
    }
    if plan.is_empty() {
        plan.skip("retries", "no cells with a rebuild or hotplug writer");
    }
    plan
}

impl Body for Retries {
    fn size(&self) -> (u32, u32) {
        match self {
            Retries::Bars(p) => bar_grid_size(p),
            Retries::Lines(l) => l.size(),
        }
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        match self {
            Retries::Bars(p) => draw_bar_grid(area, p),
            Retries::Lines(l) => l.draw(area),
        }
    }
}

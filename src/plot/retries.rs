//! Figure 3, retries: read-section restarts per million sections against
//! the writer's rate, one line per guard, log-log (a zero cannot sit on a
//! log axis: a guard that never retried is listed in the legend only).
//!
//! One file per setting and writer mode (rebuild, hotplug), at one reader
//! count: the most readers that are not oversubscribed. With a single
//! writer rate in the file there is no curve to draw: a bar per guard
//! instead, the title says so. Repeats: arithmetic mean (retries per
//! million is a ratio, and a harmonic mean would read 0 whenever one
//! repeat saw no retry).

use super::chart::{guard_line, legend, legend_only, log_log};
use super::figure::{Body, Plan};
use super::group::{by_guard, Index};
use super::label::{readers_text, short, writer_text};
use super::panels::{draw_bars, Bar};
use super::DrawError;
use crate::workload::spec::WriterMode;
use plotters::chart::SeriesLabelPosition;
use plotters::coord::Shift;
use plotters::prelude::*;

pub(super) enum Retries {
    /// Per guard: (rate Hz, retries per million) at every rate.
    Lines(Vec<(String, Vec<(f64, f64)>)>),
    Bars(Vec<Bar>),
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
                    Retries::Lines(lines),
                )
            } else {
                let bars = lines
                    .into_iter()
                    .map(|(guard, pts)| {
                        let value = pts.first().map_or(f64::NAN, |p| p.1);
                        Bar {
                            guard,
                            value,
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
                    Retries::Bars(bars),
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
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let lines = match self {
            Retries::Bars(bars) => {
                return draw_bars(area, "", "retries per million read sections", bars)
            }
            Retries::Lines(lines) => lines,
        };
        let positive = |pts: &[(f64, f64)]| -> Vec<(f64, f64)> {
            pts.iter()
                .copied()
                .filter(|p| p.0.is_finite() && p.0 > 0.0 && p.1.is_finite() && p.1 > 0.0)
                .collect()
        };
        // Ticks at the rates measured.
        let mut ch = log_log(
            area,
            lines,
            1e-3,
            "writer rate (Hz)",
            "retries per million read sections",
        )?;
        for (guard, all) in lines {
            let pts = positive(all);
            match all.len() - pts.len() {
                _ if pts.is_empty() => {
                    legend_only(&mut ch, guard, &format!("{guard} (no retries)"))?;
                }
                0 => guard_line(&mut ch, guard, guard, &pts, true)?,
                n => {
                    let label = format!("{guard} (none at {n} of {} rates)", all.len());
                    guard_line(&mut ch, guard, &label, &pts, true)?;
                }
            }
        }
        legend(&mut ch, SeriesLabelPosition::UpperLeft)
    }
}

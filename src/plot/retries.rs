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

use super::style::{
    chart, draw_bars, guard_line, legend, legend_only, log_decades, log_padded, mesh, short, ticks,
    titled, Bar,
};
use super::{by_guard, readers_text, writer_text, DrawError, Figure, Index, Plan};
use crate::workload::spec::WriterMode;
use plotters::chart::SeriesLabelPosition;
use plotters::coord::Shift;
use plotters::prelude::*;

pub(super) struct Retries {
    name: String,
    title: String,
    shape: Shape,
}

enum Shape {
    /// Per guard: (rate Hz, retries per million) at every rate.
    Lines(Vec<(String, Vec<(f64, f64)>)>),
    Bars(Vec<Bar>),
}

pub(super) fn plan(ix: &Index) -> Plan<Retries> {
    let mut plan = Plan::default();
    for &s in &ix.settings {
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
            let (title, shape) = if rates.len() > 1 {
                for (_, pts) in &mut lines {
                    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
                }
                (
                    format!(
                        "Reader retries vs {} rate, {}, {readers}",
                        writer.name(),
                        ix.describe(s)
                    ),
                    Shape::Lines(lines),
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
                    Shape::Bars(bars),
                )
            };
            plan.figures.push(Retries { name, title, shape });
        }
    }
    if plan.figures.is_empty() {
        plan.skip("retries", "no cells with a rebuild or hotplug writer");
    }
    plan
}

impl Figure for Retries {
    fn name(&self) -> &str {
        &self.name
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let body = titled(area, &self.title)?;
        let lines = match &self.shape {
            Shape::Bars(bars) => {
                return draw_bars(&body, "", "retries per million read sections", bars)
            }
            Shape::Lines(lines) => lines,
        };
        let positive = |pts: &[(f64, f64)]| -> Vec<(f64, f64)> {
            pts.iter()
                .copied()
                .filter(|p| p.0.is_finite() && p.0 > 0.0 && p.1.is_finite() && p.1 > 0.0)
                .collect()
        };
        let rates = ticks(lines.iter().flat_map(|(_, p)| p.iter().map(|p| p.0)));
        let x = log_padded(rates.iter().copied(), 1e-3);
        let y = log_decades(lines.iter().flat_map(|(_, p)| p.iter().map(|p| p.1)), 1e-3);
        // Ticks at the rates measured.
        let mut ch = chart(&body, "", 80)
            .build_cartesian_2d(x.log_scale().with_key_points(rates), y.log_scale())?;
        mesh(
            &mut ch,
            "writer rate (Hz)",
            "retries per million read sections",
        )
        .x_label_formatter(&|v| short(*v))
        .y_label_formatter(&|v| short(*v))
        .draw()?;
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

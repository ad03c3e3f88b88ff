//! Figure 1, throughput: allocations per second (all readers together)
//! against the number of reader threads, one line per guard.
//!
//! One file per setting (scope, and pressure, nodes or RT where the file
//! varies them); in it one panel per writer mode and rate, stacked on a
//! shared y axis so a writer's cost reads straight down the page. Repeats
//! are combined by harmonic mean; whiskers span the repeats' lowest and
//! highest. Reader counts above the machine's logical CPUs are shaded as
//! oversubscribed (they measure preemption, not contention); a cross marks
//! a point at which the watchdog declared a cell stalled. Two grey dashed
//! lines start from the fastest guard's one-reader rate: "linear" (N times
//! it) and, where the run measured it, "machine ceiling" (what N threads of
//! private work reach over one on this machine, `workload::ceiling`): a
//! guard's distance below the ceiling is what its sharing costs.

use super::axis::{category_label, category_range, linear_top};
use super::chart::{chart, guard_line, legend, mesh};
use super::figure::{Body, Plan};
use super::group::{by_guard, Group, Index};
use super::label::{short, writer_text};
use super::palette::guard_colour;
use super::theme::{font, MUTED, NOTE_PX, SHADE, WIDTH};
use super::DrawError;
use crate::workload::ceiling;
use crate::workload::spec::WriterMode;
use plotters::chart::SeriesLabelPosition;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub(super) struct Throughput {
    readers: Vec<String>,
    /// Category index of the first oversubscribed reader count.
    oversubscribed_from: Option<usize>,
    logical_cpus: usize,
    top: f64,
    panels: Vec<Panel>,
}

struct Panel {
    title: String,
    /// Per guard, its points by reader count.
    lines: Vec<(String, Vec<Point>)>,
    /// "linear" and "machine ceiling" from the fastest one-reader rate:
    /// (x, rate) each.
    linear: Vec<(f64, f64)>,
    ceiling: Vec<(f64, f64)>,
}

struct Point {
    x: f64,
    hmean: f64,
    lo: f64,
    hi: f64,
    repeats: usize,
    stalled: bool,
}

fn writer_rank(w: WriterMode) -> u8 {
    match w {
        WriterMode::None => 0,
        WriterMode::Rebuild => 1,
        WriterMode::Hotplug => 2,
    }
}

pub(super) fn plan(ix: &Index) -> Plan<Throughput> {
    let mut plan = Plan::per_setting(ix, "throughput");
    for s in &ix.settings {
        let groups: Vec<&Group> = ix.in_setting(s).collect();
        let mut readers: Vec<usize> = groups.iter().map(|g| g.readers).collect();
        readers.sort_unstable();
        readers.dedup();
        let oversubscribed_from = readers
            .iter()
            .position(|&r| groups.iter().any(|g| g.readers == r && g.oversubscribed()));

        let mut writers: Vec<(WriterMode, f64)> = Vec::new();
        for g in &groups {
            if !writers
                .iter()
                .any(|&(w, r)| w == g.writer && r.to_bits() == g.rate_hz.to_bits())
            {
                writers.push((g.writer, g.rate_hz));
            }
        }
        writers.sort_by(|a, b| {
            writer_rank(a.0)
                .cmp(&writer_rank(b.0))
                .then(a.1.total_cmp(&b.1))
        });

        let mut top = 0.0f64;
        let panels = writers
            .iter()
            .map(|&(writer, rate_hz)| {
                let points = groups
                    .iter()
                    .filter(|g| g.writer == writer && g.rate_hz.to_bits() == rate_hz.to_bits())
                    .filter_map(|g| {
                        let samples = g.cells.values(|c| c.allocs_per_sec);
                        let hmean = g.rate(|c| c.allocs_per_sec);
                        if !hmean.is_finite() {
                            return None;
                        }
                        let point = Point {
                            x: readers.iter().position(|&r| r == g.readers).unwrap_or(0) as f64,
                            hmean,
                            lo: samples.iter().copied().fold(hmean, f64::min),
                            hi: samples.iter().copied().fold(hmean, f64::max),
                            repeats: samples.len(),
                            stalled: g.stalled(),
                        };
                        top = top.max(point.hi);
                        Some((g.guard, point))
                    });
                let mut lines = by_guard(points);
                for (_, pts) in &mut lines {
                    pts.sort_by(|a, b| a.x.total_cmp(&b.x));
                }
                let mut title = writer_text(writer, rate_hz);
                if lines.iter().flat_map(|(_, pts)| pts).any(|p| p.stalled) {
                    title += " (× = a repeat stalled)";
                }
                // From the fastest guard at one reader (x = 0 when the
                // plan has one reader).
                let one = (readers.first() == Some(&1))
                    .then(|| {
                        lines
                            .iter()
                            .filter_map(|(_, pts)| pts.iter().find(|p| p.x == 0.0))
                            .map(|p| p.hmean)
                            .fold(0.0f64, f64::max)
                    })
                    .filter(|r| *r > 0.0);
                let (mut linear, mut ceiling) = (Vec::new(), Vec::new());
                if let Some(r1) = one {
                    for (i, &n) in readers.iter().enumerate() {
                        linear.push((i as f64, r1 * n as f64));
                        let c = if n == 1 {
                            Some(1.0)
                        } else {
                            ceiling::at(ix.ceiling, n)
                        };
                        if let Some(c) = c {
                            ceiling.push((i as f64, r1 * c));
                            top = top.max(r1 * c);
                        }
                    }
                }
                Panel {
                    title,
                    lines,
                    linear,
                    ceiling,
                }
            })
            .filter(|p| !p.lines.is_empty())
            .collect::<Vec<_>>();

        let name = format!("throughput-{}", ix.slug(s));
        if panels.is_empty() {
            plan.skip(&name, "no finite allocs/s");
            continue;
        }
        plan.push(
            name,
            format!(
                "Allocation throughput vs reader threads, {}",
                ix.describe(s)
            ),
            Throughput {
                readers: readers.iter().map(|r| r.to_string()).collect(),
                oversubscribed_from,
                logical_cpus: ix.logical_cpus,
                top: linear_top([top]),
                panels,
            },
        );
    }
    plan
}

impl Body for Throughput {
    fn size(&self) -> (u32, u32) {
        (WIDTH, (60 + 430 * self.panels.len() as u32).max(560))
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let n = self.readers.len();
        for (i, (panel, pane)) in self
            .panels
            .iter()
            .zip(area.split_evenly((self.panels.len(), 1)))
            .enumerate()
        {
            let mut ch = chart(&pane, &panel.title, 80)
                .build_cartesian_2d(category_range(n), 0.0..self.top)?;
            mesh(&mut ch, "reader threads", "allocations/s, all readers")
                .x_labels(n)
                .x_label_formatter(&|v| category_label(&self.readers, *v))
                .y_label_formatter(&|v| short(*v))
                .draw()?;

            if let Some(k) = self.oversubscribed_from {
                let left = k as f64 - 0.5;
                ch.draw_series([Rectangle::new(
                    [(left, 0.0), (n as f64 - 0.5, self.top)],
                    SHADE.mix(0.18).filled(),
                )])?;
                let note = font(NOTE_PX)
                    .color(&MUTED)
                    .pos(Pos::new(HPos::Left, VPos::Top));
                ch.draw_series([Text::new(
                    format!(" oversubscribed: > {} logical CPUs", self.logical_cpus),
                    (left, self.top),
                    note,
                )])?;
            }

            for (guard, points) in &panel.lines {
                let colour = guard_colour(guard);
                let pts: Vec<(f64, f64)> = points.iter().map(|p| (p.x, p.hmean)).collect();
                guard_line(&mut ch, guard, guard, &pts, true)?;
                // Whiskers: the repeats' range, capped.
                const CAP: f64 = 0.05;
                ch.draw_series(points.iter().filter(|p| p.repeats > 1).flat_map(|p| {
                    [
                        [(p.x, p.lo), (p.x, p.hi)],
                        [(p.x - CAP, p.lo), (p.x + CAP, p.lo)],
                        [(p.x - CAP, p.hi), (p.x + CAP, p.hi)],
                    ]
                    .map(|seg| PathElement::new(seg, colour.stroke_width(1)))
                }))?;
                ch.draw_series(
                    points
                        .iter()
                        .filter(|p| p.stalled)
                        .map(|p| Cross::new((p.x, p.hmean), 7, colour.stroke_width(2))),
                )?;
            }
            // Linear only as far as it stays on the chart.
            let linear: Vec<(f64, f64)> = panel
                .linear
                .iter()
                .copied()
                .take_while(|p| p.1 <= self.top)
                .collect();
            // Linear thin, short dashes, light; the ceiling thick, long
            // dashes, dark: the two must not be mistaken for each other.
            for (pts, label, colour, width, dash) in [
                (&linear, "linear", SHADE, 1, 3),
                (&panel.ceiling, "machine ceiling", MUTED, 3, 10),
            ] {
                if pts.len() > 1 {
                    let style = colour.stroke_width(width);
                    ch.draw_series(DashedLineSeries::new(pts.iter().copied(), dash, 4, style))?
                        .label(label)
                        .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], style));
                }
            }
            if i == 0 {
                legend(&mut ch, SeriesLabelPosition::UpperLeft)?;
            }
        }
        Ok(())
    }
}

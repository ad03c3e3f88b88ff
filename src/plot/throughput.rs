//! Figure 1, throughput: allocations per second (all readers together)
//! against the number of reader threads, one line per guard.
//!
//! One file per setting (scope, and pressure, nodes or RT where the file
//! varies them); in it one row of panels per writer mode and rate, on a
//! shared y axis so a writer's cost reads straight down the page, and one
//! column per family of guards where there are more than six
//! (`family.rs`). Repeats are combined by harmonic mean; whiskers are the
//! 95% confidence interval of that mean over the repeats (Student's t on
//! the reciprocals, `Repeats::rate_ci95`; an arrow where the interval has
//! no upper bound), and the title and legend say so and over how many
//! repeats. They show how much each guard's own rate moved over the
//! rounds (on a machine that changes speed, much more than the paired
//! ratios by which `report` compares guards measured in the same round):
//! overlapping whiskers do not mean "no difference", and the title says
//! that too. Reader counts above the machine's logical CPUs are shaded as
//! oversubscribed (they measure preemption, not contention); a ring marks
//! a point at which the watchdog declared a cell stalled. Two grey
//! dashed lines start from the fastest guard's one-reader rate: "linear"
//! (N times it) and, where the run measured it, "machine ceiling" (what N
//! threads of private work reach over one on this machine,
//! `workload::ceiling`): a guard's distance below the ceiling is what its
//! sharing costs.
//!
//! A file of one reader count (the claims' cells) has no line to draw:
//! each writer's panel is then a bar per guard, the guard on the axis.

use super::axis::{category_label, category_range, linear_top};
use super::chart::{chart, mesh};
use super::family::{columns, first_seen, Column};
use super::figure::{Body, Plan};
use super::grid::{self, Head};
use super::group::{by_guard, Group, Index};
use super::label::{readers_text, short, writer_text};
use super::palette::Dash;
use super::panels::{bar_grid_size, draw_bar_grid, Bar, BarPanel};
use super::series::{line, whiskers, Along, Entry, Key, Marks, Whisker};
use super::theme::{font, MUTED, NOTE_PX, SHADE};
use super::DrawError;
use crate::workload::ceiling;
use crate::workload::spec::WriterMode;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub(super) enum Throughput {
    Lines(Lines),
    Bars(Vec<BarPanel>),
}

pub(super) struct Lines {
    readers: Vec<String>,
    /// Category index of the first oversubscribed reader count.
    oversubscribed_from: Option<usize>,
    logical_cpus: usize,
    top: f64,
    columns: Vec<Column>,
    /// What the whiskers are, for the legend.
    whiskers: String,
    panels: Vec<Panel>,
}

struct Panel {
    title: String,
    /// A repeat of some point stalled.
    stalled: bool,
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
    /// The 95% interval of `hmean`; `None` with one repeat.
    ci: Option<(f64, f64)>,
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

/// What the whiskers are, over `repeats` (per point; `open`: some
/// interval has no upper bound), for the legend: "95% CI, 6-7 repeats".
fn whisker_text(repeats: impl Iterator<Item = usize>, open: bool) -> String {
    let (lo, hi) = repeats.fold((usize::MAX, 0), |(lo, hi), n| (lo.min(n), hi.max(n)));
    let arrow = if open { "; arrow: no upper bound" } else { "" };
    match (lo, hi) {
        (_, 0 | 1) => "one repeat, no interval".into(),
        (lo, hi) if lo == hi => format!("95% CI, {hi} repeats{arrow}"),
        (lo, hi) => format!("95% CI, {lo}-{hi} repeats{arrow}"),
    }
}

/// What every throughput title ends with: what the whiskers are and are
/// not.
fn whisker_caveat(whiskers: &str) -> String {
    format!(
        "(whiskers: each rate's own {whiskers}; guards compare by their paired ratios, \
         in the report table)"
    )
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
                        let hmean = g.rate(|c| c.allocs_per_sec);
                        if !hmean.is_finite() {
                            return None;
                        }
                        let ci = g.cells.rate_ci95(|c| c.allocs_per_sec);
                        let point = Point {
                            x: readers.iter().position(|&r| r == g.readers).unwrap_or(0) as f64,
                            hmean,
                            ci,
                            repeats: g
                                .cells
                                .values(|c| c.allocs_per_sec)
                                .iter()
                                .filter(|v| **v > 0.0)
                                .count(),
                            stalled: g.stalled(),
                        };
                        top = top.max(hmean);
                        if let Some((_, hi)) = ci.filter(|c| c.1.is_finite()) {
                            top = top.max(hi);
                        }
                        Some((g.guard, point))
                    });
                let mut lines = by_guard(points);
                for (_, pts) in &mut lines {
                    pts.sort_by(|a, b| a.x.total_cmp(&b.x));
                }
                let title = writer_text(writer, rate_hz);
                let stalled = lines.iter().flat_map(|(_, pts)| pts).any(|p| p.stalled);
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
                    stalled,
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
        let all = || panels.iter().flat_map(|p| &p.lines);
        let points = || all().flat_map(|(_, pts)| pts);
        let open = points().any(|p| p.ci.is_some_and(|c| !c.1.is_finite()));
        let whiskers = whisker_text(points().map(|p| p.repeats), open);
        if readers.len() == 1 {
            let x_desc = "allocations/s, all readers".to_string();
            let panels = panels
                .into_iter()
                .map(|p| BarPanel {
                    title: match p.stalled {
                        true => format!("{} (a repeat stalled: see its bar)", p.title),
                        false => p.title,
                    },
                    x_desc: x_desc.clone(),
                    bars: p
                        .lines
                        .into_iter()
                        .filter_map(|(guard, pts)| {
                            let p = pts.into_iter().next()?;
                            Some(Bar {
                                guard,
                                value: p.hmean,
                                ci: p.ci,
                                text: match p.stalled {
                                    true => format!("{} (stalled)", short(p.hmean)),
                                    false => short(p.hmean),
                                },
                            })
                        })
                        .collect(),
                })
                .collect();
            plan.push(
                name,
                format!(
                    "Allocation throughput, {}, {} {}",
                    ix.describe(s),
                    readers_text(readers[0]),
                    whisker_caveat(&whiskers)
                ),
                Throughput::Bars(panels),
            );
            continue;
        }
        let guards = first_seen(all().map(|(g, _)| g));
        plan.push(
            name,
            format!(
                "Allocation throughput vs reader threads, {} {}",
                ix.describe(s),
                whisker_caveat(&whiskers)
            ),
            Throughput::Lines(Lines {
                readers: readers.iter().map(|r| r.to_string()).collect(),
                oversubscribed_from,
                logical_cpus: ix.logical_cpus,
                top: linear_top([top]),
                columns: columns(&guards),
                whiskers,
                panels,
            }),
        );
    }
    plan
}

/// Linear thin, short dashes, light; the ceiling thick, long dashes,
/// dark: the two must not be mistaken for each other.
const LINEAR: Key = Key::Line(SHADE, 1, Dash::Short);
const CEILING: Key = Key::Line(MUTED, 3, Dash::Long);

impl Lines {
    fn heads(&self) -> Vec<Head> {
        let has = |f: fn(&Panel) -> &Vec<(f64, f64)>| self.panels.iter().any(|p| f(p).len() > 1);
        self.columns
            .iter()
            .map(|c| {
                let mut entries: Vec<Entry> = c
                    .series()
                    .into_iter()
                    .map(|(_, look, label)| Entry {
                        key: Key::Series(look),
                        label,
                    })
                    .collect();
                entries.push(Entry {
                    key: Key::Whisker(MUTED),
                    label: self.whiskers.clone(),
                });
                for (key, label, shown) in [
                    (LINEAR, "linear", has(|p| &p.linear)),
                    (CEILING, "machine ceiling", has(|p| &p.ceiling)),
                ] {
                    if shown {
                        entries.push(Entry {
                            key,
                            label: label.into(),
                        });
                    }
                }
                Head {
                    name: c.name.clone(),
                    entries,
                }
            })
            .collect()
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        pane: &DrawingArea<DB, Shift>,
        panel: &Panel,
        column: &Column,
    ) -> Result<(), DrawError> {
        let n = self.readers.len();
        let title = match panel.stalled {
            true => format!("{} (ringed: a repeat stalled)", panel.title),
            false => panel.title.clone(),
        };
        let mut ch =
            chart(pane, &title, 80).build_cartesian_2d(category_range(n), 0.0..self.top)?;
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
            // Anchored at the plot's right edge: the shaded band may be
            // one category wide, narrower than the note.
            let note = font(NOTE_PX)
                .color(&MUTED)
                .pos(Pos::new(HPos::Right, VPos::Top));
            ch.draw_series([Text::new(
                format!("oversubscribed: > {} CPUs ", self.logical_cpus),
                (n as f64 - 0.5, self.top),
                note,
            )])?;
        }

        // Linear only as far as it stays on the chart.
        let linear: Vec<(f64, f64)> = panel
            .linear
            .iter()
            .copied()
            .take_while(|p| p.1 <= self.top)
            .collect();
        for (pts, key) in [(&linear, LINEAR), (&panel.ceiling, CEILING)] {
            if let (true, Key::Line(colour, width, dash)) = (pts.len() > 1, key) {
                super::series::path(&mut ch, pts, colour, width, dash)?;
            }
        }

        // Each guard's points a little apart from the next one's, so
        // that whiskers at one reader count do not hide each other.
        let series = column.series();
        let dodge = |i: usize| (i as f64 - (series.len() as f64 - 1.0) / 2.0) * 0.035;
        for (i, (guard, look, _)) in series.iter().enumerate() {
            let Some((_, points)) = panel.lines.iter().find(|(g, _)| g == guard) else {
                continue;
            };
            let x = |p: &Point| p.x + dodge(i);
            let spans: Vec<Whisker> = points
                .iter()
                .filter_map(|p| p.ci.map(|(lo, hi)| Whisker { at: x(p), lo, hi }))
                .collect();
            whiskers(&mut ch, look.colour, &spans, Along::Y, self.top)?;
            let pts: Vec<(f64, f64)> = points.iter().map(|p| (x(p), p.hmean)).collect();
            line(&mut ch, *look, &pts, Marks::Every)?;
            ch.draw_series(
                points
                    .iter()
                    .filter(|p| p.stalled)
                    .map(|p| Circle::new((x(p), p.hmean), 10, look.colour.stroke_width(2))),
            )?;
        }
        Ok(())
    }
}

/// Each panel's height.
const PANEL_H: u32 = 400;

impl Body for Throughput {
    fn size(&self) -> (u32, u32) {
        match self {
            Throughput::Bars(panels) => bar_grid_size(panels),
            Throughput::Lines(l) => (
                grid::width(l.columns.len()),
                grid::head_height(&l.heads()) + PANEL_H * l.panels.len() as u32,
            ),
        }
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let l = match self {
            Throughput::Bars(panels) => return draw_bar_grid(area, panels),
            Throughput::Lines(l) => l,
        };
        let cols = grid::columns(area, &l.heads())?;
        for (col, column) in cols.iter().zip(&l.columns) {
            for (panel, pane) in l.panels.iter().zip(col.split_evenly((l.panels.len(), 1))) {
                l.draw_panel(&pane, panel, column)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::every_guard;
    use super::*;

    #[test]
    fn whiskers_are_the_confidence_interval_not_the_range_of_the_repeats() {
        let file = every_guard(&[1, 2], 3);
        let ix = Index::new(&file);
        let plan = plan(&ix);
        let Some(Throughput::Lines(l)) = plan.figures().first().map(|f| &f.body) else {
            panic!("two reader counts draw lines");
        };
        assert_eq!(l.whiskers, "95% CI, 3 repeats");
        let (guard, pts) = &l.panels[0].lines[0];
        let p = &pts[1];
        let cells: Vec<_> = file
            .cells
            .iter()
            .filter(|c| {
                c.spec.guard == *guard && c.spec.readers == 2 && c.spec.writer == WriterMode::None
            })
            .collect();
        let rates: Vec<f64> = cells.iter().map(|c| c.allocs_per_sec).collect();
        let (lo, hi) = p.ci.expect("three repeats give an interval");
        let want = crate::results::repeats::Repeats(cells).rate_ci95(|c| c.allocs_per_sec);
        assert_eq!(Some((lo, hi)), want);
        // Wider than the repeats' own range with three of them (t(2) = 4.3).
        let min = rates.iter().copied().fold(f64::MAX, f64::min);
        assert!(lo < min && lo < p.hmean && p.hmean < hi, "{lo} {min} {hi}");
    }
}

//! The two panel shapes several figures draw, each fed prepared data:
//! percentile curves per guard on a "nines" axis, in rows of small
//! multiples by family; and a bar per guard, the guard on the axis, in a
//! grid of panels.

use super::axis::{at_least, category_label, category_range, finite, linear_top, log_decades};
use super::axis::{nines_label, nines_range};
use super::chart::{chart, log_log, mesh};
use super::family::{columns, first_seen, Column};
use super::grid::{self, Head};
use super::label::short;
use super::palette::bar_colours;
use super::series::{line, whiskers, Along, Entry, Key, Marks, Whisker};
use super::theme::{fit, font, LABEL_PX, MUTED, WIDTH};
use super::DrawError;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One guard's curve: its legend label and its points.
pub(super) struct Curve {
    pub(super) guard: String,
    pub(super) label: String,
    pub(super) pts: Vec<(f64, f64)>,
}

/// A row of percentile panels: its title, its y axis, its curves.
pub(super) struct Row {
    pub(super) title: String,
    pub(super) y_desc: String,
    pub(super) curves: Vec<Curve>,
}

/// The columns' headings and legends: per guard, its curve's label (the
/// reference's own where it is drawn beside another family), with its
/// marker alone where the curve has no point.
fn heads<'c>(columns: &[Column], curve_of: impl Fn(&str) -> Option<&'c Curve>) -> Vec<Head> {
    columns
        .iter()
        .map(|c| Head {
            name: c.name.clone(),
            entries: c
                .series()
                .into_iter()
                .filter_map(|(guard, look, label)| {
                    let curve = curve_of(guard)?;
                    Some(Entry {
                        key: match curve.pts.is_empty() {
                            true => Key::MarkerOnly(look),
                            false => Key::Series(look),
                        },
                        label: match c.is_reference(guard) {
                            true => label,
                            false => curve.label.clone(),
                        },
                    })
                })
                .collect(),
        })
        .collect()
}

/// Rows of percentile panels (y in ns on a log axis), one column per
/// family of the guards drawn.
pub(super) struct Percentiles {
    rows: Vec<Row>,
    columns: Vec<Column>,
}

/// Each percentile panel's height.
const CURVES_H: u32 = 440;

impl Percentiles {
    pub(super) fn new(rows: Vec<Row>) -> Self {
        let guards = first_seen(rows.iter().flat_map(|r| &r.curves).map(|c| &c.guard));
        Percentiles {
            columns: columns(&guards),
            rows,
        }
    }

    fn heads(&self) -> Vec<Head> {
        heads(&self.columns, |g| {
            self.rows
                .iter()
                .flat_map(|r| &r.curves)
                .find(|k| k.guard == g)
        })
    }

    pub(super) fn size(&self) -> (u32, u32) {
        (
            grid::width(self.columns.len()),
            grid::head_height(&self.heads()) + CURVES_H * self.rows.len() as u32,
        )
    }

    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawError> {
        let cols = grid::columns(area, &self.heads())?;
        for (col, column) in cols.iter().zip(&self.columns) {
            for (row, pane) in self.rows.iter().zip(col.split_evenly((self.rows.len(), 1))) {
                draw_percentiles(&pane, row, column)?;
            }
        }
        Ok(())
    }
}

/// One percentile panel: `column`'s guards' curves of `row`.
fn draw_percentiles<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    row: &Row,
    column: &Column,
) -> Result<(), DrawError> {
    let series = column.series();
    let mine: Vec<(&Curve, _)> = series
        .iter()
        .filter_map(|(g, look, _)| Some((row.curves.iter().find(|c| c.guard == *g)?, *look)))
        .collect();
    let pts: Vec<Vec<(f64, f64)>> = mine
        .iter()
        .map(|(c, _)| c.pts.iter().map(|&(x, y)| (x, at_least(y, 1.0))).collect())
        .collect();
    // Every column of a row on the same axes.
    let everyone: Vec<Vec<(f64, f64)>> = row.curves.iter().map(|c| c.pts.clone()).collect();
    let x = nines_range(&everyone);
    let y = log_decades(everyone.iter().flatten().map(|p| at_least(p.1, 1.0)), 1.0);
    let mut ch =
        chart(area, &row.title, 80).build_cartesian_2d(x.clone(), y.clone().log_scale())?;
    mesh(&mut ch, "percentile (%)", &row.y_desc)
        .x_labels(x.end as usize + 1)
        .x_label_formatter(&|v| nines_label(*v))
        .y_label_formatter(&|v| short(*v))
        .draw()?;
    if mine.is_empty() {
        let note = font(LABEL_PX)
            .color(&MUTED)
            .pos(Pos::new(HPos::Center, VPos::Center));
        let mid = (x.end / 2.0, (y.start * y.end).sqrt());
        ch.draw_series([Text::new("no samples", mid, note)])?;
        return Ok(());
    }
    // Markers half a nine apart, each series' set shifted a little.
    let n = mine.len() as f64;
    for (i, ((_, look), p)) in mine.iter().zip(&pts).enumerate() {
        let offset = 0.25 + 0.5 * i as f64 / n;
        line(&mut ch, *look, p, Marks::Spaced { offset, step: 0.5 })?;
    }
    Ok(())
}

/// Guard lines on log-log axes, one column per family: x ticked at the
/// values measured, y at powers of ten, both floored at `floor`.
pub(super) struct LogLines {
    /// Per guard: its points (all positive) and its legend label; a
    /// guard with no points is in the legend with its marker alone.
    lines: Vec<Curve>,
    columns: Vec<Column>,
    floor: f64,
    x_desc: &'static str,
    y_desc: &'static str,
}

impl LogLines {
    pub(super) fn new(
        lines: Vec<Curve>,
        floor: f64,
        x_desc: &'static str,
        y_desc: &'static str,
    ) -> Self {
        let guards = first_seen(lines.iter().map(|c| &c.guard));
        LogLines {
            columns: columns(&guards),
            lines,
            floor,
            x_desc,
            y_desc,
        }
    }

    fn heads(&self) -> Vec<Head> {
        heads(&self.columns, |g| self.lines.iter().find(|l| l.guard == g))
    }

    pub(super) fn size(&self) -> (u32, u32) {
        (
            grid::width(self.columns.len()),
            grid::head_height(&self.heads()) + CURVES_H,
        )
    }

    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawError> {
        let all: Vec<(String, Vec<(f64, f64)>)> = self
            .lines
            .iter()
            .map(|l| (l.guard.clone(), l.pts.clone()))
            .collect();
        let cols = grid::columns(area, &self.heads())?;
        for (col, column) in cols.iter().zip(&self.columns) {
            // Every column on the same axes.
            let mut ch = log_log(col, &all, self.floor, self.x_desc, self.y_desc)?;
            for (guard, look, _) in column.series() {
                if let Some(l) = self.lines.iter().find(|l| l.guard == guard) {
                    line(&mut ch, look, &l.pts, Marks::Every)?;
                }
            }
        }
        Ok(())
    }
}

/// A bar: a guard's value, the interval its whisker spans (if any) and
/// the text written at its end.
pub(super) struct Bar {
    pub(super) guard: String,
    pub(super) value: f64,
    pub(super) ci: Option<(f64, f64)>,
    pub(super) text: String,
}

/// A panel of horizontal bars, one per guard, top to bottom in guard
/// order, the guard named on the axis.
pub(super) struct BarPanel {
    pub(super) title: String,
    pub(super) x_desc: String,
    pub(super) bars: Vec<Bar>,
}

/// Panels side by side in pairs, as many rows as needed.
fn grid_shape(panels: &[BarPanel]) -> (usize, usize) {
    let cols = panels.len().clamp(1, 2);
    (panels.len().div_ceil(cols).max(1), cols)
}

/// The size of [`draw_bar_grid`]'s figure: each row as tall as its most
/// bars need.
pub(super) fn bar_grid_size(panels: &[BarPanel]) -> (u32, u32) {
    let (rows, _) = grid_shape(panels);
    let most = panels.iter().map(|p| p.bars.len()).max().unwrap_or(1) as u32;
    (WIDTH, rows as u32 * (150 + 30 * most).max(320))
}

pub(super) fn draw_bar_grid<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panels: &[BarPanel],
) -> Result<(), DrawError> {
    for (p, pane) in panels.iter().zip(area.split_evenly(grid_shape(panels))) {
        draw_bars(&pane, p)?;
    }
    Ok(())
}

/// Width of the guard names left of the bars.
const NAMES_W: u32 = 150;

fn draw_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &BarPanel,
) -> Result<(), DrawError> {
    let bars = &panel.bars;
    // Category 0 is drawn at the bottom: list the guards bottom up.
    // A name too long for the label area (a guard of another build) cut.
    let label = font(LABEL_PX);
    let names: Vec<String> = bars
        .iter()
        .rev()
        .map(|b| fit(area, &b.guard, &label, NAMES_W - 12))
        .collect();
    // The values' reach; past it, room for the value written beside
    // each bar. A whisker with no upper bound is cut at the reach.
    let reach = linear_top(
        bars.iter()
            .flat_map(|b| [b.value, b.ci.map_or(f64::NAN, |c| c.1)]),
    );
    let top = finite(reach * 1.2);
    let mut ch = chart(area, &panel.title, NAMES_W)
        .build_cartesian_2d(0.0..top, category_range(bars.len()))?;
    // Counts get no fractional ticks.
    let counts = bars.iter().all(|b| b.value.fract() == 0.0);
    mesh(&mut ch, &panel.x_desc, "")
        .disable_y_mesh()
        .x_labels(6)
        .y_labels(bars.len().max(1))
        .y_label_formatter(&|v| category_label(&names, *v))
        .x_label_formatter(&|v| match counts && v.fract() != 0.0 {
            true => String::new(),
            false => short(*v),
        })
        .draw()?;
    // Bar i (guard order) at category n - 1 - i; values clamped to the axis.
    let n = bars.len();
    let clamp = |v: f64| {
        if v.is_finite() {
            v.clamp(0.0, reach)
        } else {
            0.0
        }
    };
    let y = |i: usize| (n - 1 - i) as f64;
    let colours = bar_colours(&bars.iter().map(|b| b.guard.as_str()).collect::<Vec<_>>());
    ch.draw_series(bars.iter().enumerate().map(|(i, b)| {
        Rectangle::new(
            [(0.0, y(i) - 0.32), (clamp(b.value), y(i) + 0.32)],
            colours[i].mix(0.85).filled(),
        )
    }))?;
    // Per bar, its whisker if it has an interval.
    let spans: Vec<Option<Whisker>> = bars
        .iter()
        .enumerate()
        .map(|(i, b)| b.ci.map(|(lo, hi)| Whisker { at: y(i), lo, hi }))
        .collect();
    let drawn: Vec<Whisker> = spans.iter().flatten().copied().collect();
    whiskers(&mut ch, BLACK, &drawn, Along::X, reach)?;
    let text = font(LABEL_PX).pos(Pos::new(HPos::Left, VPos::Center));
    ch.draw_series(bars.iter().zip(&spans).enumerate().map(|(i, (b, w))| {
        let end = clamp(b.value).max(w.map_or(0.0, |w| w.end(reach)));
        Text::new(format!(" {}", b.text), (end, y(i)), text.clone())
    }))?;
    Ok(())
}

//! The two panel shapes several figures draw, each fed prepared data:
//! percentile curves per guard on a "nines" axis, and a bar per guard.

use super::axis::{at_least, category_label, category_range, linear_top, log_decades};
use super::axis::{nines_label, nines_range};
use super::chart::{chart, guard_line, legend, mesh};
use super::label::short;
use super::palette::guard_colour;
use super::theme::{font, LABEL_PX, MUTED};
use super::DrawError;
use plotters::chart::SeriesLabelPosition;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One guard's line: its legend label and its points.
pub(super) struct Curve {
    pub(super) guard: String,
    pub(super) label: String,
    pub(super) pts: Vec<(f64, f64)>,
}

/// A percentile-curve panel: one line per guard, y in ns on a log axis.
pub(super) fn draw_percentiles<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    y_desc: &str,
    curves: &[Curve],
) -> Result<(), DrawError> {
    let pts: Vec<Vec<(f64, f64)>> = curves
        .iter()
        .map(|c| c.pts.iter().map(|&(x, y)| (x, at_least(y, 1.0))).collect())
        .collect();
    let x = nines_range(&pts);
    let y = log_decades(pts.iter().flatten().map(|p| p.1), 1.0);
    let mut ch = chart(area, title, 80).build_cartesian_2d(x.clone(), y.clone().log_scale())?;
    mesh(&mut ch, "percentile (%)", y_desc)
        .x_labels(x.end as usize + 1)
        .x_label_formatter(&|v| nines_label(*v))
        .y_label_formatter(&|v| short(*v))
        .draw()?;
    if curves.is_empty() {
        let note = font(LABEL_PX)
            .color(&MUTED)
            .pos(Pos::new(HPos::Center, VPos::Center));
        let mid = (x.end / 2.0, (y.start * y.end).sqrt());
        ch.draw_series([Text::new("no samples", mid, note)])?;
        return Ok(());
    }
    for (c, p) in curves.iter().zip(&pts) {
        guard_line(&mut ch, &c.guard, &c.label, p, false)?;
    }
    legend(&mut ch, SeriesLabelPosition::UpperLeft)
}

/// A horizontal bar per guard, top to bottom in guard order, coloured by
/// guard, its value written at its end.
pub(super) struct Bar {
    pub(super) guard: String,
    pub(super) value: f64,
    pub(super) text: String,
}

pub(super) fn draw_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    x_desc: &str,
    bars: &[Bar],
) -> Result<(), DrawError> {
    // Category 0 is drawn at the bottom: list the guards bottom up.
    let names: Vec<String> = bars.iter().rev().map(|b| b.guard.clone()).collect();
    let top = linear_top(bars.iter().map(|b| b.value)) * 1.15;
    let mut ch =
        chart(area, title, 150).build_cartesian_2d(0.0..top, category_range(bars.len()))?;
    // Counts get no fractional ticks.
    let counts = bars.iter().all(|b| b.value.fract() == 0.0);
    mesh(&mut ch, x_desc, "")
        .disable_y_mesh()
        .y_labels(bars.len().max(1))
        .y_label_formatter(&|v| category_label(&names, *v))
        .x_label_formatter(&|v| match counts && v.fract() != 0.0 {
            true => String::new(),
            false => short(*v),
        })
        .draw()?;
    // Bar i (guard order) at category n - 1 - i; values clamped to the axis.
    let n = bars.len();
    let at = |i: usize, b: &Bar| {
        let v = if b.value.is_finite() {
            b.value.clamp(0.0, top)
        } else {
            0.0
        };
        (v, (n - 1 - i) as f64)
    };
    ch.draw_series(bars.iter().enumerate().map(|(i, b)| {
        let (v, y) = at(i, b);
        Rectangle::new(
            [(0.0, y - 0.32), (v, y + 0.32)],
            guard_colour(&b.guard).filled(),
        )
    }))?;
    let style = font(LABEL_PX).pos(Pos::new(HPos::Left, VPos::Center));
    ch.draw_series(
        bars.iter()
            .enumerate()
            .map(|(i, b)| Text::new(format!(" {}", b.text), at(i, b), style.clone())),
    )?;
    Ok(())
}

//! Charts in the shared style: the chart's title, margins and mesh, and
//! the log-log chart of guard lines that more than one figure draws.

use super::axis::{log_decades, log_padded, ticks};
use super::label::short;
use super::theme::{font, DESC_PX, GRID, LABEL_PX, PANEL_TITLE_PX};
use super::DrawError;
use plotters::chart::{ChartContext, MeshStyle};
use plotters::coord::combinators::{LogCoord, WithKeyPoints};
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::Shift;
use plotters::prelude::*;

/// A chart with the shared title font, margins and label areas.
pub(super) fn chart<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    y_label_px: u32,
) -> ChartBuilder<'a, 'b, DB> {
    let mut b = ChartBuilder::on(area);
    if !title.is_empty() {
        b.caption(title, font(PANEL_TITLE_PX));
    }
    // The right margin holds half of the last x tick label (centred on
    // its tick), "99.99999" on a latency figure's nines axis.
    b.margin(10)
        .margin_right(40)
        .x_label_area_size(52)
        .y_label_area_size(y_label_px);
    b
}

/// The mesh with the shared fonts and grid colour; callers add formatters
/// and draw it.
pub(super) fn mesh<'a, 'b, X, Y, DB>(
    chart: &'b mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    x_desc: &str,
    y_desc: &str,
) -> MeshStyle<'a, 'b, X, Y, DB>
where
    X: Ranged + ValueFormatter<X::ValueType>,
    Y: Ranged + ValueFormatter<Y::ValueType>,
    DB: DrawingBackend,
{
    let mut m = chart.configure_mesh();
    m.x_desc(x_desc)
        .y_desc(y_desc)
        .label_style(font(LABEL_PX))
        .axis_desc_style(font(DESC_PX))
        .light_line_style(WHITE)
        .bold_line_style(GRID);
    m
}

/// Log x ticked at chosen values, log y.
type LogLog = Cartesian2d<WithKeyPoints<LogCoord<f64>>, LogCoord<f64>>;

/// A log-log chart of guard lines (per guard: its (x, y) points), its
/// mesh drawn: x ticked at the values measured, y labelled at powers of
/// ten, both axes floored at `floor`.
pub(super) fn log_log<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    lines: &[(String, Vec<(f64, f64)>)],
    floor: f64,
    x_desc: &str,
    y_desc: &str,
) -> Result<ChartContext<'a, DB, LogLog>, DrawError> {
    let all = || lines.iter().flat_map(|(_, p)| p.iter().copied());
    let xs = ticks(all().map(|p| p.0));
    let x = log_padded(xs.iter().copied(), floor);
    let y = log_decades(all().map(|p| p.1), floor);
    let mut ch =
        chart(area, "", 80).build_cartesian_2d(x.log_scale().with_key_points(xs), y.log_scale())?;
    // Measured x values in full while short (1024 nodes, 2000 Hz).
    let x_label = |v: &f64| match v.fract() == 0.0 && v.abs() < 1e5 {
        true => format!("{v:.0}"),
        false => short(*v),
    };
    mesh(&mut ch, x_desc, y_desc)
        .x_label_formatter(&x_label)
        .y_label_formatter(&|v| short(*v))
        .draw()?;
    Ok(ch)
}

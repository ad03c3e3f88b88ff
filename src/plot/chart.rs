//! Charts and series in the shared style: the chart's title, margins and
//! mesh, the legend, one guard's line, and the log-log chart of guard
//! lines that more than one figure draws.

use super::axis::{log_decades, log_padded, ticks};
use super::label::short;
use super::palette::guard_colour;
use super::theme::{font, DESC_PX, GRID, LABEL_PX, PANEL_TITLE_PX, SHADE};
use super::DrawError;
use plotters::chart::{ChartContext, MeshStyle, SeriesLabelPosition};
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
    mesh(&mut ch, x_desc, y_desc)
        .x_label_formatter(&|v| short(*v))
        .y_label_formatter(&|v| short(*v))
        .draw()?;
    Ok(ch)
}

pub(super) fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    at: SeriesLabelPosition,
) -> Result<(), DrawError> {
    chart
        .configure_series_labels()
        .position(at)
        .margin(8)
        .background_style(WHITE.mix(0.88))
        .border_style(SHADE)
        .label_font(font(LABEL_PX))
        .draw()?;
    Ok(())
}

/// One guard's line with point markers, labelled for the legend as
/// `label`. Points must already be inside the chart's range.
pub(super) fn guard_line<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    guard: &str,
    label: &str,
    pts: &[(f64, f64)],
    markers: bool,
) -> Result<(), DrawError>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let colour = guard_colour(guard);
    let style = colour.stroke_width(2);
    chart
        .draw_series(LineSeries::new(pts.iter().copied(), style))?
        .label(label)
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
    if markers {
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
    }
    Ok(())
}

/// A legend entry for a guard with nothing to draw (e.g. no retries at
/// any rate): the label beside a short stub instead of a line.
pub(super) fn legend_only<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    guard: &str,
    label: &str,
) -> Result<(), DrawError>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let style = guard_colour(guard).stroke_width(2);
    chart
        .draw_series(LineSeries::new(std::iter::empty(), style))?
        .label(label)
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 6, y)], style));
    Ok(())
}

//! What every figure shares: the embedded font, sizes, the per-guard
//! palette, the machine-and-command caption, number formatting, axis
//! ranges that survive zeros and NaN on log scales, and the few chart
//! shapes more than one figure draws (guard lines, percentile curves on a
//! "nines" axis, a bar per guard).

use super::DrawError;
use crate::results::schema::Meta;
use plotters::chart::{ChartContext, MeshStyle, SeriesLabelPosition};
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::ops::Range;

// ---------------------------------------------------------------------------
// Font, sizes, palette, caption

/// Family name the embedded DejaVu Sans is registered under. plotters' own
/// defaults (tick labels, legends) ask for "sans-serif", so registering the
/// generic name covers any text not styled here, and the SVGs name a
/// family every viewer has.
pub(super) const FONT: &str = "sans-serif";

pub(super) const WIDTH: u32 = 1000;
const TITLE_PX: u32 = 22;
const PANEL_TITLE_PX: u32 = 18;
const DESC_PX: u32 = 16;
pub(super) const LABEL_PX: u32 = 14;
pub(super) const NOTE_PX: u32 = 13;
pub(super) const CAPTION_H: u32 = 44;

const GRID: RGBColor = RGBColor(228, 228, 228);
pub(super) const MUTED: RGBColor = RGBColor(90, 90, 90);
pub(super) const SHADE: RGBColor = RGBColor(150, 150, 150);

/// Register DejaVu Sans (regular and bold) once per process; false if
/// plotters rejected the bytes.
pub(super) fn register_fonts() -> bool {
    static OK: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *OK.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    })
}

pub(super) fn font(px: u32) -> TextStyle<'static> {
    (FONT, px).into_font().color(&BLACK)
}

fn title_font() -> TextStyle<'static> {
    (FONT, TITLE_PX, FontStyle::Bold).into_font().color(&BLACK)
}

/// One colour per guard, in `guard::ALL` order, fixed so that a guard looks
/// the same in every figure (tab10, then two for the twelve).
pub(super) const PALETTE: [(&str, RGBColor); 12] = [
    ("none", RGBColor(0, 0, 0)),
    ("seqcount", RGBColor(31, 119, 180)),
    ("seqlock", RGBColor(255, 127, 14)),
    ("seqlock-excl", RGBColor(214, 39, 40)),
    ("seqbegin-or-lock", RGBColor(148, 103, 189)),
    ("seqcount-spinlock", RGBColor(23, 190, 207)),
    ("rcu", RGBColor(44, 160, 44)),
    ("rcu-recheck", RGBColor(123, 65, 115)),
    ("latch", RGBColor(140, 86, 75)),
    ("rwlock", RGBColor(227, 119, 194)),
    ("seqlock-crate", RGBColor(188, 189, 34)),
    ("epoch", RGBColor(127, 127, 127)),
];

/// The guard's colour; a name this build does not know gets a grey.
pub(super) fn guard_colour(guard: &str) -> RGBColor {
    PALETTE
        .iter()
        .find(|(name, _)| *name == guard)
        .map_or(RGBColor(170, 170, 170), |&(_, c)| c)
}

/// The machine and the command, below every figure.
pub(super) struct Caption {
    machine: String,
    command: String,
}

impl Caption {
    pub(super) fn new(meta: &Meta) -> Self {
        Caption {
            machine: format!(
                "{}, {} logical CPUs, kernel {}; zonebench {} ({})",
                meta.cpu_model,
                meta.logical_cpus,
                meta.kernel_release,
                meta.zonebench_version,
                meta.git_revision
            ),
            command: format!("$ {}", program_name_only(&meta.command)),
        }
    }

    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawError> {
        let style = font(NOTE_PX).color(&MUTED);
        let width = area.dim_in_pixel().0.saturating_sub(24);
        for (i, line) in [&self.machine, &self.command].into_iter().enumerate() {
            let text = fit(area, line, &style, width);
            area.draw(&Text::new(text, (12, 4 + 19 * i as i32), style.clone()))?;
        }
        Ok(())
    }
}

/// `command` with its program's directory dropped ("target/release/"):
/// the caption keeps its width for the arguments.
pub(super) fn program_name_only(command: &str) -> &str {
    let program = command.split_whitespace().next().unwrap_or("");
    match program.rfind('/') {
        Some(i) => &command.trim_start()[i + 1..],
        None => command,
    }
}

/// `text`, cut with an ellipsis to at most `max_px` wide.
fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_px: u32,
) -> String {
    let fits = |s: &str| {
        area.estimate_text_size(s, style)
            .map_or(true, |(w, _)| w <= max_px)
    };
    if fits(text) {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let cut = |n: usize| chars[..n].iter().collect::<String>() + "…";
    // Longest prefix that fits with the ellipsis: binary search.
    let (mut lo, mut hi) = (0, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if fits(&cut(mid)) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    cut(lo)
}

// ---------------------------------------------------------------------------
// Axes and series

/// Small numbers with at most three significant digits, big ones with an
/// SI suffix: 0.25, 12.5, 950, 12.5k, 3M.
pub(super) fn short(v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let a = v.abs();
    if a >= 1e12 || (a > 0.0 && a < 1e-3) {
        return format!("{v:.1e}");
    }
    let (x, suffix) = match a {
        a if a >= 1e9 => (v / 1e9, "G"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e3 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    let s = match x.abs() {
        a if a >= 100.0 || a == 0.0 => format!("{x:.0}"),
        a if a >= 10.0 => format!("{x:.1}"),
        a if a >= 1.0 => format!("{x:.2}"),
        _ => format!("{x:.3}"),
    };
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    s + suffix
}

/// `v` if finite and at least `floor`, else `floor`: a log axis cannot show
/// zero, NaN or infinity.
fn at_least(v: f64, floor: f64) -> f64 {
    if v.is_finite() && v >= floor {
        v
    } else {
        floor
    }
}

/// Lowest and highest of the finite values at or above `floor`.
fn span(values: impl IntoIterator<Item = f64>, floor: f64) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite() && *v >= floor)
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((f64::min(lo, v), f64::max(hi, v))),
        })
}

/// A log axis over the values at or above `floor`, widened to whole
/// decades (labelled at powers of ten), never empty.
pub(super) fn log_decades(values: impl IntoIterator<Item = f64>, floor: f64) -> Range<f64> {
    let Some((lo, hi)) = span(values, floor) else {
        return floor..floor * 10.0;
    };
    let lo = 10f64.powf((lo * 0.95).log10().floor()).max(floor);
    let hi = 10f64.powf((hi * 1.05).log10().ceil());
    lo..hi.max(lo * 10.0)
}

/// A log axis just wider than the values at or above `floor` (for an axis
/// ticked at the values themselves), never empty.
pub(super) fn log_padded(values: impl IntoIterator<Item = f64>, floor: f64) -> Range<f64> {
    let Some((lo, hi)) = span(values, floor) else {
        return floor..floor * 10.0;
    };
    (lo / 1.3).max(floor)..(hi * 1.3).max(lo * 2.0)
}

/// Distinct finite values, ascending: ticks for an axis.
pub(super) fn ticks(values: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v.dedup();
    v
}

/// 0 to a little above the largest finite value (1 if there is none).
pub(super) fn linear_top(values: impl IntoIterator<Item = f64>) -> f64 {
    let hi = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    if hi > 0.0 {
        hi * 1.12
    } else {
        1.0
    }
}

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
    b.margin(10)
        .margin_right(24)
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

/// A category axis on f64: category `i` sits at `i`, labelled `names[i]`.
pub(super) fn category_range(n: usize) -> Range<f64> {
    -0.5..n.max(1) as f64 - 0.5
}

pub(super) fn category_label(names: &[String], v: f64) -> String {
    let i = v.round();
    match names.get(i.max(0.0) as usize) {
        Some(name) if (v - i).abs() < 1e-6 && i >= 0.0 => name.clone(),
        _ => String::new(),
    }
}

/// The percentile axis: 0 .. the deepest nines any curve reaches.
fn nines_range(curves: &[Vec<(f64, f64)>]) -> Range<f64> {
    let deepest = curves.iter().flatten().map(|p| p.0).fold(1.0f64, f64::max);
    0.0..deepest.ceil().clamp(1.0, 9.0)
}

/// Nines as a percentile: 0 -> "0", 1 -> "90", 3 -> "99.9"; nothing
/// between whole nines.
pub(super) fn nines_label(v: f64) -> String {
    let k = v.round();
    if (v - k).abs() > 1e-6 || k < 0.0 {
        return String::new();
    }
    match k as usize {
        0 => "0".into(),
        1 => "90".into(),
        k => format!("99.{}", "9".repeat(k - 2))
            .trim_end_matches('.')
            .to_string(),
    }
}

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

/// The area below a figure-wide title.
pub(super) fn titled<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, DrawError> {
    let width = area.dim_in_pixel().0.saturating_sub(20);
    let style = title_font();
    let title = fit(area, title, &style, width);
    Ok(area.titled(&title, style)?)
}

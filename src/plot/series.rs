//! A series as every figure draws it: a guard's line in its colour and
//! dash pattern with its markers, confidence-interval whiskers, and the
//! legend key that shows the same line, marker or whisker outside the
//! data.

use super::palette::{dash_pattern, Dash, Look, Marker};
use super::DrawError;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::Shift;
use plotters::element::{DashedPathElement, Drawable, PointCollection};
use plotters::prelude::*;
use plotters_backend::{BackendCoord, DrawingErrorKind};

/// Line width of a guard's series, in pixels.
const LINE_W: u32 = 2;

/// Where a line's markers go.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Marks {
    /// At every point (measured points: reader counts, rates, nodes).
    Every,
    /// At most one per `step` along x, the first point at or past
    /// `offset` and every step after it (curves of hundreds of points; a
    /// per-series offset keeps two series' markers apart).
    Spaced { offset: f64, step: f64 },
}

/// The vertices of `m`, centred on (0, 0), in pixels. Every marker is a
/// filled polygon (a circle is a 12-gon, a cross an X of two bars), so
/// all draw alike on any backend.
fn vertices(m: Marker) -> Vec<(i32, i32)> {
    let round = |pts: &[(f64, f64)]| -> Vec<(i32, i32)> {
        pts.iter()
            .map(|&(x, y)| (x.round() as i32, y.round() as i32))
            .collect()
    };
    match m {
        Marker::Circle => round(
            &(0..12)
                .map(|i| {
                    let a = i as f64 * std::f64::consts::PI / 6.0;
                    (4.6 * a.cos(), 4.6 * a.sin())
                })
                .collect::<Vec<_>>(),
        ),
        Marker::Square => vec![(-4, -4), (4, -4), (4, 4), (-4, 4)],
        Marker::Triangle => vec![(0, -6), (5, 3), (-5, 3)],
        Marker::TriangleDown => vec![(0, 6), (5, -3), (-5, -3)],
        Marker::Diamond => vec![(0, -6), (6, 0), (0, 6), (-6, 0)],
        Marker::Cross => {
            // A plus of arms 6 and half-width 1.6, turned 45 degrees.
            let (a, w) = (6.0, 1.6);
            let plus = [
                (-w, -a),
                (w, -a),
                (w, -w),
                (a, -w),
                (a, w),
                (w, w),
                (w, a),
                (-w, a),
                (-w, w),
                (-a, w),
                (-a, -w),
                (-w, -w),
            ];
            let s = std::f64::consts::FRAC_1_SQRT_2;
            round(&plus.map(|(x, y)| (s * (x - y), s * (x + y))))
        }
    }
}

/// A marker: a filled polygon, in pixels, around a point in any
/// coordinate system; an element of its own because plotters' composed
/// elements are not nameable outside it.
pub(super) struct MarkerAt<C> {
    at: C,
    shape: Vec<(i32, i32)>,
    style: ShapeStyle,
}

pub(super) fn marker<C>(at: C, m: Marker, colour: RGBColor) -> MarkerAt<C> {
    MarkerAt {
        at,
        shape: vertices(m),
        style: colour.filled(),
    }
}

impl<'a, C> PointCollection<'a, C> for &'a MarkerAt<C> {
    type Point = &'a C;
    type IntoIter = std::iter::Once<&'a C>;
    fn point_iter(self) -> Self::IntoIter {
        std::iter::once(&self.at)
    }
}

impl<C, DB: DrawingBackend> Drawable<DB> for MarkerAt<C> {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut pos: I,
        backend: &mut DB,
        _: (u32, u32),
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        match pos.next() {
            Some((x, y)) => backend.fill_polygon(
                self.shape.iter().map(|&(dx, dy)| (x + dx, y + dy)),
                &self.style,
            ),
            None => Ok(()),
        }
    }
}

/// A path in `colour`, `width` px, dashed as `dash`, on the chart.
pub(super) fn path<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    pts: &[(f64, f64)],
    colour: RGBColor,
    width: u32,
    dash: Dash,
) -> Result<(), DrawError>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let style = colour.stroke_width(width);
    match dash_pattern(dash) {
        None => chart.draw_series(LineSeries::new(pts.iter().copied(), style))?,
        Some((on, off)) => {
            chart.draw_series(DashedLineSeries::new(pts.iter().copied(), on, off, style))?
        }
    };
    Ok(())
}

/// One guard's line: dashed and marked as `look` says. Points must be
/// inside the chart's range.
pub(super) fn line<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    look: Look,
    pts: &[(f64, f64)],
    marks: Marks,
) -> Result<(), DrawError>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    path(chart, pts, look.colour, LINE_W, look.dash)?;
    let at: Vec<(f64, f64)> = match marks {
        Marks::Every => pts.to_vec(),
        Marks::Spaced { offset, step } => {
            let mut next = offset;
            let mut at = Vec::new();
            for &p in pts {
                if p.0 >= next {
                    at.push(p);
                    next = p.0 + step;
                }
            }
            at
        }
    };
    chart.draw_series(at.into_iter().map(|p| marker(p, look.marker, look.colour)))?;
    Ok(())
}

/// A confidence interval drawn as a whisker: `lo` to `hi` along the value
/// axis, at `at` on the category axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Whisker {
    pub(super) at: f64,
    pub(super) lo: f64,
    pub(super) hi: f64,
}

impl Whisker {
    /// Whether the interval reaches past `limit` (or has no upper bound:
    /// `Repeats::rate_ci95` with a spread that reaches a rate of 0's
    /// reciprocal).
    pub(super) fn open(&self, limit: f64) -> bool {
        !(self.hi.is_finite() && self.hi <= limit)
    }

    /// Where the drawn whisker ends: `hi`, or `limit` where it is open.
    pub(super) fn end(&self, limit: f64) -> f64 {
        match self.open(limit) {
            true => limit,
            false => self.hi,
        }
    }
}

/// Which way the value axis runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Along {
    /// Values on y (category on x): lines over reader counts.
    Y,
    /// Values on x (category on y): horizontal bars.
    X,
}

/// Capped whiskers, cut at `limit` on the value axis: a whisker that is
/// open there (see [`Whisker::open`]) gets an arrow head instead of its
/// upper cap. Caps are 0.05 categories wide either side of the whisker
/// (0.15 for bars).
pub(super) fn whiskers<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    colour: RGBColor,
    spans: &[Whisker],
    along: Along,
    limit: f64,
) -> Result<(), DrawError>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let (cap, arrow) = match along {
        Along::Y => (0.05, vec![(0, -5), (4, 2), (-4, 2)]),
        Along::X => (0.15, vec![(5, 0), (-2, 4), (-2, -4)]),
    };
    // (value, category) to chart coordinates.
    let pt = |v: f64, c: f64| match along {
        Along::Y => (c, v),
        Along::X => (v, c),
    };
    let style = colour.stroke_width(1);
    for w in spans {
        let lo = if w.lo.is_finite() {
            w.lo.clamp(0.0, limit)
        } else {
            0.0
        };
        let hi = w.end(limit);
        let mut segs = vec![
            [pt(lo, w.at), pt(hi, w.at)],
            [pt(lo, w.at - cap), pt(lo, w.at + cap)],
        ];
        if w.open(limit) {
            chart.draw_series([MarkerAt {
                at: pt(hi, w.at),
                shape: arrow.clone(),
                style: colour.filled(),
            }])?;
        } else {
            segs.push([pt(hi, w.at - cap), pt(hi, w.at + cap)]);
        }
        chart.draw_series(segs.into_iter().map(|seg| PathElement::new(seg, style)))?;
    }
    Ok(())
}

/// What a legend entry shows beside its label.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Key {
    /// A guard's line and marker.
    Series(Look),
    /// A guard's marker alone: it has nothing to draw in this figure.
    MarkerOnly(Look),
    /// A reference line: colour, width, dash.
    Line(RGBColor, u32, Dash),
    /// A capped whisker: what the whiskers span.
    Whisker(RGBColor),
}

/// One legend entry.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Entry {
    pub(super) key: Key,
    pub(super) label: String,
}

/// Width of a key's sample, before its label.
pub(super) const KEY_W: i32 = 36;

/// Draw `key` in the `KEY_W` px starting at `x`, centred on `y`.
pub(super) fn draw_key<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    key: Key,
    (x, y): (i32, i32),
) -> Result<(), DrawError> {
    let seg = |colour: RGBColor, width: u32, dash: Dash| -> Result<(), DrawError> {
        let style = colour.stroke_width(width);
        let ends = [(x, y), (x + KEY_W - 6, y)];
        match dash_pattern(dash) {
            None => area.draw(&PathElement::new(ends, style))?,
            Some((on, off)) => area.draw(&DashedPathElement::new(ends, on, off, style))?,
        }
        Ok(())
    };
    let mid = (x + (KEY_W - 6) / 2, y);
    match key {
        Key::Series(l) => {
            seg(l.colour, LINE_W, l.dash)?;
            area.draw(&marker(mid, l.marker, l.colour))?;
        }
        Key::MarkerOnly(l) => area.draw(&marker(mid, l.marker, l.colour))?,
        Key::Line(c, w, d) => seg(c, w, d)?,
        Key::Whisker(c) => {
            let style = c.stroke_width(1);
            for s in [
                [(mid.0, y - 7), (mid.0, y + 7)],
                [(mid.0 - 4, y - 7), (mid.0 + 4, y - 7)],
                [(mid.0 - 4, y + 7), (mid.0 + 4, y + 7)],
            ] {
                area.draw(&PathElement::new(s, style))?;
            }
        }
    }
    Ok(())
}

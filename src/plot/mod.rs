//! Figures from a results file: one module per figure, each drawn twice,
//! as PNG (plotters' bitmap backend) and SVG.
//!
//! PNG text is rasterised from DejaVu Sans compiled into the binary (the
//! `dejavu` crate), registered with plotters' ab_glyph backend once, so
//! rendering needs no system fonts and no fontconfig.
//!
//! Nothing here reads the run `config`: every figure is built from the
//! cells' own specs, so one file may hold any mix of guards, scopes, reader
//! counts, writers, writer rates and repeats. Cells that differ only in
//! their repeat form a [`Group`]: rates (allocs/s) are combined by harmonic
//! mean, times and per-million ratios by arithmetic mean, event counts by
//! sum, and histograms are merged. Cells run under different scopes,
//! pressures, node counts or RT semantics (a [`Setting`]) never share a
//! figure.
//!
//! Every figure ends with a caption: the machine (CPU model, logical CPUs,
//! kernel) and the command that produced the file. A guard has the same
//! colour in every figure ([`guard_colour`]).

mod correctness;
mod latency;
mod rebuild_cost;
mod retries;
mod throughput;
mod writer_stall;

use crate::metrics::HistSummary;
use crate::mm::alloc::Scope;
use crate::results::schema::{Meta, ResultsFile};
use crate::workload::runner::CellResult;
use crate::workload::spec::{Pressure, WriterMode};
use hdrhistogram::Histogram;
use plotters::chart::{ChartContext, MeshStyle, SeriesLabelPosition};
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// What [`render_all`] did.
#[derive(Debug, Default)]
pub struct PlotOutcome {
    /// Every file written, PNG and SVG, in figure order.
    pub written: Vec<PathBuf>,
    /// One line per figure (or figure variant) not drawn, and why.
    pub skipped: Vec<String>,
}

/// A figure could not be written: one line naming the file.
#[derive(Debug)]
pub struct PlotError {
    path: PathBuf,
    msg: String,
}

impl PlotError {
    fn new(path: &Path, msg: impl Into<String>) -> Self {
        PlotError {
            path: path.to_path_buf(),
            msg: msg.into(),
        }
    }
}

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.msg)
    }
}

impl std::error::Error for PlotError {}

/// Draw every figure the file has data for into `dir` (created if needed),
/// as `<name>.png` and `<name>.svg`.
pub fn render_all(results: &ResultsFile, dir: &Path) -> Result<PlotOutcome, PlotError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| PlotError::new(dir, format!("cannot create directory: {}", e.kind())))?;
    if !register_fonts() {
        return Err(PlotError::new(dir, "embedded DejaVu font rejected"));
    }
    let ix = Index::new(results);
    let caption = Caption::new(&results.meta);
    let mut out = PlotOutcome::default();
    emit(throughput::plan(&ix), &caption, dir, &mut out)?;
    emit(latency::plan(&ix), &caption, dir, &mut out)?;
    emit(retries::plan(&ix), &caption, dir, &mut out)?;
    emit(writer_stall::plan(&ix), &caption, dir, &mut out)?;
    emit(correctness::plan(&ix), &caption, dir, &mut out)?;
    emit(
        rebuild_cost::plan(&results.rebuild_cost),
        &caption,
        dir,
        &mut out,
    )?;
    Ok(out)
}

// ---------------------------------------------------------------------------
// Figures and their files

/// One figure: a file name and a drawing, for any backend.
trait Figure {
    /// File stem: `<name>.png`, `<name>.svg`.
    fn name(&self) -> &str;
    /// Pixels of the figure body; the caption band is added below it.
    fn size(&self) -> (u32, u32) {
        (WIDTH, 560)
    }
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), DrawError>;
}

/// What one figure module wants drawn, and what it could not draw.
struct Plan<F> {
    figures: Vec<F>,
    skipped: Vec<String>,
}

impl<F> Default for Plan<F> {
    fn default() -> Self {
        Plan {
            figures: Vec::new(),
            skipped: Vec::new(),
        }
    }
}

impl<F> Plan<F> {
    fn skip(&mut self, what: &str, why: impl fmt::Display) {
        self.skipped.push(format!("{what}: {why}"));
    }
}

/// A drawing failure inside plotters, in words.
#[derive(Debug)]
struct DrawError(String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        DrawError(e.to_string())
    }
}

fn emit<F: Figure>(
    plan: Plan<F>,
    caption: &Caption,
    dir: &Path,
    out: &mut PlotOutcome,
) -> Result<(), PlotError> {
    for fig in &plan.figures {
        out.written.extend(write_figure(fig, caption, dir)?);
    }
    out.skipped.extend(plan.skipped);
    Ok(())
}

fn write_figure<F: Figure>(
    fig: &F,
    caption: &Caption,
    dir: &Path,
) -> Result<[PathBuf; 2], PlotError> {
    let (w, h) = fig.size();
    let size = (w, h + CAPTION_H);

    let png = dir.join(format!("{}.png", fig.name()));
    guarded(&png, || {
        let root = BitMapBackend::new(&png, size).into_drawing_area();
        compose(&root, fig, caption)?;
        root.present()?;
        Ok(())
    })?;

    let svg = dir.join(format!("{}.svg", fig.name()));
    let mut text = String::new();
    guarded(&svg, || {
        let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
        compose(&root, fig, caption)?;
        root.present()?;
        Ok(())
    })?;
    std::fs::write(&svg, text)
        .map_err(|e| PlotError::new(&svg, format!("cannot write: {}", e.kind())))?;
    Ok([png, svg])
}

/// Run one drawing; a failure, or a panic inside plotters (third-party code
/// fed values this module has already sanitised), becomes an error naming
/// the file.
fn guarded(path: &Path, draw: impl FnOnce() -> Result<(), DrawError>) -> Result<(), PlotError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(draw)) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(DrawError(e))) => Err(PlotError::new(path, format!("cannot render: {e}"))),
        Err(_) => Err(PlotError::new(path, "cannot render: plotters panicked")),
    }
}

fn compose<DB: DrawingBackend, F: Figure>(
    root: &DrawingArea<DB, Shift>,
    fig: &F,
    caption: &Caption,
) -> Result<(), DrawError> {
    root.fill(&WHITE)?;
    let h = root.dim_in_pixel().1;
    let (body, foot) = root.split_vertically(h.saturating_sub(CAPTION_H));
    fig.draw(&body)?;
    caption.draw(&foot)
}

// ---------------------------------------------------------------------------
// Style: font, sizes, palette, caption

/// Family name the embedded DejaVu Sans is registered under. plotters' own
/// defaults (tick labels, legends) ask for "sans-serif", so registering the
/// generic name covers any text not styled here, and the SVGs name a
/// family every viewer has.
const FONT: &str = "sans-serif";

const WIDTH: u32 = 1000;
const TITLE_PX: u32 = 22;
const PANEL_TITLE_PX: u32 = 18;
const DESC_PX: u32 = 16;
const LABEL_PX: u32 = 14;
const NOTE_PX: u32 = 13;
const CAPTION_H: u32 = 44;

const GRID: RGBColor = RGBColor(228, 228, 228);
const MUTED: RGBColor = RGBColor(90, 90, 90);
const SHADE: RGBColor = RGBColor(150, 150, 150);

/// Register DejaVu Sans (regular and bold) once per process; false if
/// plotters rejected the bytes.
fn register_fonts() -> bool {
    static OK: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *OK.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    })
}

fn font(px: u32) -> TextStyle<'static> {
    (FONT, px).into_font().color(&BLACK)
}

fn title_font() -> TextStyle<'static> {
    (FONT, TITLE_PX, FontStyle::Bold).into_font().color(&BLACK)
}

/// One colour per guard, in `guard::ALL` order, fixed so that a guard looks
/// the same in every figure (tab10, then two for the twelve).
const PALETTE: [(&str, RGBColor); 12] = [
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
fn guard_colour(guard: &str) -> RGBColor {
    PALETTE
        .iter()
        .find(|(name, _)| *name == guard)
        .map_or(RGBColor(170, 170, 170), |&(_, c)| c)
}

/// Legend and sort order: `guard::ALL` order, unknown names last.
fn guard_rank(guard: &str) -> usize {
    crate::guard::ALL
        .iter()
        .position(|g| g.name == guard)
        .unwrap_or(usize::MAX)
}

/// The machine and the command, below every figure.
struct Caption {
    machine: String,
    command: String,
}

impl Caption {
    fn new(meta: &Meta) -> Self {
        Caption {
            machine: format!(
                "{}, {} logical CPUs, kernel {}; zonebench {} ({})",
                meta.cpu_model,
                meta.logical_cpus,
                meta.kernel_release,
                meta.zonebench_version,
                meta.git_revision
            ),
            command: format!("$ {}", meta.command),
        }
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let style = font(NOTE_PX).color(&MUTED);
        let width = area.dim_in_pixel().0.saturating_sub(24);
        for (i, line) in [&self.machine, &self.command].into_iter().enumerate() {
            let text = fit(area, line, &style, width);
            area.draw(&Text::new(text, (12, 4 + 19 * i as i32), style.clone()))?;
        }
        Ok(())
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
// The cells, grouped

/// What a figure holds fixed besides writer, rate and readers.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Setting {
    scope: Scope,
    pressure: Pressure,
    nodes: usize,
    rt: bool,
}

impl Setting {
    fn of(c: &CellResult) -> Self {
        Setting {
            scope: c.spec.scope,
            pressure: c.spec.pressure,
            nodes: c.spec.nodes,
            rt: c.spec.rt,
        }
    }
}

fn pressure_name(p: Pressure) -> &'static str {
    match p {
        Pressure::Low => "low",
        Pressure::High => "high",
    }
}

/// Cells that differ only in their repeat.
struct Group<'a> {
    guard: &'a str,
    setting: Setting,
    writer: WriterMode,
    /// 0 without a writer (its rate means nothing then).
    rate_hz: f64,
    readers: usize,
    cells: Vec<&'a CellResult>,
}

impl<'a> Group<'a> {
    fn key_of(c: &'a CellResult) -> Self {
        let rate_hz = match c.spec.writer {
            WriterMode::None => 0.0,
            _ => c.spec.writer_rate_hz,
        };
        Group {
            guard: &c.spec.guard,
            setting: Setting::of(c),
            writer: c.spec.writer,
            rate_hz,
            readers: c.spec.readers,
            cells: Vec::new(),
        }
    }

    fn same_key(&self, o: &Group) -> bool {
        self.guard == o.guard
            && self.setting == o.setting
            && self.writer == o.writer
            && self.rate_hz.to_bits() == o.rate_hz.to_bits()
            && self.readers == o.readers
    }

    fn at(&self, p: &Pick) -> bool {
        self.writer == p.writer
            && self.rate_hz.to_bits() == p.rate_hz.to_bits()
            && self.readers == p.readers
    }

    /// The finite values of `f` over the repeats.
    fn values(&self, f: impl Fn(&CellResult) -> f64) -> Vec<f64> {
        self.cells
            .iter()
            .map(|c| f(c))
            .filter(|v| v.is_finite())
            .collect()
    }

    /// Harmonic mean over the repeats (NaN if none is finite).
    fn rate(&self, f: impl Fn(&CellResult) -> f64) -> f64 {
        let xs = self.values(f);
        if xs.is_empty() {
            f64::NAN
        } else {
            crate::metrics::stats::hmean(&xs)
        }
    }

    /// Arithmetic mean over the repeats (NaN if none is finite).
    fn mean(&self, f: impl Fn(&CellResult) -> f64) -> f64 {
        let xs = self.values(f);
        if xs.is_empty() {
            f64::NAN
        } else {
            crate::metrics::stats::mean(&xs)
        }
    }

    fn sum(&self, f: impl Fn(&CellResult) -> u64) -> u64 {
        self.cells.iter().fold(0u64, |a, c| a.saturating_add(f(c)))
    }

    fn oversubscribed(&self) -> bool {
        self.cells.iter().any(|c| c.oversubscribed)
    }

    fn stalled(&self) -> bool {
        self.cells.iter().any(|c| c.stalled)
    }

    /// The percentile curve of `f` over all repeats: from the merged
    /// histograms where every repeat's decodes, otherwise from the
    /// summaries' percentiles averaged. Empty if nothing was recorded.
    fn percentiles(&self, f: impl Fn(&CellResult) -> &HistSummary) -> Vec<(f64, f64)> {
        let hists: Option<Vec<Histogram<u64>>> =
            self.cells.iter().map(|c| f(c).histogram()).collect();
        if let Some(merged) = hists.and_then(merge) {
            return curve(&merged);
        }
        let count: u64 = self.sum(|c| f(c).count);
        if count == 0 {
            return Vec::new();
        }
        let last = nines_limit(count);
        let at = |q: f64, g: fn(&HistSummary) -> u64| {
            (nines(q).min(last), self.mean(|c| g(f(c)) as f64))
        };
        vec![
            at(0.5, |s| s.p50),
            at(0.9, |s| s.p90),
            at(0.99, |s| s.p99),
            at(0.999, |s| s.p999),
            (last, self.mean(|c| f(c).max as f64)),
        ]
    }
}

/// Sum of histograms (auto-resizing, so differing bounds still merge);
/// `None` if there are none or all are empty.
fn merge(hists: Vec<Histogram<u64>>) -> Option<Histogram<u64>> {
    let mut it = hists.into_iter();
    let mut acc = it.next()?;
    acc.auto(true);
    for h in it {
        acc.add(&h).ok()?;
    }
    (!acc.is_empty()).then_some(acc)
}

/// -log10(1 - q): 0 at the median's left end, 1 at p90, 2 at p99, ...
fn nines(q: f64) -> f64 {
    -(1.0 - q.clamp(0.0, 1.0)).max(1e-12).log10()
}

/// The deepest percentile `count` samples can resolve, in nines.
fn nines_limit(count: u64) -> f64 {
    (count.max(10) as f64).log10()
}

/// HdrHistogram's percentile distribution as (nines, value) points; the
/// maximum is placed at the deepest percentile the sample count resolves.
fn curve(h: &Histogram<u64>) -> Vec<(f64, f64)> {
    let last = nines_limit(h.len());
    let mut pts: Vec<(f64, f64)> = h
        .iter_quantiles(4)
        .map(|v| {
            (
                nines(v.quantile_iterated_to()).min(last),
                v.value_iterated_to() as f64,
            )
        })
        .collect();
    pts.dedup_by(|b, a| a.0 == b.0 && a.1 == b.1);
    pts
}

/// A cell group a figure shows when it can show only one: which writer,
/// rate and reader count.
#[derive(Clone, Copy, Debug)]
struct Pick {
    writer: WriterMode,
    rate_hz: f64,
    readers: usize,
}

impl Pick {
    fn describe(&self) -> String {
        let readers = match self.readers {
            1 => "1 reader".to_string(),
            n => format!("{n} readers"),
        };
        match self.writer {
            WriterMode::None => format!("{readers}, no writer"),
            w => format!(
                "{readers}, {} writer at {} Hz",
                w.name(),
                short(self.rate_hz)
            ),
        }
    }
}

/// All groups of a results file, in guard order, and the settings they
/// fall into.
struct Index<'a> {
    groups: Vec<Group<'a>>,
    settings: Vec<Setting>,
    logical_cpus: usize,
}

impl<'a> Index<'a> {
    fn new(results: &'a ResultsFile) -> Self {
        let mut groups: Vec<Group<'a>> = Vec::new();
        for c in &results.cells {
            let key = Group::key_of(c);
            match groups.iter_mut().find(|g| g.same_key(&key)) {
                Some(g) => g.cells.push(c),
                None => groups.push(Group {
                    cells: vec![c],
                    ..key
                }),
            }
        }
        groups.sort_by_key(|g| guard_rank(g.guard));
        let mut settings: Vec<Setting> = Vec::new();
        for g in &groups {
            if !settings.contains(&g.setting) {
                settings.push(g.setting);
            }
        }
        Index {
            groups,
            settings,
            logical_cpus: results.meta.logical_cpus,
        }
    }

    fn in_setting(&self, s: Setting) -> impl Iterator<Item = &Group<'a>> {
        self.groups.iter().filter(move |g| g.setting == s)
    }

    /// Whether settings differ in pressure, nodes, RT: only those parts
    /// name a figure.
    fn varies(&self) -> (bool, bool, bool) {
        let differs =
            |f: fn(&Setting) -> String| self.settings.iter().any(|s| f(s) != f(&self.settings[0]));
        (
            differs(|s| pressure_name(s.pressure).to_string()),
            differs(|s| s.nodes.to_string()),
            differs(|s| s.rt.to_string()),
        )
    }

    /// File-name part: the scope, plus whatever else varies in the file.
    fn slug(&self, s: Setting) -> String {
        let (p, n, rt) = self.varies();
        let mut out = s.scope.name().to_string();
        if p {
            out += &format!("-{}", pressure_name(s.pressure));
        }
        if n {
            out += &format!("-{}n", s.nodes);
        }
        if rt && s.rt {
            out += "-rt";
        }
        out
    }

    /// Title part, in words, naming the same things as [`Index::slug`].
    fn describe(&self, s: Setting) -> String {
        let (p, n, rt) = self.varies();
        let mut out = format!("{} scope", s.scope.name());
        if p {
            out += &format!(", {} pressure", pressure_name(s.pressure));
        }
        if n {
            out += &format!(", {} nodes", s.nodes);
        }
        if rt {
            out += if s.rt { ", PREEMPT_RT" } else { ", non-RT" };
        }
        out
    }

    /// The group a one-cell figure shows in setting `s`, among writers
    /// `want` accepts: a writer over none, then not oversubscribed, then the
    /// most readers, then the highest rate.
    fn pick(&self, s: Setting, want: impl Fn(WriterMode) -> bool) -> Option<Pick> {
        self.in_setting(s)
            .filter(|g| want(g.writer))
            .max_by(|a, b| {
                let key =
                    |g: &Group| (g.writer != WriterMode::None, !g.oversubscribed(), g.readers);
                key(a).cmp(&key(b)).then(a.rate_hz.total_cmp(&b.rate_hz))
            })
            .map(|g| Pick {
                writer: g.writer,
                rate_hz: g.rate_hz,
                readers: g.readers,
            })
    }
}

// ---------------------------------------------------------------------------
// Axes and series shared by the figures

/// Small numbers with at most three significant digits, big ones with an
/// SI suffix: 0.25, 12.5, 950, 12.5k, 3M.
fn short(v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let a = v.abs();
    let (x, suffix) = match a {
        a if a >= 1e9 => (v / 1e9, "G"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e4 => (v / 1e3, "k"),
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

/// A log axis range around the finite values above `floor`, padded, never
/// empty.
fn log_range(values: impl IntoIterator<Item = f64>, floor: f64) -> Range<f64> {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite() && *v >= floor)
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if hi <= 0.0 {
        return floor..floor * 10.0;
    }
    (lo / 1.6).max(floor)..(hi * 1.6).max(lo * 10.0)
}

/// 0 to a little above the largest finite value (1 if there is none).
fn linear_top(values: impl IntoIterator<Item = f64>) -> f64 {
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
fn chart<'a, 'b, DB: DrawingBackend>(
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
fn mesh<'a, 'b, X, Y, DB>(
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

fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
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
fn guard_line<'a, DB, X, Y>(
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
/// any rate): the label alone, dashed.
fn legend_only<'a, DB, X, Y>(
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
fn category_range(n: usize) -> Range<f64> {
    -0.5..n.max(1) as f64 - 0.5
}

fn category_label(names: &[String], v: f64) -> String {
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
fn nines_label(v: f64) -> String {
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
struct Curve {
    guard: String,
    label: String,
    pts: Vec<(f64, f64)>,
}

/// A percentile-curve panel: one line per guard, y in ns on a log axis.
fn draw_percentiles<DB: DrawingBackend>(
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
    let y = log_range(pts.iter().flatten().map(|p| p.1), 1.0);
    let mut ch = chart(area, title, 80).build_cartesian_2d(x.clone(), y.log_scale())?;
    mesh(&mut ch, "percentile (%)", y_desc)
        .x_labels(x.end as usize + 1)
        .x_label_formatter(&|v| nines_label(*v))
        .y_label_formatter(&|v| short(*v))
        .draw()?;
    for (c, p) in curves.iter().zip(&pts) {
        guard_line(&mut ch, &c.guard, &c.label, p, false)?;
    }
    legend(&mut ch, SeriesLabelPosition::UpperLeft)
}

/// A horizontal bar per guard, top to bottom in guard order, coloured by
/// guard, its value written at its end.
struct Bar {
    guard: String,
    value: f64,
    text: String,
}

fn draw_bars<DB: DrawingBackend>(
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
    mesh(&mut ch, x_desc, "")
        .disable_y_mesh()
        .y_labels(bars.len().max(1))
        .y_label_formatter(&|v| category_label(&names, *v))
        .x_label_formatter(&|v| short(*v))
        .draw()?;
    let n = bars.len();
    ch.draw_series(bars.iter().enumerate().map(|(i, b)| {
        let y = (n - 1 - i) as f64;
        let v = if b.value.is_finite() {
            b.value.clamp(0.0, top)
        } else {
            0.0
        };
        Rectangle::new(
            [(0.0, y - 0.32), (v, y + 0.32)],
            guard_colour(&b.guard).filled(),
        )
    }))?;
    let style = font(LABEL_PX).pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Left,
        plotters::style::text_anchor::VPos::Center,
    ));
    ch.draw_series(bars.iter().enumerate().map(|(i, b)| {
        let v = if b.value.is_finite() {
            b.value.clamp(0.0, top)
        } else {
            0.0
        };
        Text::new(
            format!(" {}", b.text),
            (v, (n - 1 - i) as f64),
            style.clone(),
        )
    }))?;
    Ok(())
}

/// The area below a figure-wide title.
fn titled<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, DrawError> {
    let width = area.dim_in_pixel().0.saturating_sub(20);
    let style = title_font();
    let title = fit(area, title, &style, width);
    Ok(area.titled(&title, style)?)
}

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
//! their repeat form a `Group`: rates (allocs/s) are combined by harmonic
//! mean, times and per-million ratios by arithmetic mean, event counts by
//! sum, and histograms are merged. Cells run under different scopes,
//! pressures, node counts or RT semantics (a `Setting`) never share a
//! figure.
//!
//! Every figure ends with a caption: the machine (CPU model, logical CPUs,
//! kernel) and the command that produced the file. A guard has the same
//! colour in every figure (`style::PALETTE`).

mod correctness;
mod latency;
mod rebuild_cost;
mod retries;
mod style;
mod throughput;
mod writer_stall;

use crate::alloc::Scope;
use crate::metrics::HistSummary;
use crate::results::repeats::Repeats;
use crate::results::schema::ResultsFile;
use crate::workload::runner::CellResult;
use crate::workload::spec::{Pressure, WriterMode};
use hdrhistogram::Histogram;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::fmt;
use std::path::{Path, PathBuf};
use style::{register_fonts, short, Caption, CAPTION_H, WIDTH};

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
    cells: Repeats<'a>,
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
            cells: Repeats::default(),
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

    /// Harmonic mean over the repeats (NaN if none is finite).
    fn rate(&self, f: impl Fn(&CellResult) -> f64) -> f64 {
        self.cells.rate(f)
    }

    /// Arithmetic mean over the repeats (NaN if none is finite).
    fn mean(&self, f: impl Fn(&CellResult) -> f64) -> f64 {
        self.cells.mean(f)
    }

    fn sum(&self, f: impl Fn(&CellResult) -> u64) -> u64 {
        self.cells.sum(f)
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
        format!(
            "{}, {}",
            readers_text(self.readers),
            writer_text(self.writer, self.rate_hz)
        )
    }
}

/// "1 reader", "4 readers".
fn readers_text(n: usize) -> String {
    match n {
        1 => "1 reader".into(),
        n => format!("{n} readers"),
    }
}

/// "no writer", "rebuild writer at 100 Hz", "hotplug writer at 2 kHz".
fn writer_text(writer: WriterMode, rate_hz: f64) -> String {
    match writer {
        WriterMode::None => "no writer".into(),
        w if rate_hz.abs() >= 1e3 => format!("{} writer at {} kHz", w.name(), short(rate_hz / 1e3)),
        w => format!("{} writer at {} Hz", w.name(), short(rate_hz)),
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
                    cells: Repeats(vec![c]),
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

    /// Whether the file's settings differ in pressure, nodes, RT: only
    /// those parts name a figure.
    fn varies(&self) -> (bool, bool, bool) {
        let differs = |same: fn(&Setting, &Setting) -> bool| {
            self.settings.windows(2).any(|w| !same(&w[0], &w[1]))
        };
        (
            differs(|a, b| a.pressure == b.pressure),
            differs(|a, b| a.nodes == b.nodes),
            differs(|a, b| a.rt == b.rt),
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

/// `items` gathered per guard, guards in first-seen order.
fn by_guard<'g, T>(items: impl IntoIterator<Item = (&'g str, T)>) -> Vec<(String, Vec<T>)> {
    let mut out: Vec<(String, Vec<T>)> = Vec::new();
    for (guard, item) in items {
        match out.iter_mut().find(|(g, _)| g == guard) {
            Some((_, v)) => v.push(item),
            None => out.push((guard.to_string(), vec![item])),
        }
    }
    out
}

/// Legend and sort order: `guard::ALL` order, unknown names last.
fn guard_rank(guard: &str) -> usize {
    crate::guard::ALL
        .iter()
        .position(|g| g.name == guard)
        .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::style::{
        category_label, log_decades, nines_label, program_name_only, FONT, PALETTE,
    };
    use super::*;
    use crate::metrics::Hist;
    use crate::workload::floors::RebuildCost;

    /// A deterministic heavy-tailed histogram around `scale` ns.
    fn hist(seed: u64, scale: f64, n: usize) -> HistSummary {
        let mut h = Hist::default();
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        for _ in 0..n {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (x >> 11) as f64 / (1u64 << 53) as f64;
            h.record((scale * (1.0 + 50.0 * u.powi(12))) as u64);
        }
        h.summary()
    }

    fn cell(
        guard: &str,
        scope: Scope,
        readers: usize,
        writer: WriterMode,
        rate: f64,
        repeat: usize,
    ) -> CellResult {
        let rank = guard_rank(guard) as f64 + 1.0;
        let seed = (rank as u64) << 32 | (readers as u64) << 16 | repeat as u64;
        let writing = writer != WriterMode::None;
        let mut c = crate::results::fixture::cell(
            guard,
            readers,
            repeat,
            1e6 * readers as f64 / rank * (1.0 + 0.2 * repeat as f64),
            0,
        );
        c.spec.scope = scope;
        c.spec.writer = writer;
        c.spec.writer_rate_hz = rate;
        c.spec.pressure = Pressure::High;
        c.oversubscribed = readers > 2;
        c.read_latency_ns = hist(seed, 40.0 * rank, 2000);
        c.section_ns = hist(seed + 1, 10.0 * rank, 2000);
        c.retries_per_million = if writing { rate * rank / 10.0 } else { 0.0 };
        if writing {
            c.writer.rebuilds = 50;
            c.writer.lock_wait_ns = hist(seed + 2, 30.0 * rank, 50);
            c.writer.critical_ns = hist(seed + 3, 500.0 * rank, 50);
            c.writer.writer_stalls = u64::from(guard == "rwlock");
            c.stats.false_ooms = u64::from(guard == "none") * 3;
            c.stats.stale_zone_visits = u64::from(guard == "rcu") * 1234;
        }
        c
    }

    fn file(cells: Vec<CellResult>, rebuild_cost: Vec<RebuildCost>) -> ResultsFile {
        let mut f = crate::results::fixture::file(cells);
        f.meta.command = format!("zonebench run --guards {}", ["seqcount"; 40].join(","));
        f.rebuild_cost = rebuild_cost;
        f
    }

    /// Two scopes x three reader counts (one oversubscribed) x no writer
    /// and a rebuild writer at two rates x two repeats, four guards; and a
    /// rebuild-cost sweep.
    fn sample() -> ResultsFile {
        let guards = ["none", "seqcount", "rcu", "rwlock"];
        let mut cells = Vec::new();
        for scope in [Scope::Slowpath, Scope::EveryAlloc] {
            for (writer, rate) in [
                (WriterMode::None, 1000.0),
                (WriterMode::Rebuild, 100.0),
                (WriterMode::Rebuild, 1000.0),
            ] {
                for guard in guards {
                    for readers in [1, 2, 4] {
                        for repeat in 0..2 {
                            cells.push(cell(guard, scope, readers, writer, rate, repeat));
                        }
                    }
                }
            }
        }
        let cost = guards
            .iter()
            .enumerate()
            .flat_map(|(i, g)| {
                [1, 2, 4, 8].map(|nodes| RebuildCost {
                    guard: g.to_string(),
                    nodes,
                    median_ns: 200.0 * (nodes * nodes) as f64 * (1.0 + i as f64),
                    samples: 100,
                })
            })
            .collect();
        file(cells, cost)
    }

    /// A fresh directory under the system temp dir, removed on drop
    /// unless `ZONEBENCH_KEEP_PLOTS` is set.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let p =
                std::env::temp_dir().join(format!("zonebench-plot-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&p);
            TempDir(p)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            // To look at what the tests drew: ZONEBENCH_KEEP_PLOTS=1.
            if std::env::var_os("ZONEBENCH_KEEP_PLOTS").is_some() {
                return;
            }
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn stems(out: &PlotOutcome) -> Vec<String> {
        let mut v: Vec<String> = out
            .written
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn every_figure_with_data_is_written_as_png_and_svg() {
        let dir = TempDir::new("all");
        let out = render_all(&sample(), &dir.0.join("nested")).expect("renders");
        assert!(out.skipped.is_empty(), "{:?}", out.skipped);
        let mut want = Vec::new();
        for scope in ["slowpath", "every-alloc"] {
            for fig in [
                "throughput",
                "latency",
                "retries",
                "writer-stall",
                "correctness",
            ] {
                let stem = match fig {
                    "retries" => format!("{fig}-{scope}-rebuild"),
                    _ => format!("{fig}-{scope}"),
                };
                want.push(format!("{stem}.png"));
                want.push(format!("{stem}.svg"));
            }
        }
        want.extend(["rebuild-cost.png".into(), "rebuild-cost.svg".into()]);
        want.sort();
        assert_eq!(stems(&out), want);
        for p in &out.written {
            let bytes = std::fs::read(p).expect("written");
            match p.extension().and_then(|e| e.to_str()) {
                Some("png") => assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000),
                _ => {
                    let svg = String::from_utf8(bytes).expect("utf-8");
                    assert!(
                        svg.starts_with("<svg") && svg.contains("<text"),
                        "{}",
                        p.display()
                    );
                    assert!(svg.contains(FONT));
                }
            }
        }
    }

    #[test]
    fn an_empty_file_is_skipped_not_an_error() {
        let dir = TempDir::new("empty");
        let out = render_all(&file(Vec::new(), Vec::new()), &dir.0).expect("no error");
        assert!(out.written.is_empty());
        for fig in [
            "throughput",
            "latency",
            "retries",
            "writer-stall",
            "correctness",
            "rebuild-cost",
        ] {
            assert!(
                out.skipped.iter().any(|s| s.starts_with(fig)),
                "{fig} not in {:?}",
                out.skipped
            );
        }
    }

    #[test]
    fn one_writer_rate_still_gets_a_retries_figure_and_no_writer_skips_writer_figures() {
        let dir = TempDir::new("one-rate");
        let cells = ["seqcount", "rcu"]
            .iter()
            .flat_map(|g| [1, 2].map(|r| cell(g, Scope::Slowpath, r, WriterMode::Rebuild, 50.0, 0)))
            .collect();
        let out = render_all(&file(cells, Vec::new()), &dir.0).expect("renders");
        assert!(stems(&out).contains(&"retries-slowpath-rebuild.png".to_string()));

        let cells = vec![cell(
            "seqcount",
            Scope::Slowpath,
            1,
            WriterMode::None,
            0.0,
            0,
        )];
        let out = render_all(&file(cells, Vec::new()), &dir.0).expect("renders");
        assert!(stems(&out).contains(&"throughput-slowpath.png".to_string()));
        assert!(out.skipped.iter().any(|s| s.starts_with("retries")));
        assert!(out
            .skipped
            .iter()
            .any(|s| s.starts_with("writer-stall-slowpath")));
        assert!(out.skipped.iter().any(|s| s.starts_with("rebuild-cost")));
    }

    #[test]
    fn hostile_values_render_without_panicking() {
        let dir = TempDir::new("hostile");
        let mut cells = Vec::new();
        for (i, v) in [f64::NAN, f64::INFINITY, 0.0, -5.0, 1e300, f64::MIN_POSITIVE]
            .into_iter()
            .enumerate()
        {
            let mut c = cell(
                "seqcount",
                Scope::EveryAlloc,
                i % 3,
                WriterMode::Rebuild,
                v,
                i,
            );
            c.allocs_per_sec = v;
            c.retries_per_million = v;
            c.read_latency_ns = HistSummary::default();
            c.writer.critical_ns.hdr = "garbage".into();
            c.writer.lock_wait_ns = HistSummary::default();
            c.stats.false_ooms = u64::MAX;
            cells.push(c);
        }
        cells.push(cell(
            "no-such-guard",
            Scope::Slowpath,
            0,
            WriterMode::Hotplug,
            0.0,
            0,
        ));
        let cost = [f64::NAN, 0.0, -1.0, f64::INFINITY, 5.0]
            .into_iter()
            .enumerate()
            .map(|(nodes, median_ns)| RebuildCost {
                guard: "rcu".into(),
                nodes,
                median_ns,
                samples: 0,
            })
            .collect();
        let out = render_all(&file(cells, cost), &dir.0).expect("renders");
        assert!(!out.written.is_empty());
    }

    #[test]
    fn an_unwritable_directory_is_one_line_naming_it() {
        let dir = TempDir::new("unwritable");
        std::fs::create_dir_all(&dir.0).unwrap();
        let blocker = dir.0.join("a-file");
        std::fs::write(&blocker, b"x").unwrap();
        let target = blocker.join("plots");
        let e = render_all(&sample(), &target).unwrap_err().to_string();
        assert!(e.starts_with(&target.display().to_string()), "{e}");
        assert!(!e.contains('\n'));
    }

    #[test]
    fn repeats_combine_rates_by_harmonic_mean_and_merge_histograms() {
        let r = file(
            (0..2)
                .map(|rep| cell("rcu", Scope::Slowpath, 2, WriterMode::None, 0.0, rep))
                .collect(),
            Vec::new(),
        );
        let ix = Index::new(&r);
        assert_eq!(ix.groups.len(), 1);
        let g = &ix.groups[0];
        let (a, b) = (r.cells[0].allocs_per_sec, r.cells[1].allocs_per_sec);
        assert!((g.rate(|c| c.allocs_per_sec) - 2.0 / (1.0 / a + 1.0 / b)).abs() < 1e-6);
        let merged = merge(
            r.cells
                .iter()
                .map(|c| c.read_latency_ns.histogram().unwrap())
                .collect(),
        )
        .unwrap();
        assert_eq!(merged.len(), 4000);
        let pts = g.percentiles(|c| &c.read_latency_ns);
        assert!(pts.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1));
        assert!((pts.last().unwrap().0 - 4000f64.log10()).abs() < 1e-9);
    }

    #[test]
    fn every_guard_has_its_own_colour() {
        for g in crate::guard::ALL {
            assert!(
                PALETTE.iter().any(|(n, _)| *n == g.name),
                "{} has no colour",
                g.name
            );
        }
        for (i, (_, a)) in PALETTE.iter().enumerate() {
            assert!(PALETTE[i + 1..].iter().all(|(_, b)| a != b));
        }
    }

    #[test]
    fn axis_labels() {
        assert_eq!(short(0.0), "0");
        assert_eq!(short(0.25), "0.25");
        assert_eq!(short(12.5), "12.5");
        assert_eq!(short(950.0), "950");
        assert_eq!(short(1000.0), "1k");
        assert_eq!(short(12_500.0), "12.5k");
        assert_eq!(short(3e6), "3M");
        assert_eq!(short(1e300), "1.0e300");
        assert_eq!(nines_label(0.0), "0");
        assert_eq!(nines_label(1.0), "90");
        assert_eq!(nines_label(2.0), "99");
        assert_eq!(nines_label(4.0), "99.99");
        assert_eq!(nines_label(1.5), "");
        assert_eq!(category_label(&["1".into(), "2".into()], 1.0), "2");
        assert_eq!(category_label(&["1".into()], 0.5), "");
        assert_eq!(log_decades([0.0, f64::NAN], 1.0), 1.0..10.0);
        assert_eq!(log_decades([3.0, 250.0], 1.0), 1.0..1000.0);
        assert_eq!(
            writer_text(WriterMode::Rebuild, 2000.0),
            "rebuild writer at 2 kHz"
        );
        assert_eq!(
            writer_text(WriterMode::Hotplug, 50.0),
            "hotplug writer at 50 Hz"
        );
        assert_eq!(
            program_name_only("target/release/zonebench run --out a/b.json"),
            "zonebench run --out a/b.json"
        );
        assert_eq!(program_name_only("zonebench run"), "zonebench run");
    }
}

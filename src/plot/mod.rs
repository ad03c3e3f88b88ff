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
//! figure (`group.rs`).
//!
//! Every figure ends with a caption: the machine (CPU model, logical CPUs,
//! kernel) and the command that produced the file (`caption.rs`). A guard
//! keeps its own colour, marker and dash wherever a panel allows
//! (`palette.rs`); more than six guards are drawn as a column per family
//! (`family.rs`, `grid.rs`).
//!
//! The figures, one file each, plan what to draw from the grouped cells
//! and draw it through the shared pieces: `figure.rs` writes the files,
//! `curve.rs` turns histograms into percentile curves, `label.rs` words
//! titles and legends, `axis.rs` sizes and labels axes, `chart.rs` and
//! `panels.rs` draw charts in the shared style from `theme.rs`.

// The figures.
mod correctness;
mod latency;
mod rebuild_cost;
mod retries;
mod throughput;
mod writer_stall;

// What they share.
mod axis;
mod caption;
mod chart;
mod curve;
mod family;
mod figure;
mod grid;
mod group;
mod label;
mod palette;
mod panels;
mod series;
mod theme;

/// A drawing failure inside plotters, in words.
#[derive(Debug)]
struct DrawError(String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        DrawError(e.to_string())
    }
}

#[cfg(test)]
mod fixture;

use crate::results::schema::ResultsFile;
use caption::Caption;
use figure::emit;
use group::Index;
use plotters::prelude::DrawingAreaErrorKind;
use std::fmt;
use std::path::{Path, PathBuf};
use theme::register_fonts;

/// What [`render_all`] did.
#[derive(Debug, Default)]
pub(crate) struct PlotOutcome {
    /// Every file written, PNG and SVG, in figure order.
    pub written: Vec<PathBuf>,
    /// One line per figure (or figure variant) not drawn, and why.
    pub skipped: Vec<String>,
}

/// A figure could not be written: one line naming the file.
#[derive(Debug)]
pub(crate) struct PlotError {
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
pub(crate) fn render_all(results: &ResultsFile, dir: &Path) -> Result<PlotOutcome, PlotError> {
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

#[cfg(test)]
mod tests {
    use super::fixture::{cell, every_guard, file, sample};
    use super::theme::FONT;
    use super::*;
    use crate::alloc::Scope;
    use crate::metrics::HistSummary;
    use crate::workload::floors::RebuildCost;
    use crate::workload::spec::WriterMode;
    use plotters::prelude::{FontStyle, IntoDrawingArea, IntoFont};

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

    /// The figures drawn once per setting, in the order they are drawn.
    const PER_SETTING: [&str; 5] = [
        "throughput",
        "latency",
        "retries",
        "writer-stall",
        "correctness",
    ];

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
            for fig in PER_SETTING {
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

    /// The value of attribute `name` in the tag `tag`.
    fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        tag[at..].split('"').next()
    }

    /// Every unrotated text of the SVG `svg`: it must lie inside the
    /// picture, measured with the font the PNG is drawn with.
    fn text_inside(path: &Path) {
        assert!(register_fonts());
        let svg = std::fs::read_to_string(path).unwrap();
        let width: i32 = attr(&svg[..svg.find('>').unwrap()], "width")
            .unwrap()
            .parse()
            .unwrap();
        let mut probe = String::new();
        let area =
            plotters::prelude::SVGBackend::with_string(&mut probe, (10, 10)).into_drawing_area();
        let mut checked = 0;
        for piece in svg.split("<text").skip(1) {
            let (tag, rest) = piece.split_once('>').unwrap();
            if tag.contains("transform") {
                continue;
            }
            let text = rest.split("</text>").next().unwrap().trim();
            let text = text
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&apos;", "'")
                .replace("&amp;", "&");
            // plotters writes an SVG font size 1.24 times smaller than
            // the pixel size it lays out with.
            let size: f64 = attr(tag, "font-size").unwrap().parse().unwrap();
            let style = if tag.contains("font-weight=\"bold\"") {
                FontStyle::Bold
            } else {
                FontStyle::Normal
            };
            let font: plotters::style::TextStyle =
                (FONT, (size * 1.24).round(), style).into_font().into();
            let (w, _) = area.estimate_text_size(&text, &font).unwrap();
            let (w, x) = (w as i32, attr(tag, "x").unwrap().parse::<i32>().unwrap());
            let (left, right) = match attr(tag, "text-anchor") {
                Some("middle") => (x - w / 2, x + w / 2),
                Some("end") => (x - w, x),
                _ => (x, x + w),
            };
            assert!(
                left >= -1 && right <= width + 1,
                "{}: {text:?} spans {left}..{right} of 0..{width}",
                path.display()
            );
            checked += 1;
        }
        assert!(checked > 5, "{}: only {checked} texts", path.display());
    }

    /// Every guard and one of a long name this build does not know, two
    /// repeats far apart: intervals with no upper bound (t(1) = 12.7).
    fn two_repeats(readers: &[usize]) -> ResultsFile {
        let mut f = every_guard(readers, 2);
        let long = "a-guard-of-another-build-with-a-long-descriptive-name";
        let mut extra: Vec<_> = f
            .cells
            .iter()
            .filter(|c| c.spec.guard == "rcu")
            .cloned()
            .collect();
        for c in &mut extra {
            c.spec.guard = long.into();
        }
        f.cells.extend(extra);
        for c in f.cells.iter_mut().filter(|c| c.spec.repeat == 1) {
            c.allocs_per_sec *= 3.0;
        }
        f
    }

    #[test]
    fn no_text_runs_off_any_figure() {
        for (name, file) in [
            ("sample", sample()),
            ("families", every_guard(&[1, 2, 4], 3)),
            ("bars", every_guard(&[2], 3)),
            ("two repeats", two_repeats(&[1, 2])),
            ("two repeats, bars", two_repeats(&[2])),
        ] {
            let dir = TempDir::new(&format!("inside-{name}"));
            let out = render_all(&file, &dir.0).expect("renders");
            let svgs: Vec<&PathBuf> = out
                .written
                .iter()
                .filter(|p| p.extension().is_some_and(|e| e == "svg"))
                .collect();
            assert!(svgs.len() >= 4, "{name}: {svgs:?}");
            for svg in svgs {
                text_inside(svg);
            }
        }
    }

    #[test]
    fn no_text_runs_off_a_committed_reference_figure() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("plots");
        let mut checked = 0;
        for dir in [
            "reference-2cpu-epyc",
            "reference-16cpu-xeon",
            "claims/reference-2cpu-epyc",
            "review/reference-2cpu-epyc",
        ] {
            for entry in std::fs::read_dir(root.join(dir)).expect("committed") {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "svg") {
                    text_inside(&path);
                    checked += 1;
                }
            }
        }
        assert!(checked >= 40, "{checked} figures");
    }

    #[test]
    fn more_than_six_guards_are_drawn_a_family_a_column_and_one_reader_count_as_bars() {
        let dir = TempDir::new("families");
        let out = render_all(&every_guard(&[1, 2, 4], 3), &dir.0).expect("renders");
        let svg = std::fs::read_to_string(dir.0.join("latency-slowpath.svg")).unwrap();
        for family in [
            "sequence counts",
            "kernel RCU",
            "userspace RCU and epochs",
            "the control and other designs",
        ] {
            assert!(svg.contains(family), "{family}");
        }
        assert_eq!(svg.matches("seqcount (reference)").count(), 3);
        let svg = std::fs::read_to_string(dir.0.join("throughput-slowpath.svg")).unwrap();
        assert!(
            svg.contains("95% CI, 3 repeats"),
            "whiskers say what they are"
        );
        assert!(stems(&out).contains(&"throughput-slowpath.png".to_string()));

        let dir = TempDir::new("bars");
        render_all(&every_guard(&[2], 3), &dir.0).expect("renders");
        let svg = std::fs::read_to_string(dir.0.join("throughput-slowpath.svg")).unwrap();
        // The title, wrapped onto lines of its own.
        let lines: Vec<&str> = svg
            .split("<text")
            .skip(1)
            .filter_map(|t| t.split_once('>')?.1.split("</text>").next())
            .map(str::trim)
            .collect();
        assert!(
            lines.join(" ").replace("&apos;", "'").contains(
                "Allocation throughput, slowpath scope, 2 readers (whiskers: each rate's own 95% \
                 CI, 3 repeats; guards compare by their paired ratios, in the report table)"
            ),
            "{lines:?}"
        );
        // The guard on the axis: every guard's name once per panel.
        assert_eq!(svg.matches("\nepoch\n").count(), 3, "one per writer panel");
    }

    #[test]
    fn an_empty_file_is_skipped_not_an_error() {
        let dir = TempDir::new("empty");
        let out = render_all(&file(Vec::new(), Vec::new()), &dir.0).expect("no error");
        assert!(out.written.is_empty());
        for fig in PER_SETTING.into_iter().chain(["rebuild-cost"]) {
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
    fn a_correctness_figure_of_zeros_is_not_drawn() {
        let dir = TempDir::new("zeros");
        let mut cells: Vec<_> = ["seqcount", "rcu"]
            .iter()
            .map(|g| cell(g, Scope::Slowpath, 1, WriterMode::Rebuild, 50.0, 0))
            .collect();
        for c in &mut cells {
            c.stats.false_ooms = 0;
            c.stats.stale_zone_visits = 0;
        }
        let out = render_all(&file(cells.clone(), Vec::new()), &dir.0).expect("renders");
        assert!(!stems(&out).iter().any(|s| s.starts_with("correctness")));
        assert!(out
            .skipped
            .iter()
            .any(|s| s.starts_with("correctness-slowpath: every count is 0")));
        cells[1].stats.stale_zone_visits = 3;
        let out = render_all(&file(cells, Vec::new()), &dir.0).expect("renders");
        assert!(stems(&out).contains(&"correctness-slowpath.png".to_string()));
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
}

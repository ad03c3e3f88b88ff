//! `zonebench report FILE --html DIR`, and the page `cargo bench` leaves
//! in `plots/latest/`: for people who would rather look than read, one
//! self-contained static page, `DIR/index.html`, beside the figures drawn
//! into `DIR`. It shows what the text commands print, from the same code:
//!
//! * a header: what the file is, the machine (CPU model, logical CPUs,
//!   kernel), the command that wrote it, the zonebench that measured it;
//! * for a file `zonebench review` wrote ([`Review::of_file`]), the
//!   summary `review` printed (`report::review_summary`); for a file with
//!   other saved verdicts (`zonebench claims`), the claims as `claims
//!   --from` prints them;
//! * the report table `report` prints for the same selection;
//! * every figure `plot::render_all` wrote, in its order, linking its SVG,
//!   and the figures it did not draw, with the reasons.
//!
//! The pieces: `render.rs` (the HTML), `figures.rs` (figures from the
//! plot outcome), `escape.rs` (text and links made safe), `target.rs`
//! (where the page may go, and writing it).

mod escape;
mod figures;
mod render;
mod target;

pub(crate) use target::{check_page, PageTarget};

use super::claims::render_text as render_claims;
use super::{report, review_summary, Format, ReportError, ReportOpts};
use crate::experiments::review::Review;
use crate::plot::PlotOutcome;
use crate::results::ResultsFile;
use figures::figures;
use render::{Page, Section};
use std::path::Path;

/// The page of `file` (read from `source`), its report table selected by
/// `opts`, its figures `plots` as drawn into `dir`.
pub(crate) fn page(
    file: &ResultsFile,
    source: &str,
    opts: &ReportOpts,
    dir: &Path,
    plots: &PlotOutcome,
) -> Result<String, ReportError> {
    let table = report(file, source, opts, Format::Text)?;
    let review = Review::of_file(file);
    let mut sections = Vec::new();
    if let Some((r, plan)) = &review {
        sections.push(Section {
            id: "review",
            heading: format!("Review of {} against {}", r.mine, r.baseline),
            text: review_summary(file, source, r, plan),
        });
    } else if !file.claims.is_empty() {
        sections.push(Section {
            id: "claims",
            heading: "Claims and verdicts".into(),
            text: render_claims(&file.claims),
        });
    }
    sections.push(Section {
        id: "report",
        heading: "Report table".into(),
        text: table,
    });
    let figures = figures(dir, plots);
    let name = Path::new(source)
        .file_name()
        .map_or_else(|| source.to_string(), |n| n.to_string_lossy().into_owned());
    Ok(Page {
        title: format!("zonebench: {name}"),
        facts: facts(file, source, review.as_ref().map(|(r, _)| r)),
        sections,
        figures: &figures,
        skipped: &plots.skipped,
    }
    .render())
}

/// The header's lines.
fn facts(file: &ResultsFile, source: &str, review: Option<&Review>) -> Vec<(&'static str, String)> {
    let m = &file.meta;
    let c = &file.config;
    let mut what = match review {
        Some(r) => format!(
            "a review of {} against {} (zonebench review)",
            r.mine, r.baseline
        ),
        None if !file.claims.is_empty() => {
            "the arguments of the 2022 thread as experiments, with verdicts (zonebench claims)"
                .to_string()
        }
        None if c.sweep => "the contention sweep (cargo bench, zonebench run --sweep)".to_string(),
        // `run`, `selfcheck`, or a `claims` or `review` interrupted before
        // its verdicts: the command below says which.
        None => "a results file".to_string(),
    };
    let guards = file
        .cells
        .iter()
        .map(|c| c.spec.guard.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    what.push_str(&format!("; {} cells of {guards} guards", file.cells.len()));
    if c.quick {
        what.push_str("; --quick: short cells, a smoke run");
    }
    if m.partial {
        what.push_str("; INTERRUPTED: cells are missing");
    }
    vec![
        ("file", source.to_string()),
        ("what", what),
        (
            "machine",
            format!(
                "{}, {} logical CPUs; kernel {}",
                m.cpu_model, m.logical_cpus, m.kernel_release
            ),
        ),
        ("command", m.command.clone()),
        (
            "zonebench",
            format!(
                "{} ({}), {}, started {}",
                m.zonebench_version, m.git_revision, m.rustc_version, m.start_time
            ),
        ),
    ]
}

/// Write the page of `file` (see [`page`]) to `target`, as
/// [`check_page`] returned it, and say so on stderr.
pub(crate) fn write(
    file: &ResultsFile,
    source: &str,
    opts: &ReportOpts,
    dir: &Path,
    target: &PageTarget,
    plots: &PlotOutcome,
) -> Result<(), String> {
    let html = page(file, source, opts, dir, plots).map_err(|e| e.to_string())?;
    target::write_page(target, &html)?;
    eprintln!("page: {}", target.path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::figures::tests::png_head;
    use super::*;
    use crate::experiments::testing::review_file;
    use crate::results::fixture;
    use std::path::PathBuf;

    /// A directory of figures as `render_all` leaves it: `names` drawn as
    /// PNG (a header of `w` x 300 for the n-th) and SVG.
    fn drawn(test: &str, names: &[&str], skipped: &[&str]) -> (PathBuf, PlotOutcome) {
        let dir =
            std::env::temp_dir().join(format!("zonebench-html-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut written = Vec::new();
        for (i, n) in names.iter().enumerate() {
            let png = dir.join(format!("{n}.png"));
            std::fs::write(&png, png_head(400 + i as u32, 300)).unwrap();
            let svg = dir.join(format!("{n}.svg"));
            std::fs::write(&svg, "<svg/>").unwrap();
            written.extend([png, svg]);
        }
        let skipped = skipped.iter().map(|s| s.to_string()).collect();
        (dir, PlotOutcome { written, skipped })
    }

    fn page_of(file: &ResultsFile, test: &str, names: &[&str], skipped: &[&str]) -> String {
        let (dir, plots) = drawn(test, names, skipped);
        let html = page(file, "results/x.json", &ReportOpts::default(), &dir, &plots).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        html
    }

    #[test]
    fn what_the_file_holds_is_escaped() {
        let mut file = fixture::all_guards();
        file.meta.command = r#"zonebench run --guards "<b>a&b</b>" --out 'x'"#.into();
        file.meta.cpu_model = "CPU <3 & \"fast\"".into();
        for c in file.cells.iter_mut().filter(|c| c.spec.guard == "rcu") {
            c.spec.guard = "rcu<script>&\"".into();
        }
        let html = page_of(&file, "escape", &["a&b<c>\"d"], &["x <y> & \"z\""]);
        for raw in ["<b>", "<script", "<c>", "<y>", "<3", "\"fast\"", "'x'"] {
            assert!(!html.contains(raw), "{raw} unescaped");
        }
        for escaped in [
            "&lt;b&gt;a&amp;b&lt;/b&gt;",
            "CPU &lt;3 &amp; &quot;fast&quot;",
            "rcu&lt;script&gt;&amp;&quot;",
            "x &lt;y&gt; &amp; &quot;z&quot;",
            "src=\"a%26b%3Cc%3E%22d.png\"",
            "<figcaption>a&amp;b&lt;c&gt;&quot;d (",
        ] {
            assert!(html.contains(escaped), "no {escaped}");
        }
    }

    #[test]
    fn every_png_is_shown_once_with_its_size_and_svg() {
        let names = ["throughput-slowpath", "latency-slowpath", "rebuild-cost"];
        let html = page_of(&fixture::all_guards(), "figures", &names, &[]);
        assert_eq!(html.matches("<img ").count(), names.len());
        let mut at = Vec::new();
        for (i, n) in names.iter().enumerate() {
            let img = format!(
                "<img src=\"{n}.png\" alt=\"figure {n}\" width=\"{}\" height=\"300\">",
                400 + i
            );
            assert_eq!(html.matches(&img).count(), 1, "{img}");
            assert!(html.contains(&format!("(<a href=\"{n}.svg\">SVG</a>)")));
            at.push(html.find(&img).unwrap());
        }
        assert!(at.windows(2).all(|w| w[0] < w[1]), "not in drawing order");
        assert!(!html.contains("Not drawn"));
        // Self-contained: nothing fetched but the figures, no script.
        assert!(!html.contains("<script") && !html.contains("://"), "{html}");
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta name=\"generator\" content=\"zonebench "));
    }

    #[test]
    fn figures_not_drawn_are_listed_with_why() {
        let skipped = [
            "correctness-slowpath: every count is 0",
            "rebuild-cost: no rebuild curve",
        ];
        let html = page_of(&fixture::all_guards(), "skipped", &[], &skipped);
        assert!(html.contains("No figure was drawn."));
        assert!(html.contains("<h3>Not drawn</h3>"));
        for s in skipped {
            assert!(html.contains(&format!("<li>{s}</li>")), "{s}");
        }
    }

    #[test]
    fn a_review_shows_its_summary_and_a_claims_file_its_verdicts() {
        let file = review_file("raw-seqcount", "seqlock");
        let html = page_of(&file, "review", &["a"], &[]);
        let (review, plan) = Review::of_file(&file).unwrap();
        let summary = review_summary(&file, "results/x.json", &review, &plan);
        assert!(summary.starts_with("zonebench review: raw-seqcount against seqlock\n"));
        assert!(html.contains(&format!("<pre>{}</pre>", escape::text(summary.trim_end()))));
        assert!(html.contains("a review of raw-seqcount against seqlock"));
        assert!(
            !html.contains("id=\"claims\""),
            "the verdicts are in the summary"
        );

        let mut claims = fixture::all_guards();
        claims.claims = file.claims.clone();
        claims.claims[0].id = "C0".into();
        let html = page_of(&claims, "claims", &["a"], &[]);
        assert!(!html.contains("id=\"review\""));
        let text = escape::text(render_claims(&claims.claims).trim_end());
        assert!(html.contains(&format!(
            "<section id=\"claims\">\n<h2>Claims and verdicts</h2>\n<pre>{text}</pre>"
        )));

        let html = page_of(&fixture::all_guards(), "plain", &["a"], &[]);
        assert!(!html.contains("id=\"review\"") && !html.contains("id=\"claims\""));
        let table = report(
            &fixture::all_guards(),
            "results/x.json",
            &ReportOpts::default(),
            Format::Text,
        )
        .unwrap();
        assert!(html.contains(&escape::text(table.trim_end())));
    }
}

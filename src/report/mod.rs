//! Review tables from results files, in the manner of mmtests'
//! compare-kernels: one column per guard, one row per metric and reader
//! count, each value with its change against a baseline guard and a marker
//! where the change is significant.
//!
//! Reports read only results files (never live runs), so any table can be
//! regenerated later. The pieces, one file each:
//!
//! 1. `model.rs`: a file's cells grouped into *cell groups* (one guard's
//!    repeats of one scope, writer, writer rate, pressure, setup and reader
//!    count, keyed by each cell's own spec, never by the file's `config`),
//!    and cell groups with the same scope, writer, rate, pressure and setup
//!    into *sections*, one table each in the output.
//! 2. `metric.rs`: per cell group and metric, the repeats combined
//!    (harmonic mean for rates, arithmetic mean for everything else;
//!    stalled repeats left out), the per-repeat values kept with their
//!    rounds; and a value's change against the baseline's, in percent,
//!    signed so that positive is better: measured in the same rounds, the
//!    Hodges-Lehmann estimate of the per-round ratios (per block of an
//!    interleaved round), its 95% interval the signed-rank test inverted,
//!    its p Wilcoxon's signed-rank test (`metrics/paired.rs`); a table's
//!    p-values corrected together, Benjamini-Hochberg or Holm
//!    (`metrics/family.rs`), and a change marked only where the corrected
//!    p is below 0.05, the interval excludes 0 and the change passes the
//!    practical threshold ([`Marking`]). `compare` weighs two files
//!    measured apart by Welch's t-test instead (`apart.rs`).
//! 3. `document.rs`: the report laid out as a format-neutral document of
//!    tables, which `text.rs` (80 columns, ASCII, wrapped by `wrap.rs`) and
//!    `markdown.rs` render, each table followed by its notes and the
//!    document by one line of legend and where the method is written
//!    (`docs/methodology.md`); `csv.rs` writes the model itself, one row
//!    per cell group and metric. `compare.rs` builds a document from two files.
//! 4. `filter.rs`: `--cells` ([`CellFilter`]); `number.rs`: how numbers
//!    and percentages are written; `error.rs`: [`ReportError`].
//!
//! `claims.rs` renders the findings of `zonebench claims` (the experiments
//! of `src/experiments/`) as text or markdown; `review.rs` the summary of
//! `zonebench review`; `html/` the page of `report --html`, which shows
//! them with the table and the figures.

mod apart;
mod claims;
mod compare;
mod csv;
mod document;
mod error;
mod filter;
pub(crate) mod html;
mod markdown;
mod metric;
mod model;
mod modes;
mod number;
mod review;
mod text;
mod wrap;

pub(crate) use claims::{
    render_markdown as render_claims_markdown, render_text as render_claims_text,
};
pub(crate) use compare::compare_files;
pub(crate) use error::ReportError;
pub(crate) use filter::CellFilter;
pub(crate) use metric::Marking;
pub(crate) use review::review_summary;

use crate::results::ResultsFile;
use clap::ValueEnum;
use model::Report;

/// What to report.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ReportOpts {
    /// The guard every other is compared with (default: `seqcount` if the
    /// file has it, else its first guard; see `model.rs`).
    pub baseline: Option<String>,
    pub filter: CellFilter,
    /// Only these guards' columns (`--guards`; empty: every guard).
    pub guards: Vec<String>,
    /// The practical threshold and the family correction of the marks.
    pub marking: Marking,
}

/// The output formats of `zonebench report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// The review table: ASCII, 80 columns.
    Text,
    /// GitHub markdown tables.
    Markdown,
    /// One row per cell group and metric.
    Csv,
}

/// The output formats of a document that has no csv form (`compare`,
/// `claims`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum DocFormat {
    /// Plain ASCII, 80 columns.
    Text,
    /// GitHub markdown (for the README, a pull request, an issue).
    Markdown,
}

/// One output format of a report (as hyperfine's `Exporter`).
trait Exporter {
    fn export(&self, report: &Report) -> String;
}

impl Format {
    fn exporter(self) -> &'static dyn Exporter {
        match self {
            Format::Text => &text::TextExporter,
            Format::Markdown => &markdown::MarkdownExporter,
            Format::Csv => &csv::CsvExporter,
        }
    }
}

/// Report `results` (read from `source`) in `format`.
pub(crate) fn report(
    results: &ResultsFile,
    source: &str,
    opts: &ReportOpts,
    format: Format,
) -> Result<String, ReportError> {
    let report = Report::build(results, source, opts)?;
    Ok(format.exporter().export(&report))
}

/// How many of `results`' changes against the baseline were tested, and
/// how many of those were marked (the A/A count of `zonebench selfcheck`).
pub(crate) fn marks(
    results: &ResultsFile,
    opts: &ReportOpts,
) -> Result<(usize, usize), ReportError> {
    let report = Report::build(results, "", opts)?;
    let tested: Vec<bool> = report
        .sections
        .iter()
        .flat_map(|s| &s.changes)
        .filter(|(g, ..)| *g != report.baseline)
        .filter(|(.., c)| !c.p.is_nan())
        .map(|(.., c)| c.significant)
        .collect();
    Ok((tested.len(), tested.iter().filter(|m| **m).count()))
}

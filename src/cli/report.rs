//! `zonebench report` and `zonebench compare`: tables from results files
//! only, never from a live run; `report` also draws the file's plots
//! (`--plots`), or draws them with a page that shows everything
//! (`--html`, `report::html`).

use super::env::FORCE_PAGE_HELP;
use super::{emit, usage_error};
use crate::metrics::family::Correction;
use crate::report::html::{self, check_page};
use crate::report::{
    compare_files, report as table, CellFilter, DocFormat, Format, Marking, ReportOpts,
};
use crate::results::io::{check_dir, load};
use crate::session::draw;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// What both commands take: which guard is the baseline, which cells.
#[derive(Args, Debug)]
pub(super) struct SelectArgs {
    /// The guard the others are compared with [default: seqcount if the
    /// file has it, else its first guard].
    #[arg(long)]
    baseline: Option<String>,
    /// Only the cells matching, e.g. scope=every-alloc,writer=rebuild,readers=2.
    #[arg(long, value_parser = parse_cells)]
    cells: Option<CellFilter>,
    /// Only these guards' columns, comma-separated (e.g. seqlock,mine: the
    /// two columns of a patch review); the baseline, unless --baseline,
    /// is seqcount if listed, else the first.
    #[arg(short = 'g', long, value_delimiter = ',')]
    guards: Vec<String>,
    /// The practical threshold, percent: a change is marked only beyond it
    /// (and only where its interval excludes 0 and its corrected p < 0.05).
    #[arg(long, default_value = "1", value_parser = parse_threshold, allow_hyphen_values = true)]
    threshold: f64,
    /// How the p-values of one table are corrected for each other: bh
    /// (Benjamini-Hochberg, false discoveries) or holm (family-wise error).
    #[arg(long, value_enum, default_value = "bh")]
    correction: Correction,
}

impl SelectArgs {
    fn opts(&self) -> ReportOpts {
        ReportOpts {
            baseline: self.baseline.clone(),
            filter: self.cells.clone().unwrap_or_default(),
            guards: self.guards.clone(),
            marking: Marking {
                threshold_pct: self.threshold,
                correction: self.correction,
            },
        }
    }
}

fn parse_threshold(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if (0.0..=100.0).contains(&t) => Ok(t),
        _ => Err(format!("'{s}' is not a percentage from 0 to 100")),
    }
}

fn parse_cells(s: &str) -> Result<CellFilter, String> {
    CellFilter::parse(s).map_err(|e| e.to_string())
}

#[derive(Args, Debug)]
pub(super) struct ReportArgs {
    /// A results file written by `zonebench run` (or `cargo bench`).
    file: PathBuf,
    #[command(flatten)]
    select: SelectArgs,
    /// text: the 80-column review table; markdown: for GitHub; csv: one row
    /// per cell group, guard and metric.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Also draw the plots of the file into DIR (PNG and SVG).
    #[arg(long, value_name = "DIR", conflicts_with = "html")]
    plots: Option<PathBuf>,
    /// Also draw the plots into DIR and write DIR/index.html: one static
    /// page (no scripts, nothing fetched; open it in a browser) with the
    /// machine and command, the review summary or the saved verdicts of
    /// the file, the text table of this --baseline/--guards/--cells, and
    /// every figure. An index.html zonebench did not write is refused (see
    /// --force). Not with --plots: --html draws the figures itself.
    #[arg(long, value_name = "DIR")]
    html: Option<PathBuf>,
    #[arg(long, requires = "html", help = FORCE_PAGE_HELP)]
    force: bool,
}

#[derive(Args, Debug)]
pub(super) struct CompareArgs {
    /// The results file before (the baseline kernel, machine A).
    base: PathBuf,
    /// The results file after (the patched kernel, machine B).
    new: PathBuf,
    #[command(flatten)]
    select: SelectArgs,
    /// text: 80 columns; markdown: for GitHub.
    #[arg(long, value_enum, default_value = "text")]
    format: DocFormat,
}

pub(super) fn report(args: ReportArgs) -> ExitCode {
    let file = match load(&args.file) {
        Ok(f) => f,
        Err(e) => return usage_error(&e),
    };
    let source = args.file.display().to_string();
    let opts = args.select.opts();
    let text = match table(&file, &source, &opts, args.format) {
        Ok(text) => text,
        Err(e) => return usage_error(&e.to_string()),
    };
    // The page's place is checked before anything is drawn.
    let page = match &args.html {
        Some(dir) => match check_dir("--html", dir).and_then(|()| check_page(dir, args.force)) {
            Ok(page) => Some(page),
            Err(e) => return usage_error(&e),
        },
        None => None,
    };
    if let Some(dir) = args.html.as_ref().or(args.plots.as_ref()) {
        let drawn = draw(&file, dir).and_then(|outcome| match &page {
            Some(page) => html::write(&file, &source, &opts, dir, page, &outcome),
            None => Ok(()),
        });
        if let Err(e) = drawn {
            return usage_error(&e);
        }
    }
    emit(&text);
    ExitCode::SUCCESS
}

pub(super) fn compare(args: CompareArgs) -> ExitCode {
    match compare_files(&args.base, &args.new, &args.select.opts(), args.format) {
        Ok(text) => {
            emit(&text);
            ExitCode::SUCCESS
        }
        Err(e) => usage_error(&e.to_string()),
    }
}

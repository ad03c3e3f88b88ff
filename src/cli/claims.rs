//! `zonebench claims`: run every experiment of `crate::experiments`, print
//! each claim with its numbers and verdict, save the cells and the findings
//! as a results file (so `report` and `compare` work on it) and its plots.

use super::env::{cancel_on_ctrl_c, experiment_file, outputs};
use super::progress::Progress;
use super::{emit, usage_error};
use crate::experiments::{all, judge_all, plan_cells, Plan};
use crate::report::{render_claims_markdown, render_claims_text, DocFormat};
use crate::results::io::load;
use crate::results::schema::RepeatSummary;
use crate::session::Session;
use crate::workload::logical_cpus;
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub(super) struct ClaimsArgs {
    /// Print the verdicts saved in a claims results file again, measuring
    /// nothing (with --format; the measuring options do not apply).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["quick", "out", "plots", "no_plots", "force", "seed", "max_reruns", "no_pin"])]
    from: Option<PathBuf>,
    /// 6 rounds of short cells (about a minute on 2 CPUs) instead of at
    /// least 8 rounds, more until every compared ratio is known to +-2%
    /// (at most about 6 minutes).
    #[arg(short = 'q', long)]
    quick: bool,
    #[arg(long, value_enum, default_value = "text")]
    format: DocFormat,
    /// Results file to write; - writes the results to stdout, once, at the
    /// end (the claims then go to stderr).
    #[arg(short = 'o', long, default_value = DEFAULT_OUT)]
    out: PathBuf,
    #[arg(long, help = super::env::FORCE_HELP)]
    force: bool,
    /// Draw the plots of the claims' cells (PNG and SVG) into DIR.
    /// Without --plots or --no-plots they are drawn exactly when the
    /// results go to the default --out (results/latest-claims.json): into
    /// plots/claims/latest.
    #[arg(long, value_name = "DIR")]
    plots: Option<PathBuf>,
    /// Draw no plots, whatever --out is.
    #[arg(long, conflicts_with = "plots")]
    no_plots: bool,
    /// Seed of the readers' allocation mix (round r uses seed + r).
    #[arg(long, default_value = "1")]
    seed: u64,
    /// Measure a disturbed or stalled repeat again up to N times.
    #[arg(long, default_value = "2", value_parser = clap::value_parser!(u32).range(0..=10))]
    max_reruns: u32,
    /// Do not pin reader threads to cores.
    #[arg(long)]
    no_pin: bool,
}

const DEFAULT_OUT: &str = "results/latest-claims.json";
const DEFAULT_PLOTS: &str = "plots/claims/latest";

pub(super) fn claims(args: ClaimsArgs) -> ExitCode {
    if let Some(from) = &args.from {
        return saved(from, args.format);
    }
    let cancel = cancel_on_ctrl_c();
    let (out, plots) = match outputs(
        &args.out,
        DEFAULT_OUT,
        args.force,
        args.plots.as_deref(),
        args.no_plots,
        DEFAULT_PLOTS,
    ) {
        Ok(o) => (o.out, o.plots),
        Err(e) => return usage_error(&e),
    };
    let cpus = logical_cpus();
    let mut plan = Plan::new(args.quick, cpus, args.seed);
    let experiments = all();
    let mut specs = plan_cells(&experiments, &plan);
    // C7 sets its figures beside the machine's own ceiling, measured here.
    let (file, cores) = experiment_file(&mut plan, &mut specs, !args.no_pin, "per claim", &[]);
    let mut session = Session::new(file, out, cores, cancel).with_reruns(args.max_reruns as usize);
    let mut progress = Progress::new(specs.len() * plan.rounds.max);
    if let Err(e) = session.measure(&specs, plan.rounds, &mut progress) {
        return usage_error(&e);
    }
    let file = &mut session.file;
    file.summary = RepeatSummary::of(&file.cells);
    let mut table = String::new();
    if file.meta.partial {
        table.push_str("interrupted: no verdicts from a partial run\n");
    } else {
        file.claims = judge_all(&experiments, &file.cells, &plan);
        table = match args.format {
            DocFormat::Text => render_claims_text(&file.claims),
            DocFormat::Markdown => render_claims_markdown(&file.claims),
        };
    }
    session.finish(
        &table,
        None,
        plots.as_deref(),
        specs.len() * plan.rounds.min,
    )
}

/// `claims --from FILE`: the saved findings, rendered as a live run
/// renders them.
fn saved(path: &Path, format: DocFormat) -> ExitCode {
    let file = match load(path) {
        Ok(f) => f,
        Err(e) => return usage_error(&e),
    };
    if file.claims.is_empty() {
        return usage_error(&format!(
            "{}: no saved claims (a file written by `zonebench claims` has them; `zonebench report` reads a run's)",
            path.display()
        ));
    }
    emit(&match format {
        DocFormat::Text => render_claims_text(&file.claims),
        DocFormat::Markdown => render_claims_markdown(&file.claims),
    });
    ExitCode::SUCCESS
}

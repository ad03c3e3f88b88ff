//! `zonebench claims`: run every experiment of `crate::experiments`, print
//! each claim with its numbers and verdict, save the cells and the findings
//! as a results file (so `report` and `compare` work on it) and its plots.

use super::env::{cancel_on_ctrl_c, experiment_file, plots_out, results_out};
use super::progress::Progress;
use super::{emit, usage_error};
use crate::experiments::{all, judge_all, plan_cells, Plan};
use crate::report::{render_claims_markdown, render_claims_text};
use crate::results::io::load;
use crate::results::schema::RepeatSummary;
use crate::session::Session;
use crate::workload::logical_cpus;
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum ClaimsFormat {
    /// Plain ASCII, 80 columns.
    Text,
    /// For the README.
    Markdown,
}

#[derive(Args)]
pub(super) struct ClaimsArgs {
    /// Print the verdicts saved in a claims results file again, measuring
    /// nothing (with --format; the measuring options do not apply).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["quick", "out", "plots", "force", "seed", "max_reruns", "no_pin"])]
    from: Option<PathBuf>,
    /// 6 rounds of short cells (about a minute on 2 CPUs) instead of at
    /// least 8 rounds, more until every compared ratio is known to +-2%
    /// (at most about 6 minutes).
    #[arg(long)]
    quick: bool,
    #[arg(long, value_enum, default_value = "text")]
    format: ClaimsFormat,
    /// Results file to write; - writes the results to stdout, once, at the
    /// end (the claims then go to stderr).
    #[arg(long, default_value = DEFAULT_OUT)]
    out: PathBuf,
    #[arg(long, help = super::env::FORCE_HELP)]
    force: bool,
    /// Where to draw the plots of the claims' cells.
    #[arg(long, default_value = "plots/claims/latest")]
    plots: PathBuf,
    /// Seed of the readers' allocation mix (repeat r uses seed + r).
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

pub(super) fn claims(args: ClaimsArgs) -> ExitCode {
    if let Some(from) = &args.from {
        return saved(from, args.format);
    }
    let cancel = cancel_on_ctrl_c();
    let out = match results_out(&args.out, DEFAULT_OUT, args.force)
        .and_then(|(out, _)| plots_out(Some(&args.plots)).map(|()| out))
    {
        Ok(out) => out,
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
            ClaimsFormat::Text => render_claims_text(&file.claims),
            ClaimsFormat::Markdown => render_claims_markdown(&file.claims),
        };
    }
    session.finish(
        &table,
        None,
        Some(&args.plots),
        specs.len() * plan.rounds.min,
    )
}

/// `claims --from FILE`: the saved findings, rendered as a live run
/// renders them.
fn saved(path: &Path, format: ClaimsFormat) -> ExitCode {
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
        ClaimsFormat::Text => render_claims_text(&file.claims),
        ClaimsFormat::Markdown => render_claims_markdown(&file.claims),
    });
    ExitCode::SUCCESS
}

//! `zonebench review`: a guard (a reviewer's own, added as the README's
//! "Evaluate your own guard" says) against a baseline, on the cells that
//! matter for a zonelist guard (`crate::experiments::review`): one summary
//! of at most 80 columns, ready to paste under a patch, and a results file
//! that `report`, `compare` and `claims --from` read again.

use super::env::{cancel_on_ctrl_c, experiment_file, outputs, FORCE_HELP};
use super::parse::parse_guard;
use super::progress::Progress;
use super::usage_error;
use crate::experiments::review::Review;
use crate::experiments::{Cells, Plan};
use crate::report::review_summary;
use crate::results::schema::RepeatSummary;
use crate::session::Session;
use crate::workload::logical_cpus;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub(super) struct ReviewArgs {
    /// The guard under review: its name in `zonebench list` (example
    /// guards included). One guard: --guards, its former name, is still
    /// accepted.
    #[arg(short = 'g', long, alias = "guards", value_parser = parse_guard)]
    guard: String,
    /// The guard it is measured against (seqlock: what upstream merged).
    #[arg(long, default_value = "seqlock", value_parser = parse_guard)]
    baseline: String,
    /// 6 rounds of short cells (about a minute on 2 CPUs; decides less)
    /// instead of at least 8, more until every ratio is known to +-2%.
    #[arg(short = 'q', long)]
    quick: bool,
    /// Results file to write; - writes the results to stdout, once, at the
    /// end (the summary then goes to stderr).
    #[arg(short = 'o', long, default_value = DEFAULT_OUT)]
    out: PathBuf,
    /// Draw the plots of the review's cells (PNG and SVG) into DIR.
    /// Without --plots or --no-plots they are drawn exactly when the
    /// results go to the default --out (results/latest-review.json): into
    /// plots/review/latest.
    #[arg(long, value_name = "DIR")]
    plots: Option<PathBuf>,
    /// Draw no plots, whatever --out is.
    #[arg(long, conflicts_with = "plots")]
    no_plots: bool,
    #[arg(long, help = FORCE_HELP)]
    force: bool,
    /// Seed of the readers' allocation mix (round r uses seed + r).
    #[arg(long, default_value = "1")]
    seed: u64,
    /// Do not pin reader threads to cores.
    #[arg(long)]
    no_pin: bool,
}

const DEFAULT_OUT: &str = "results/latest-review.json";
const DEFAULT_PLOTS: &str = "plots/review/latest";

pub(super) fn review(args: ReviewArgs) -> ExitCode {
    if args.guard == args.baseline {
        return usage_error(&format!(
            "--guard and --baseline are both '{}': review a guard against another",
            args.guard
        ));
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
    let review = Review {
        mine: args.guard.clone(),
        baseline: args.baseline.clone(),
    };
    let cpus = logical_cpus();
    let mut plan = Plan::new(args.quick, cpus, args.seed);
    let mut specs = review.cells(&plan);
    let guards: Vec<String> = review.guards().iter().map(|g| g.to_string()).collect();
    let (file, cores) = experiment_file(&mut plan, &mut specs, !args.no_pin, "per cell", &guards);
    let mut session = Session::new(file, out.clone(), cores, cancel).with_reruns(2);
    let mut progress = Progress::new(specs.len() * plan.rounds.max);
    if let Err(e) = session.measure(&specs, plan.rounds, &mut progress) {
        return usage_error(&e);
    }
    let file = &mut session.file;
    file.summary = RepeatSummary::of(&file.cells);
    let summary = if file.meta.partial {
        "interrupted: no verdicts from a partial review\n".to_string()
    } else {
        file.claims = review.judge(&Cells(&file.cells), &plan);
        review_summary(file, &out.display(), &review, &plan)
    };
    session.finish(
        &summary,
        None,
        plots.as_deref(),
        specs.len() * plan.rounds.min,
    )
}

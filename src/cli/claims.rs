//! `zonebench claims`: run every experiment of `crate::experiments`, print
//! each claim with its numbers and verdict, save the cells and the findings
//! as a results file (so `report` and `compare` work on it) and its plots.

use super::run::{finish, measure};
use super::usage_error;
use crate::experiments::{all, judge_all, plan_cells, Plan};
use crate::metrics::floor::Floors;
use crate::report::{render_claims_markdown, render_claims_text};
use crate::results::io::check_writable;
use crate::results::schema::{RepeatSummary, RunConfig};
use crate::results::{Meta, ResultsFile};
use crate::workload::runner::INTERRUPTED;
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum)]
pub enum ClaimsFormat {
    /// Plain ASCII, 80 columns.
    Text,
    /// For the README.
    Markdown,
}

#[derive(Args)]
pub struct ClaimsArgs {
    /// 2 repeats of short cells (about 2 minutes on 2 CPUs) instead of 5
    /// repeats of longer ones (about 8).
    #[arg(long)]
    quick: bool,
    #[arg(long, value_enum, default_value = "text")]
    format: ClaimsFormat,
    /// Results file to write.
    #[arg(long, default_value = DEFAULT_OUT)]
    out: PathBuf,
    /// Where to draw the plots of the claims' cells.
    #[arg(long, default_value = "plots/claims/latest")]
    plots: PathBuf,
    /// Seed of the readers' allocation mix (repeat r uses seed + r).
    #[arg(long, default_value = "1")]
    seed: u64,
    /// Do not pin reader threads to cores.
    #[arg(long)]
    no_pin: bool,
}

const DEFAULT_OUT: &str = "results/latest-claims.json";

pub(super) fn claims(args: ClaimsArgs) -> ExitCode {
    // Relaxed: see runner::INTERRUPTED.
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, std::sync::atomic::Ordering::Relaxed));
    if args.out == Path::new(DEFAULT_OUT) {
        let _ = std::fs::create_dir_all("results");
    }
    if let Err(e) = check_writable(&args.out) {
        return usage_error(&e);
    }
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let plan = Plan::new(args.quick, cpus, args.seed);
    let experiments = all();
    let mut specs = plan_cells(&experiments, &plan);
    for s in &mut specs {
        s.pin = !args.no_pin;
    }
    let cores = if args.no_pin {
        Vec::new()
    } else {
        core_affinity::get_core_ids().unwrap_or_default()
    };
    let distinct = |f: &dyn Fn(&crate::workload::spec::CellSpec) -> String| {
        let mut v: Vec<String> = Vec::new();
        for s in &specs {
            let x = f(s);
            if !v.contains(&x) {
                v.push(x);
            }
        }
        v
    };
    let guards = distinct(&|s| s.guard.clone());
    let scopes = distinct(&|s| s.scope.name().to_string());
    let writers = distinct(&|s| s.writer.name().to_string());
    let mut readers: Vec<usize> = specs.iter().map(|s| s.readers).collect();
    readers.sort_unstable();
    readers.dedup();
    let mut rates: Vec<f64> = specs
        .iter()
        .map(|s| s.writer_rate_hz)
        .filter(|&r| r > 0.0)
        .collect();
    rates.sort_by(f64::total_cmp);
    rates.dedup();
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let config = RunConfig {
        guards,
        scopes,
        readers,
        writers,
        writer_rates_hz: rates,
        duration_s: plan.duration_s,
        warmup_s: plan.warmup_s,
        repeats: plan.repeats,
        nodes: 1,
        dma32_mib: 0,
        normal_mib: 128,
        movable_mib: 128,
        pressure: "per claim".into(),
        reclaim_us: 2.0,
        writer_hold_us: 0.0,
        pin: !args.no_pin,
        rt: false,
        irq: specs.iter().any(|s| s.irq),
        seed: args.seed,
        sweep: false,
        quick: args.quick,
    };
    let mut file = ResultsFile::new(Meta::collect(command), config, Floors::measure(&[]));
    if let Err(e) = measure(&specs, &cores, &mut file) {
        return usage_error(&e);
    }
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
    finish(
        &file,
        &table,
        &args.out,
        None,
        Some(&args.plots),
        specs.len(),
    )
}

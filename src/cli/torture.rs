//! `zonebench torture`: random cells for `--budget`, each checked
//! (see `crate::workload::torture`); a summary in locktorture's manner;
//! exit 1 with the seed and the failing cell on the first failure.

use super::env::{cancel_on_ctrl_c, cores};
use super::parse::{list, parse_torture_budget};
use super::{emit, usage_error};
use crate::guard;
use crate::results::torture::{failures, Totals};
use crate::results::CellResult;
use crate::workload::logical_cpus;
use crate::workload::reader::XorShift;
use crate::workload::runner::run_cell;
use crate::workload::torture::random_cell;
use clap::Args;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args, Debug)]
pub(super) struct TortureArgs {
    /// The whole run's time, spent on random cells: 20s, 5min ..., a bare
    /// number is seconds. (Formerly --duration.)
    #[arg(
        long,
        value_name = "TIME",
        default_value = "60s",
        alias = "duration",
        value_parser = parse_torture_budget,
        allow_hyphen_values = true
    )]
    budget: f64,
    /// Seed of the cell sequence [default: from the clock; printed, so a
    /// failure can be replayed].
    #[arg(long)]
    seed: Option<u64>,
    /// Guards to draw from, comma-separated, or "all".
    #[arg(short = 'g', long, default_value = "all", value_parser = parse_torture_guards)]
    guards: TortureGuards,
}

#[derive(Clone, Debug)]
pub(super) struct TortureGuards(Vec<String>);

/// Guard names, hidden test guards (`seqcount-noretry`) and example
/// guards (`raw-seqcount`) included; "all" is [`guard::ALL`].
fn parse_torture_guards(s: &str) -> Result<TortureGuards, String> {
    if s.trim() == "all" {
        return Ok(TortureGuards(
            guard::ALL.iter().map(|g| g.name.to_string()).collect(),
        ));
    }
    let one = |name: &str| match guard::find_any(name) {
        Some(g) => Ok(g.name.to_string()),
        None => Err(format!("unknown guard '{name}'")),
    };
    list(s, "guards", one).map(TortureGuards)
}

pub(super) fn torture(args: TortureArgs) -> ExitCode {
    let cancel = cancel_on_ctrl_c();
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    let cpus = logical_cpus();
    let cores = cores(true);
    eprintln!(
        "zonebench torture: seed {seed}, {} s, guards {}",
        args.budget,
        args.guards.0.join(",")
    );
    let mut rng = XorShift::new(seed);
    let mut totals = Totals::default();
    let start = Instant::now();
    let mut i = 0;
    while start.elapsed().as_secs_f64() < args.budget {
        if cancel.is_cancelled() {
            eprintln!("zonebench torture: interrupted");
            emit(&totals.summary(seed, start.elapsed().as_secs_f64()));
            return ExitCode::from(130);
        }
        let spec = random_cell(&mut rng, &args.guards.0, cpus, i);
        let label = format!(
            "cell {i}: {} pressure={} nodes={} hold={}us rt={}",
            spec.label(),
            spec.pressure.name(),
            spec.nodes,
            spec.writer_hold_us,
            spec.rt
        );
        eprintln!("{label}");
        let cell = match run_cell(&spec, &cores, &cancel) {
            Ok(m) => CellResult::from(m),
            Err(e) => return usage_error(&e),
        };
        if cancel.is_cancelled() {
            continue; // cut short: reported above on the next turn
        }
        totals.add(&cell);
        let failed = failures(&cell);
        if !failed.is_empty() {
            totals.failures.push(format!(
                "{label}: {}; replay: zonebench torture --seed {seed} --guards {}",
                failed.join("; "),
                args.guards.0.join(",")
            ));
            break;
        }
        i += 1;
    }
    emit(&totals.summary(seed, start.elapsed().as_secs_f64()));
    if totals.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

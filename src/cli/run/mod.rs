//! `zonebench run`: resolve the flags into cells, run them with progress
//! on stderr, print the table on stdout, save the results file.

mod args;
mod plan;
mod tables;

pub use args::RunArgs;

use super::env::{cancel_on_ctrl_c, cores, results_out};
use super::progress::Progress;
use super::usage_error;
use crate::alloc::Scope;
use crate::guard;
use crate::report::{report, CellFilter, Format, ReportOpts};
use crate::results::schema::{RepeatSummary, RunConfig};
use crate::results::{Meta, ResultsFile};
use crate::session::Session;
use crate::workload::floors::{rebuild_cost, Floors, REBUILD_NODES};
use crate::workload::logical_cpus;
use crate::workload::spec::{Pressure, WriterMode};
use args::timing;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use tables::{print_floors, print_rounds, print_table};

pub(super) fn run(args: RunArgs) -> ExitCode {
    let cancel = cancel_on_ctrl_c();
    let logical = logical_cpus();
    let readers = match (&args.readers, args.sweep) {
        (Some(r), _) => r.0.clone(),
        (None, true) => (1..=logical).chain([2 * logical]).collect(),
        (None, false) => vec![logical],
    };
    let scopes = match (&args.scope, args.sweep) {
        (Some(s), _) => s.0.clone(),
        (None, true) => vec![Scope::Slowpath, Scope::EveryAlloc],
        (None, false) => vec![Scope::Slowpath],
    };
    let writers = match (&args.writer, args.sweep) {
        (Some(w), _) => w.0.clone(),
        (None, true) => vec![WriterMode::None, WriterMode::Rebuild, WriterMode::Hotplug],
        (None, false) => vec![WriterMode::Rebuild],
    };
    let guards = &args.guards.0;
    let default_out = match results_out(&args.out, DEFAULT_OUT) {
        Ok(d) => d,
        Err(e) => return usage_error(&e),
    };
    if args.rt {
        let ignored: Vec<&str> = guards
            .iter()
            .filter(|g| guard::find(g).is_some_and(|i| !i.honours_rt))
            .map(|g| g.as_str())
            .collect();
        if !ignored.is_empty() {
            eprintln!(
                "note: --rt changes nothing for {} (no PREEMPT_RT read side)",
                ignored.join(", ")
            );
        }
    }
    if args.irq && writers == [WriterMode::None] {
        eprintln!("note: --irq raises interrupts inside rebuilds; --writer none makes none");
    }
    if args.normal_mib == 0 {
        return usage_error("--normal-mib must not be 0");
    }
    if args.movable_mib == 0 && writers.contains(&WriterMode::Hotplug) {
        return usage_error("--writer hotplug needs a movable zone (--movable-mib must not be 0)");
    }
    let cores = cores(!args.no_pin);
    let command = args
        .command_line
        .clone()
        .unwrap_or_else(|| std::env::args().collect::<Vec<_>>().join(" "));
    let (duration_s, warmup_s, rounds) = match timing(&args) {
        Ok(t) => t,
        Err(e) => return usage_error(&e),
    };
    let config = RunConfig {
        guards: guards.clone(),
        scopes: scopes.iter().map(|s| s.name().to_string()).collect(),
        readers,
        writers: writers.iter().map(|w| w.name().to_string()).collect(),
        writer_rates_hz: args.writer_rate.0.clone(),
        duration_s,
        warmup_s,
        repeats: rounds.min,
        ci_target_pct: None,
        max_repeats: None,
        budget_s: None,
        nodes: args.nodes as usize,
        dma32_mib: args.dma32_mib,
        normal_mib: args.normal_mib,
        movable_mib: args.movable_mib,
        pressure: match args.pressure {
            Some(p) => p.name().to_string(),
            None if args.sweep => "low; hotplug high".to_string(),
            None => Pressure::Low.name().to_string(),
        },
        reclaim_us: args.reclaim_us,
        writer_hold_us: args.writer_hold,
        pin: !args.no_pin,
        rt: args.rt,
        irq: args.irq,
        printk: args.printk.name().to_string(),
        kernel: args.kernel.name().to_string(),
        seed: args.seed,
        sweep: args.sweep,
        quick: args.quick,
    }
    .with_rounds(&rounds);
    let specs = plan::plan(&args, &config, &scopes, &writers);
    let floors = Floors::measure(&config.guards);
    let file = ResultsFile::new(Meta::collect(command), config, floors);
    let mut session =
        Session::new(file, &args.out, cores, cancel).with_reruns(args.max_reruns as usize);
    let mut progress = Progress::new(specs.len() * rounds.max);
    if let Err(e) = session.measure(&specs, rounds, &mut progress) {
        return usage_error(&e);
    }
    let file = &mut session.file;
    // The write side alone, against simulated nodes (plot 6): a sweep's
    // extra, a few seconds.
    if file.config.sweep && !file.meta.partial {
        file.rebuild_cost = rebuild_cost(&file.config.guards, &REBUILD_NODES);
    }
    file.summary = RepeatSummary::of(&file.cells);
    // A sweep's cells are too many to list: the review table stands for
    // them (as `zonebench report` prints it from the file).
    let mut o = String::new();
    if file.config.sweep {
        // The whole sweep's table runs to hundreds of lines; printed here
        // is the 2022 thread's case, the hotplug writer, when it ran.
        let source = args.out.display().to_string();
        let mut opts = ReportOpts::default();
        if writers.contains(&WriterMode::Hotplug) && writers.len() > 1 {
            opts.filter = CellFilter::parse("writer=hotplug").unwrap_or_default();
            outln!(
                o,
                "Review table of the hotplug writer's cells; every cell: zonebench report {source}\n"
            );
        }
        match report(file, &source, &opts, Format::Text) {
            Ok(table) => o.push_str(&table),
            Err(e) => {
                outln!(o, "(no review table: {e})");
            }
        }
    } else {
        print_table(&mut o, &file.cells, &file.config.guards, file.meta.reruns);
        // Two guards or more: the paired comparison, as `report` prints it.
        if file.config.guards.len() > 1 && !file.cells.is_empty() {
            outln!(o);
            let source = args.out.display().to_string();
            match report(file, &source, &ReportOpts::default(), Format::Text) {
                Ok(table) => o.push_str(&table),
                Err(e) => {
                    outln!(o, "(no review table: {e})");
                }
            }
        }
    }
    print_rounds(&mut o, &file.rounds, file.config.ci_target_pct);
    print_floors(&mut o, &file.floors);
    let plots = match (&args.plots, args.sweep && default_out) {
        (Some(dir), _) => Some(dir.clone()),
        (None, true) => Some(PathBuf::from("plots/latest")),
        (None, false) => None,
    };
    let copy = default_out.then(|| timestamped(&file.meta.start_time));
    session.finish(
        &o,
        copy.as_deref(),
        plots.as_deref(),
        specs.len() * rounds.min,
    )
}

const DEFAULT_OUT: &str = "results/latest.json";

/// `results/run-<start time>.json`, the time without characters that
/// trouble file systems.
fn timestamped(start_time: &str) -> PathBuf {
    let stamp: String = start_time
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    PathBuf::from(format!("results/run-{stamp}.json"))
}

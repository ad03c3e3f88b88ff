//! `zonebench run`: resolve the flags into cells, run them with progress
//! on stderr, print the table on stdout, save the results file.

mod args;
mod plan;
mod tables;

pub use args::RunArgs;

use super::env::{cancel_on_ctrl_c, cores, outputs};
use super::parse::dedup;
use super::progress::Progress;
use super::usage_error;
use crate::alloc::Scope;
use crate::guard;
use crate::mm::MmConfig;
use crate::report::html::check_page;
use crate::report::{report, CellFilter, Format, ReportOpts};
use crate::results::schema::{PlanInfo, RepeatSummary, RunConfig};
use crate::results::{Meta, ResultsFile};
use crate::session::{emit, Session};
use crate::workload::ceiling::{self, ceiling_slice};
use crate::workload::floors::{rebuild_cost, rebuild_cost_estimate_s, rebuild_nodes, Floors};
use crate::workload::logical_cpus;
use crate::workload::plan::{estimate, fit, sweep_readers, Estimate, MAX_PLANNED_CPUS};
use crate::workload::rounds::Rounds;
use crate::workload::spec::{Pressure, WriterMode};
use args::{timing, DEFAULT_OUT};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use tables::{print_floors, print_rounds, print_table};

pub(super) fn run(args: RunArgs) -> ExitCode {
    let cancel = cancel_on_ctrl_c();
    // A machine larger than a plan can be made for is planned at the
    // largest (`--cpus` says so for the dry run).
    let cpus = args
        .cpus
        .map_or_else(logical_cpus, |c| c as usize)
        .min(MAX_PLANNED_CPUS);
    let readers = match (&args.readers, args.sweep) {
        (Some(r), _) => r.0.clone(),
        (None, true) => sweep_readers(cpus),
        (None, false) => vec![cpus],
    };
    let scopes = match (args.scope.is_empty(), args.sweep) {
        (false, _) => dedup(args.scope.clone()),
        (true, true) => vec![Scope::Slowpath, Scope::EveryAlloc],
        (true, false) => vec![Scope::Slowpath],
    };
    let writers = match (args.writer.is_empty(), args.sweep) {
        (false, _) => dedup(args.writer.clone()),
        (true, true) => vec![WriterMode::None, WriterMode::Rebuild, WriterMode::Hotplug],
        (true, false) => vec![WriterMode::Rebuild],
    };
    let guards = &args.guards.0;
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
    if let Some(g) = guards
        .iter()
        .filter_map(|g| guard::find(g))
        .find(|i| (args.nodes as usize) > i.max_nodes)
    {
        return usage_error(&format!(
            "--nodes {}: guard {} holds at most {} nodes",
            args.nodes, g.name, g.max_nodes
        ));
    }
    let memory = match fits_in_memory(&args) {
        Ok(line) => line,
        Err(e) => return usage_error(&e),
    };
    if args.normal_mib == 0 {
        return usage_error("--normal-mib must not be 0");
    }
    if args.movable_mib == 0 && writers.contains(&WriterMode::Hotplug) {
        return usage_error("--writer hotplug needs a movable zone (--movable-mib must not be 0)");
    }
    let command = args
        .command_line
        .clone()
        .unwrap_or_else(|| std::env::args().collect::<Vec<_>>().join(" "));
    let (duration_s, warmup_s, rounds) = match timing(&args) {
        Ok(t) => t,
        Err(e) => return usage_error(&e),
    };
    let mut config = RunConfig {
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
        reclaim_us: args.reclaim,
        writer_hold_us: args.writer_hold,
        pin: !args.no_pin,
        rt: args.rt,
        irq: args.irq,
        rcu_expedited: args.rcu_expedited,
        printk: args.printk.name().to_string(),
        kernel: args.kernel.name().to_string(),
        seed: args.seed,
        sweep: args.sweep,
        quick: args.quick,
        plan: PlanInfo {
            cpus: args.cpus.map(|c| c as usize),
            budget_min: args.budget,
            ..PlanInfo::default()
        },
    };
    let specs = plan::plan(&args, &config, &scopes, &writers);
    let extras_s = extras_s(&config);
    let (specs, rounds) = match args.budget {
        None => (specs, rounds),
        Some(min) => match fit(specs, rounds, min * 60.0, extras_s, cpus) {
            Ok(f) => {
                config.plan.trimmed = f.trimmed;
                (f.cells, f.rounds)
            }
            Err(e) => return usage_error(&e),
        },
    };
    config
        .readers
        .retain(|r| specs.iter().any(|s| s.readers == *r));
    let estimate = estimate(&specs, &rounds, extras_s);
    config.plan.estimate_s = Some(estimate.total_s());
    let config = config.with_rounds(&rounds);
    if args.dry_run {
        emit(&dry_run(&config, &specs, &rounds, &estimate, cpus, &memory));
        return ExitCode::SUCCESS;
    }
    let (out, default_out, plots) = match outputs(
        &args.out,
        DEFAULT_OUT,
        args.force,
        args.plots.as_deref(),
        args.no_plots,
        DEFAULT_PLOTS,
    ) {
        Ok(o) => (o.out, o.default_out, o.plots),
        Err(e) => return usage_error(&e),
    };
    // The default plots (`cargo bench`'s) come with their page.
    let page = match (&plots, args.plots.is_none()) {
        (Some(dir), true) => match check_page(dir, args.force) {
            Ok(_) => Some(dir),
            Err(e) => return usage_error(&e),
        },
        _ => None,
    };
    for line in &config.plan.trimmed {
        eprintln!("note: --budget: {line}");
    }
    eprintln!(
        "plan: {} cells, at least {} rounds each; estimated {}; {memory}",
        estimate.cells,
        rounds.min,
        minutes(estimate.total_s())
    );
    let cores = cores(!args.no_pin);
    let floors = Floors::measure(&config.guards);
    let ceiling = ceiling::measure(&config.readers, &cores, ceiling_slice(args.quick));
    let mut file = ResultsFile::new(Meta::collect(command), config, floors);
    file.ceiling = ceiling;
    let mut session = Session::new(file, out, cores, cancel)
        .with_reruns(args.max_reruns as usize)
        .with_phase(phase_of(&args));
    if let Some(dir) = page {
        // Checked above; checked again here and before it is written.
        session = match session.with_page(dir, args.force) {
            Ok(s) => s,
            Err(e) => return usage_error(&e),
        };
    }
    let mut progress = Progress::new(specs.len() * rounds.max);
    if let Err(e) = session.measure(&specs, rounds, &mut progress) {
        return usage_error(&e);
    }
    let file = &mut session.file;
    // The write side alone, against simulated nodes (plot 6): a sweep's
    // extra, a few seconds.
    if file.config.sweep && !file.meta.partial {
        file.rebuild_cost = rebuild_cost(&file.config.guards, rebuild_nodes(file.config.quick));
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
    if !file.ceiling.is_empty() {
        outln!(
            o,
            "machine ceiling (N threads of private round trips over one): {}",
            ceiling::describe(&file.ceiling)
        );
    }
    let copy = default_out.then(|| timestamped(&file.meta.start_time));
    session.finish(
        &o,
        copy.as_deref(),
        plots.as_deref(),
        specs.len() * rounds.min,
    )
}

/// Where the plots of a run to the default --out go, with their page.
const DEFAULT_PLOTS: &str = "plots/latest";

/// The phase of a round's interleaved guards (`None`: `--solo`).
fn phase_of(args: &RunArgs) -> Option<std::time::Duration> {
    match (args.solo, args.phase) {
        (true, _) => None,
        (false, Some(ms)) => Some(std::time::Duration::from_secs_f64(ms / 1e3)),
        (false, None) => Some(crate::session::DEFAULT_PHASE),
    }
}

/// The simulated machines' `mem_map`s (64 bytes a page, one per guard of
/// a round: they are all resident at once unless `--solo`) must fit in
/// half of this machine's available memory: `--nodes 1024` with the
/// default 1 GiB NORMAL zones would simulate over a terabyte. The plan's
/// words for what it needs, or why it does not fit.
fn fits_in_memory(args: &RunArgs) -> Result<String, String> {
    MmConfig {
        nodes: args.nodes as usize,
        dma32_mib: args.dma32_mib,
        normal_mib: args.normal_mib,
        movable_mib: args.movable_mib,
        nr_cpus: 1,
    }
    .validate()?;
    let mib = (args.dma32_mib as u64)
        + args.nodes as u64 * (args.normal_mib as u64 + args.movable_mib as u64);
    let arms = if args.solo {
        1
    } else {
        args.guards.0.len() as u64
    };
    let need = arms * mib * 256 * 64;
    let available = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemAvailable:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map(|kib| kib * 1024);
    match available {
        Some(avail) if need > avail / 2 => Err(format!(
            "--nodes {} with {} MiB NORMAL and {} MiB MOVABLE per node simulates {:.0} GiB: {} mem_map{} resident at once need{} {:.1} GiB, more than half of the {:.1} GiB available (use smaller zones, e.g. --normal-mib 4 --movable-mib 4, fewer guards, or --solo)",
            args.nodes,
            args.normal_mib,
            args.movable_mib,
            mib as f64 / 1024.0,
            arms,
            if arms == 1 { "" } else { "s" },
            if arms == 1 { "s" } else { "" },
            need as f64 / (1u64 << 30) as f64,
            avail as f64 / (1u64 << 30) as f64
        )),
        _ => Ok(format!(
            "{arms} mem_map{} of {:.0} MiB resident at once{}",
            if arms == 1 { "" } else { "s" },
            (mib * 256 * 64) as f64 / (1u64 << 20) as f64,
            if arms == 1 {
                String::new()
            } else {
                format!(", {:.0} MiB", need as f64 / (1u64 << 20) as f64)
            }
        )),
    }
}

/// Seconds a run spends outside its cells: the floors, and a sweep's
/// rebuild curve and plots.
fn extras_s(config: &RunConfig) -> f64 {
    let floors = Floors::measure_estimate_s(config.guards.len())
        + ceiling::estimate_s(&config.readers, ceiling_slice(config.quick));
    if config.sweep {
        floors + rebuild_cost_estimate_s(config.guards.len(), rebuild_nodes(config.quick)) + PLOTS_S
    } else {
        floors
    }
}

/// Drawing a sweep's plots (development machine: under a second).
const PLOTS_S: f64 = 2.0;

/// `123 s (2.1 min)`.
fn minutes(s: f64) -> String {
    format!("{s:.0} s ({:.1} min)", s / 60.0)
}

/// `--dry-run`'s report: the configurations (each one cell per guard), the
/// count, the estimate and what a budget cut.
fn dry_run(
    config: &RunConfig,
    specs: &[crate::workload::spec::CellSpec],
    rounds: &Rounds,
    e: &Estimate,
    cpus: usize,
    memory: &str,
) -> String {
    let mut o = String::new();
    let mut seen: Vec<String> = Vec::new();
    for s in specs {
        let line = format!(
            "{} rd={} writer={} pressure={}{}",
            s.scope.name(),
            s.readers,
            s.writer_label(),
            s.pressure.name(),
            if s.readers > cpus {
                " (oversubscribed)"
            } else {
                ""
            }
        );
        if !seen.contains(&line) {
            seen.push(line);
        }
    }
    outln!(
        o,
        "dry run for a machine of {cpus} CPU{}: nothing is measured",
        if cpus == 1 { "" } else { "s" }
    );
    outln!(
        o,
        "guards ({}): {}",
        config.guards.len(),
        config.guards.join(", ")
    );
    for (i, line) in seen.iter().enumerate() {
        outln!(o, "  {:>4}  {line}", i + 1);
    }
    outln!(
        o,
        "cells: {} ({} configurations x {} guards)",
        e.cells,
        seen.len(),
        config.guards.len()
    );
    let adaptive = match rounds.ci_target_pct {
        Some(t) => format!(
            ", then more until every ratio is within +-{t}% (at most {}, while the budget lasts)",
            rounds.max
        ),
        None => String::new(),
    };
    outln!(o, "rounds: at least {} per cell{adaptive}", rounds.min);
    outln!(
        o,
        "slice: {} s measured per guard and round, after {} s of warm-up",
        config.duration_s,
        config.warmup_s
    );
    outln!(o, "memory: {memory} (at most half of what is available)");
    outln!(
        o,
        "estimated time: {} = least rounds {} + adaptive rounds up to {} + floors, rebuild curve, plots {}",
        minutes(e.total_s()),
        minutes(e.least_s),
        minutes(e.adaptive_s),
        minutes(e.fixed_s)
    );
    for line in &config.plan.trimmed {
        outln!(o, "budget: {line}");
    }
    o
}

/// `results/run-<start time>.json`, the time without characters that
/// trouble file systems.
fn timestamped(start_time: &str) -> PathBuf {
    let stamp: String = start_time
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    PathBuf::from(format!("results/run-{stamp}.json"))
}

//! `zonebench run`: resolve the flags into cells, run them with progress
//! on stderr, print the table on stdout, save the results file.

use super::parse::*;
use super::{emit, usage_error};
use crate::alloc::Scope;
use crate::guard;
use crate::metrics::floor::{rebuild_cost, Floors, REBUILD_NODES};
use crate::mm::MAX_NUMNODES;
use crate::report::{report, CellFilter, Format, ReportOpts};
use crate::results::io::{check_writable, save};
use crate::results::schema::{RepeatSummary, RunConfig};
use crate::results::{Meta, ResultsFile};
use crate::workload::irq::IRQ_DEADLOCK_BOUND;
use crate::workload::runner::{run_cell, CellResult, INTERRUPTED};
use crate::workload::spec::{CellSpec, Pressure, WriterMode};
use clap::Args;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct RunArgs {
    /// Guards to run: comma-separated names, or "all".
    #[arg(long, default_value = "all", value_parser = parse_guards)]
    guards: GuardList,
    /// Where the guard's read section applies, comma-separated
    /// (slowpath, every-alloc) [default: slowpath; --sweep: both].
    #[arg(long, value_parser = parse_scopes)]
    scope: Option<ScopeList>,
    /// Reader thread counts to run, comma-separated (1..=1024 each)
    /// [default: the logical CPUs; --sweep: 1..=CPUs and 2 x CPUs].
    #[arg(long, value_parser = parse_readers, allow_hyphen_values = true)]
    readers: Option<ReaderList>,
    /// The writer thread's job, comma-separated (none, rebuild, hotplug)
    /// [default: rebuild; --sweep: all three].
    #[arg(long, value_parser = parse_writers)]
    writer: Option<WriterList>,
    /// Writer operations per second, comma-separated; each rate is a cell
    /// of its own for every writer but none.
    #[arg(long, default_value = "1000", value_parser = parse_rates, allow_hyphen_values = true)]
    writer_rate: RateList,
    /// Measured seconds per cell [default: 3; --sweep: 0.25; --quick: 0.1].
    #[arg(long, value_parser = parse_duration, allow_hyphen_values = true)]
    duration: Option<f64>,
    /// Warm-up seconds before each measured interval [default: 0.3;
    /// --sweep: 0.1; --quick: 0.05].
    #[arg(long, value_parser = parse_warmup, allow_hyphen_values = true)]
    warmup: Option<f64>,
    /// Repeats of every cell [default: 1; --sweep: 3; --quick: 1].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000), allow_hyphen_values = true)]
    repeats: Option<u32>,
    /// Simulated NUMA nodes.
    #[arg(long, default_value = "1", value_parser = clap::value_parser!(u32).range(1..=MAX_NUMNODES as i64), allow_hyphen_values = true)]
    nodes: u32,
    /// ZONE_DMA32 size on node 0, MiB (multiple of 4; 0: none, as in the 2022 report).
    #[arg(long, default_value = "0", value_parser = parse_mib, allow_hyphen_values = true)]
    dma32_mib: u32,
    /// ZONE_NORMAL size per node, MiB (multiple of 4).
    #[arg(long, default_value = "128", value_parser = parse_mib, allow_hyphen_values = true)]
    normal_mib: u32,
    /// ZONE_MOVABLE size per node, MiB (multiple of 4): the block hotplug offlines.
    #[arg(long, default_value = "128", value_parser = parse_mib, allow_hyphen_values = true)]
    movable_mib: u32,
    /// Busy time inside every rebuild's write section, microseconds (a long
    /// rebuild, or a writer preempted inside it).
    #[arg(long, default_value = "0", value_parser = parse_hold, allow_hyphen_values = true)]
    writer_hold: f64,
    /// Seconds without any allocation or rebuild after which a cell is
    /// declared stalled, reported, and torn down.
    #[arg(long, default_value = "2", value_parser = parse_watchdog, allow_hyphen_values = true)]
    watchdog: f64,
    /// Memory pressure: low keeps allocations in the fast path, high drives
    /// them into reclaim [default: low; --sweep: low, but high for the
    /// hotplug writer, whose race needs allocations that fail].
    #[arg(long, value_enum)]
    pressure: Option<Pressure>,
    /// Busy time of one direct-reclaim round, microseconds.
    #[arg(long, default_value = "2", value_parser = parse_reclaim, allow_hyphen_values = true)]
    reclaim_us: f64,
    /// PREEMPT_RT semantics: readers of guards that honour it wait on the
    /// writer's lock instead of spinning (a no-op, stated in the output, for
    /// the others).
    #[arg(long)]
    rt: bool,
    /// The interrupt model: every zonelist rebuild raises one interrupt on
    /// the writer's CPU inside its write section, whose handler makes a
    /// GFP_ATOMIC allocation (the deadlock fixed by commit 1007843a9190).
    /// Guards whose writer masks interrupts (seqlock, seqlock-excl,
    /// seqbegin-or-lock) hold it until the section ends and report the
    /// delay; the others run it at once, and a handler that waits for its
    /// own writer is abandoned after 20 ms and reported as a DEADLOCK.
    #[arg(long)]
    irq: bool,
    /// Do not pin reader threads to cores.
    #[arg(long)]
    no_pin: bool,
    /// Seed of the readers' allocation mix.
    #[arg(long, default_value = "1")]
    seed: u64,
    /// Results file to write (the default also gets a timestamped copy,
    /// `results/run-<time>.json`).
    #[arg(long, default_value = "results/latest.json")]
    out: PathBuf,
    /// The contention sweep: every guard x readers 1..=CPUs and 2 x CPUs x
    /// writer none, rebuild, hotplug x both scopes, 3 repeats of short
    /// cells (flags given explicitly override these defaults).
    #[arg(long)]
    sweep: bool,
    /// Short cells, one repeat: a smoke run (explicit flags still win).
    #[arg(long)]
    quick: bool,
    /// Draw the plots into DIR (PNG and SVG) after the run [default with
    /// --sweep and the default --out: plots/latest].
    #[arg(long)]
    plots: Option<PathBuf>,
    /// The command line recorded in the results (default: this process's).
    #[arg(long, hide = true)]
    command_line: Option<String>,
}

/// Cell timing for a mode: (duration s, warm-up s, repeats).
fn timing(args: &RunArgs) -> (f64, f64, u32) {
    let (d, w, r) = match (args.quick, args.sweep) {
        (true, _) => (0.1, 0.05, 1),
        (false, true) => (0.25, 0.1, 3),
        (false, false) => (3.0, 0.3, 1),
    };
    (
        args.duration.unwrap_or(d),
        args.warmup.unwrap_or(w),
        args.repeats.unwrap_or(r),
    )
}

/// The pressure of `writer`'s cells: as given, else the mode's default.
fn pressure_of(args: &RunArgs, writer: WriterMode) -> Pressure {
    match args.pressure {
        Some(p) => p,
        None if args.sweep && writer == WriterMode::Hotplug => Pressure::High,
        None => Pressure::Low,
    }
}

/// Every cell the flags ask for, in run order: repeats outermost, guards
/// innermost, so the guards of one configuration run back to back and
/// drift over a long sweep spreads evenly over them.
fn plan(
    args: &RunArgs,
    config: &RunConfig,
    scopes: &[Scope],
    writers: &[WriterMode],
) -> Vec<CellSpec> {
    let mut specs = Vec::new();
    for repeat in 0..config.repeats {
        for &scope in scopes {
            for &writer in writers {
                let rates: &[f64] = if writer == WriterMode::None {
                    &[0.0]
                } else {
                    &config.writer_rates_hz
                };
                for &rate in rates {
                    for &readers in &config.readers {
                        for g in &config.guards {
                            specs.push(CellSpec {
                                guard: g.clone(),
                                scope,
                                readers,
                                writer,
                                writer_rate_hz: rate,
                                pressure: pressure_of(args, writer),
                                nodes: config.nodes,
                                dma32_mib: config.dma32_mib,
                                normal_mib: config.normal_mib,
                                movable_mib: config.movable_mib,
                                reclaim_us: config.reclaim_us,
                                writer_hold_us: config.writer_hold_us,
                                watchdog_s: args.watchdog,
                                duration_s: config.duration_s,
                                warmup_s: config.warmup_s,
                                pin: config.pin,
                                rt: config.rt,
                                irq: config.irq,
                                seed: config.seed.wrapping_add(repeat as u64),
                                repeat,
                            });
                        }
                    }
                }
            }
        }
    }
    specs
}

/// Cell i of n on stderr: a bar with elapsed and remaining time on a
/// terminal, one plain line per cell otherwise (CI logs).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: usize,
    done: usize,
}

impl Progress {
    fn new(total: usize) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} cells  {elapsed} elapsed, ~{eta} left  {msg}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            total,
            done: 0,
        }
    }

    fn start(&mut self, spec: &CellSpec) {
        self.done += 1;
        let label = format!(
            "{} {} rd={} writer={}{}{} rep={}",
            spec.guard,
            spec.scope.name(),
            spec.readers,
            spec.writer.name(),
            if spec.writer == WriterMode::None {
                String::new()
            } else {
                format!("@{}Hz", spec.writer_rate_hz)
            },
            if spec.irq { " irq" } else { "" },
            spec.repeat
        );
        match &self.bar {
            Some(bar) => bar.set_message(label),
            None => eprintln!("[{}/{}] {label}", self.done, self.total),
        }
    }

    fn finished(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// Print a line without tearing the bar.
    fn note(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

pub(super) fn run(args: RunArgs) -> ExitCode {
    // Ctrl-C: finish nothing more, keep the finished cells, write the file
    // marked partial, exit non-zero. Relaxed: see runner::INTERRUPTED.
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, std::sync::atomic::Ordering::Relaxed));
    let logical = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
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
    // The default output directory is ours to create; any other must exist.
    let default_out = args.out == Path::new(DEFAULT_OUT);
    if default_out {
        let _ = std::fs::create_dir_all("results");
    }
    if let Err(e) = check_writable(&args.out) {
        return usage_error(&e);
    }
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
    let cores = if args.no_pin {
        Vec::new()
    } else {
        core_affinity::get_core_ids().unwrap_or_default()
    };
    let command = args
        .command_line
        .clone()
        .unwrap_or_else(|| std::env::args().collect::<Vec<_>>().join(" "));
    let (duration_s, warmup_s, repeats) = timing(&args);
    let config = RunConfig {
        guards: guards.clone(),
        scopes: scopes.iter().map(|s| s.name().to_string()).collect(),
        readers,
        writers: writers.iter().map(|w| w.name().to_string()).collect(),
        writer_rates_hz: args.writer_rate.0.clone(),
        duration_s,
        warmup_s,
        repeats: repeats as usize,
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
        seed: args.seed,
        sweep: args.sweep,
        quick: args.quick,
    };
    let specs = plan(&args, &config, &scopes, &writers);
    let floors = Floors::measure(&config.guards);
    let mut file = ResultsFile::new(Meta::collect(command), config, floors);
    if let Err(e) = measure(&specs, &cores, &mut file) {
        return usage_error(&e);
    }
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
        match report(&file, &source, &opts, Format::Text) {
            Ok(table) => o.push_str(&table),
            Err(e) => {
                outln!(o, "(no review table: {e})");
            }
        }
    } else {
        print_table(&mut o, &file.cells);
        if file.config.repeats > 1 {
            print_summary(&mut o, &file.summary);
        }
    }
    print_floors(&mut o, &file.floors);
    let plots = match (&args.plots, args.sweep && default_out) {
        (Some(dir), _) => Some(dir.clone()),
        (None, true) => Some(PathBuf::from("plots/latest")),
        (None, false) => None,
    };
    let copy = default_out.then(|| timestamped(&file.meta.start_time));
    finish(
        &file,
        &o,
        &args.out,
        copy.as_deref(),
        plots.as_deref(),
        specs.len(),
    )
}

/// Run `specs` in order into `file.cells`, with progress on stderr. Ctrl-C
/// stops after the cell being measured (which is dropped: it measured less
/// than asked) and marks the file partial. Errors are bad configuration.
pub(super) fn measure(
    specs: &[CellSpec],
    cores: &[core_affinity::CoreId],
    file: &mut ResultsFile,
) -> Result<(), String> {
    let mut progress = Progress::new(specs.len());
    for spec in specs {
        progress.start(spec);
        match run_cell(spec, cores) {
            Ok(_) if INTERRUPTED.load(std::sync::atomic::Ordering::Relaxed) => {
                file.meta.partial = true;
                break;
            }
            Ok(c) => {
                for line in &c.stall_report {
                    progress.note(&format!(
                        "zonebench: STALLED {} readers={}: {line}",
                        spec.guard, spec.readers
                    ));
                }
                if let Some(line) = deadlock_line(&c) {
                    progress.note(&line);
                }
                file.cells.push(c)
            }
            Err(e) => {
                progress.clear();
                return Err(e);
            }
        }
        progress.finished();
    }
    progress.clear();
    Ok(())
}

/// Save `file` to `out` (and `copy`), then print `table`, draw the plots
/// into `plots`, and say how it ended: 130 if interrupted, 1 if a cell
/// broke an invariant or something could not be written, else 0. Nothing
/// measured is lost to a later step's failure.
pub(super) fn finish(
    file: &ResultsFile,
    table: &str,
    out: &Path,
    copy: Option<&Path>,
    plots: Option<&Path>,
    planned: usize,
) -> ExitCode {
    let violations: Vec<String> = file
        .cells
        .iter()
        .flat_map(|c| {
            c.violations()
                .into_iter()
                .map(move |v| format!("{} readers={}: {v}", c.spec.guard, c.spec.readers))
        })
        .collect();
    if let Err(e) = save(out, file) {
        eprintln!("zonebench: error: {e}");
        return ExitCode::from(1);
    }
    // Printed after saving: a closed stdout (`| head`) loses no results.
    emit(table);
    eprintln!("results: {}", out.display());
    if let Some(copy) = copy {
        match save(copy, file) {
            Ok(()) => eprintln!("results: {}", copy.display()),
            Err(e) => eprintln!("zonebench: warning: no timestamped copy: {e}"),
        }
    }
    if let Some(dir) = plots {
        if let Err(e) = super::report::draw(file, dir) {
            eprintln!("zonebench: error: {e}");
            return ExitCode::from(1);
        }
    }
    if file.meta.partial {
        eprintln!(
            "zonebench: interrupted: {} of {planned} cells kept, file marked partial",
            file.cells.len(),
        );
        return ExitCode::from(130);
    }
    if !violations.is_empty() {
        for v in &violations {
            eprintln!("zonebench: INVARIANT BROKEN: {v}");
        }
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
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

fn print_floors(o: &mut String, f: &Floors) {
    outln!(
        o,
        "floors (ns): seqcount read pair {:.2}, spinlock round trip {:.2}, rwlock read {:.2}, arc-swap load {:.2}, epoch pin {:.2}",
        f.seqcount_read_pair_ns, f.spinlock_round_trip_ns, f.rwlock_read_ns, f.arc_swap_load_ns, f.epoch_pin_ns
    );
    if f.guard_section_ns.is_empty() {
        return;
    }
    let sections: Vec<String> = f
        .guard_section_ns
        .iter()
        .map(|(g, ns)| format!("{g} {ns:.2}"))
        .collect();
    outln!(
        o,
        "empty read section, uncontended (ns): {}",
        sections.join(", ")
    );
    for line in f.targets() {
        outln!(o, "target: {line}");
    }
}

/// `rebuild@1000` / `none`: the writer column of the tables.
fn writer_label(writer: &str, rate: f64) -> String {
    if writer == "none" {
        writer.to_string()
    } else {
        format!("{writer}@{rate}")
    }
}

fn print_summary(o: &mut String, rows: &[RepeatSummary]) {
    let ci = |v: Option<f64>| v.map(|v| format!("{v:.0}")).unwrap_or_else(|| "-".into());
    let pct = |v: Option<f64>| v.map(|v| format!("{v:.1}%")).unwrap_or_else(|| "-".into());
    outln!(
        o,
        "\n{:<17} {:<11} {:<14} {:>3} {:>4} {:>12} {:>10} {:>8} {:>7} {:>6}",
        "guard",
        "scope",
        "writer",
        "rd",
        "reps",
        "hmean a/s",
        "+-95%",
        "p50 ns",
        "+-95%",
        "ci/p50"
    );
    for r in rows {
        outln!(
            o,
            "{:<17} {:<11} {:<14} {:>3} {:>4} {:>12.0} {:>10} {:>8.1} {:>7} {:>6}",
            r.guard,
            r.scope,
            writer_label(&r.writer, r.writer_rate_hz),
            r.readers,
            r.repeats,
            r.allocs_per_sec_hmean,
            ci(r.allocs_per_sec_ci95),
            r.lat_p50_mean,
            ci(r.lat_p50_ci95),
            pct(r.lat_p50_ci95_pct)
        );
    }
    outln!(o, "+-95%: half-width of the 95% CI of the mean over the repeats (Student's t); ci/p50: that half-width over the mean p50");
}

/// The columns that name a cell in the per-cell tables, and their header.
const KEY_HEADER: &str = "guard             scope       writer          rd rep";

fn cell_key(c: &CellResult) -> String {
    format!(
        "{:<17} {:<11} {:<14} {:>3} {:>3}",
        c.spec.guard,
        c.spec.scope.name(),
        writer_label(c.spec.writer.name(), c.spec.writer_rate_hz),
        c.spec.readers,
        c.spec.repeat
    )
}

fn print_table(o: &mut String, cells: &[CellResult]) {
    outln!(
        o,
        "{KEY_HEADER} {:>11} {:>6} {:>6} {:>9} {:>7} {:>5} {:>5} {:>6} {:>3} {:>4} {:>8}",
        "allocs/s",
        "lat50",
        "lat99",
        "slowpath",
        "retries",
        "f-oom",
        "t-oom",
        "stale",
        "iso",
        "lost",
        "rebuilds"
    );
    for c in cells {
        outln!(
            o,
            "{} {:>11.0} {:>6} {:>6} {:>9} {:>7} {:>5} {:>5} {:>6} {:>3} {:>4} {:>8}{}",
            cell_key(c),
            c.allocs_per_sec,
            c.read_latency_ns.p50,
            c.read_latency_ns.p99,
            c.stats.slowpath_entries,
            c.stats.retries,
            c.stats.false_ooms,
            c.stats.true_ooms,
            c.stats.stale_zone_visits,
            c.stats.isolated_allocs,
            c.pages_lost,
            c.writer.rebuilds,
            markers(c)
        );
    }
    outln!(
        o,
        "lat50/lat99: allocation latency percentiles, ns (sampled; see the results' meta)"
    );
    if cells.iter().any(|c| c.spec.irq) {
        print_irq_table(o, cells);
    }
}

/// The flags after a cell's row: STALLED, DEADLOCK, oversubscribed.
fn markers(c: &CellResult) -> String {
    let mut m = String::new();
    if c.stalled {
        m.push_str("  STALLED");
    }
    if c.writer.irq.irq_deadlocks > 0 {
        m.push_str("  DEADLOCK");
    }
    if c.oversubscribed && !c.stalled {
        m.push_str("  oversubscribed");
    }
    m
}

/// The stderr line of a cell whose interrupt handlers deadlocked.
fn deadlock_line(c: &CellResult) -> Option<String> {
    let irq = &c.writer.irq;
    if irq.irq_deadlocks == 0 {
        return None;
    }
    let on_lock = irq.irq_deadlocks_on_lock;
    let what = match (on_lock, irq.irq_deadlocks - on_lock) {
        (0, _) => "the odd sequence count".to_string(),
        (_, 0) => "a lock".to_string(),
        (l, n) => format!("the odd sequence count ({n}) or a lock ({l})"),
    };
    Some(format!(
        "zonebench: DEADLOCK {} readers={}: {} of {} interrupts on the writer's CPU waited on {what} held by the writer they interrupted (the kernel would hang; each abandoned after {} ms)",
        c.spec.guard,
        c.spec.readers,
        irq.irq_deadlocks,
        irq.irqs,
        IRQ_DEADLOCK_BOUND.as_millis()
    ))
}

/// `--irq`: what the interrupts raised inside the rebuilds did.
fn print_irq_table(o: &mut String, cells: &[CellResult]) {
    outln!(
        o,
        "\n{KEY_HEADER} {:>6} {:>6} {:>6} {:>9} {:>9} {:>8} {:>5} {:>6}",
        "irqs",
        "inline",
        "defer",
        "delay50",
        "delaymax",
        "deadlock",
        "unbnd",
        "a-fail"
    );
    for c in cells {
        let irq = &c.writer.irq;
        let delay = |v: u64| {
            if irq.irq_delay_ns.count == 0 {
                "-".to_string()
            } else {
                v.to_string()
            }
        };
        outln!(
            o,
            "{} {:>6} {:>6} {:>6} {:>9} {:>9} {:>8} {:>5} {:>6}",
            cell_key(c),
            irq.irqs,
            irq.irq_inline,
            irq.irq_deferred,
            delay(irq.irq_delay_ns.p50),
            delay(irq.irq_delay_ns.max),
            irq.irq_deadlocks,
            irq.irq_unbounded,
            irq.irq_allocs_failed
        );
    }
    outln!(
        o,
        "irqs: interrupts raised inside rebuilds (one each); inline: handled at once; defer: masked, handled after the section, delay50/delaymax: ns from raise to handler; deadlock: handlers that waited on their own writer (abandoned after {} ms); unbnd: not run (the guard's read side waits where no bound can be put); a-fail: handler allocations that failed",
        IRQ_DEADLOCK_BOUND.as_millis()
    );
}

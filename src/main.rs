//! `zonebench`: list the guards, run cells, write results.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use zonebench::guard;
use zonebench::metrics::floor::Floors;
use zonebench::mm::alloc::Scope;
use zonebench::mm::MAX_NUMNODES;
use zonebench::results::io::{check_writable, save};
use zonebench::results::schema::{RepeatSummary, RunConfig};
use zonebench::results::{Meta, ResultsFile, SCHEMA};
use zonebench::workload::runner::{run_cell, CellResult, INTERRUPTED};
use zonebench::workload::spec::{CellSpec, Pressure, WriterMode};

#[derive(Parser)]
#[command(
    name = "zonebench",
    version,
    about = "Zonelist guards under contention: numbers for the 2022 zonelist-rebuild race"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// List the guards: name, what it models, whether it prevents the false OOM.
    List,
    /// Run guards under readers and a writer; print a table, write a results file.
    Run(RunArgs),
}

#[derive(Args)]
struct RunArgs {
    /// Guards to run: comma-separated names, or "all".
    #[arg(long, default_value = "all", value_parser = parse_guards)]
    guards: GuardList,
    /// Where the guard's read section applies.
    #[arg(long, value_enum, default_value = "slowpath")]
    scope: Scope,
    /// Reader thread counts to run, comma-separated (1..=1024 each).
    #[arg(long, value_parser = parse_readers, allow_hyphen_values = true)]
    readers: Option<ReaderList>,
    /// The writer thread's job.
    #[arg(long, value_enum, default_value = "rebuild")]
    writer: WriterMode,
    /// Writer operations per second.
    #[arg(long, default_value = "1000", value_parser = parse_rate, allow_hyphen_values = true)]
    writer_rate: f64,
    /// Measured seconds per cell.
    #[arg(long, default_value = "3", value_parser = parse_duration, allow_hyphen_values = true)]
    duration: f64,
    /// Warm-up seconds before each measured interval.
    #[arg(long, default_value = "0.3", value_parser = parse_warmup, allow_hyphen_values = true)]
    warmup: f64,
    /// Repeats of every cell.
    #[arg(long, default_value = "1", value_parser = clap::value_parser!(u32).range(1..=1000), allow_hyphen_values = true)]
    repeats: u32,
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
    /// Memory pressure: low keeps allocations in the fast path, high drives them into reclaim.
    #[arg(long, value_enum, default_value = "low")]
    pressure: Pressure,
    /// Busy time of one direct-reclaim round, microseconds.
    #[arg(long, default_value = "2", value_parser = parse_reclaim, allow_hyphen_values = true)]
    reclaim_us: f64,
    /// PREEMPT_RT semantics: readers of guards that honour it wait on the
    /// writer's lock instead of spinning (a no-op, stated in the output, for
    /// the others).
    #[arg(long)]
    rt: bool,
    /// Do not pin reader threads to cores.
    #[arg(long)]
    no_pin: bool,
    /// Seed of the readers' allocation mix.
    #[arg(long, default_value = "1")]
    seed: u64,
    /// Results file to write.
    #[arg(long, default_value = "results/latest.json")]
    out: PathBuf,
}

/// A comma-separated list of guard names (a newtype so clap takes it as one value).
#[derive(Clone)]
struct GuardList(Vec<String>);

/// A comma-separated list of reader counts.
#[derive(Clone)]
struct ReaderList(Vec<usize>);

fn number(s: &str, what: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{what} must be a number, got '{s}'"))?;
    if !v.is_finite() {
        return Err(format!("{what} must be finite, got '{s}'"));
    }
    Ok(v)
}

/// Parse a number for `what` and accept it only if `ok` holds; `range` says
/// which values are allowed, in the error.
fn checked(s: &str, what: &str, ok: impl Fn(f64) -> bool, range: &str) -> Result<f64, String> {
    let v = number(s, what)?;
    if !ok(v) {
        return Err(format!("{what} must be in {range}, got {s}"));
    }
    Ok(v)
}

fn parse_duration(s: &str) -> Result<f64, String> {
    checked(
        s,
        "duration",
        |v| v > 0.0 && v <= 86_400.0,
        "(0, 86400] seconds",
    )
}

fn parse_warmup(s: &str) -> Result<f64, String> {
    checked(
        s,
        "warmup",
        |v| (0.0..=3600.0).contains(&v),
        "[0, 3600] seconds",
    )
}

fn parse_rate(s: &str) -> Result<f64, String> {
    checked(
        s,
        "writer rate",
        |v| v > 0.0 && v <= 1_000_000.0,
        "(0, 1000000] Hz",
    )
}

fn parse_reclaim(s: &str) -> Result<f64, String> {
    checked(
        s,
        "reclaim time",
        |v| (0.0..=1_000_000.0).contains(&v),
        "[0, 1000000] us",
    )
}

fn parse_hold(s: &str) -> Result<f64, String> {
    checked(
        s,
        "writer hold",
        |v| (0.0..=1_000_000.0).contains(&v),
        "[0, 1000000] us",
    )
}

fn parse_watchdog(s: &str) -> Result<f64, String> {
    checked(
        s,
        "watchdog",
        |v| v > 0.0 && v <= 3600.0,
        "(0, 3600] seconds",
    )
}

fn parse_mib(s: &str) -> Result<u32, String> {
    let v: i64 = s
        .trim()
        .parse()
        .map_err(|_| format!("zone size must be a whole number of MiB, got '{s}'"))?;
    if !(0..=65_536).contains(&v) || v % 4 != 0 {
        return Err(format!(
            "zone size must be a multiple of 4 MiB in 0..=65536, got {s}"
        ));
    }
    Ok(v as u32)
}

fn parse_readers(s: &str) -> Result<ReaderList, String> {
    let list = s
        .split(',')
        .map(|t| {
            let n: i64 = t
                .trim()
                .parse()
                .map_err(|_| format!("readers must be whole numbers, got '{t}'"))?;
            if !(1..=1024).contains(&n) {
                return Err(format!("readers must be 1..=1024, got {n}"));
            }
            Ok(n as usize)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ReaderList(list))
}

fn parse_guards(s: &str) -> Result<GuardList, String> {
    if s.trim() == "all" {
        return Ok(GuardList(
            guard::ALL.iter().map(|g| g.name.to_string()).collect(),
        ));
    }
    let mut out = Vec::new();
    for name in s.split(',').map(str::trim) {
        if guard::find(name).is_none() {
            let known: Vec<_> = guard::ALL.iter().map(|g| g.name).collect();
            return Err(format!(
                "unknown guard '{name}' (known: {})",
                known.join(", ")
            ));
        }
        if !out.iter().any(|g| g == name) {
            out.push(name.to_string());
        }
    }
    Ok(GuardList(out))
}

/// Bad input: one line on stderr, exit status 2.
fn usage_error(msg: &str) -> ExitCode {
    eprintln!("zonebench: error: {msg}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                print!("{e}");
                return ExitCode::SUCCESS;
            }
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                eprint!("{e}");
                return ExitCode::from(2);
            }
            let text = e.to_string();
            let first = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid arguments");
            return usage_error(first.trim_start_matches("error: "));
        }
    };
    match cli.cmd {
        Cmd::List => {
            list();
            ExitCode::SUCCESS
        }
        Cmd::Run(args) => run(args),
    }
}

fn list() {
    println!("{:<18} {:<8} models", "guard", "no-OOM?");
    for g in guard::ALL {
        println!(
            "{:<18} {:<8} {}",
            g.name,
            if g.prevents_false_oom { "yes" } else { "no" },
            g.models
        );
    }
}

fn run(args: RunArgs) -> ExitCode {
    // Ctrl-C: finish nothing more, keep the finished cells, write the file
    // marked partial, exit non-zero. Relaxed: see runner::INTERRUPTED.
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, std::sync::atomic::Ordering::Relaxed));
    let logical = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let readers = args
        .readers
        .as_ref()
        .map(|r| r.0.clone())
        .unwrap_or_else(|| vec![logical]);
    let guards = &args.guards.0;
    // The default output directory is ours to create; any other must exist.
    if args.out == std::path::Path::new("results/latest.json") {
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
    if args.normal_mib == 0 {
        return usage_error("--normal-mib must not be 0");
    }
    let cores = if args.no_pin {
        Vec::new()
    } else {
        core_affinity::get_core_ids().unwrap_or_default()
    };
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let config = RunConfig {
        guards: guards.clone(),
        scope: args.scope.name().into(),
        readers: readers.clone(),
        writer: args.writer.name().into(),
        writer_rate_hz: args.writer_rate,
        duration_s: args.duration,
        warmup_s: args.warmup,
        repeats: args.repeats as usize,
        nodes: args.nodes as usize,
        dma32_mib: args.dma32_mib,
        normal_mib: args.normal_mib,
        movable_mib: args.movable_mib,
        pressure: format!("{:?}", args.pressure).to_lowercase(),
        reclaim_us: args.reclaim_us,
        writer_hold_us: args.writer_hold,
        pin: !args.no_pin,
        rt: args.rt,
        seed: args.seed,
    };
    let mut file = ResultsFile {
        schema: SCHEMA.into(),
        meta: Meta::collect(command),
        config,
        floors: Floors::measure(),
        cells: Vec::new(),
        summary: Vec::new(),
        rebuild_cost: Vec::new(),
    };
    let total = args.repeats as usize * guards.len() * readers.len();
    let mut i = 0;
    'cells: for repeat in 0..args.repeats as usize {
        for g in guards {
            for &r in &readers {
                i += 1;
                let spec = CellSpec {
                    guard: g.clone(),
                    scope: args.scope,
                    readers: r,
                    writer: args.writer,
                    writer_rate_hz: args.writer_rate,
                    pressure: args.pressure,
                    nodes: args.nodes as usize,
                    dma32_mib: args.dma32_mib,
                    normal_mib: args.normal_mib,
                    movable_mib: args.movable_mib,
                    reclaim_us: args.reclaim_us,
                    writer_hold_us: args.writer_hold,
                    watchdog_s: args.watchdog,
                    duration_s: args.duration,
                    warmup_s: args.warmup,
                    pin: !args.no_pin,
                    rt: args.rt,
                    seed: args.seed.wrapping_add(repeat as u64),
                    repeat,
                };
                eprintln!("[{i}/{total}] {g} readers={r} repeat={repeat}");
                match run_cell(&spec, &cores) {
                    // A cell cut short by Ctrl-C measured less than asked:
                    // dropped, not reported.
                    Ok(_) if INTERRUPTED.load(std::sync::atomic::Ordering::Relaxed) => {
                        file.meta.partial = true;
                        break 'cells;
                    }
                    Ok(c) => {
                        for line in &c.stall_report {
                            eprintln!("zonebench: STALLED {g} readers={r}: {line}");
                        }
                        file.cells.push(c)
                    }
                    Err(e) => return usage_error(&e),
                }
            }
        }
    }
    file.summary = RepeatSummary::of(&file.cells);
    print_table(&file.cells);
    print_floors(&file.floors);
    if args.repeats > 1 {
        print_summary(&file.summary);
    }
    let violations: Vec<String> = file
        .cells
        .iter()
        .flat_map(|c| {
            c.violations()
                .into_iter()
                .map(move |v| format!("{} readers={}: {v}", c.spec.guard, c.spec.readers))
        })
        .collect();
    if let Err(e) = save(&args.out, &file) {
        eprintln!("zonebench: error: {e}");
        return ExitCode::from(1);
    }
    eprintln!("results: {}", args.out.display());
    if file.meta.partial {
        eprintln!(
            "zonebench: interrupted: {} of {total} cells kept, file marked partial",
            file.cells.len()
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

fn print_floors(f: &Floors) {
    println!(
        "floors (ns): seqcount read pair {:.2}, spinlock round trip {:.2}, rwlock read {:.2}, arc-swap load {:.2}, epoch pin {:.2}",
        f.seqcount_read_pair_ns, f.spinlock_round_trip_ns, f.rwlock_read_ns, f.arc_swap_load_ns, f.epoch_pin_ns
    );
}

fn print_summary(rows: &[RepeatSummary]) {
    let ci = |v: Option<f64>| v.map(|v| format!("{v:.0}")).unwrap_or_else(|| "-".into());
    println!(
        "\n{:<17} {:>3} {:>4} {:>12} {:>10} {:>8} {:>7}",
        "guard", "rd", "reps", "hmean a/s", "+-95%", "p50 ns", "+-95%"
    );
    for r in rows {
        println!(
            "{:<17} {:>3} {:>4} {:>12.0} {:>10} {:>8.1} {:>7}",
            r.guard,
            r.readers,
            r.repeats,
            r.allocs_per_sec_hmean,
            ci(r.allocs_per_sec_ci95),
            r.lat_p50_mean,
            ci(r.lat_p50_ci95)
        );
    }
}

fn print_table(cells: &[CellResult]) {
    println!(
        "{:<17} {:>3} {:>3} {:>11} {:>6} {:>6} {:>9} {:>7} {:>5} {:>5} {:>6} {:>3} {:>4} {:>8}",
        "guard",
        "rd",
        "rep",
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
        println!(
            "{:<17} {:>3} {:>3} {:>11.0} {:>6} {:>6} {:>9} {:>7} {:>5} {:>5} {:>6} {:>3} {:>4} {:>8}{}",
            c.spec.guard,
            c.spec.readers,
            c.spec.repeat,
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
            match (c.stalled, c.oversubscribed) {
                (true, _) => "  STALLED",
                (false, true) => "  oversubscribed",
                _ => "",
            }
        );
    }
    println!("lat50/lat99: allocation latency percentiles, ns (sampled; see the results' meta)");
}

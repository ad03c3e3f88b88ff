//! `zonebench run`'s flags, and the defaults that depend on the mode
//! (`--sweep`, `--quick`).

use crate::alloc::{Kernel, Printk, Scope};
use crate::cli::parse::*;
use crate::mm::MAX_NUMNODES;
use crate::workload::plan::MAX_PLANNED_CPUS;
use crate::workload::rounds::Rounds;
use crate::workload::spec::{Pressure, WriterMode};
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Guards to run: comma-separated names, or "all" (every guard `zonebench
    /// list` prints except the examples, which run only when named).
    #[arg(short = 'g', long, default_value = "all", value_parser = parse_guards)]
    pub(super) guards: GuardList,
    /// Where the guard's read section applies, comma-separated
    /// [default: slowpath; --sweep: both].
    #[arg(long, value_enum, value_delimiter = ',', ignore_case = true)]
    pub(super) scope: Vec<Scope>,
    /// Reader thread counts to run, comma-separated (1..=2048 each)
    /// [default: the CPUs; --sweep: 1, 2, 4, ... up to the CPUs, the CPUs,
    /// and 2 x CPUs].
    #[arg(short = 'r', long, value_parser = parse_readers, allow_hyphen_values = true)]
    pub(super) readers: Option<ReaderList>,
    /// The writer thread's job, comma-separated [default: rebuild;
    /// --sweep: all three].
    #[arg(long, value_enum, value_delimiter = ',', ignore_case = true)]
    pub(super) writer: Vec<WriterMode>,
    /// Writer operations per second, comma-separated; each rate is a cell
    /// of its own for every writer but none.
    #[arg(long, default_value = "1000", value_parser = parse_rates, allow_hyphen_values = true)]
    pub(super) writer_rate: RateList,
    /// Measured time of each guard per round, a slice (a round of N
    /// guards, interleaved, runs N times as long; the whole run's time is
    /// --budget): 150ms, 2s ..., a bare number is seconds [default: 250ms;
    /// --sweep: 150ms; --quick: 50ms].
    #[arg(long, value_name = "TIME", value_parser = parse_duration, allow_hyphen_values = true)]
    pub(super) duration: Option<f64>,
    /// Warm-up before each measured interval: 50ms, 1s ..., a bare number
    /// is seconds [default: 50ms; --sweep: 30ms; --quick: 20ms].
    #[arg(long, value_name = "TIME", value_parser = parse_warmup, allow_hyphen_values = true)]
    pub(super) warmup: Option<f64>,
    /// Rounds: in each, every guard of a cell runs at once, the active one
    /// switched every --phase in shuffled blocks, on fresh allocators;
    /// guards are compared block by block, a round's ratio the median of
    /// its blocks'; with --ci-target, the least number of rounds
    /// [default: 10; --sweep: 6; --quick: 2]. (Formerly --repeats.)
    #[arg(
        long,
        value_name = "N",
        visible_alias = "min-rounds",
        alias = "repeats",
        value_parser = clap::value_parser!(u32).range(1..=1000),
        allow_hyphen_values = true
    )]
    pub(super) rounds: Option<u32>,
    /// Add rounds until every guard's ratio to the baseline is known to
    /// within +-PCT percent (95% interval), up to --max-rounds rounds and
    /// the time budget [default: none; --sweep: 2].
    #[arg(long, value_name = "PCT", value_parser = parse_ci_target, allow_hyphen_values = true)]
    pub(super) ci_target: Option<f64>,
    /// With --ci-target: the most rounds of any cell. (Formerly
    /// --max-repeats.)
    #[arg(
        long,
        value_name = "N",
        default_value = "30",
        alias = "max-repeats",
        value_parser = clap::value_parser!(u32).range(1..=1000),
        allow_hyphen_values = true
    )]
    pub(super) max_rounds: u32,
    /// The time the whole run may take: 30min, 2h ..., a bare number is
    /// minutes. The plan is trimmed to fit (first the adaptive rounds,
    /// then the least rounds down to 3, then reader counts between 1 and
    /// the CPU count, largest first), saying what it cut [default: none;
    /// --sweep: adaptive rounds stop after 6 minutes of measuring].
    #[arg(long, value_name = "TIME", value_parser = parse_budget, allow_hyphen_values = true)]
    pub(super) budget: Option<f64>,
    /// Plan for a machine of N CPUs: the default reader count and the
    /// sweep's reader counts (1, 2, 4, ... N, and 2N) follow it
    /// [default: this machine's logical CPUs].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=MAX_PLANNED_CPUS as i64), allow_hyphen_values = true)]
    pub(super) cpus: Option<u32>,
    /// Print the cells, their count and the estimated time, and exit
    /// without measuring anything or writing any file.
    #[arg(long)]
    pub(super) dry_run: bool,
    /// Simulated NUMA nodes.
    #[arg(long, default_value = "1", value_parser = clap::value_parser!(u32).range(1..=MAX_NUMNODES as i64), allow_hyphen_values = true)]
    pub(super) nodes: u32,
    /// ZONE_DMA32 size on node 0, MiB (multiple of 4; 0: none, as in the 2022 report).
    #[arg(long, default_value = "0", value_parser = parse_mib, allow_hyphen_values = true)]
    pub(super) dma32_mib: u32,
    /// ZONE_NORMAL size per node, MiB (multiple of 4; 1 GiB or more gets
    /// the per-CPU batch of 63 a server has).
    #[arg(long, default_value = "1024", value_parser = parse_mib, allow_hyphen_values = true)]
    pub(super) normal_mib: u32,
    /// ZONE_MOVABLE size per node, MiB (multiple of 4): the block hotplug offlines.
    #[arg(long, default_value = "128", value_parser = parse_mib, allow_hyphen_values = true)]
    pub(super) movable_mib: u32,
    /// Busy time inside every rebuild's write section (a long rebuild, or a
    /// writer preempted inside it): 5us, 1ms ..., a bare number is
    /// microseconds.
    #[arg(long, value_name = "TIME", default_value = "0us", value_parser = parse_hold, allow_hyphen_values = true)]
    pub(super) writer_hold: f64,
    /// Time without any allocation or rebuild after which a cell is
    /// declared stalled, reported, and torn down: 2s, 500ms ..., a bare
    /// number is seconds.
    #[arg(long, value_name = "TIME", default_value = "2s", value_parser = parse_watchdog, allow_hyphen_values = true)]
    pub(super) watchdog: f64,
    /// Memory pressure: low keeps allocations in the fast path, high drives
    /// them into reclaim [default: low; --sweep: low, but high for the
    /// hotplug writer, whose race needs allocations that fail].
    #[arg(long, value_enum, ignore_case = true)]
    pub(super) pressure: Option<Pressure>,
    /// Busy time of one direct-reclaim round: 2us, 1ms ..., a bare number
    /// is microseconds. (Formerly --reclaim-us.)
    #[arg(
        long,
        value_name = "TIME",
        default_value = "2us",
        alias = "reclaim-us",
        value_parser = parse_reclaim,
        allow_hyphen_values = true
    )]
    pub(super) reclaim: f64,
    /// PREEMPT_RT semantics: readers of guards that honour it wait on the
    /// writer's lock instead of spinning (a no-op, stated in the output, for
    /// the others).
    #[arg(long)]
    pub(super) rt: bool,
    /// The interrupt model: every zonelist rebuild raises one interrupt on
    /// the writer's CPU inside its write section, whose handler makes a
    /// GFP_ATOMIC allocation (the deadlock fixed by commit 1007843a9190).
    /// Guards whose writer masks interrupts (seqlock, seqlock-excl,
    /// seqbegin-or-lock) hold it until the section ends and report the
    /// delay; the others run it at once, and a handler that waits for its
    /// own writer is abandoned after 20 ms and reported as a DEADLOCK.
    /// With --rt the handler is a PREEMPT_RT interrupt thread: one that
    /// meets a lock its writer holds sleeps and runs after the section
    /// (deferred); one spinning on an odd count still deadlocks.
    #[arg(long)]
    pub(super) irq: bool,
    /// The RCU guards (rcu-qsbr, rcu-preempt and their -recheck variants)
    /// end every rebuild with a process-wide memory barrier (membarrier
    /// PRIVATE_EXPEDITED): the IPI to every CPU that
    /// synchronize_rcu_expedited costs. Without it their writer is
    /// kfree_rcu-like and interrupts no reader.
    #[arg(long)]
    pub(super) rcu_expedited: bool,
    /// build_zonelists' "Fallback order for Node" lines inside the write
    /// section, lengthening the window readers wait out: none; deferred
    /// (since 1007843a9190: stored only, 5 ns a character); console
    /// (v6.1: a 115200-baud serial console, 86.8 us a character).
    #[arg(long, value_enum, default_value = "none", ignore_case = true)]
    pub(super) printk: Printk,
    /// The kernel whose slowpath is modelled: 6.1 (as the 2022 thread
    /// reviewed it; 6.6 is the same there) or current (since e05741fb10c3,
    /// 2025: check_retry_zonelist also at retry:).
    #[arg(long, value_enum, default_value = "6.1", ignore_case = true)]
    pub(super) kernel: Kernel,
    /// How long each guard of a round runs before the next takes over:
    /// every guard of a cell is resident at once and they alternate in
    /// shuffled blocks, compared block by block: 5ms, 1s ..., a bare
    /// number is milliseconds [default: 5ms].
    #[arg(long, value_name = "TIME", value_parser = parse_phase, allow_hyphen_values = true, conflicts_with = "solo")]
    pub(super) phase: Option<f64>,
    /// Run each guard's cell alone, one after another in every round (the
    /// method before 0.9): a guard's absolute figures without others
    /// sharing its caches, at the price of ratios that move with the
    /// machine by tens of percent on a shared host.
    #[arg(long)]
    pub(super) solo: bool,
    /// Measure a disturbed or stalled repeat again up to N times (see the
    /// results' `disturbed`; the discarded tries stay in the file).
    #[arg(long, default_value = "2", value_parser = clap::value_parser!(u32).range(0..=10))]
    pub(super) max_reruns: u32,
    /// Do not pin reader threads to cores.
    #[arg(long)]
    pub(super) no_pin: bool,
    /// Seed of the readers' allocation mix.
    #[arg(long, default_value = "1")]
    pub(super) seed: u64,
    /// Results file to write (the default also gets a timestamped copy,
    /// `results/run-<time>.json`); - writes the results to stdout, once,
    /// at the end (the table then goes to stderr).
    #[arg(short = 'o', long, default_value = DEFAULT_OUT)]
    pub(super) out: PathBuf,
    #[arg(long, help = crate::cli::env::FORCE_HELP)]
    pub(super) force: bool,
    /// The contention sweep: every guard x readers 1, 2, 4, ... CPUs and
    /// 2 x CPUs x
    /// writer none, rebuild, hotplug x both scopes, rounds of short cells
    /// until every ratio is known to +-2% or 6 minutes of measuring are
    /// spent (flags given explicitly override these defaults).
    #[arg(long)]
    pub(super) sweep: bool,
    /// Two rounds of very short cells, and a sweep's rebuild curve up to
    /// 512 nodes: a smoke run, too short to test any change (explicit
    /// flags still win).
    #[arg(short = 'q', long)]
    pub(super) quick: bool,
    /// Draw the plots (PNG and SVG) into DIR after the run. Without
    /// --plots or --no-plots they are drawn exactly when the results go to
    /// the default --out (results/latest.json): into plots/latest, with a
    /// page of them all, plots/latest/index.html, as `report --html`
    /// writes it (an index.html there that zonebench did not write is
    /// refused unless --force).
    #[arg(long, value_name = "DIR")]
    pub(super) plots: Option<PathBuf>,
    /// Draw no plots, whatever --out is.
    #[arg(long, conflicts_with = "plots")]
    pub(super) no_plots: bool,
    /// The command line recorded in the results (default: this process's).
    #[arg(long, hide = true)]
    pub(super) command_line: Option<String>,
}

/// Where `run`'s results go unless --out says otherwise.
pub(super) const DEFAULT_OUT: &str = "results/latest.json";

/// Cell timing for a mode: (duration s, warm-up s, rounds). Errors are
/// flags that contradict each other.
pub(super) fn timing(args: &RunArgs) -> Result<(f64, f64, Rounds), String> {
    let (d, w, r, target, budget) = match (args.quick, args.sweep) {
        (true, _) => (0.05, 0.02, 2, None, None),
        (false, true) => (0.15, 0.03, 6, Some(2.0), Some(360.0)),
        (false, false) => (0.25, 0.05, 10, None, None),
    };
    let min = args.rounds.unwrap_or(r) as usize;
    let ci_target_pct = args.ci_target.or(target);
    let max = args.max_rounds as usize;
    if ci_target_pct.is_some() && max < min {
        return Err(format!(
            "--max-rounds {max} is below --rounds {min}: no cell could get its least rounds"
        ));
    }
    let rounds = match ci_target_pct {
        None => Rounds::fixed(min),
        Some(t) => Rounds {
            min,
            max,
            ci_target_pct: Some(t),
            // An explicit --budget is applied to the whole plan
            // (`workload::plan::fit`); the sweep's default caps measuring.
            budget: budget.map(Duration::from_secs_f64),
        },
    };
    Ok((args.duration.unwrap_or(d), args.warmup.unwrap_or(w), rounds))
}

/// The pressure of `writer`'s cells: as given, else the mode's default.
pub(super) fn pressure_of(args: &RunArgs, writer: WriterMode) -> Pressure {
    match args.pressure {
        Some(p) => p,
        None if args.sweep && writer == WriterMode::Hotplug => Pressure::High,
        None => Pressure::Low,
    }
}

//! `zonebench selfcheck`: the A/A test. One guard runs as two arms, `A`
//! and `B` (`seqcount#a`, `seqcount#b`: the same code, told apart only by
//! name), through the same machinery as any comparison: rounds of
//! interleaved blocks, re-runs, the paired test, the practical threshold
//! and the family correction. Every difference between the arms is noise,
//! so every mark is a false one. The command prints the review table, how
//! many comparisons were marked against how many were made and the
//! nominal rate (5%), and exits 1 when the count is clearly above it: a
//! binomial test at 1% says more marks than a 5% rate would give.
//!
//! `--known`: the other half, a known effect. `delay-2pct` (`none` whose
//! readers make one allocation in 50 that their rate does not count,
//! `guard/delay.rs`) against its own arm with the effect off,
//! `delay-2pct#off` (the same code): at one reader the machinery must
//! mark the change and estimate it within 2 +- 0.5%, and the command
//! exits 1 where it does not. One reader, twice the rounds of the A/A
//! check, 180 ms slices: about 9.5 s on the development machine. On a
//! small model (`KNOWN_MODEL`: a 4.5 MiB `mem_map` per arm, not 18): the
//! check is of bias (work or time given to the wrong arm, a biased
//! estimator), and on a shared host most of the noise is the working set
//! against the cache the host leaves the guest, which the A/A check
//! measures on the real model. Measured on 2026-12-06 in a noisy host
//! state, five runs each, alternated: the small model estimated -1.54% to
//! -2.35% with intervals of +-0.4-0.8%, the default one -1.05% to -4.37%
//! with intervals of +-1.5-3.3%.

use super::env::{cancel_on_ctrl_c, cores, results_out};
use super::progress::Progress;
use super::usage_error;
use crate::alloc::Scope;
use crate::guard::{delay, ARM};
use crate::report::{marks, report, Format, ReportOpts};
use crate::results::schema::{RepeatSummary, RunConfig};
use crate::results::{Meta, ResultsFile};
use crate::session::{Rounds, Session};
use crate::workload::floors::Floors;
use crate::workload::logical_cpus;
use crate::workload::spec::{CellSpec, WriterMode};
use clap::Args;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub(super) struct SelfcheckArgs {
    /// The guard both arms run.
    #[arg(short = 'g', long, default_value = "seqcount", value_parser = super::parse::parse_guard)]
    guard: String,
    /// Rounds of every cell [default: 10; --quick: 8; --known: 20].
    /// (Formerly --repeats.)
    #[arg(
        long,
        value_name = "N",
        alias = "repeats",
        value_parser = clap::value_parser!(u32).range(2..=1000),
        allow_hyphen_values = true
    )]
    rounds: Option<u32>,
    /// Measured time of each arm per cell and round, a slice: 200ms, 1s
    /// ..., a bare number is seconds [default: 200ms; --quick: 100ms;
    /// --known: 180ms].
    #[arg(long, value_name = "TIME", value_parser = super::parse::parse_duration, allow_hyphen_values = true)]
    duration: Option<f64>,
    /// How long each arm runs before the other takes over: 5ms, 1ms ...,
    /// a bare number is milliseconds [default: run's, 5ms].
    #[arg(long, value_name = "TIME", value_parser = super::parse::parse_phase, allow_hyphen_values = true)]
    phase: Option<f64>,
    /// Fewer, shorter rounds: about 20 s on 2 CPUs.
    #[arg(short = 'q', long)]
    quick: bool,
    /// Measure a known effect instead of none: delay-2pct (one allocation
    /// in 50 not counted: -2% by construction) against its arm with the
    /// effect off, at one reader; it must be marked and estimated within
    /// 2 +- 0.5%.
    #[arg(long, conflicts_with = "guard")]
    known: bool,
    /// Results file to write; - writes the results to stdout, once, at the
    /// end (the report then goes to stderr).
    #[arg(short = 'o', long, default_value = DEFAULT_OUT)]
    out: PathBuf,
    #[arg(long, help = super::env::FORCE_HELP)]
    force: bool,
}

const DEFAULT_OUT: &str = "results/latest-selfcheck.json";

/// The nominal rate of false marks, and the level at which a count above
/// it is called clearly above.
const NOMINAL: f64 = 0.05;
const CLEARLY: f64 = 0.01;

pub(super) fn selfcheck(args: SelfcheckArgs) -> ExitCode {
    let cancel = cancel_on_ctrl_c();
    let out = match results_out(&args.out, DEFAULT_OUT, args.force) {
        Ok((out, _)) => out,
        Err(e) => return usage_error(&e),
    };
    let cpus = logical_cpus();
    let (rounds, duration_s) = match (args.quick, args.known) {
        (true, _) => (args.rounds.unwrap_or(8), args.duration.unwrap_or(0.1)),
        (false, true) => (args.rounds.unwrap_or(20), args.duration.unwrap_or(0.18)),
        (false, false) => (args.rounds.unwrap_or(10), args.duration.unwrap_or(0.2)),
    };
    let arms = if args.known {
        [format!("{KNOWN}{ARM}{}", delay::OFF), KNOWN.to_string()]
    } else {
        [
            format!("{}{ARM}a", args.guard),
            format!("{}{ARM}b", args.guard),
        ]
    };
    let mut readers = match args.known {
        true => vec![1],
        false => vec![1, cpus],
    };
    readers.dedup();
    let mut specs = Vec::new();
    let scopes: &[Scope] = if args.known {
        &[Scope::Slowpath]
    } else {
        &[Scope::Slowpath, Scope::EveryAlloc]
    };
    let default = CellSpec::default();
    let (normal_mib, movable_mib) = match args.known {
        true => KNOWN_MODEL,
        false => (default.normal_mib, default.movable_mib),
    };
    for &scope in scopes {
        for &r in &readers {
            for arm in &arms {
                specs.push(CellSpec {
                    guard: arm.clone(),
                    normal_mib,
                    movable_mib,
                    scope,
                    readers: r,
                    writer: WriterMode::Rebuild,
                    writer_rate_hz: 1000.0,
                    duration_s,
                    warmup_s: 0.05,
                    ..default.clone()
                });
            }
        }
    }
    let rounds = Rounds::fixed(rounds as usize);
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let config = RunConfig::describe(&specs).with_rounds(&rounds);
    let file = ResultsFile::new(Meta::collect(command), config, Floors::default());
    let phase = args.phase.map_or(crate::session::DEFAULT_PHASE, |ms| {
        std::time::Duration::from_secs_f64(ms / 1e3)
    });
    let mut session = Session::new(file, out, cores(true), cancel)
        .with_reruns(2)
        .with_phase(Some(phase));
    let mut progress = Progress::new(specs.len() * rounds.max);
    if let Err(e) = session.measure(&specs, rounds, &mut progress) {
        return usage_error(&e);
    }
    let file = &mut session.file;
    file.summary = RepeatSummary::of(&file.cells);
    let opts = ReportOpts {
        baseline: Some(arms[0].clone()),
        ..ReportOpts::default()
    };
    let source = args.out.display().to_string();
    let mut o = String::new();
    let mut failed = false;
    if !file.meta.partial && args.known {
        match report(file, &source, &opts, Format::Text) {
            Ok(table) => o.push_str(&table),
            Err(e) => {
                outln!(o, "(no table: {e})");
            }
        }
        let (line, ok) = known_effect(file, &arms[0]);
        outln!(o, "{line}");
        failed = !ok;
    } else if !file.meta.partial {
        match (
            report(file, &source, &opts, Format::Text),
            marks(file, &opts),
        ) {
            (Ok(table), Ok((tested, marked))) => {
                o.push_str(&table);
                let (line, clearly_above) = verdict(tested, marked);
                outln!(o, "\n{line}");
                failed = clearly_above;
            }
            (Err(e), _) | (_, Err(e)) => {
                outln!(o, "(no A/A count: {e})");
                failed = true;
            }
        }
    }
    let code = session.finish(&o, None, None, specs.len() * rounds.min);
    if failed && code == ExitCode::SUCCESS {
        return ExitCode::from(1);
    }
    code
}

/// The guard of `--known`, the one with the effect; its baseline is its
/// own arm with the effect off (`delay-2pct#off`, see `guard/delay.rs`).
const KNOWN: &str = "delay-2pct";

/// The model `--known` runs on: ZONE_NORMAL and ZONE_MOVABLE, MiB (a
/// 4.5 MiB `mem_map` per arm, against the default's 18).
const KNOWN_MODEL: (u32, u32) = (256, 32);

/// How far from the known effect an estimate may fall, percentage points.
const KNOWN_TOLERANCE: f64 = 0.5;

/// The known effect's line at one reader, and whether the change was
/// marked (interval clear of 0, p < 0.05, beyond the practical threshold;
/// one comparison, so no family correction) and estimated within
/// [`KNOWN_TOLERANCE`].
fn known_effect(file: &ResultsFile, base: &str) -> (String, bool) {
    use crate::experiments::band::rate_paired;
    use crate::results::repeats::Repeats;
    let expected = -crate::guard::delay::SHARE * 100.0;
    let of = |g: &str| {
        Repeats(
            file.cells
                .iter()
                .filter(|c| c.spec.guard == g && c.spec.readers == 1)
                .collect(),
        )
    };
    let Some(f) = rate_paired(&of(KNOWN), &of(base)) else {
        return (
            "known effect, 1 reader: NO ESTIMATE (fewer than two rounds)".into(),
            false,
        );
    };
    let threshold = crate::report::Marking::default().threshold_pct;
    let (lo, hi) = f.ci_pct();
    let marked = f.p < 0.05 && (hi < 0.0 || lo > 0.0) && f.pct().abs() > threshold;
    let close = (f.pct() - expected).abs() <= KNOWN_TOLERANCE;
    let line = format!(
        "known effect, 1 reader: {KNOWN} vs {base} {:+.2}% [{lo:+.2}, {hi:+.2}] over {} rounds, {}; expected {expected:+.2}% +- {KNOWN_TOLERANCE}: {}",
        f.pct(),
        f.rounds,
        if marked { "marked" } else { "NOT MARKED" },
        if close { "ok" } else { "OUTSIDE" },
    );
    (line, marked && close)
}

/// The A/A line, and whether `marked` of `tested` is clearly above the
/// nominal rate (a one-sided binomial test at [`CLEARLY`]).
fn verdict(tested: usize, marked: usize) -> (String, bool) {
    use statrs::distribution::{Binomial, DiscreteCDF};
    let pct = |n: usize| 100.0 * n as f64 / tested.max(1) as f64;
    // P(X >= marked) under the nominal rate.
    let p = match (marked, Binomial::new(NOMINAL, tested as u64)) {
        (0, _) => 1.0,
        (m, Ok(b)) => b.sf(m as u64 - 1),
        (_, Err(_)) => f64::NAN,
    };
    let above = p < CLEARLY;
    (
        format!(
            "A/A: {marked} of {tested} comparisons marked ({:.1}%), nominal at most {:.0}%: {} (binomial p = {p:.3})",
            pct(marked),
            NOMINAL * 100.0,
            if above {
                "CLEARLY ABOVE, the comparisons mark noise"
            } else {
                "ok"
            }
        ),
        above,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_fails_only_clearly_above_the_nominal_rate() {
        assert!(!verdict(40, 0).1);
        assert!(!verdict(40, 2).1); // 5%
        assert!(!verdict(40, 4).1); // P(X >= 4 | 40, 0.05) = 0.14
        assert!(verdict(40, 7).1); // P(X >= 7) = 0.003
        assert!(verdict(10, 10).1);
        assert!(verdict(40, 0)
            .0
            .contains("0 of 40 comparisons marked (0.0%)"));
    }
}

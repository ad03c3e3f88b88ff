//! The `zonebench` command line, in the library so that the contention
//! bench (`benches/contention.rs`) runs exactly what `zonebench run` runs.
//!
//! Exit status: 0 success, 1 a failed check (an invariant broken, a file
//! that could not be written after measuring), 2 bad input (one line on
//! stderr, never a panic), 130 interrupted (the finished cells are kept).

/// `writeln!` into a `String` (which cannot fail).
macro_rules! outln {
    ($o:expr) => {
        let _ = writeln!($o);
    };
    ($o:expr, $($t:tt)*) => {
        let _ = writeln!($o, $($t)*);
    };
}

mod claims;
mod env;
mod error;
mod parse;
mod progress;
mod report;
mod review;
mod run;
mod selfcheck;
mod shell;
#[cfg(test)]
mod tests;
mod time;
mod torture;
mod values;

use crate::guard;
use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::process::ExitCode;

pub use run::RunArgs;

/// The exit statuses, shown under every `--help`.
const EXIT_STATUS: &str = "Exit status: 0 success; 1 a failed check (an invariant broken, a torture finding, selfcheck clearly above its nominal rate, results not written after measuring); 2 bad input (one line on stderr, nothing measured or on disk lost); 130 interrupted by Ctrl-C (finished cells kept, the file marked partial).";

#[derive(Parser, Debug)]
#[command(
    name = "zonebench",
    version = env!("ZONEBENCH_VERSION_LINE"),
    about = "Zonelist guards under contention: numbers for the 2022 zonelist-rebuild race",
    after_help = EXIT_STATUS
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// List the guards: name, what it models, whether it prevents the false OOM.
    #[command(after_help = EXIT_STATUS)]
    List,
    /// Run guards under readers and a writer; print a table, write a results file.
    #[command(after_help = EXIT_STATUS)]
    Run(Box<RunArgs>),
    /// The review table of a results file (text, markdown or csv).
    #[command(after_help = EXIT_STATUS)]
    Report(report::ReportArgs),
    /// Two results files side by side per guard, with the change and its
    /// significance (before/after a patch, machine A/machine B).
    #[command(after_help = EXIT_STATUS)]
    Compare(report::CompareArgs),
    /// Each argument of the 2022 thread as an experiment: the claim, its
    /// numbers, and a verdict computed by a stated rule.
    #[command(after_help = EXIT_STATUS)]
    Claims(claims::ClaimsArgs),
    /// A guard of yours against a baseline (seqlock): the cells that matter
    /// for a zonelist guard, and one 80-column summary (machine, command,
    /// table, correctness, verdicts) to paste under a patch.
    #[command(after_help = EXIT_STATUS)]
    Review(review::ReviewArgs),
    /// Random cells checked one by one for --budget, in the manner of
    /// locktorture; exit 1 with the seed to replay on the first failure.
    #[command(after_help = EXIT_STATUS)]
    Torture(torture::TortureArgs),
    /// The A/A test: one guard as two arms through the same machinery;
    /// how many comparisons come out marked against the nominal rate
    /// (exit 1 if clearly above it).
    #[command(after_help = EXIT_STATUS)]
    Selfcheck(selfcheck::SelfcheckArgs),
    /// Shell completions for zonebench, on stdout (e.g. `zonebench
    /// completions bash > /etc/bash_completion.d/zonebench`).
    #[command(after_help = EXIT_STATUS)]
    Completions(shell::CompletionsArgs),
    /// The manual page of zonebench, or of one subcommand, in roff on
    /// stdout (`zonebench man | man -l -`).
    #[command(after_help = EXIT_STATUS)]
    Man(shell::ManArgs),
}

use crate::session::emit;

/// Whether `flag` (`--guards`, `-g`, an old spelling too) is a flag of
/// `zonebench run` whose value is the next word: how the contention bench
/// tells a value from criterion's name filters. `--flag=value` and `-gX`
/// carry their value already.
pub fn run_flag_takes_value(flag: &str) -> bool {
    use clap::CommandFactory;
    let cmd = Cli::command();
    let Some(run) = cmd.find_subcommand("run") else {
        return false;
    };
    let named = |a: &clap::Arg| match (flag.strip_prefix("--"), flag.strip_prefix('-')) {
        (Some(long), _) => {
            a.get_long() == Some(long) || a.get_all_aliases().unwrap_or_default().contains(&long)
        }
        (None, Some(short)) => {
            let mut chars = short.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => {
                    a.get_short() == Some(c)
                        || a.get_all_short_aliases().unwrap_or_default().contains(&c)
                }
                _ => false,
            }
        }
        _ => false,
    };
    let takes = run
        .get_arguments()
        .any(|a| named(a) && a.get_action().takes_values());
    takes
}

/// Bad input: one line on stderr, exit status 2.
pub(crate) fn usage_error(msg: &str) -> ExitCode {
    eprintln!("zonebench: error: {msg}");
    ExitCode::from(2)
}

/// Run the command line `args` (the program name first).
pub fn main<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                emit(&e.to_string());
                return ExitCode::SUCCESS;
            }
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                eprint!("{e}");
                return ExitCode::from(2);
            }
            return usage_error(&error::one_line(&e));
        }
    };
    match cli.cmd {
        Cmd::List => {
            list();
            ExitCode::SUCCESS
        }
        Cmd::Run(args) => run::run(*args),
        Cmd::Report(args) => report::report(args),
        Cmd::Compare(args) => report::compare(args),
        Cmd::Claims(args) => claims::claims(args),
        Cmd::Review(args) => review::review(args),
        Cmd::Torture(args) => torture::torture(args),
        Cmd::Selfcheck(args) => selfcheck::selfcheck(args),
        Cmd::Completions(args) => shell::completions(args),
        Cmd::Man(args) => shell::man(args),
    }
}

fn list() {
    use std::fmt::Write as _;
    let mut o = String::new();
    let rows = |o: &mut String, guards: &[guard::GuardInfo]| {
        for g in guards {
            outln!(
                o,
                "{:<20} {:<8} {}",
                g.name,
                if g.prevents_false_oom { "yes" } else { "no" },
                g.models
            );
        }
    };
    outln!(o, "{:<20} {:<8} models", "guard", "no-OOM?");
    rows(&mut o, guard::ALL);
    outln!(o);
    outln!(
        o,
        "{:<20} {:<8} models (run by name only: not in --guards all)",
        "example guard",
        "no-OOM?"
    );
    rows(&mut o, guard::EXAMPLES);
    outln!(o);
    outln!(o, "{:<20} slowpath modelled (--kernel)", "kernel");
    for k in crate::alloc::Kernel::ALL {
        outln!(o, "{:<20} {}", k.name(), k.describe());
    }
    emit(&o);
}

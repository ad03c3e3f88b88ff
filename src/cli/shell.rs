//! `zonebench completions SHELL` and `zonebench man [SUBCOMMAND]`: shell
//! completions (`clap_complete`) and the manual page (`clap_mangen`) of
//! the command line itself, written to stdout.

use super::{emit, usage_error, Cli};
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub(super) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

#[derive(Args, Debug)]
pub(super) struct ManArgs {
    /// The page of this subcommand (zonebench-run(1) ...) instead of
    /// zonebench(1).
    subcommand: Option<String>,
}

pub(super) fn completions(args: CompletionsArgs) -> ExitCode {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "zonebench", &mut out);
    emit(&String::from_utf8_lossy(&out));
    ExitCode::SUCCESS
}

pub(super) fn man(args: ManArgs) -> ExitCode {
    let mut cmd = Cli::command();
    cmd.build();
    let page = match &args.subcommand {
        None => cmd,
        Some(name) => match cmd.find_subcommand(name) {
            // Built: its display name is zonebench-SUBCOMMAND.
            Some(sub) => sub.clone(),
            None => {
                let known: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
                return usage_error(&format!(
                    "man: unknown subcommand '{name}' (subcommands: {})",
                    known.join(", ")
                ));
            }
        },
    };
    let mut out = Vec::new();
    let man = clap_mangen::Man::new(page).source(concat!("zonebench ", env!("CARGO_PKG_VERSION")));
    match man.render(&mut out) {
        Ok(()) => {
            emit(&String::from_utf8_lossy(&out));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("zonebench: error: man: {e}");
            ExitCode::from(1)
        }
    }
}

//! The command line as clap sees it, parsed without running anything:
//! every subcommand described, old spellings parsed as the new ones,
//! completions and the manual page.

use super::Cli;
use clap::{CommandFactory, Parser};

/// What `args` parse to, as text (every field of every flag).
fn parsed(args: &[&str]) -> String {
    let mut argv = vec!["zonebench"];
    argv.extend_from_slice(args);
    match Cli::try_parse_from(argv) {
        Ok(cli) => format!("{cli:?}"),
        Err(e) => panic!("{args:?}: {}", super::error::one_line(&e)),
    }
}

#[test]
fn clap_finds_the_command_line_consistent() {
    Cli::command().debug_assert();
}

/// Every subcommand, a new one included, has a description of its own in
/// `zonebench --help` and its own `--help`.
#[test]
fn every_subcommand_has_its_own_description() {
    let cmd = Cli::command();
    let mut seen: Vec<(String, String)> = Vec::new();
    for sub in cmd.get_subcommands() {
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        assert!(
            !about.trim().is_empty(),
            "{} has no description",
            sub.get_name()
        );
        if let Some((other, _)) = seen.iter().find(|(_, a)| *a == about) {
            panic!(
                "{} and {other} share the description '{about}'",
                sub.get_name()
            );
        }
        seen.push((sub.get_name().to_string(), about));
    }
    assert!(seen.len() >= 10, "{seen:?}");
    let about = |name: &str| {
        seen.iter()
            .find(|(n, _)| n == name)
            .map(|(_, a)| a.clone())
            .unwrap_or_else(|| panic!("no subcommand {name}"))
    };
    let torture = about("torture");
    assert!(
        torture.contains("Random cells") && torture.contains("locktorture"),
        "{torture}"
    );
    let review = about("review");
    assert!(
        review.contains("baseline") && !review.contains("locktorture"),
        "{review}"
    );
    assert!(about("selfcheck").contains("A/A"));
    assert!(about("completions").contains("completions"));
    assert!(about("man").contains("manual page"));
}

/// The old spellings parse to exactly what the new ones do.
#[test]
fn old_spellings_parse_as_the_new_ones() {
    let same = [
        (
            vec!["run", "--repeats", "3", "--duration", "0.15"],
            vec!["run", "--rounds", "3", "--duration", "150ms"],
        ),
        (
            vec!["run", "--min-rounds", "3"],
            vec!["run", "--rounds", "3"],
        ),
        (
            vec!["run", "--ci-target", "2", "--max-repeats", "12"],
            vec!["run", "--ci-target", "2", "--max-rounds", "12"],
        ),
        (
            vec!["run", "--reclaim-us", "2"],
            vec!["run", "--reclaim", "2us"],
        ),
        (
            vec!["run", "--reclaim-us", "7"],
            vec!["run", "--reclaim", "7us"],
        ),
        (
            vec!["run", "--budget", "6"],
            vec!["run", "--budget", "6min"],
        ),
        (vec!["run", "--phase", "5"], vec!["run", "--phase", "5ms"]),
        (
            vec!["run", "--writer-hold", "5"],
            vec!["run", "--writer-hold", "5us"],
        ),
        (
            vec!["run", "--warmup", "0.02", "--watchdog", "2"],
            vec!["run", "--warmup", "20ms", "--watchdog", "2s"],
        ),
        (
            vec![
                "run",
                "--guards",
                "seqcount,rcu",
                "--readers",
                "1,2",
                "--out",
                "x.json",
                "--quick",
            ],
            vec![
                "run",
                "-g",
                "seqcount,rcu",
                "-r",
                "1,2",
                "-o",
                "x.json",
                "-q",
            ],
        ),
        (
            vec![
                "run",
                "--scope",
                "slowpath,every-alloc",
                "--writer",
                "none,hotplug",
            ],
            vec![
                "run",
                "--scope",
                "slowpath",
                "--scope",
                "every-alloc",
                "--writer",
                "none",
                "--writer",
                "hotplug",
            ],
        ),
        (
            vec!["run", "--kernel", "6.1", "--printk", "none"],
            vec!["run"],
        ),
        (
            vec!["review", "--guards", "seqcount"],
            vec!["review", "--guard", "seqcount"],
        ),
        (
            vec![
                "review", "--guards", "seqcount", "--quick", "--out", "r.json",
            ],
            vec!["review", "-g", "seqcount", "-q", "-o", "r.json"],
        ),
        (
            vec!["torture", "--duration", "5"],
            vec!["torture", "--budget", "5s"],
        ),
        (
            vec!["torture", "--duration", "5", "--guards", "seqcount"],
            vec!["torture", "--budget", "5", "-g", "seqcount"],
        ),
        (vec!["torture"], vec!["torture", "--budget", "1min"]),
        (
            vec!["selfcheck", "--repeats", "4", "--duration", "0.1"],
            vec!["selfcheck", "--rounds", "4", "--duration", "100ms"],
        ),
        (
            vec!["selfcheck", "--guard", "rcu", "--quick", "--out", "s.json"],
            vec!["selfcheck", "-g", "rcu", "-q", "-o", "s.json"],
        ),
        (
            vec!["report", "f.json", "--guards", "seqcount,rcu"],
            vec!["report", "f.json", "-g", "seqcount,rcu"],
        ),
        (
            vec!["compare", "a.json", "b.json", "--guards", "rcu"],
            vec![
                "compare", "a.json", "b.json", "-g", "rcu", "--format", "text",
            ],
        ),
        (
            vec!["claims", "--quick", "--out", "c.json"],
            vec!["claims", "-q", "-o", "c.json"],
        ),
    ];
    for (old, new) in same {
        assert_eq!(parsed(&old), parsed(&new), "{old:?} vs {new:?}");
    }
    // And a value with its unit is not the bare number in another unit.
    assert_ne!(
        parsed(&["run", "--duration", "150ms"]),
        parsed(&["run", "--duration", "150"])
    );
}

/// The old spellings are accepted but not shown; the new ones are.
#[test]
fn old_spellings_are_hidden_from_help() {
    let mut cmd = Cli::command();
    cmd.build();
    let mut help = |name: &str| {
        cmd.find_subcommand_mut(name)
            .unwrap()
            .render_long_help()
            .to_string()
    };
    let run = help("run");
    for new in [
        "--rounds",
        "--min-rounds",
        "--max-rounds",
        "--reclaim <TIME>",
        "--no-plots",
        "-g, --guards",
        "-r, --readers",
        "-o, --out",
        "-q, --quick",
    ] {
        assert!(run.contains(new), "run --help lacks {new}");
    }
    for old in ["--repeats", "--max-repeats", "--reclaim-us"] {
        assert!(
            !run.lines().any(|l| l.trim_start().starts_with(old)),
            "run --help shows {old}"
        );
    }
    let review = help("review");
    assert!(review.contains("-g, --guard <GUARD>"), "{review}");
    assert!(
        !review
            .lines()
            .any(|l| l.trim_start().starts_with("--guards")),
        "{review}"
    );
    let torture = help("torture");
    assert!(torture.contains("--budget <TIME>"), "{torture}");
    assert!(
        !torture
            .lines()
            .any(|l| l.trim_start().starts_with("--duration")),
        "{torture}"
    );
    for (name, dir) in [
        ("run", "plots/latest"),
        ("claims", "plots/claims/latest"),
        ("review", "plots/review/latest"),
    ] {
        let h = help(name);
        assert!(
            h.contains("--no-plots") && h.contains(dir) && h.contains("default --out"),
            "{name}'s --plots does not state the rule:\n{h}"
        );
    }
}

#[test]
fn completions_cover_the_subcommands_and_flags() {
    for shell in [
        clap_complete::Shell::Bash,
        clap_complete::Shell::Zsh,
        clap_complete::Shell::Fish,
    ] {
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "zonebench", &mut out);
        let text = String::from_utf8(out).unwrap();
        for word in [
            "run",
            "review",
            "torture",
            "guards",
            "rounds",
            "budget",
            "every-alloc",
        ] {
            assert!(text.contains(word), "{shell:?} completions lack {word}");
        }
    }
}

#[test]
fn the_manual_page_covers_the_subcommands() {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .unwrap();
    let page = String::from_utf8(out).unwrap();
    assert!(page.starts_with(".ie") || page.contains(".TH"), "{page}");
    for word in ["zonebench", "run", "review", "torture", "selfcheck"] {
        assert!(page.contains(word), "the page lacks {word}");
    }
}

/// The contention bench tells `run`'s values from criterion's filters.
#[test]
fn run_flags_that_take_a_value_are_known_by_every_name() {
    use super::run_flag_takes_value as takes;
    for flag in [
        "--guards",
        "-g",
        "--readers",
        "-r",
        "--out",
        "-o",
        "--rounds",
        "--repeats",
        "--min-rounds",
        "--max-repeats",
        "--reclaim-us",
        "--reclaim",
        "--budget",
        "--plots",
    ] {
        assert!(takes(flag), "{flag}");
    }
    for flag in [
        "--quick",
        "-q",
        "--rt",
        "--irq",
        "--solo",
        "--no-plots",
        "--dry-run",
        "--guards=all",
        "-gall",
        "seqcount",
        "--nosuch",
        "-",
    ] {
        assert!(!takes(flag), "{flag}");
    }
}

//! One vocabulary on the command line, and the old spellings still work:
//! a run planned with the old flags is the run planned with the new ones
//! (`--dry-run` measures nothing); every subcommand's `--help` describes
//! it; completions and the manual page come from the binary.

mod common;

use common::{run_ok, zonebench};

/// `zonebench run ARGS --dry-run`'s stdout.
fn plan(args: &[&str]) -> String {
    let mut full = vec!["run", "--guards", "seqcount,rcu", "--readers", "1"];
    full.extend_from_slice(args);
    full.push("--dry-run");
    String::from_utf8(run_ok(&full).stdout).unwrap()
}

#[test]
fn old_and_new_spellings_plan_the_same_run() {
    let pairs: [(&[&str], &[&str]); 6] = [
        (
            &["--repeats", "3", "--duration", "0.15"],
            &["--rounds", "3", "--duration", "150ms"],
        ),
        (&["--repeats", "3"], &["--min-rounds", "3"]),
        (
            &["--ci-target", "2", "--repeats", "4", "--max-repeats", "9"],
            &["--ci-target", "2", "--rounds", "4", "--max-rounds", "9"],
        ),
        (&["--warmup", "0.02"], &["--warmup", "20ms"]),
        (
            &["--sweep", "--cpus", "64", "--budget", "6"],
            &["--sweep", "--cpus", "64", "--budget", "6min"],
        ),
        (
            &["--reclaim-us", "2", "--writer-hold", "5", "--phase", "5"],
            &["--reclaim", "2us", "--writer-hold", "5us", "--phase", "5ms"],
        ),
    ];
    for (old, new) in pairs {
        assert_eq!(plan(old), plan(new), "{old:?} vs {new:?}");
    }
    let p = plan(&["--rounds", "3", "--duration", "150ms"]);
    assert!(p.contains("rounds: at least 3 per cell"), "{p}");
    assert!(p.contains("slice: 0.15 s measured"), "{p}");
    let p = plan(&["--ci-target", "2", "--max-rounds", "12"]);
    assert!(p.contains("(at most 12,"), "{p}");
    // Short flags and the enumerated values' spellings.
    assert_eq!(
        plan(&["--scope", "every-alloc", "--writer", "none,hotplug"]),
        String::from_utf8(
            run_ok(&[
                "run",
                "-g",
                "seqcount,rcu",
                "-r",
                "1",
                "--scope",
                "Every-Alloc",
                "--writer",
                "none",
                "--writer",
                "hotplug",
                "--dry-run"
            ])
            .stdout
        )
        .unwrap()
    );
}

/// The advice a run prints names the new flags.
#[test]
fn messages_name_the_new_flags() {
    let out = zonebench(&[
        "run",
        "--ci-target",
        "2",
        "--repeats",
        "8",
        "--max-repeats",
        "4",
        "--dry-run",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--max-rounds 4 is below --rounds 8"), "{err}");
    let out = zonebench(&["review", "--guard", "seqlock"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--guard and --baseline"), "{err}");
}

#[test]
fn every_subcommand_help_describes_it() {
    let top = String::from_utf8(run_ok(&["--help"]).stdout).unwrap();
    for (cmd, says) in [
        ("torture", "locktorture"),
        ("review", "baseline"),
        ("run", "results file"),
        ("completions", "completions"),
        ("man", "manual page"),
    ] {
        let line = top
            .lines()
            .find(|l| l.split_whitespace().next() == Some(cmd))
            .unwrap_or_else(|| panic!("{cmd} not in --help:\n{top}"));
        assert!(line.contains(says), "{line}");
        let own = String::from_utf8(run_ok(&[cmd, "--help"]).stdout).unwrap();
        assert!(own.contains(says), "{cmd} --help:\n{own}");
    }
}

#[test]
fn completions_and_the_manual_page_come_from_the_binary() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let text = String::from_utf8(run_ok(&["completions", shell]).stdout).unwrap();
        for word in ["zonebench", "review", "torture", "rounds", "every-alloc"] {
            assert!(text.contains(word), "{shell}: no {word}");
        }
    }
    let page = String::from_utf8(run_ok(&["man"]).stdout).unwrap();
    assert!(page.contains(".TH zonebench"), "{page}");
    for word in ["run", "review", "torture", "claims"] {
        assert!(page.contains(word), "no {word} in the page");
    }
    let page = String::from_utf8(run_ok(&["man", "run"]).stdout).unwrap();
    assert!(page.contains("zonebench\\-run"), "{page}");
    for flag in ["rounds", "max\\-rounds", "budget", "no\\-plots"] {
        assert!(page.contains(flag), "no {flag} in zonebench-run(1)");
    }
}

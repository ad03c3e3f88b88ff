//! `zonebench list`: one line per guard under a header.

mod common;

use common::zonebench;

#[test]
fn list_names_the_guards_of_the_design() {
    let out = zonebench(&["list"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let names = [
        "none",
        "seqcount",
        "seqlock",
        "seqlock-excl",
        "seqbegin-or-lock",
        "seqcount-spinlock",
        "rcu",
        "rcu-recheck",
        "rcu-qsbr",
        "rcu-qsbr-recheck",
        "rcu-preempt",
        "rcu-preempt-recheck",
        "latch",
        "rwlock",
        "seqlock-crate",
        "epoch",
    ];
    // The guards, then a blank line, then the kernels modelled.
    let (guards, kernels) = text.split_once("\n\n").expect("two sections");
    for g in names {
        assert!(
            guards
                .lines()
                .any(|l| l.split_whitespace().next() == Some(g)),
            "{g} missing from:\n{text}"
        );
    }
    assert_eq!(guards.lines().count(), names.len() + 1, "{text}");
    for k in ["6.1", "current"] {
        assert!(
            kernels
                .lines()
                .any(|l| l.split_whitespace().next() == Some(k)),
            "kernel {k} missing from:\n{text}"
        );
    }
}

/// `--version` names the revision built; every `--help` gives the exit
/// statuses.
#[test]
fn version_names_the_revision_and_help_the_exit_statuses() {
    let out = zonebench(&["--version"]);
    assert!(out.status.success());
    let version = String::from_utf8_lossy(&out.stdout).into_owned();
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        Some(rev) => assert!(version.contains(&format!("(git {rev}")), "{version}"),
        None => assert!(version.contains("no git revision"), "{version}"),
    }
    for cmd in [
        vec!["--help"],
        vec!["run", "--help"],
        vec!["report", "--help"],
        vec!["claims", "--help"],
    ] {
        let out = zonebench(&cmd);
        let help = String::from_utf8_lossy(&out.stdout);
        for status in [
            "0 success",
            "1 a failed check",
            "2 bad input",
            "130 interrupted",
        ] {
            assert!(help.contains(status), "{cmd:?} --help lacks '{status}'");
        }
    }
}

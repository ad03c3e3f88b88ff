//! `zonebench list`: one line per guard under a header.

mod common;

use common::zonebench;

#[test]
fn list_names_the_twelve_guards_of_the_design() {
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

//! One rule for plots on every measuring command, shown on `run`: `--plots
//! DIR` draws into DIR; `--no-plots` draws none; otherwise the plots go to
//! the command's own directory (run: plots/latest, with its page) exactly
//! when the results go to its default file.

mod common;

use common::tmp;
use std::path::Path;

/// `zonebench run --quick` of one small cell plus `extra`, in `cwd`.
fn run_in(cwd: &Path, extra: &[&str]) {
    std::fs::create_dir_all(cwd).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zonebench"))
        .args(["run", "-q", "-g", "seqcount", "-r", "1", "--writer", "none"])
        .args(extra)
        .current_dir(cwd)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{extra:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn pngs(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| {
        d.filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "png"))
        })
        .count()
    })
}

#[test]
fn plots_are_drawn_exactly_where_the_rule_says() {
    // The default results file: its plots and page.
    let cwd = tmp("plots-default");
    run_in(&cwd, &[]);
    assert!(cwd.join("results/latest.json").exists());
    assert!(pngs(&cwd.join("plots/latest")) > 0);
    assert!(cwd.join("plots/latest/index.html").exists());

    // An explicit --out: none.
    let cwd = tmp("plots-out");
    run_in(&cwd, &["-o", "mine.json"]);
    assert!(cwd.join("mine.json").exists());
    assert!(!cwd.join("plots").exists());

    // --no-plots: none, even for the default results file.
    let cwd = tmp("plots-none");
    run_in(&cwd, &["--no-plots"]);
    assert!(cwd.join("results/latest.json").exists());
    assert!(!cwd.join("plots").exists());

    // --plots DIR with an explicit --out: into DIR, without a page.
    let cwd = tmp("plots-dir");
    run_in(&cwd, &["-o", "mine.json", "--plots", "figs"]);
    assert!(pngs(&cwd.join("figs")) > 0);
    assert!(!cwd.join("figs/index.html").exists());
    assert!(!cwd.join("plots").exists());
}

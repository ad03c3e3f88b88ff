//! A guard lives in one place: its file under `src/guard/` and its line in
//! the registry. The example guard `raw-seqcount`, registered that way
//! alone (its `examples:` line), is listed, measured, reported and drawn;
//! and no file of the report or plot layers names a registered guard, so
//! the next guard needs nothing there either.

mod common;

use common::{run_ok, tmp};
use std::path::Path;
use zonebench::guard::{ALL, CALIBRATION, EXAMPLES, HARNESS, HIDDEN};

/// The example guard the test takes through the commands.
const EXAMPLE: &str = "raw-seqcount";

#[test]
fn the_example_guard_is_listed_measured_reported_and_drawn() {
    assert!(EXAMPLES.iter().any(|g| g.name == EXAMPLE));

    let list = String::from_utf8(run_ok(&["list"]).stdout).unwrap();
    assert!(
        list.lines()
            .any(|l| l.split_whitespace().next() == Some(EXAMPLE)),
        "{list}"
    );

    let results = tmp("one-place.json");
    let results = results.to_str().unwrap();
    let guards = format!("{EXAMPLE},seqcount");
    run_ok(&[
        "run",
        "--guards",
        &guards,
        "--readers",
        "1",
        "--writer",
        "rebuild",
        "--writer-rate",
        "2000",
        "--repeats",
        "1",
        "--duration",
        "0.2",
        "--warmup",
        "0.05",
        "--out",
        results,
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(results).unwrap()).unwrap();
    let measured = v["cells"].as_array().unwrap().iter();
    assert!(
        measured
            .filter(|c| c["guard"] == EXAMPLE)
            .any(|c| c["allocs_per_sec"].as_f64().unwrap() > 0.0),
        "{v}"
    );

    let report = String::from_utf8(run_ok(&["report", results]).stdout).unwrap();
    let head = report
        .lines()
        .find(|l| l.trim_start().starts_with("seqcount"))
        .unwrap_or_else(|| panic!("no column heads in {report}"));
    assert!(head.split_whitespace().any(|w| w == EXAMPLE), "{report}");

    let dir = tmp("one-place-plots");
    run_ok(&["report", results, "--plots", dir.to_str().unwrap()]);
    let svgs: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(!svgs.is_empty());
    // A legend entry is a text of its own: the guard's name alone.
    assert!(
        svgs.iter().any(|s| s.lines().any(|l| l.trim() == EXAMPLE)),
        "no figure has {EXAMPLE} in its legend"
    );
}

/// The guards the registry knows, every group.
fn registered() -> Vec<&'static str> {
    let groups = [ALL, HIDDEN, HARNESS, CALIBRATION, EXAMPLES];
    groups
        .iter()
        .flat_map(|g| g.iter().map(|i| i.name))
        .collect()
}

/// A source file's code outside its unit tests: up to its
/// `#[cfg(test)] mod tests`.
fn code_of(source: &str) -> &str {
    source
        .find("#[cfg(test)]\nmod tests")
        .map_or(source, |end| &source[..end])
}

/// The Rust files under `dir`, less test-only modules (declared
/// `#[cfg(test)] mod NAME;` by their parent).
fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    let parent = std::fs::read_to_string(dir.join("mod.rs")).unwrap_or_default();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
            continue;
        }
        let Some(stem) = path
            .file_stem()
            .filter(|_| path.extension().is_some_and(|e| e == "rs"))
        else {
            continue;
        };
        let test_only = format!("#[cfg(test)]\nmod {};", stem.to_str().unwrap());
        if !parent.contains(&test_only) {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path.display().to_string(), text));
        }
    }
}

#[test]
fn the_report_and_plot_layers_name_no_guard() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for layer in ["plot", "report"] {
        sources(&root.join(layer), &mut files);
    }
    assert!(files.len() > 20, "{} files", files.len());
    let names = registered();
    let mut found = Vec::new();
    for (path, text) in &files {
        for name in &names {
            if code_of(text).contains(&format!("\"{name}\"")) {
                found.push(format!("{path}: \"{name}\""));
            }
        }
    }
    assert!(
        found.is_empty(),
        "a guard's facts belong in its file under src/guard/ \
         (ZonelistGuard::LOOK for how it is drawn), not in:\n{}",
        found.join("\n")
    );
}

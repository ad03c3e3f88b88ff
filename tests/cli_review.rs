//! `zonebench review`: the README's example guard against seqlock, as a
//! reviewer runs it: one summary within 80 columns naming the machine, the
//! command, the table, the correctness lines and a verdict for each rule,
//! and a results file that keeps the verdicts (and the summary: the page
//! of `report --html` shows it again, the same text).

mod common;

use common::{run_ok, tmp};

#[test]
fn review_of_the_example_guard_is_an_email_ready_summary() {
    let out_path = tmp("review.json");
    let out = run_ok(&[
        "review",
        "--guard",
        "raw-seqcount",
        "--baseline",
        "seqlock",
        "--quick",
        "--out",
        out_path.to_str().unwrap(),
    ]);
    let summary = String::from_utf8(out.stdout).unwrap();
    assert!(
        summary.starts_with("zonebench review: raw-seqcount against seqlock\n"),
        "{summary}"
    );
    for line in summary.lines() {
        assert!(line.len() <= 80 && line.is_ascii(), "too wide: {line:?}");
    }
    for part in [
        "machine: ",
        "command: ",
        "scope=every-alloc",
        "scope=slowpath writer=hotplug",
        "irq=on",
        "rt=on",
        "Correctness",
        "Verdicts for raw-seqcount:",
    ] {
        assert!(summary.contains(part), "no '{part}' in:\n{summary}");
    }
    // The table shows the two guards only; `none` is the race's control,
    // named in R3's numbers.
    // (The header line of the table, not a wrapped command line that
    // happens to begin with the baseline's name.)
    let columns = summary
        .lines()
        .find(|l| l.trim_start().starts_with("seqlock") && !l.contains("--"))
        .unwrap();
    assert_eq!(
        columns.split_whitespace().collect::<Vec<_>>(),
        ["seqlock", "raw-seqcount"]
    );
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    let ids: Vec<&str> = file["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["R1", "R2", "R3", "R4"]);
    for f in file["claims"].as_array().unwrap() {
        let verdict = f["verdict"].as_str().unwrap();
        assert!(
            ["supported", "refuted", "not-settled"].contains(&verdict),
            "{f}"
        );
        assert!(summary.contains(&format!("{} \"", f["id"].as_str().unwrap())));
    }
    // The saved verdicts print again without measuring.
    let again = run_ok(&["claims", "--from", out_path.to_str().unwrap()]);
    assert!(String::from_utf8(again.stdout).unwrap().contains("R4"));
    // So does the whole summary, on the page of the file.
    let dir = tmp("review-html");
    run_ok(&[
        "report",
        out_path.to_str().unwrap(),
        "--html",
        dir.to_str().unwrap(),
    ]);
    let page = std::fs::read_to_string(dir.join("index.html")).unwrap();
    let shown = page
        .split("<section id=\"review\">")
        .nth(1)
        .and_then(|s| s.split("<pre>").nth(1))
        .and_then(|s| s.split("</pre>").next())
        .expect("a review section");
    let unescaped = shown
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    assert_eq!(
        unescaped,
        summary.trim_end(),
        "the page's summary is review's"
    );
}

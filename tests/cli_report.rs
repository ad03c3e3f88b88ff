//! `zonebench report` and `compare` on a small results file: the three
//! formats, a file compared with itself, and the plots.

mod common;

use common::{run_ok, small_results, tmp};

/// `report` in its three formats: text within 80 ASCII columns with its
/// significance footer, markdown tables, csv with a header row.
#[test]
fn report_formats() {
    let f = small_results();
    let f = f.to_str().unwrap();
    let text = String::from_utf8(run_ok(&["report", f]).stdout).unwrap();
    assert!(text.contains("Hmean allocs/s-2"), "{text}");
    let strict = String::from_utf8(
        run_ok(&["report", f, "--threshold", "10", "--correction", "holm"]).stdout,
    )
    .unwrap();
    assert!(
        strict.contains("threshold of 10%") && strict.contains("Holm-corrected"),
        "{strict}"
    );
    assert!(
        text.contains("Wilcoxon's signed-rank p < 0.05"),
        "no test named in the footer:\n{text}"
    );
    assert!(
        text.trim_end().ends_with("method: docs/methodology.md"),
        "the footer points at the method:\n{text}"
    );
    for line in text.lines() {
        assert!(
            line.len() <= 80 && line.is_ascii(),
            "too wide or not ASCII: {line}"
        );
    }
    let md = String::from_utf8(run_ok(&["report", f, "--format", "markdown"]).stdout).unwrap();
    assert!(
        md.lines()
            .any(|l| l.starts_with("|---") || l.starts_with("| ---") || l.starts_with("|:")),
        "{md}"
    );
    let csv = String::from_utf8(run_ok(&["report", f, "--format", "csv"]).stdout).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert!(header.contains(&"guard") && header.contains(&"metric") && header.contains(&"value"));
    let rows: Vec<&str> = lines.collect();
    assert!(rows.len() > 10);
    // LF line ends: `awk -F,` sees the last field without a `\r`.
    assert!(!csv.contains('\r'), "CR in the CSV");
    assert!(csv.ends_with('\n'));
    let last = |line: &str| line.rsplit(',').next().unwrap().to_string();
    assert_eq!(last(csv.lines().next().unwrap()), "paired_value");
    let seq = String::from_utf8(
        run_ok(&["report", f, "--baseline", "rcu", "--cells", "readers=2"]).stdout,
    )
    .unwrap();
    assert!(
        seq.contains("Hmean allocs/s-2") && !seq.contains("Hmean allocs/s-1"),
        "{seq}"
    );
}

/// A file compared with itself: every change 0.00%, nothing significant.
#[test]
fn compare_a_file_with_itself_changes_nothing() {
    let f = small_results();
    let f = f.to_str().unwrap();
    let text = String::from_utf8(run_ok(&["compare", f, f]).stdout).unwrap();
    let mut changes = 0;
    for line in text.lines() {
        let is_row = ["Hmean", "Amean"].iter().any(|p| line.starts_with(p));
        if !is_row {
            continue;
        }
        assert!(!line.contains('*'), "significant against itself: {line}");
        for part in line.split('(').skip(1) {
            let pct = part.split(')').next().unwrap().trim();
            assert!(pct == "0.00%" || pct == "-", "{line}");
            changes += 1;
        }
    }
    assert!(changes > 20, "{text}");
}

/// `compare --format markdown`: the same comparison as GitHub tables.
#[test]
fn compare_renders_markdown() {
    let f = small_results();
    let f = f.to_str().unwrap();
    let md = String::from_utf8(run_ok(&["compare", f, f, "--format", "markdown"]).stdout).unwrap();
    let text = String::from_utf8(run_ok(&["compare", f, f, "--format", "text"]).stdout).unwrap();
    assert_eq!(
        text,
        String::from_utf8(run_ok(&["compare", f, f]).stdout).unwrap(),
        "text is the default"
    );
    assert!(md.lines().any(|l| l.starts_with("| ")), "{md}");
    assert!(
        md.lines()
            .any(|l| l.starts_with("|--") || l.starts_with("| --") || l.starts_with("|:")),
        "{md}"
    );
    assert!(md.contains("Hmean") && md.contains("seqcount"), "{md}");
    assert_ne!(md, text);
}

/// `report --plots DIR` draws PNG and SVG.
#[test]
fn report_draws_plots() {
    let f = small_results();
    let dir = tmp("plots");
    run_ok(&[
        "report",
        f.to_str().unwrap(),
        "--plots",
        dir.to_str().unwrap(),
    ]);
    let (png, svg) = (files(&dir, ".png"), files(&dir, ".svg"));
    // Throughput, latency and writer stall; no retries figure, as no
    // walk failed at low pressure (every count 0), nor correctness.
    assert!(png.len() >= 3 && png.len() == svg.len(), "{png:?} {svg:?}");
}

/// Any finite value a file may hold draws: the largest doubles once made
/// an axis with no end, and drawing never finished.
#[test]
fn the_largest_finite_values_still_draw() {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(small_results()).unwrap()).unwrap();
    // One cell's values among ordinary ones: the axes must span both.
    let cell = &mut v["cells"][0];
    cell["allocs_per_sec"] = 1.7e308.into();
    cell["read_latency_ns"]["mean"] = 1.7e308.into();
    cell["read_latency_ns"]["p99"] = u64::MAX.into();
    // And a cell the retries figure shows (the most readers).
    let shown = v["cells"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["readers"] == 2)
        .unwrap();
    v["cells"][shown]["retries_per_million"] = 1.7e308.into();
    let f = tmp("huge.json");
    std::fs::write(&f, serde_json::to_string(&v).unwrap()).unwrap();
    let dir = tmp("huge-plots");
    run_ok(&[
        "report",
        f.to_str().unwrap(),
        "--plots",
        dir.to_str().unwrap(),
    ]);
    let png = files(&dir, ".png");
    assert!(png.len() >= 4, "{png:?}");
}

/// `--guards` keeps the listed guards' columns, in the listed order, the
/// baseline first (seqcount when listed, else the first).
#[test]
fn report_shows_only_the_guards_asked_for() {
    let f = small_results();
    let f = f.to_str().unwrap();
    let columns = |args: &[&str]| -> Vec<String> {
        let mut full = vec!["report", f];
        full.extend_from_slice(args);
        let text = String::from_utf8(run_ok(&full).stdout).unwrap();
        let header = text
            .lines()
            .skip_while(|l| !l.starts_with("scope="))
            .nth(1)
            .unwrap()
            .to_string();
        header.split_whitespace().map(String::from).collect()
    };
    assert_eq!(
        columns(&["--guards", "seqlock-excl,rcu"]),
        ["seqlock-excl", "rcu"]
    );
    assert_eq!(columns(&["--guards", "rcu,seqcount"]), ["seqcount", "rcu"]);
    assert_eq!(
        columns(&["--guards", "seqlock-excl,rcu", "--baseline", "rcu"]),
        ["rcu", "seqlock-excl"]
    );
}

/// `claims --from FILE` prints the saved verdicts again, measuring nothing;
/// a file without them is refused.
#[test]
fn saved_claims_print_again() {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(small_results()).unwrap()).unwrap();
    v["claims"] = serde_json::json!([
        {"id": "C9", "claim": "a saved claim", "numbers": ["3 of 4 measured"],
         "verdict": "not-settled", "reason": "too few rounds", "rule": "the rule"}
    ]);
    let f = tmp("with-claims.json");
    std::fs::write(&f, serde_json::to_string(&v).unwrap()).unwrap();
    let out = run_ok(&["claims", "--from", f.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("C9") && text.contains("a saved claim"),
        "{text}"
    );
    assert!(
        text.contains("3 of 4 measured") && text.contains("too few rounds"),
        "{text}"
    );
    let md = run_ok(&[
        "claims",
        "--from",
        f.to_str().unwrap(),
        "--format",
        "markdown",
    ]);
    assert!(String::from_utf8(md.stdout).unwrap().contains("**C9**"));
    let none = common::zonebench(&["claims", "--from", small_results().to_str().unwrap()]);
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("no saved claims"));
}

/// The names of the files in `dir` ending in `ext`, sorted.
fn files(dir: &std::path::Path, ext: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(ext))
        .collect();
    v.sort();
    v
}

/// `report --html DIR` draws the figures into DIR and writes
/// DIR/index.html: the header, the table `report` prints, and every PNG
/// once as an image beside a link to its SVG; run again, it replaces its
/// own page.
#[test]
fn report_writes_a_page_with_every_figure() {
    let f = small_results();
    let dir = tmp("html");
    let args = [
        "report",
        f.to_str().unwrap(),
        "--html",
        dir.to_str().unwrap(),
    ];
    let out = run_ok(&args);
    let table = String::from_utf8(out.stdout).unwrap();
    let page = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(page.contains("<meta name=\"generator\" content=\"zonebench "));
    assert!(page.contains("<header id=\"about\">") && page.contains("<dt>machine</dt>"));
    assert!(!page.contains("<script") && !page.contains("://"));
    let pngs = files(&dir, ".png");
    assert!(
        pngs.len() >= 3 && pngs.len() == files(&dir, ".svg").len(),
        "{pngs:?}"
    );
    assert_eq!(page.matches("<img ").count(), pngs.len());
    for png in &pngs {
        assert_eq!(
            page.matches(&format!("<img src=\"{png}\"")).count(),
            1,
            "{png}"
        );
        let svg = png.replace(".png", ".svg");
        assert!(page.contains(&format!("<a href=\"{svg}\">")), "{svg}");
    }
    // The text table, as `report` printed it (its lines hold no markup).
    for line in table.lines().filter(|l| l.starts_with("Hmean")) {
        assert!(page.contains(line), "{line}");
    }
    run_ok(&args);
}

/// A page for a file `zonebench review` wrote shows the review's summary.
#[test]
fn a_review_page_shows_the_summary() {
    let f = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/results/reference-2cpu-epyc-review.json"
    );
    let dir = tmp("html-review");
    run_ok(&[
        "report",
        f,
        "--guards",
        "seqlock,raw-seqcount",
        "--html",
        dir.to_str().unwrap(),
    ]);
    let page = std::fs::read_to_string(dir.join("index.html")).unwrap();
    for part in [
        "<pre>zonebench review: raw-seqcount against seqlock\n",
        "Verdicts for raw-seqcount:",
        "R4 &quot;an interrupt whose handler allocates",
    ] {
        assert!(page.contains(part), "no {part}");
    }
}

/// An index.html zonebench did not write is refused with exit 2 and left
/// as it was, nothing drawn; --force replaces it. --html and --plots do
/// not go together, nor --force without --html.
#[test]
fn a_foreign_index_is_refused_unless_forced() {
    let f = small_results();
    let f = f.to_str().unwrap();
    let dir = tmp("html-foreign");
    std::fs::create_dir_all(&dir).unwrap();
    let index = dir.join("index.html");
    let mine = b"<!DOCTYPE html>\n<title>my notes</title>\n<p>keep me</p>\n";
    std::fs::write(&index, mine).unwrap();
    let d = dir.to_str().unwrap();
    let out = common::zonebench(&["report", f, "--html", d]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.lines().count() == 1 && err.contains("not a page zonebench wrote"),
        "{err}"
    );
    assert_eq!(std::fs::read(&index).unwrap(), mine);
    assert!(files(&dir, ".png").is_empty(), "drew before refusing");
    run_ok(&["report", f, "--html", d, "--force"]);
    let page = std::fs::read_to_string(&index).unwrap();
    assert!(
        page.contains("<meta name=\"generator\" content=\"zonebench ") && !page.contains("keep me")
    );
    for bad in [
        vec!["report", f, "--html", d, "--plots", d],
        vec!["report", f, "--force"],
    ] {
        let out = common::zonebench(&bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).lines().count(),
            1,
            "{bad:?}"
        );
    }
}

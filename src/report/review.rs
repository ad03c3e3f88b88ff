//! The summary `zonebench review` prints: one plain-text block of at most
//! 80 columns to paste under a patch. The review table (the machine, the
//! command and the two guards' columns, as `report` prints it), then the
//! correctness lines, then the verdicts that apply to the guard reviewed.
//! Built from the results file alone, so `review` (live) and `report
//! --html` (later, from the saved file) show the same text.

use super::claims::render_text;
use super::text::WIDTH;
use super::wrap::wrap;
use super::{report, Format, ReportOpts};
use crate::experiments::review::Review;
use crate::experiments::Plan;
use crate::results::finding::Finding;
use crate::results::ResultsFile;

/// The summary of `review`, measured by `plan` into `file` (named
/// `source` in the table's header) and judged (`file.claims`).
pub(crate) fn review_summary(
    file: &ResultsFile,
    source: &str,
    review: &Review,
    plan: &Plan,
) -> String {
    let opts = ReportOpts {
        baseline: Some(review.baseline.clone()),
        guards: review.guards().map(String::from).into(),
        ..ReportOpts::default()
    };
    let table = report(file, source, &opts, Format::Text)
        .unwrap_or_else(|e| format!("(no review table: {e})"));
    render_review(
        &review.mine,
        &review.baseline,
        &table,
        &review.correctness(&file.cells, plan),
        &file.claims,
    )
}

/// The summary of a review of `mine` against `baseline`.
fn render_review(
    mine: &str,
    baseline: &str,
    table: &str,
    correctness: &[String],
    findings: &[Finding],
) -> String {
    let mut out = String::new();
    let rule = "=".repeat(WIDTH);
    for line in wrap(
        &format!("zonebench review: {mine} against {baseline}"),
        "",
        "    ",
        WIDTH,
    ) {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&rule);
    out.push('\n');
    out.push_str(table.trim_end());
    out.push_str(
        "\n\nCorrectness (every cell of the review, every round; pages lost, handed out\ntwice or from isolated memory must be 0 for any guard):\n",
    );
    for c in correctness {
        for line in wrap(c, "  ", "      ", WIDTH) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out.push_str(&format!("\nVerdicts for {mine}:\n"));
    out.push_str(&render_text(findings));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::finding::Verdict;

    #[test]
    fn the_summary_fits_80_columns_whatever_it_holds() {
        let long = "x".repeat(200);
        let f = Finding {
            id: "R1".into(),
            claim: format!("mine's read side {long}"),
            numbers: vec![format!("mine over seqlock: {long}")],
            verdict: Verdict::NotSettled(long.clone()),
            rule: long.clone(),
        };
        let s = render_review(
            "mine",
            "seqlock",
            "a table\nof lines",
            &[format!("mine: spurious OOMs 0 {long}")],
            &[f],
        );
        assert!(s.starts_with("zonebench review: mine against seqlock\n"));
        assert!(s.contains("Verdicts for mine:") && s.contains("R1"));
        for line in s.lines() {
            assert!(line.len() <= WIDTH && line.is_ascii(), "{line:?}");
        }
    }
}

//! The findings of `zonebench claims` (one per experiment of
//! `src/experiments/`, saved in the results file with the cells they were
//! judged from) as plain text or markdown.

use super::text::WIDTH;
use super::wrap::wrap;
use crate::experiments::{Finding, Verdict};

/// The findings as plain ASCII, at most 80 columns.
pub(crate) fn render_text(findings: &[Finding]) -> String {
    let mut lines = Vec::new();
    for f in findings {
        lines.extend(wrap(
            &format!("{}  \"{}\"", f.id, f.claim),
            "",
            "    ",
            WIDTH,
        ));
        for n in &f.numbers {
            lines.extend(wrap(n, "    ", "      ", WIDTH));
        }
        let verdict = match &f.verdict {
            Verdict::NotSettled(why) => format!("not settled: {why}"),
            v => v.label().to_string(),
        };
        lines.extend(wrap(
            &format!("verdict: {verdict}"),
            "    ",
            "      ",
            WIDTH,
        ));
        lines.extend(wrap(&format!("rule: {}", f.rule), "    ", "      ", WIDTH));
        lines.push(String::new());
    }
    lines
        .iter()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect()
}

/// The findings as GitHub markdown.
pub(crate) fn render_markdown(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!("**{}** \"{}\"\n\n", f.id, f.claim));
        for n in &f.numbers {
            out.push_str(&format!("- {n}\n"));
        }
        let verdict = match &f.verdict {
            Verdict::NotSettled(why) => format!("not settled: {why}"),
            v => v.label().to_string(),
        };
        out.push_str(&format!("- **verdict: {verdict}**; rule: {}\n\n", f.rule));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_ascii_within_80_columns() {
        let f = Finding {
            id: "C9".into(),
            claim: "a very long claim ".repeat(12),
            numbers: vec!["n ".repeat(70), "x".repeat(200)],
            verdict: Verdict::NotSettled("needs more cores — four at least".into()),
            rule: "rule ".repeat(30),
        };
        let text = render_text(&[f]);
        for l in text.lines() {
            assert!(l.len() <= 80 && l.is_ascii(), "{l}");
        }
        assert!(text.contains("not settled: needs more cores"));
    }
}

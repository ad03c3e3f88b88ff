//! The review tables as GitHub markdown: one table per section with every
//! guard (no width limit), the same cells as the text table (`value
//! (change%)`, `value *change%*` where significant, the asterisks escaped
//! so they show), each change followed by its 95% interval, `[lo, hi]`.

use super::document::{Document, Table};
use super::model::Report;
use super::number::{change_text, ci_text, fmt_value};
use super::Exporter;

/// [`Exporter`] for markdown.
#[derive(Debug, Clone, Copy)]
pub(super) struct MarkdownExporter;

impl Exporter for MarkdownExporter {
    fn export(&self, report: &Report) -> String {
        render(&report.document())
    }
}

/// Render a report or comparison as markdown.
pub(super) fn render(doc: &Document) -> String {
    let mut out = format!("## {}\n\n", escape(&doc.title));
    for (key, value) in &doc.header {
        out.push_str(&format!("- {}: {}\n", escape(key), escape(value)));
    }
    for table in &doc.tables {
        out.push('\n');
        render_table(table, &mut out);
    }
    for (title, items) in &doc.lists {
        out.push_str(&format!("\n#### {}\n\n", escape(title)));
        for item in items {
            out.push_str(&format!("- {}\n", escape(item)));
        }
    }
    for paragraph in &doc.footer {
        out.push('\n');
        out.push_str(&escape(paragraph));
        out.push('\n');
    }
    out
}

fn render_table(table: &Table, out: &mut String) {
    out.push_str(&format!("### {}\n\n|", escape(&table.title)));
    let mut shows_change = Vec::new();
    for g in &table.groups {
        for c in &g.columns {
            let head = if c.label.is_empty() {
                g.name.clone()
            } else {
                format!("{} {}", g.name, c.label)
            };
            out.push_str(&format!(" | {}", escape(&head)));
            shows_change.push(c.shows_change);
        }
    }
    out.push_str(" |\n|---|");
    out.push_str(&"---:|".repeat(shows_change.len()));
    out.push('\n');
    for row in &table.rows {
        out.push_str(&format!("| {} |", escape(&row.label)));
        for (cell, &change) in row.cells.iter().zip(&shows_change) {
            let mut text = cell
                .value
                .map(|v| fmt_value(v, row.integral))
                .unwrap_or_else(|| "-".into());
            if let (true, Some(c)) = (change, cell.change) {
                // The text table's marker without its padding.
                let marker = change_text(c).replace(' ', "");
                text.push(' ');
                text.push_str(&marker);
                if let Some(ci) = ci_text(c) {
                    text.push(' ');
                    text.push_str(&ci);
                }
            }
            out.push_str(&format!(" {} |", escape(&text)));
        }
        out.push('\n');
    }
    if !table.notes.is_empty() {
        out.push('\n');
        for note in &table.notes {
            out.push_str(&format!("> note: {}\n", escape(note)));
        }
    }
}

/// Escape what markdown would otherwise interpret (emphasis, code, links,
/// HTML, table cell separators).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{report, Format, ReportOpts};
    use crate::results::fixture::{all_guards, cell, file};

    #[test]
    fn one_table_per_section_with_every_guard() {
        let md = report(
            &all_guards(),
            "x.json",
            &ReportOpts::default(),
            Format::Markdown,
        )
        .unwrap();
        let header = md.lines().find(|l| l.starts_with("| |")).unwrap();
        assert_eq!(
            header.matches(" | ").count(),
            crate::guard::ALL.len(),
            "{header}"
        );
        assert!(header.starts_with("| | seqcount | none |"), "{header}");
        let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| ")).collect();
        let cols = header.matches('|').count();
        for r in &rows {
            assert_eq!(
                r.matches('|').count() - r.matches("\\|").count(),
                cols,
                "{r}"
            );
        }
        assert_eq!(md.matches("### scope=").count(), 1);
    }

    #[test]
    fn significant_marker_is_escaped() {
        let mut cells = Vec::new();
        for rep in 0..8 {
            cells.push(cell("seqcount", 1, rep, 1000.0 + rep as f64, 10));
            cells.push(cell("rcu", 1, rep, 2000.0 + 3.0 * rep as f64, 10));
        }
        let md = report(
            &file(cells),
            "x.json",
            &ReportOpts::default(),
            Format::Markdown,
        )
        .unwrap();
        let row = md.lines().find(|l| l.starts_with("| Hmean")).unwrap();
        assert_eq!(
            row,
            "| Hmean allocs/s-1 | 1003 (0.00%) | 2010 \\*100.3%\\* \\[+100.1, +100.6\\] |"
        );
    }
}

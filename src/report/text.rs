//! The review table: plain ASCII, no line over 80 columns, in the manner
//! of mmtests' compare-kernels.
//!
//! ```text
//! scope=slowpath writer=synthetic rebuild@1000Hz pressure=low
//!                                seqcount                rcu       seqlock-excl
//! Hmean allocs/s-1     10374193 (  0.00%)  8135316 *-21.58%* 11293155 (  8.86%)
//! Amean lat-p50-1         10.33 (  0.00%)    20.00 *-93.55%*    13.33 (-29.03%)
//! ```
//!
//! Each column is one guard, the baseline first: the value, then its change
//! against the baseline in parentheses (positive = better), or between
//! asterisks where the change is significant. `-` stands for a missing
//! value or a percentage that does not exist (zero baseline). Guards that
//! do not fit in 80 columns continue in further blocks below, each
//! starting with the baseline's column again. Label and value widths
//! follow the table's contents, so a table of small numbers packs more
//! guards into a block.

use super::document::{Document, Table, TableCell};
use super::model::Report;
use super::number::{change_text, fmt_value};
use super::wrap::{ascii, wrap};
use super::Exporter;

/// The widest line written.
pub(super) const WIDTH: usize = 80;

/// Width of the change after a value: ` (-12.34%)`.
const CHANGE_WIDTH: usize = 10;

/// [`Exporter`] for the review table.
#[derive(Debug, Clone, Copy)]
pub(super) struct TextExporter;

impl Exporter for TextExporter {
    fn export(&self, report: &Report) -> String {
        render(&report.document())
    }
}

/// Render a report or comparison as plain text.
pub(super) fn render(doc: &Document) -> String {
    let mut out: Vec<String> = Vec::new();
    out.extend(wrap(&doc.title, "", "", WIDTH));
    for (key, value) in &doc.header {
        out.extend(wrap(value, &format!("{key}: "), "    ", WIDTH));
    }
    for table in &doc.tables {
        out.push(String::new());
        render_table(table, &mut out);
    }
    for (title, items) in &doc.lists {
        out.push(String::new());
        out.extend(wrap(title, "", "", WIDTH));
        for item in items {
            out.extend(wrap(item, "  ", "      ", WIDTH));
        }
    }
    out.push(String::new());
    for paragraph in &doc.footer {
        out.extend(wrap(paragraph, "", "", WIDTH));
    }
    let mut text = out
        .iter()
        .map(|l| l.trim_end())
        .collect::<Vec<_>>()
        .join("\n");
    text.push('\n');
    text
}

/// Widths of one table's parts.
struct Layout {
    label: usize,
    value: usize,
    /// Per column, over the groups in order.
    columns: Vec<usize>,
    /// Per group: its columns' range and its total width.
    groups: Vec<(std::ops::Range<usize>, usize)>,
}

impl Layout {
    fn of(table: &Table) -> Layout {
        let label = table
            .rows
            .iter()
            .map(|r| ascii(&r.label).len())
            .max()
            .unwrap_or(0);
        let value = table
            .rows
            .iter()
            .flat_map(|r| r.cells.iter().map(|c| value_text(c, r.integral).len()))
            .max()
            .unwrap_or(1);
        let mut columns = Vec::new();
        let mut groups = Vec::new();
        for g in &table.groups {
            let start = columns.len();
            for c in &g.columns {
                let change = if c.shows_change { CHANGE_WIDTH } else { 0 };
                columns.push((value + change).max(ascii(&c.label).len()));
            }
            let range = start..columns.len();
            let mut width = columns[range.clone()].iter().sum::<usize>() + range.len() - 1;
            let name = ascii(&g.name).len();
            if name > width {
                columns[start] += name - width;
                width = name;
            }
            groups.push((range, width));
        }
        Layout {
            label,
            value,
            columns,
            groups,
        }
    }

    /// Split the groups into blocks that fit in [`WIDTH`]: the pinned
    /// groups lead every block, then as many of the others as fit (at
    /// least one).
    fn blocks(&self, pinned: usize) -> Vec<Vec<usize>> {
        let pinned = pinned.min(self.groups.len());
        let lead: Vec<usize> = (0..pinned).collect();
        let lead_width: usize = lead.iter().map(|&g| 1 + self.groups[g].1).sum();
        let mut blocks = Vec::new();
        let mut block = lead.clone();
        let mut used = self.label + lead_width;
        for g in pinned..self.groups.len() {
            let need = 1 + self.groups[g].1;
            if block.len() > pinned && used + need > WIDTH {
                blocks.push(std::mem::replace(&mut block, lead.clone()));
                used = self.label + lead_width;
            }
            block.push(g);
            used += need;
        }
        if block.len() > pinned || blocks.is_empty() {
            blocks.push(block);
        }
        blocks
    }
}

fn render_table(table: &Table, out: &mut Vec<String>) {
    out.extend(wrap(&table.title, "", "  ", WIDTH));
    let layout = Layout::of(table);
    let shows_change: Vec<bool> = table
        .groups
        .iter()
        .flat_map(|g| g.columns.iter().map(|c| c.shows_change))
        .collect();
    let labels: Vec<String> = table
        .groups
        .iter()
        .flat_map(|g| g.columns.iter().map(|c| ascii(&c.label)))
        .collect();
    for (i, block) in layout.blocks(table.pinned).iter().enumerate() {
        if i > 0 {
            out.push(String::new());
        }
        let columns: Vec<usize> = block
            .iter()
            .flat_map(|&g| layout.groups[g].0.clone())
            .collect();
        let mut line = " ".repeat(layout.label);
        for &g in block {
            let name = ascii(&table.groups[g].name);
            line.push_str(&format!(" {name:>w$}", w = layout.groups[g].1));
        }
        out.push(line);
        if columns.iter().any(|&c| !labels[c].is_empty()) {
            let mut line = " ".repeat(layout.label);
            for &c in &columns {
                line.push_str(&format!(" {:>w$}", labels[c], w = layout.columns[c]));
            }
            out.push(line);
        }
        for row in &table.rows {
            let mut line = format!("{:<w$}", ascii(&row.label), w = layout.label);
            for &c in &columns {
                let mut cell = format!(
                    "{:>w$}",
                    value_text(&row.cells[c], row.integral),
                    w = layout.value
                );
                if shows_change[c] {
                    match row.cells[c].change {
                        Some(change) => {
                            cell.push(' ');
                            cell.push_str(&change_text(change));
                        }
                        None => cell.push_str(&" ".repeat(CHANGE_WIDTH)),
                    }
                }
                line.push_str(&format!(" {cell:>w$}", w = layout.columns[c]));
            }
            out.push(line);
        }
    }
    for note in &table.notes {
        out.extend(wrap(note, "note: ", "      ", WIDTH));
    }
}

fn value_text(cell: &TableCell, integral: bool) -> String {
    cell.value
        .map(|v| fmt_value(v, integral))
        .unwrap_or_else(|| "-".into())
}

#[cfg(test)]
mod tests {
    use super::super::{report, Format, ReportOpts};
    use super::*;
    use crate::results::fixture::{all_guards, cell, file};

    fn text(f: &crate::results::ResultsFile) -> String {
        report(f, "results/x.json", &ReportOpts::default(), Format::Text).unwrap()
    }

    fn assert_fits(t: &str) {
        for line in t.lines() {
            assert!(line.len() <= WIDTH, "over {WIDTH} columns: {line:?}");
            assert!(line.is_ascii(), "not ASCII: {line:?}");
        }
    }

    #[test]
    fn every_guard_fits_in_80_ascii_columns_with_the_baseline_in_every_block() {
        let t = text(&all_guards());
        assert_fits(&t);
        let headers: Vec<&str> = t
            .lines()
            .filter(|l| l.trim_start().starts_with("seqcount"))
            .collect();
        assert!(headers.len() > 1, "{t}");
        // Every guard appears, the baseline first in every block.
        for g in crate::guard::ALL {
            assert!(t.contains(g.name), "{} missing:\n{t}", g.name);
        }
        for h in &headers {
            assert!(h.split_whitespace().next() == Some("seqcount"), "{h}");
        }
        assert!(t.contains("Hmean allocs/s-1"));
        assert!(t.contains("Amean writer-stall-2"));
        assert!(t.contains("Wilcoxon's signed-rank p < 0.05"));
        assert!(t.contains("Benjamini-Hochberg-corrected"));
        assert!(t.trim_end().ends_with(super::super::document::METHOD));
        assert!(t.contains("command: zonebench run --guards seqcount,rcu"));
        assert!(t.contains("machine: Test CPU @ 1.00GHz, 2 logical CPUs; kernel 6.6.0-test"));
    }

    #[test]
    fn significant_changes_are_starred_identical_ones_are_not() {
        let mut cells = Vec::new();
        for rep in 0..8 {
            let j = rep as f64;
            cells.push(cell("seqcount", 1, rep, 1000.0 + j, 10));
            cells.push(cell("rcu", 1, rep, 2000.0 + 3.0 * j, 10)); // clearly faster
            cells.push(cell("latch", 1, rep, 1000.0 + j, 10)); // identical
        }
        let t = text(&file(cells));
        assert_fits(&t);
        let row = t
            .lines()
            .find(|l| l.starts_with("Hmean allocs/s-1"))
            .unwrap();
        assert_eq!(
            row.split_whitespace().collect::<Vec<_>>(),
            [
                "Hmean",
                "allocs/s-1",
                "1003",
                "(",
                "0.00%)",
                "2010",
                "*",
                "100.3%*",
                "1003",
                "(",
                "0.00%)"
            ],
            "{t}"
        );
        // The same latency everywhere: nothing significant.
        let row = t
            .lines()
            .find(|l| l.starts_with("Amean lat-p50-1"))
            .unwrap();
        assert!(!row.contains('*'), "{row}");
    }

    #[test]
    fn one_repeat_is_never_significant_and_zero_baselines_print_a_dash() {
        let mut a = cell("seqcount", 1, 0, 1000.0, 10);
        a.stats.false_ooms = 0;
        let mut b = cell("none", 1, 0, 9000.0, 10);
        b.stats.false_ooms = 5;
        let t = text(&file(vec![a, b]));
        assert_fits(&t);
        assert!(!t.lines().any(|l| l.starts_with("Hmean") && l.contains('*')));
        let row = t
            .lines()
            .find(|l| l.starts_with("Amean false-ooms/M-1"))
            .unwrap();
        assert!(row.ends_with("2777.78 (      -)"), "{row}");
        assert!(!t.contains("inf") && !t.contains("NaN"), "{t}");
    }

    #[test]
    fn notes_for_oversubscribed_stalled_and_broken_cells() {
        let mut a = cell("seqcount", 4, 0, 1000.0, 10);
        a.oversubscribed = true;
        a.stalled = true;
        a.pages_lost = 12;
        let t = text(&file(vec![a]));
        assert_fits(&t);
        assert!(t.contains("note: oversubscribed at readers=4"), "{t}");
        assert!(t.contains("STALLED: seqcount readers=4 repeat 0"), "{t}");
        assert!(t.contains("INVARIANT BROKEN: seqcount readers=4 repeat 0: 12 pages lost"));
    }
}

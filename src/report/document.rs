//! A report or comparison laid out independently of the output format: a
//! [`Document`] of [`Table`]s, which `text.rs` (80 columns, ASCII) and
//! `markdown.rs` render. [`Report::document`] lays out one results file;
//! `compare.rs` lays out two side by side with the same header lines and
//! footer.

use super::metric::Change;
use super::model::Report;
use super::modes::mode_note;
use super::number::{fmt_pct, fmt_value};
use super::Marking;
use crate::metrics::paired::{mode_split, range_coverage, FEWEST_MARKABLE};
use crate::results::cell::InterleaveRecord;
use crate::results::Meta;
use crate::workload::arm::REFILL_ALLOCS;
use crate::workload::ceiling;

/// A report or comparison laid out, independent of the output format.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Document {
    pub title: String,
    /// `key: value` lines: machine, build, command, baseline.
    pub header: Vec<(String, String)>,
    pub tables: Vec<Table>,
    /// Titled lists after the tables (cells found in only one file).
    pub lists: Vec<(String, Vec<String>)>,
    /// Paragraphs explaining the numbers.
    pub footer: Vec<String>,
}

/// One section's table.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Table {
    pub title: String,
    /// Column groups (one per guard), each of one or more columns.
    pub groups: Vec<ColumnGroup>,
    /// How many leading groups the text renderer repeats in every block
    /// when the groups do not fit in 80 columns (1: the baseline).
    pub pinned: usize,
    pub rows: Vec<TableRow>,
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub(super) struct ColumnGroup {
    pub name: String,
    pub columns: Vec<Column>,
}

#[derive(Clone, Debug, PartialEq)]
pub(super) struct Column {
    /// Second header line (`base`, `new`); empty for none.
    pub label: String,
    /// The cells carry a change to show after the value.
    pub shows_change: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub(super) struct TableRow {
    pub label: String,
    /// Show values without decimals.
    pub integral: bool,
    /// One per column, over the groups in order.
    pub cells: Vec<TableCell>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct TableCell {
    pub value: Option<f64>,
    pub change: Option<Change>,
}

impl Report {
    /// The report laid out for [`super::text`] and [`super::markdown`].
    pub(super) fn document(&self) -> Document {
        let with_setup = self.mixed_setups();
        let tables = self
            .sections
            .iter()
            .map(|section| {
                // The baseline's column always; others where they have cells.
                let guards: Vec<&String> = self
                    .guards
                    .iter()
                    .filter(|g| **g == self.baseline || section.has_guard(g))
                    .collect();
                let columns = &guards;
                let rows: Vec<TableRow> = section
                    .metrics()
                    .flat_map(|metric| {
                        section.readers.iter().map(move |&readers| TableRow {
                            label: metric.label(readers),
                            integral: metric.integral(),
                            cells: columns
                                .iter()
                                .map(|g| {
                                    let summary =
                                        section.group(g, readers).and_then(|c| c.get(metric));
                                    TableCell {
                                        value: summary.map(|s| s.shown()),
                                        change: summary
                                            .and_then(|_| section.change(g, readers, metric)),
                                    }
                                })
                                .collect(),
                        })
                    })
                    .collect();
                let mut notes = section.notes(self.meta.logical_cpus);
                notes.extend(section.scaling_note(&guards, &self.ceiling));
                notes.extend(split_note(&rows));
                notes.extend(mde_note(&rows));
                notes.extend(mode_note(
                    section,
                    &self.baseline,
                    &guards,
                    mode_split(&self.probes),
                ));
                if !section.has_guard(&self.baseline) {
                    notes.insert(
                        0,
                        format!(
                            "the baseline {} has no cells here: no changes.",
                            self.baseline
                        ),
                    );
                }
                Table {
                    title: section.key.title(with_setup),
                    groups: guards
                        .iter()
                        .map(|g| ColumnGroup {
                            name: g.to_string(),
                            columns: vec![Column {
                                label: String::new(),
                                shows_change: true,
                            }],
                        })
                        .collect(),
                    pinned: 1,
                    rows,
                    notes,
                }
            })
            .collect();
        let mut header = machine_lines(&self.meta);
        header.push((
            "baseline".into(),
            format!(
                "{}; repeats per cell: {}",
                self.baseline,
                repeats_text(self.repeats)
            ),
        ));
        if !with_setup {
            if let Some(s) = self.sections.first() {
                header.push(("setup".into(), s.key.setup.clone()));
            }
        }
        header.extend(modes_line(&self.probes).map(|l| ("machine state".to_string(), l)));
        header.extend(method_line(&self.interleave).map(|l| ("method".to_string(), l)));
        if !self.ceiling.is_empty() {
            header.push((
                "machine ceiling".into(),
                format!(
                    "N threads of private round trips over one: {}",
                    ceiling::describe(&self.ceiling)
                ),
            ));
        }
        Document {
            title: format!("zonebench report of {}", self.source),
            header,
            tables,
            lists: Vec::new(),
            footer: footer(paired_legend(self.marking)),
        }
    }
}

pub(super) fn repeats_text((lo, hi): (usize, usize)) -> String {
    if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}-{hi}")
    }
}

/// What the cells' machine probes say (`None` without probes): their
/// range, and where they show two modes (`mode_split`), how many cells ran
/// in the slow one.
pub(super) fn modes_line(probes: &[f64]) -> Option<String> {
    let lo = probes.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = probes.iter().copied().fold(0.0, f64::max);
    if probes.is_empty() || lo.is_nan() || lo <= 0.0 {
        return None;
    }
    let range = format!(
        "cache-line round trip between the reader CPUs {lo:.0}-{hi:.0} ns before each cell"
    );
    let Some(middle) = mode_split(probes) else {
        return Some(format!("{range}: one mode"));
    };
    let slow = probes.iter().filter(|&&p| p > middle).count();
    Some(format!(
        "{range}: TWO MODES, {slow} of {} cells in the slow one; the absolute values mix them, and so may the changes of guards that share cache lines between readers (a table's note compares the modes)",
        probes.len()
    ))
}

/// How the guards shared their rounds (`None` when no cell was
/// interleaved): the phase, the blocks a round's ratio rests on, and what
/// a switch costs the first allocations of a phase.
pub(super) fn method_line(cells: &[InterleaveRecord]) -> Option<String> {
    let median = |mut v: Vec<f64>| -> Option<f64> {
        v.retain(|x| x.is_finite());
        v.sort_by(f64::total_cmp);
        (!v.is_empty()).then(|| v[v.len() / 2])
    };
    let phase = median(cells.iter().map(|c| c.phase_ms).collect())?;
    let blocks = median(cells.iter().map(|c| c.block_rates.len() as f64).collect())?;
    let refill = median(cells.iter().filter_map(|c| c.refill_slowdown_pct).collect());
    Some(format!(
        "every guard of a cell at once, switched every {phase} ms in shuffled blocks; a round's change is the median of its {blocks:.0} blocks' (median){}",
        refill.map_or(String::new(), |r| format!(
            "; a phase's first {REFILL_ALLOCS} allocations ran {r:+.0}% slower than the rest (median; counted in the rates)"
        ))
    ))
}

/// `(key, value)` lines naming the machine, kernel, build and command.
pub(super) fn machine_lines(meta: &Meta) -> Vec<(String, String)> {
    let mut lines = vec![
        (
            "machine".into(),
            format!(
                "{}, {} logical CPUs; kernel {}",
                meta.cpu_model, meta.logical_cpus, meta.kernel_release
            ),
        ),
        (
            "zonebench".into(),
            format!(
                "{} ({}), {}, started {}",
                meta.zonebench_version, meta.git_revision, meta.rustc_version, meta.start_time
            ),
        ),
        ("command".into(), meta.command.clone()),
    ];
    if meta.timer_resolution_ns > 0.0 {
        lines.push((
            "timer".into(),
            format!(
                "{} ns clock-read overhead subtracted; latencies quantised to {} ns",
                meta.timer_overhead_ns,
                fmt_value(meta.timer_resolution_ns, false)
            ),
        ));
    }
    if meta.reruns > 0 {
        lines.push((
            "reruns".into(),
            format!(
                "{} disturbed or stalled repeats measured again (the first tries are kept under `discarded`)",
                meta.reruns
            ),
        ));
    }
    if meta.partial {
        lines.push((
            "PARTIAL".into(),
            "the run was interrupted; some cells are missing".into(),
        ));
    }
    lines
}

/// Where the method behind every number of a report is written.
pub(super) const METHOD: &str = "method: docs/methodology.md";

/// The footer shared by reports and comparisons: one line of legend
/// (`legend`, from [`paired_legend`] or [`unpaired_legend`]) and where the
/// method is written.
pub(super) fn footer(legend: String) -> Vec<String> {
    vec![legend, METHOD.into()]
}

/// The legend of a report's marks: changes paired within rounds.
pub(super) fn paired_legend(marking: Marking) -> String {
    legend(
        "change against the baseline",
        "Wilcoxon's signed-rank",
        marking,
    )
}

/// The legend of a comparison's marks: two files measured apart.
pub(super) fn unpaired_legend(marking: Marking) -> String {
    legend("change of new against base", "Welch's", marking)
}

/// `(x.xx%)` is `change`; what a `*x.xx%*` mark needs: the threshold, the
/// interval, the `test`'s p, the correction.
fn legend(change: &str, test: &str, marking: Marking) -> String {
    format!(
        "(x.xx%): {change}, positive = better; *x.xx%*: beyond the threshold of {}%, 95% interval excluding 0 and {test} p < 0.05, {}.",
        marking.threshold_pct,
        marking.correction.describe()
    )
}

/// The table's note on what it could have found: the minimum detectable
/// effect of its unmarked tested changes, and how many of them rest on
/// too few rounds for the signed-rank test to mark anything, with how
/// often their intervals (the range of the rounds) hold the centre.
/// Changes with no detectable effect to quote (every round's ratio exactly
/// 1: `metrics/paired.rs`) are left out. `None` when nothing is left.
pub(super) fn mde_note(rows: &[TableRow]) -> Option<String> {
    let unmarked: Vec<Change> = rows
        .iter()
        .flat_map(|r| &r.cells)
        .filter_map(|c| c.change)
        .filter(|c| !c.significant && !c.p.is_nan())
        .filter(|c| c.mde.is_some_and(|m| !m.is_nan()))
        .collect();
    // Infinite: fewer than FEWEST_MARKABLE rounds whose ratio is not
    // exactly 1, all the test keeps (`metrics/paired.rs`).
    let (short, others): (Vec<&Change>, Vec<&Change>) = unmarked
        .iter()
        .partition(|c| c.mde.is_some_and(f64::is_infinite));
    let mut mdes: Vec<f64> = others.iter().filter_map(|c| c.mde).collect();
    mdes.sort_by(f64::total_cmp);
    let found = (!mdes.is_empty()).then(|| {
        format!(
            "a difference of {}% (median; {}% at worst) would have been found with 80% power; smaller ones could hide in them",
            fmt_mde(mdes[mdes.len() / 2]),
            fmt_mde(mdes[mdes.len() - 1])
        )
    });
    let few = (!short.is_empty()).then(|| {
        let verb = if short.len() == 1 { "rests" } else { "rest" };
        // Those with fewer rounds in all have the range for an interval.
        let ranged: Vec<usize> = short
            .iter()
            .map(|c| c.n)
            .filter(|&n| n < FEWEST_MARKABLE)
            .collect();
        let coverage = |n: usize| format!("{:.1}% with {n} rounds", 100.0 * range_coverage(n));
        let held = match (ranged.iter().min(), ranged.iter().max()) {
            (Some(&lo), Some(&hi)) => format!(
                "; where they have fewer rounds in all, their intervals run from the lowest round's ratio to the highest, which holds the centre less often than 95% ({})",
                match lo == hi {
                    true => coverage(lo),
                    false => format!("{} to {}", coverage(lo), coverage(hi)),
                }
            ),
            _ => String::new(),
        };
        format!(
            "{verb} on fewer than {FEWEST_MARKABLE} rounds whose ratio is not exactly 1 (the signed-rank test drops those), too few to mark any change however large{held}"
        )
    });
    match (found, few) {
        (None, None) => None,
        (Some(f), None) => Some(format!("unmarked changes: {f}.")),
        (None, Some(s)) if short.len() == 1 => Some(format!("the unmarked change {s}.")),
        (None, Some(s)) => Some(format!("unmarked changes: all {} {s}.", short.len())),
        (Some(f), Some(s)) => Some(format!(
            "unmarked changes: {} {s}; of the others, {f}.",
            short.len()
        )),
    }
}

/// The table's note on rounds its paired changes left out (`None` for
/// none): their two cells ran in different modes of the machine.
pub(super) fn split_note(rows: &[TableRow]) -> Option<String> {
    let split: usize = rows
        .iter()
        .flat_map(|r| &r.cells)
        .filter_map(|c| c.change)
        .map(|c| c.split)
        .sum();
    (split > 0).then(|| {
        format!(
            "{split} rounds or repeats left out of the changes: the cells to be weighed against each other ran in different modes of the machine (the probes around them differ)."
        )
    })
}

/// A minimum detectable effect, percent: `inf` past any use.
fn fmt_mde(x: f64) -> String {
    if x.is_finite() && x < 1e5 {
        fmt_pct(x)
    } else {
        "inf".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mde_note_says_when_too_few_rounds_can_mark_nothing() {
        let change = |n: usize, mde: f64| Change {
            pct: Some(-50.0),
            ci: Some((-60.0, -40.0)),
            mde: Some(mde),
            n,
            split: 0,
            p: 0.125,
            p_adjusted: 0.125,
            significant: false,
        };
        let row = |changes: &[Change]| TableRow {
            label: "Hmean allocs/s-16".into(),
            integral: false,
            cells: changes
                .iter()
                .map(|c| TableCell {
                    value: Some(1.0),
                    change: Some(*c),
                })
                .collect(),
        };
        let short = mde_note(&[row(&[change(4, f64::INFINITY), change(3, f64::INFINITY)])]);
        let short = short.unwrap();
        assert!(
            short.contains("all 2 rest on fewer than 6 rounds"),
            "{short}"
        );
        assert!(!short.contains("80% power"), "{short}");
        let mixed = mde_note(&[row(&[change(4, f64::INFINITY), change(8, 3.0)])]).unwrap();
        assert!(mixed.contains("1 rests on fewer than 6 rounds"), "{mixed}");
        assert!(mixed.contains("a difference of 3.00%"), "{mixed}");
        let enough = mde_note(&[row(&[change(8, 3.0)])]).unwrap();
        assert!(!enough.contains("fewer than"), "{enough}");
    }

    #[test]
    fn the_probes_say_whether_cells_ran_in_two_modes() {
        assert_eq!(modes_line(&[]), None);
        let one = modes_line(&[55.0, 60.0, 70.0]).unwrap();
        assert!(
            one.ends_with("55-70 ns before each cell: one mode"),
            "{one}"
        );
        let two = modes_line(&[55.0, 320.0, 60.0, 300.0, 58.0]).unwrap();
        assert!(
            two.contains("TWO MODES, 2 of 5 cells in the slow one"),
            "{two}"
        );
    }
}

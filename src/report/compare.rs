//! Two results files side by side ("before and after this patch", "machine
//! A against machine B"): per guard, BASE's value, NEW's value, and NEW's
//! change against BASE with its significance, for every cell group the two
//! files share.
//!
//! What can be compared:
//!
//! * Both files must have the same `schema`; otherwise the comparison is
//!   refused.
//! * Cell groups are matched on everything that defines them: scope,
//!   writer, writer rate, pressure, setup (nodes, zone sizes, reclaim and
//!   writer hold times, RT semantics, pinning, interrupts: see `model.rs`),
//!   reader count and guard. Cells configured differently measure different things, so
//!   they are not set against each other; the machine, kernel, build,
//!   duration, warm-up and repeats may differ (that is the point of a
//!   comparison), and the header names both.
//! * Cell groups found in only one file are listed after the tables, never
//!   dropped silently. When the files share no cell group at all the
//!   comparison is refused, naming what each holds.
//!
//! `--baseline` only orders the columns here (its guard first): every
//! change is NEW against BASE for the same guard.

use super::apart;
use super::document::{
    footer, machine_lines, mde_note, modes_line, repeats_text, split_note, unpaired_legend, Column,
    ColumnGroup, Document, Table, TableCell, TableRow,
};
use super::metric::{mark, Change};
use super::model::{Report, Section};
use super::Marking;
use super::{text, DocFormat, ReportError, ReportOpts};
use crate::metrics::paired::one_mode;
use crate::metrics::stats::median;
use crate::results::ResultsFile;
use std::path::Path;

/// Load two results files and compare them as a text table, naming them
/// by their paths.
pub(crate) fn compare_files(
    base: &Path,
    new: &Path,
    opts: &ReportOpts,
    format: DocFormat,
) -> Result<String, ReportError> {
    let b = crate::results::io::load(base).map_err(ReportError::Load)?;
    let n = crate::results::io::load(new).map_err(ReportError::Load)?;
    let doc = compare_document(
        &b,
        &base.display().to_string(),
        &n,
        &new.display().to_string(),
        opts,
    )?;
    Ok(match format {
        DocFormat::Text => text::render(&doc),
        DocFormat::Markdown => super::markdown::render(&doc),
    })
}

/// The comparison laid out, for [`text::render`] or
/// [`super::markdown::render`].
pub(super) fn compare_document(
    base: &ResultsFile,
    base_name: &str,
    new: &ResultsFile,
    new_name: &str,
    opts: &ReportOpts,
) -> Result<Document, ReportError> {
    if base.schema != new.schema {
        return Err(ReportError::Incompatible(format!(
            "cannot compare {base_name} (schema {}) with {new_name} (schema {}): different results formats",
            base.schema, new.schema
        )));
    }
    // The baseline orders columns only, and need be in one file only.
    let any = ReportOpts {
        baseline: None,
        ..opts.clone()
    };
    let b = Report::build(base, base_name, &any)?;
    let n = Report::build(new, new_name, &any)?;
    let mut guards: Vec<String> = b.guards.clone();
    for g in &n.guards {
        if !guards.contains(g) {
            guards.push(g.clone());
        }
    }
    let first = match &opts.baseline {
        Some(g) if guards.contains(g) => g.clone(),
        Some(g) => {
            return Err(ReportError::UnknownBaseline {
                guard: g.clone(),
                source: format!("{base_name} or {new_name}"),
                guards,
                filter: opts.filter.describe(),
            })
        }
        None => b.baseline.clone(),
    };
    let pos = guards.iter().position(|g| *g == first).unwrap_or(0);
    let g = guards.remove(pos);
    guards.insert(0, g);

    let with_setup = b.mixed_setups()
        || n.mixed_setups()
        || b.sections
            .iter()
            .chain(&n.sections)
            .any(|s| s.key.setup != b.sections[0].key.setup);
    let mut tables = Vec::new();
    let mut shared = 0;
    for bs in &b.sections {
        let Some(ns) = n.sections.iter().find(|s| s.key == bs.key) else {
            continue;
        };
        let in_both: Vec<&String> = guards
            .iter()
            .filter(|g| {
                bs.readers
                    .iter()
                    .any(|&r| bs.group(g, r).is_some() && ns.group(g, r).is_some())
            })
            .collect();
        if in_both.is_empty() {
            continue;
        }
        let mut readers: Vec<usize> = bs.readers.iter().chain(&ns.readers).copied().collect();
        readers.sort_unstable();
        readers.dedup();
        readers.retain(|&r| {
            in_both
                .iter()
                .any(|g| bs.group(g, r).is_some() && ns.group(g, r).is_some())
        });
        shared += 1;
        tables.push(side_by_side(
            bs,
            ns,
            &in_both,
            &readers,
            with_setup,
            &b,
            &n,
            opts.marking,
        ));
    }
    if shared == 0 {
        let titles = |r: &Report| {
            r.sections
                .iter()
                .map(|s| {
                    let readers: Vec<String> = s.readers.iter().map(|r| r.to_string()).collect();
                    format!("{} readers={}", s.key.title(true), readers.join(","))
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        return Err(ReportError::Incompatible(format!(
            "{base_name} and {new_name} have no cell group in common ({base_name}: {}; {new_name}: {})",
            titles(&b),
            titles(&n)
        )));
    }

    let mut lists = Vec::new();
    for (this, other, name) in [(&b, &n, base_name), (&n, &b, new_name)] {
        let only = only_in(this, other, &guards, with_setup);
        if !only.is_empty() {
            lists.push((format!("Only in {name} (not compared):"), only));
        }
    }
    let mut differences = measured_differently(base, new);
    differences.extend(speed_apart(&b, &n, &first));
    differences.extend(placement_apart(&b.probes, &n.probes));
    if !differences.is_empty() {
        lists.push((
            "Warning: the two files were not measured alike; a change may come from this, not from the patch:".into(),
            differences.clone(),
        ));
    }
    let mut header = Vec::new();
    if !differences.is_empty() {
        let what: Vec<&str> = differences
            .iter()
            .filter_map(|d| d.split(':').next())
            .collect();
        header.push(("measured differently".into(), what.join(", ")));
    }
    for (who, r) in [("base", &b), ("new", &n)] {
        header.push((who.to_string(), r.source.clone()));
        for (k, v) in machine_lines(&r.meta) {
            header.push((format!("{who} {k}"), v));
        }
        if let Some(modes) = modes_line(&r.probes) {
            header.push((format!("{who} machine state"), modes));
        }
    }
    header.push((
        "repeats per cell".into(),
        format!(
            "base {}, new {}",
            repeats_text(b.repeats),
            repeats_text(n.repeats)
        ),
    ));
    if !with_setup {
        header.push(("setup".into(), b.sections[0].key.setup.clone()));
    }
    Ok(Document {
        title: format!("zonebench comparison of {new_name} (new) against {base_name} (base)"),
        header,
        tables,
        lists,
        footer: footer(unpaired_legend(opts.marking)),
    })
}

/// How the two runs' measurement differed, one line each: `what: base
/// vs new`, for duration and warm-up, rounds, the timer, the host kernel
/// and the machine. (The build differs by design: that is the patch.)
fn measured_differently(base: &ResultsFile, new: &ResultsFile) -> Vec<String> {
    let (b, n) = (&base.meta, &new.meta);
    let mut out = Vec::new();
    let mut differ = |what: &str, x: String, y: String| {
        if x != y {
            out.push(format!("{what}: {x} (base) vs {y} (new)"));
        }
    };
    differ(
        "duration",
        format!("{} s a cell", base.config.duration_s),
        format!("{} s a cell", new.config.duration_s),
    );
    differ(
        "warm-up",
        format!("{} s", base.config.warmup_s),
        format!("{} s", new.config.warmup_s),
    );
    let rounds = |f: &ResultsFile| match (f.config.ci_target_pct, f.config.max_repeats) {
        (Some(t), Some(m)) => format!("{}-{m} rounds to +-{t}%", f.config.repeats),
        _ => format!("{} rounds", f.config.repeats),
    };
    differ("repeats", rounds(base), rounds(new));
    // The clock and its step, not its calibration (which every run redoes).
    let timer = |m: &crate::results::Meta| {
        let clock = m.timer.split_whitespace().next().unwrap_or("");
        format!("{clock} ({:.1} ns step)", m.timer_resolution_ns)
    };
    differ("timer", timer(b), timer(n));
    differ("kernel", b.kernel_release.clone(), n.kernel_release.clone());
    differ(
        "machine",
        format!("{}, {} logical CPUs", b.cpu_model, b.logical_cpus),
        format!("{}, {} logical CPUs", n.cpu_model, n.logical_cpus),
    );
    out
}

/// How far apart the two files' speeds may be before the comparison says
/// so, as a fraction.
const SPEED_APART: f64 = 0.10;

/// The line saying the machine ran at another speed in one file: `guard`'s
/// rate in `new` over `base`, median over the cell groups both hold, when
/// it is more than [`SPEED_APART`] from 1. Guards' ratios are not immune
/// to it: one whose read side costs a fixed few nanoseconds is a larger
/// share of a faster allocation (on the development machine, rcu's share
/// at one reader went from -4.1% to -7.1% when the host ran a third
/// faster: docs/reference-machine-2026-12.md).
fn speed_apart(b: &Report, n: &Report, guard: &str) -> Option<String> {
    let mut ratios = Vec::new();
    for bs in &b.sections {
        let Some(ns) = n.sections.iter().find(|s| s.key == bs.key) else {
            continue;
        };
        for &r in &bs.readers {
            let rate = |s: &Section| s.rate(guard, r).filter(|v| *v > 0.0 && v.is_finite());
            if let (Some(x), Some(y)) = (rate(bs), rate(ns)) {
                ratios.push(y / x);
            }
        }
    }
    if ratios.is_empty() {
        return None;
    }
    let m = median(&ratios);
    ((m - 1.0).abs() > SPEED_APART).then(|| {
        format!(
            "speed: {guard} ran at {m:.2}x its base rate in new (median of {} cell groups); a guard that costs a fixed few ns is a larger share of a faster allocation, so every change here carries the machine's speed as well as the patch",
            ratios.len()
        )
    })
}

/// The line saying the reader CPUs sat apart differently in the two files:
/// the median machine probe (a cache-line round trip between the first
/// two reader CPUs, `workload/pingpong.rs`) of one more than
/// [`MODE_SPREAD`](crate::metrics::paired::MODE_SPREAD) times the
/// other's (`one_mode`). A guard whose readers write a shared
/// line pays that round trip per section: on the development machine
/// `rwlock` cost 107-110 ns per allocation at two readers with probes of
/// about 400 ns and 39-72 ns with probes of about 47
/// (docs/reference-machine-2026-12.md).
fn placement_apart(base: &[f64], new: &[f64]) -> Option<String> {
    let probe = |v: &[f64]| -> Option<f64> {
        let v: Vec<f64> = v.iter().copied().filter(|x| *x > 0.0).collect();
        (!v.is_empty()).then(|| median(&v))
    };
    let (b, n) = (probe(base)?, probe(new)?);
    (!one_mode(b, n)).then(|| {
        format!(
            "placement: a cache-line round trip between the reader CPUs took {b:.0} ns (base) vs {n:.0} ns (new), median of the probes; a guard whose readers share a written line pays it on every section, so its changes at several readers carry the placement as well as the patch"
        )
    })
}

/// One shared section: per guard a `base` and a `new` column.
#[allow(clippy::too_many_arguments)]
fn side_by_side(
    bs: &Section,
    ns: &Section,
    guards: &[&String],
    readers: &[usize],
    with_setup: bool,
    b: &Report,
    n: &Report,
    marking: Marking,
) -> Table {
    let mut rows: Vec<TableRow> = bs
        .metrics()
        .flat_map(|metric| {
            readers.iter().map(move |&r| TableRow {
                label: metric.label(r),
                integral: metric.integral(),
                cells: guards
                    .iter()
                    .flat_map(|g| {
                        let old = bs.group(g, r).and_then(|c| c.get(metric));
                        let now = ns.group(g, r).and_then(|c| c.get(metric));
                        let (base_ref, new_ref) = (
                            bs.group(guards[0], r).and_then(|c| c.get(metric)),
                            ns.group(guards[0], r).and_then(|c| c.get(metric)),
                        );
                        let change = match (old, now, base_ref, new_ref) {
                            (Some(o), Some(w), Some(or), Some(wr)) if *g != guards[0] => {
                                Some(apart::relative(metric, (o, or), (w, wr)))
                            }
                            (Some(o), Some(w), ..) => Some(apart::absolute(metric, o, w)),
                            _ => None,
                        };
                        [
                            TableCell {
                                value: old.map(|s| s.shown()),
                                change: None,
                            },
                            TableCell {
                                value: now.map(|s| s.shown()),
                                change,
                            },
                        ]
                    })
                    .collect(),
            })
        })
        .collect();
    let mut family: Vec<&mut Change> = rows
        .iter_mut()
        .flat_map(|r| r.cells.iter_mut().filter_map(|c| c.change.as_mut()))
        .collect();
    mark(&mut family, marking);
    let mut notes: Vec<String> = bs
        .notes(b.meta.logical_cpus)
        .into_iter()
        .map(|s| format!("base: {s}"))
        .collect();
    notes.extend(
        ns.notes(n.meta.logical_cpus)
            .into_iter()
            .map(|s| format!("new: {s}")),
    );
    notes.extend(split_note(&rows));
    notes.extend(mde_note(&rows));
    Table {
        title: bs.key.title(with_setup),
        groups: guards
            .iter()
            .map(|g| ColumnGroup {
                name: g.to_string(),
                columns: vec![
                    Column {
                        label: "base".into(),
                        shows_change: false,
                    },
                    Column {
                        label: "new".into(),
                        shows_change: true,
                    },
                ],
            })
            .collect(),
        pinned: 0,
        rows,
        notes,
    }
}

/// `this`'s cell groups that `other` lacks: per section and guard, the
/// reader counts.
fn only_in(this: &Report, other: &Report, guards: &[String], with_setup: bool) -> Vec<String> {
    let mut out = Vec::new();
    for s in &this.sections {
        let twin = other.sections.iter().find(|o| o.key == s.key);
        for g in guards {
            let missing: Vec<String> = s
                .readers
                .iter()
                .filter(|&&r| {
                    s.group(g, r).is_some() && twin.is_none_or(|t| t.group(g, r).is_none())
                })
                .map(|r| r.to_string())
                .collect();
            if !missing.is_empty() {
                out.push(format!(
                    "{} guard={g} readers={}",
                    s.key.title(with_setup),
                    missing.join(",")
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::CellFilter;
    use super::*;
    use crate::results::fixture::{all_guards, cell, file};
    use crate::workload::spec::Pressure;

    /// Compare `new` against `base` as a text table (80 columns); the files
    /// are called BASE and NEW.
    fn compare(
        base: &ResultsFile,
        new: &ResultsFile,
        opts: &ReportOpts,
    ) -> Result<String, ReportError> {
        Ok(text::render(&compare_document(
            base, "BASE", new, "NEW", opts,
        )?))
    }

    fn assert_fits(t: &str) {
        for line in t.lines() {
            assert!(line.len() <= text::WIDTH && line.is_ascii(), "{line:?}");
        }
    }

    /// The change part of every value row.
    fn changes(t: &str) -> Vec<&str> {
        t.lines()
            .filter(|l| ["Hmean", "Amean"].iter().any(|a| l.starts_with(a)))
            .flat_map(|l| l.split(['(', ')']).skip(1).step_by(2))
            .collect()
    }

    #[test]
    fn files_measured_differently_say_so_above_and_below() {
        let f = all_guards();
        let same = compare(&f, &f, &ReportOpts::default()).unwrap();
        assert!(!same.contains("measured differently") && !same.contains("Warning"));
        let mut g = f.clone();
        g.config.duration_s = f.config.duration_s * 2.0;
        g.meta.kernel_release = "6.6.0-other".into();
        g.meta.logical_cpus = f.meta.logical_cpus + 14;
        // A new calibration of the same clock is not a difference.
        g.meta.timer = format!("{} recalibrated", f.meta.timer);
        let t = compare(&f, &g, &ReportOpts::default()).unwrap();
        assert!(
            t.contains("measured differently: duration, kernel, machine"),
            "{t}"
        );
        let warning = t
            .split("Warning:")
            .nth(1)
            .expect("a warning under the tables");
        assert!(warning.contains("6.6.0-other (new)"), "{warning}");
        assert!(!warning.contains("timer"), "{warning}");
        assert_fits(&t);
    }

    #[test]
    fn a_machine_that_ran_at_another_speed_is_named() {
        let f = all_guards();
        let scaled = |k: f64| {
            let mut g = f.clone();
            for c in &mut g.cells {
                c.allocs_per_sec *= k;
            }
            g
        };
        let t = compare(&f, &scaled(1.4), &ReportOpts::default()).unwrap();
        assert!(t.contains("measured differently: speed"), "{t}");
        let warning = t.split("Warning:").nth(1).expect("a warning");
        assert!(warning.contains("1.40x its base rate"), "{warning}");
        assert_fits(&t);
        let slower = compare(&f, &scaled(0.8), &ReportOpts::default()).unwrap();
        assert!(slower.contains("0.80x its base rate"), "{slower}");
        // Within a tenth: the same speed, nothing said.
        let near = compare(&f, &scaled(1.05), &ReportOpts::default()).unwrap();
        assert!(!near.contains("speed"), "{near}");
    }

    #[test]
    fn each_file_says_which_machine_modes_its_cells_ran_in() {
        let f = all_guards();
        let mut slow = f.clone();
        for c in &mut slow.cells {
            c.probe_rtt_ns = Some(450.0);
            c.probe_end_ns = Some(440.0);
        }
        slow.cells[0].probe_rtt_ns = Some(75.0);
        let t = compare(&f, &slow, &ReportOpts::default()).unwrap();
        assert!(!t.contains("base machine state"), "no probes in base");
        assert!(
            t.contains("new machine state") && t.contains("TWO MODES"),
            "{t}"
        );
    }

    #[test]
    fn reader_cpus_placed_apart_differently_are_named() {
        let probed = |ns: f64| {
            let mut g = all_guards();
            for c in &mut g.cells {
                c.probe_rtt_ns = Some(ns);
                c.probe_end_ns = Some(ns);
            }
            g
        };
        let t = compare(&probed(47.0), &probed(400.0), &ReportOpts::default()).unwrap();
        assert!(t.contains("measured differently: placement"), "{t}");
        assert!(
            t.contains("took 47 ns (base)") && t.contains("400 ns (new)"),
            "{t}"
        );
        assert_fits(&t);
        let same = compare(&probed(47.0), &probed(120.0), &ReportOpts::default()).unwrap();
        assert!(!same.contains("placement"), "{same}");
    }

    #[test]
    fn a_file_against_itself_changes_nothing() {
        let f = all_guards();
        let t = compare(&f, &f, &ReportOpts::default()).unwrap();
        assert_fits(&t);
        let c = changes(&t);
        // Every guard x 8 metrics (no false-kills without hotplug) x 2
        // reader counts.
        assert_eq!(c.len(), crate::guard::ALL.len() * 8 * 2, "{t}");
        assert!(c.iter().all(|c| c.trim() == "0.00%"), "{t}");
        let rows: Vec<&str> = t.lines().filter(|l| l.starts_with("Hmean")).collect();
        assert!(rows.iter().all(|r| !r.contains('*')), "{t}");
        assert!(!t.contains("Only in"));
        assert!(t.contains("base command: zonebench run"));
    }

    #[test]
    fn changes_of_new_against_base_with_significance() {
        let mk = |scale: f64| {
            let mut cells = Vec::new();
            for rep in 0..3 {
                let j = rep as f64;
                cells.push(cell("seqcount", 1, rep, 1000.0 + j, 10));
                cells.push(cell("rcu", 1, rep, scale * (1000.0 + j), 10));
            }
            file(cells)
        };
        let t = compare(&mk(1.0), &mk(2.0), &ReportOpts::default()).unwrap();
        assert_fits(&t);
        let row = t.lines().find(|l| l.starts_with("Hmean")).unwrap();
        assert_eq!(
            row.split_whitespace().collect::<Vec<_>>(),
            [
                "Hmean",
                "allocs/s-1",
                "1001",
                "1001",
                "(",
                "0.00%)",
                "1001",
                "2002",
                "*",
                "100.0%*"
            ],
            "{t}"
        );
        let head = t
            .lines()
            .find(|l| l.trim_start().starts_with("seqcount"))
            .unwrap();
        assert!(head.trim_end().ends_with("rcu"), "{head}");
    }

    #[test]
    fn unmatched_cells_are_listed_and_nothing_shared_is_refused() {
        let base = file(vec![
            cell("seqcount", 1, 0, 1.0, 1),
            cell("rcu", 2, 0, 1.0, 1),
        ]);
        let new = file(vec![
            cell("seqcount", 1, 0, 1.0, 1),
            cell("latch", 1, 0, 1.0, 1),
        ]);
        let t = compare(&base, &new, &ReportOpts::default()).unwrap();
        assert_fits(&t);
        // Unwrapped: a cell's description may be folded at 80 columns.
        let flat = t.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(t.contains("Only in BASE (not compared):"), "{t}");
        assert!(flat.contains("guard=rcu readers=2"), "{t}");
        assert!(t.contains("Only in NEW (not compared):"), "{t}");
        assert!(flat.contains("guard=latch readers=1"), "{t}");

        let mut high = cell("seqcount", 1, 0, 1.0, 1);
        high.spec.pressure = Pressure::High;
        let e = compare(&base, &file(vec![high]), &ReportOpts::default()).unwrap_err();
        let e = e.to_string();
        assert!(
            e.starts_with("BASE and NEW have no cell group in common (BASE: scope=slowpath"),
            "{e}"
        );
        assert!(
            e.contains("NEW: scope=slowpath writer=synthetic rebuild@1000Hz pressure=high"),
            "{e}"
        );
        assert!(!e.contains('\n'));

        let mut other = file(vec![cell("seqcount", 1, 0, 1.0, 1)]);
        other.schema = "zonebench/2".into();
        let e = compare(&base, &other, &ReportOpts::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot compare BASE (schema zonebench/1) with NEW (schema zonebench/2): different results formats"
        );
    }

    #[test]
    fn baseline_orders_columns_and_must_exist_somewhere() {
        let f = all_guards();
        let opts = ReportOpts {
            baseline: Some("latch".into()),
            filter: CellFilter::parse("readers=1").unwrap(),
            ..ReportOpts::default()
        };
        let t = compare(&f, &f, &opts).unwrap();
        let head = t.lines().find(|l| l.contains("latch")).unwrap();
        assert!(head.trim_start().starts_with("latch"), "{head}");
        assert!(!t.contains("-2 "), "readers=2 filtered out:\n{t}");
        let opts = ReportOpts {
            baseline: Some("foo".into()),
            ..ReportOpts::default()
        };
        let e = compare(&f, &f, &opts).unwrap_err().to_string();
        assert!(
            e.starts_with("baseline guard 'foo' is not in BASE or NEW (guards: seqcount, none,"),
            "{e}"
        );
    }

    #[test]
    fn markdown_renders_a_comparison() {
        let f = all_guards();
        let doc = compare_document(&f, "a.json", &f, "b.json", &ReportOpts::default()).unwrap();
        let md = super::super::markdown::render(&doc);
        assert!(
            md.contains("| | seqcount base | seqcount new | none base |"),
            "{md}"
        );
    }
}

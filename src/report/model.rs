//! The table model built from a results file.
//!
//! [`Report::build`] groups a file's cells into *cell groups*
//! ([`CellGroup`]): one guard's repeats of one (scope, writer, writer rate,
//! pressure, setup, readers). Groups are keyed by each cell's own
//! [`CellSpec`], never by the file's `config`. Cell groups with the same
//! [`SectionKey`] (scope, writer, rate, pressure, setup) form a
//! [`Section`], one table in the output. Per cell group and [`Metric`] the
//! repeats are combined into a [`Summary`] (see `metric.rs`).
//!
//! The *setup* of a cell is what else shapes its numbers: simulated nodes,
//! zone sizes, reclaim time, writer hold time, PREEMPT_RT semantics,
//! pinning, the interrupt model. It is part of the section key so that differently configured
//! cells are never averaged together (or compared: see `compare.rs`), and
//! it appears in section titles only when a file holds more than one.
//! Sections are keyed by the cells' one grouping key (`CellSpec::key`), so
//! duration, warm-up, watchdog and seed are not part of it: they change the
//! precision of a number, not what it measures.
//!
//! Default baseline: `seqcount` if the file has it (the v1 patch of the
//! 2022 thread, the reference the other guards are argued against), else
//! the first guard in the file.

use super::metric::{mark, Change, Metric, Summary};
use super::{ReportError, ReportOpts};
use crate::alloc::{Kernel, Printk};
use crate::results::CellResult;
use crate::results::{Meta, ResultsFile};
use crate::workload::ceiling::{self, CeilingPoint};
use crate::workload::spec::{CellKey, CellSpec, Dim};

/// What a section (one table) holds fixed: the cells' key without the
/// guard (the columns) and the reader count (the rows).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct SectionKey {
    key: CellKey,
    /// Everything but scope, writer and pressure that shapes the numbers
    /// (see the module docs), as text.
    pub setup: String,
}

impl SectionKey {
    pub(super) fn of(spec: &CellSpec) -> SectionKey {
        let key = spec.key().without(&[Dim::Guard, Dim::Readers]);
        let s = key.spec();
        let setup = format!(
            "nodes={} zones={}/{}/{}MiB reclaim={}us hold={}us rt={} pin={}{}{}{}{}",
            s.nodes,
            s.dma32_mib,
            s.normal_mib,
            s.movable_mib,
            s.reclaim_us,
            s.writer_hold_us,
            on_off(s.rt),
            on_off(s.pin),
            if s.irq { " irq=on" } else { "" },
            if s.rcu_expedited {
                " rcu-expedited=on"
            } else {
                ""
            },
            match s.printk {
                Printk::None => String::new(),
                p => format!(" printk={}", p.name()),
            },
            match s.kernel {
                Kernel::V6_1 => String::new(),
                k => format!(" kernel={}", k.name()),
            },
        );
        SectionKey { key, setup }
    }

    /// What the section's cells share.
    pub(super) fn spec(&self) -> &CellSpec {
        self.key.spec()
    }

    /// `scope=every-alloc writer=synthetic rebuild@1000Hz pressure=low`
    /// (the rebuild writer is synthetic: `WriterMode::Rebuild`), and the
    /// setup after it when asked.
    pub(super) fn title(&self, with_setup: bool) -> String {
        let s = self.spec();
        let mut t = format!(
            "scope={} writer={} pressure={}",
            s.scope.name(),
            s.writer.title(s.writer_rate_hz),
            s.pressure.name()
        );
        if with_setup {
            t.push(' ');
            t.push_str(&self.setup);
        }
        t
    }
}

fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

/// One guard's repeats of one section's cell at one reader count.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct CellGroup {
    pub readers: usize,
    pub guard: String,
    pub repeats: usize,
    /// One per metric that applies to the section's writer, in
    /// [`Metric::ALL`] order.
    pub metrics: Vec<(Metric, Summary)>,
    /// More reader threads than logical CPUs (any repeat).
    pub oversubscribed: bool,
    /// Repeats the watchdog tore down (their numbers are partial).
    pub stalled: Vec<usize>,
    /// Broken invariants (lost pages, isolated allocations, ...), as
    /// `repeat N: what`.
    pub violations: Vec<String>,
}

impl CellGroup {
    fn of(key: &SectionKey, cells: &[&CellResult]) -> CellGroup {
        let first = cells[0];
        CellGroup {
            readers: first.spec.readers,
            guard: first.spec.guard.clone(),
            repeats: cells.len(),
            metrics: Metric::ALL
                .into_iter()
                .filter(|m| m.applies(key.spec().writer))
                .map(|m| (m, Summary::of(m, cells)))
                .collect(),
            oversubscribed: cells.iter().any(|c| c.oversubscribed),
            stalled: cells
                .iter()
                .filter(|c| c.stalled)
                .map(|c| c.spec.repeat)
                .collect(),
            violations: cells
                .iter()
                .flat_map(|c| {
                    c.violations()
                        .into_iter()
                        .map(move |v| format!("repeat {}: {v}", c.spec.repeat))
                })
                .collect(),
        }
    }

    pub(super) fn get(&self, metric: Metric) -> Option<&Summary> {
        self.metrics
            .iter()
            .find(|(m, _)| *m == metric)
            .map(|(_, s)| s)
    }
}

/// The cell groups sharing one [`SectionKey`].
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Section {
    pub key: SectionKey,
    /// Reader counts present, ascending.
    pub readers: Vec<usize>,
    pub groups: Vec<CellGroup>,
    /// Every value's change against the baseline at the same cell, the
    /// table's family corrected and marked together: (guard, readers,
    /// metric, change). The baseline's own values are 0% and untested.
    pub changes: Vec<(String, usize, Metric, Change)>,
}

impl Section {
    /// The changes of every group against `baseline`'s group at the same
    /// reader count, marked as one family.
    fn compare_with(&mut self, baseline: &str, opts: &ReportOpts) {
        let mut changes = Vec::new();
        for g in &self.groups {
            let Some(base) = self.group(baseline, g.readers) else {
                continue;
            };
            for (metric, summary) in &g.metrics {
                let Some(b) = base.get(*metric) else {
                    continue;
                };
                let change = if g.guard == baseline {
                    Change::plain(*metric, b, b)
                } else {
                    Change::paired(*metric, b, summary)
                };
                changes.push((g.guard.clone(), g.readers, *metric, change));
            }
        }
        let mut family: Vec<&mut Change> = changes
            .iter_mut()
            .filter(|(g, ..)| g != baseline)
            .map(|(.., c)| c)
            .collect();
        mark(&mut family, opts.marking);
        self.pair_ns_per_alloc(baseline, &changes);
        self.changes = changes;
    }

    /// ns/alloc is shown as the baseline's mean times each guard's paired
    /// ratio ([`Summary::paired`]), so that the difference of two columns
    /// is a guard's cost per allocation measured in the same rounds; the
    /// plain means would mix the machine's fast and slow modes into it.
    /// The summary's `value` stays the mean of its samples.
    fn pair_ns_per_alloc(&mut self, baseline: &str, changes: &[(String, usize, Metric, Change)]) {
        for (guard, readers, metric, change) in changes {
            if *metric != Metric::NsPerAlloc || guard == baseline {
                continue;
            }
            let base = self
                .group(baseline, *readers)
                .and_then(|b| b.get(Metric::NsPerAlloc))
                .map(|s| s.value);
            let group = self
                .groups
                .iter_mut()
                .find(|g| &g.guard == guard && g.readers == *readers);
            if let (Some(base), Some(group), Some(pct)) = (base, group, change.pct) {
                if let Some((_, s)) = group
                    .metrics
                    .iter_mut()
                    .find(|(m, _)| *m == Metric::NsPerAlloc)
                {
                    // pct is positive when the guard is faster (fewer ns).
                    s.paired = Some(base * (1.0 - pct / 100.0));
                }
            }
        }
    }

    /// `guard`'s change at `readers` for `metric` (`None` when the
    /// baseline lacks the cell).
    pub(super) fn change(&self, guard: &str, readers: usize, metric: Metric) -> Option<Change> {
        self.changes
            .iter()
            .find(|(g, r, m, _)| g == guard && *r == readers && *m == metric)
            .map(|(.., c)| *c)
    }

    pub(super) fn group(&self, guard: &str, readers: usize) -> Option<&CellGroup> {
        self.groups
            .iter()
            .find(|g| g.guard == guard && g.readers == readers)
    }

    /// `guard`'s allocations per second with `readers` readers, as its
    /// table row shows it.
    pub(super) fn rate(&self, guard: &str, readers: usize) -> Option<f64> {
        self.group(guard, readers)
            .and_then(|c| c.get(Metric::AllocsPerSec))
            .map(|s| s.value)
    }

    pub(super) fn has_guard(&self, guard: &str) -> bool {
        self.groups.iter().any(|g| g.guard == guard)
    }

    /// The metrics shown for this section, in row order.
    pub(super) fn metrics(&self) -> impl Iterator<Item = Metric> + '_ {
        Metric::ALL
            .into_iter()
            .filter(|m| m.applies(self.key.spec().writer))
    }

    /// Each guard's scaling from 1 to N readers (Hmean allocs/s at N over
    /// that at 1) as a fraction of the machine's ceiling at N, for every N
    /// the ceiling was measured at: what its sharing costs, the machine's
    /// own limit taken out. `None` without a ceiling or a 1-reader cell.
    pub(super) fn scaling_note(
        &self,
        guards: &[&String],
        ceiling: &[CeilingPoint],
    ) -> Option<String> {
        let mut parts = Vec::new();
        for &n in self.readers.iter().filter(|&&n| n > 1) {
            let Some(top) = ceiling::at(ceiling, n) else {
                continue;
            };
            let figures: Vec<String> = guards
                .iter()
                .filter_map(|g| {
                    let x = self.rate(g, n)? / self.rate(g, 1)?;
                    x.is_finite().then(|| format!("{g} {:.2}", x / top))
                })
                .collect();
            if !figures.is_empty() {
                parts.push(format!(
                    "at {n} readers (ceiling {top:.2}x): {}",
                    figures.join(", ")
                ));
            }
        }
        (!parts.is_empty()).then(|| {
            format!(
                "scaling over 1 reader as a fraction of the machine ceiling (N threads of private work over one, measured in the run; 1.00 = only the machine limits it) {}.",
                parts.join("; ")
            )
        })
    }

    /// Caveats about the section's cells, one sentence each.
    pub(super) fn notes(&self, logical_cpus: usize) -> Vec<String> {
        let mut notes = Vec::new();
        let over: Vec<String> = self
            .readers
            .iter()
            .filter(|&&r| {
                self.groups
                    .iter()
                    .any(|g| g.readers == r && g.oversubscribed)
            })
            .map(|r| r.to_string())
            .collect();
        if !over.is_empty() {
            notes.push(format!(
                "oversubscribed at readers={}: more threads than the {logical_cpus} logical CPUs; measures preemption inside sections, not contention.",
                over.join(",")
            ));
        }
        for g in &self.groups {
            if !g.stalled.is_empty() {
                let reps: Vec<String> = g.stalled.iter().map(|r| r.to_string()).collect();
                notes.push(format!(
                    "STALLED: {} readers={} repeat {}: torn down by the watchdog, or a reader made no progress; left out of the means.",
                    g.guard,
                    g.readers,
                    reps.join(",")
                ));
            }
            for v in &g.violations {
                notes.push(format!(
                    "INVARIANT BROKEN: {} readers={} {v}.",
                    g.guard, g.readers
                ));
            }
        }
        notes
    }
}

/// A results file grouped for review.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Report {
    /// Where the file came from, for titles and errors.
    pub source: String,
    pub meta: Meta,
    pub baseline: String,
    /// Every guard with cells (after the filter): the baseline first, the
    /// rest in the file's order.
    pub guards: Vec<String>,
    pub sections: Vec<Section>,
    /// Repeats per cell group, least and most.
    pub repeats: (usize, usize),
    /// How the changes were marked.
    pub marking: super::Marking,
    /// The machine probe of every cell that has one
    /// (`workload/pingpong.rs`), ns.
    pub probes: Vec<f64>,
    /// The machine's scaling ceiling (`workload::ceiling`; empty in older
    /// files).
    pub ceiling: Vec<CeilingPoint>,
    /// How the cells shared their rounds (interleaved cells only).
    pub interleave: Vec<crate::results::cell::InterleaveRecord>,
}

impl Report {
    /// Group `results`' cells (those matching `opts.filter`) and pick the
    /// baseline. `source` names the file in titles and errors.
    pub(super) fn build(
        results: &ResultsFile,
        source: &str,
        opts: &ReportOpts,
    ) -> Result<Report, ReportError> {
        let mut cells: Vec<&CellResult> = results
            .cells
            .iter()
            .filter(|c| opts.filter.matches(&c.spec))
            .collect();
        if !opts.guards.is_empty() {
            for g in &opts.guards {
                if !cells.iter().any(|c| c.spec.guard == *g) {
                    let mut present: Vec<String> = Vec::new();
                    for c in &cells {
                        if !present.contains(&c.spec.guard) {
                            present.push(c.spec.guard.clone());
                        }
                    }
                    return Err(ReportError::UnknownGuard {
                        guard: g.clone(),
                        source: source.to_string(),
                        guards: present,
                    });
                }
            }
            cells.retain(|c| opts.guards.contains(&c.spec.guard));
        }
        if cells.is_empty() {
            return Err(ReportError::NoCells {
                source: source.to_string(),
                filter: opts.filter.describe(),
            });
        }
        let mut guards: Vec<String> = Vec::new();
        for c in &cells {
            if !guards.contains(&c.spec.guard) {
                guards.push(c.spec.guard.clone());
            }
        }
        // The columns in the order the run was asked for (its cells come
        // in each round's shuffled order), so the default baseline is the
        // first guard the command named.
        guards.sort_by_key(|g| {
            results
                .config
                .guards
                .iter()
                .position(|x| x == g)
                .unwrap_or(usize::MAX)
        });
        if !opts.guards.is_empty() {
            // The columns in the order `--guards` lists them.
            guards.sort_by_key(|g| opts.guards.iter().position(|x| x == g));
        }
        let baseline = pick_baseline(&guards, opts, source)?;
        let pos = guards.iter().position(|g| *g == baseline).unwrap_or(0);
        let b = guards.remove(pos);
        guards.insert(0, b);

        // Sections, then cell groups, in first-seen order.
        let mut keyed: Vec<(SectionKey, Vec<&CellResult>)> = Vec::new();
        for c in cells {
            let key = SectionKey::of(&c.spec);
            match keyed.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => v.push(c),
                None => keyed.push((key, vec![c])),
            }
        }
        let mut repeats = (usize::MAX, 0);
        let sections = keyed
            .into_iter()
            .map(|(key, cells)| {
                let mut readers: Vec<usize> = cells.iter().map(|c| c.spec.readers).collect();
                readers.sort_unstable();
                readers.dedup();
                let mut groups = Vec::new();
                for g in &guards {
                    for &r in &readers {
                        let these: Vec<&CellResult> = cells
                            .iter()
                            .copied()
                            .filter(|c| c.spec.guard == *g && c.spec.readers == r)
                            .collect();
                        if !these.is_empty() {
                            repeats.0 = repeats.0.min(these.len());
                            repeats.1 = repeats.1.max(these.len());
                            groups.push(CellGroup::of(&key, &these));
                        }
                    }
                }
                let mut section = Section {
                    key,
                    readers,
                    groups,
                    changes: Vec::new(),
                };
                section.compare_with(&baseline, opts);
                section
            })
            .collect();
        Ok(Report {
            source: source.to_string(),
            meta: results.meta.clone(),
            baseline,
            guards,
            sections,
            repeats,
            marking: opts.marking,
            probes: results
                .cells
                .iter()
                .filter(|c| opts.filter.matches(&c.spec))
                .filter_map(|c| c.probe_rtt_ns)
                .collect(),
            ceiling: results.ceiling.clone(),
            interleave: results
                .cells
                .iter()
                .filter(|c| opts.filter.matches(&c.spec))
                .filter_map(|c| c.interleave.clone())
                .collect(),
        })
    }

    /// Whether section titles must name the setup (the file mixes setups).
    pub(super) fn mixed_setups(&self) -> bool {
        self.sections
            .iter()
            .any(|s| s.key.setup != self.sections[0].key.setup)
    }

    /// Every reported value: one per section x reader count x guard x
    /// metric, with its change against the baseline at the same cell.
    pub(super) fn entries(&self) -> Vec<Entry<'_>> {
        let mut out = Vec::new();
        for section in &self.sections {
            for metric in section.metrics() {
                for &readers in &section.readers {
                    for guard in &self.guards {
                        let Some(group) = section.group(guard, readers) else {
                            continue;
                        };
                        let Some(summary) = group.get(metric) else {
                            continue;
                        };
                        out.push(Entry {
                            section,
                            metric,
                            group,
                            summary,
                            change: section.change(guard, readers, metric),
                        });
                    }
                }
            }
        }
        out
    }
}

/// One value of a report (see [`Report::entries`]).
#[derive(Clone, Debug)]
pub(super) struct Entry<'a> {
    pub section: &'a Section,
    pub metric: Metric,
    pub group: &'a CellGroup,
    pub summary: &'a Summary,
    /// Against the baseline; `None` when the baseline lacks this cell.
    pub change: Option<Change>,
}

fn pick_baseline(
    guards: &[String],
    opts: &ReportOpts,
    source: &str,
) -> Result<String, ReportError> {
    match &opts.baseline {
        Some(b) if guards.contains(b) => Ok(b.clone()),
        Some(b) => Err(ReportError::UnknownBaseline {
            guard: b.clone(),
            source: source.to_string(),
            guards: guards.to_vec(),
            filter: opts.filter.describe(),
        }),
        None => Ok(crate::guard::default_baseline(guards)
            .unwrap_or_default()
            .to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::CellFilter;
    use super::*;
    use crate::alloc::Scope;
    use crate::results::fixture::{cell, file};

    #[test]
    fn groups_by_the_cells_own_spec_and_combines_repeats() {
        let mut cells = Vec::new();
        for rep in 0..2 {
            cells.push(cell(
                "rcu",
                1,
                rep,
                [100.0, 300.0][rep],
                10 + 10 * rep as u64,
            ));
            cells.push(cell("seqcount", 1, rep, 200.0, 20));
            let mut every = cell("seqcount", 1, rep, 50.0, 40);
            every.spec.scope = Scope::EveryAlloc;
            cells.push(every);
        }
        let r = Report::build(&file(cells), "x.json", &ReportOpts::default()).unwrap();
        assert_eq!(r.baseline, "seqcount");
        assert_eq!(r.guards, ["seqcount", "rcu"]);
        assert_eq!(r.sections.len(), 2);
        let rcu = r.sections[0].group("rcu", 1).unwrap();
        assert_eq!(rcu.repeats, 2);
        let rate = rcu.get(Metric::AllocsPerSec).unwrap();
        assert_eq!(rate.samples, [100.0, 300.0]);
        assert!((rate.value - 150.0).abs() < 1e-9); // harmonic mean
        assert_eq!(rcu.get(Metric::LatP50).unwrap().value, 15.0);
        assert!(!r.sections[1].has_guard("rcu"));
        assert_eq!(r.repeats, (2, 2));
    }

    #[test]
    fn baseline_default_and_errors() {
        let f = file(vec![cell("rcu", 1, 0, 1.0, 1), cell("latch", 1, 0, 1.0, 1)]);
        let r = Report::build(&f, "x", &ReportOpts::default()).unwrap();
        assert_eq!(r.baseline, "rcu");
        let opts = ReportOpts {
            baseline: Some("latch".into()),
            ..ReportOpts::default()
        };
        assert_eq!(
            Report::build(&f, "x", &opts).unwrap().guards,
            ["latch", "rcu"]
        );
        let opts = ReportOpts {
            baseline: Some("foo".into()),
            ..ReportOpts::default()
        };
        let e = Report::build(&f, "results/x.json", &opts).unwrap_err();
        assert_eq!(
            e.to_string(),
            "baseline guard 'foo' is not in results/x.json (guards: rcu, latch)"
        );
        let opts = ReportOpts {
            filter: CellFilter::parse("readers=8").unwrap(),
            ..ReportOpts::default()
        };
        let e = Report::build(&f, "x.json", &opts).unwrap_err();
        assert_eq!(e.to_string(), "x.json: no cells match --cells readers=8");
        let e = Report::build(&file(vec![]), "x.json", &ReportOpts::default()).unwrap_err();
        assert_eq!(e.to_string(), "x.json: no cells to report");
    }
}

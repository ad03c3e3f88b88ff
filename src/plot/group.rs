//! The cells of a results file, grouped: cells that differ only in their
//! repeat form a [`Group`], groups fall into the [`Setting`]s that never
//! share a figure, and an [`Index`] holds them all in guard order.
//!
//! Repeats combine through [`Repeats`]: rates by harmonic mean, times and
//! per-million ratios by arithmetic mean, event counts by sum, histograms
//! merged.

use super::curve::{curve, merge, nines, nines_limit};
use super::label::{readers_text, writer_text};
use crate::alloc::{Kernel, Printk};
use crate::metrics::HistSummary;
use crate::results::repeats::Repeats;
use crate::results::schema::ResultsFile;
use crate::results::CellResult;
use crate::workload::ceiling::CeilingPoint;
use crate::workload::spec::{CellKey, CellSpec, Dim, WriterMode};
use hdrhistogram::Histogram;

/// What a figure holds fixed: the cells' key without guard, writer (and
/// rate) and readers, which a figure varies.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Setting(CellKey);

impl Setting {
    fn of(key: &CellKey) -> Self {
        Setting(
            key.clone()
                .without(&[Dim::Guard, Dim::Writer, Dim::Readers]),
        )
    }

    fn spec(&self) -> &CellSpec {
        self.0.spec()
    }
}

/// Cells that differ only in their repeat (they share a [`CellKey`]).
pub(super) struct Group<'a> {
    key: CellKey,
    pub(super) guard: &'a str,
    setting: Setting,
    pub(super) writer: WriterMode,
    /// 0 without a writer (its rate means nothing then).
    pub(super) rate_hz: f64,
    pub(super) readers: usize,
    pub(super) cells: Repeats<'a>,
}

impl<'a> Group<'a> {
    fn key_of(c: &'a CellResult) -> Self {
        let rate_hz = match c.spec.writer {
            WriterMode::None => 0.0,
            _ => c.spec.writer_rate_hz,
        };
        let key = c.spec.key();
        Group {
            guard: &c.spec.guard,
            setting: Setting::of(&key),
            key,
            writer: c.spec.writer,
            rate_hz,
            readers: c.spec.readers,
            cells: Repeats::default(),
        }
    }

    pub(super) fn at(&self, p: &Pick) -> bool {
        self.writer == p.writer
            && self.rate_hz.to_bits() == p.rate_hz.to_bits()
            && self.readers == p.readers
    }

    /// Harmonic mean over the repeats (NaN if none is finite).
    pub(super) fn rate(&self, f: impl Fn(&CellResult) -> f64) -> f64 {
        self.cells.rate(f)
    }

    /// Arithmetic mean over the repeats (NaN if none is finite).
    pub(super) fn mean(&self, f: impl Fn(&CellResult) -> f64) -> f64 {
        self.cells.mean(f)
    }

    pub(super) fn sum(&self, f: impl Fn(&CellResult) -> u64) -> u64 {
        self.cells.sum(f)
    }

    pub(super) fn oversubscribed(&self) -> bool {
        self.cells.iter().any(|c| c.oversubscribed)
    }

    pub(super) fn stalled(&self) -> bool {
        self.cells.iter().any(|c| c.stalled)
    }

    /// The percentile curve of `f` over all repeats: from the merged
    /// histograms where every repeat's decodes, otherwise from the
    /// summaries' percentiles averaged. Empty if nothing was recorded.
    pub(super) fn percentiles(&self, f: impl Fn(&CellResult) -> &HistSummary) -> Vec<(f64, f64)> {
        let hists: Option<Vec<Histogram<u64>>> =
            self.cells.iter().map(|c| f(c).histogram()).collect();
        if let Some(merged) = hists.and_then(merge) {
            return curve(&merged);
        }
        let count: u64 = self.sum(|c| f(c).count);
        if count == 0 {
            return Vec::new();
        }
        let last = nines_limit(count);
        let at = |q: f64, g: fn(&HistSummary) -> u64| {
            (nines(q).min(last), self.mean(|c| g(f(c)) as f64))
        };
        vec![
            at(0.5, |s| s.p50),
            at(0.9, |s| s.p90),
            at(0.99, |s| s.p99),
            at(0.999, |s| s.p999),
            (last, self.mean(|c| f(c).max as f64)),
        ]
    }
}

/// A cell group a figure shows when it can show only one: which writer,
/// rate and reader count.
#[derive(Clone, Copy, Debug)]
pub(super) struct Pick {
    writer: WriterMode,
    pub(super) rate_hz: f64,
    pub(super) readers: usize,
}

impl Pick {
    pub(super) fn describe(&self) -> String {
        format!(
            "{}, {}",
            readers_text(self.readers),
            writer_text(self.writer, self.rate_hz)
        )
    }
}

/// All groups of a results file, in guard order, and the settings they
/// fall into.
pub(super) struct Index<'a> {
    groups: Vec<Group<'a>>,
    pub(super) settings: Vec<Setting>,
    pub(super) logical_cpus: usize,
    /// The machine's scaling ceiling (`workload::ceiling`).
    pub(super) ceiling: &'a [CeilingPoint],
}

impl<'a> Index<'a> {
    pub(super) fn new(results: &'a ResultsFile) -> Self {
        let mut groups: Vec<Group<'a>> = Vec::new();
        for c in &results.cells {
            let key = Group::key_of(c);
            match groups.iter_mut().find(|g| g.key == key.key) {
                Some(g) => g.cells.push(c),
                None => groups.push(Group {
                    cells: Repeats(vec![c]),
                    ..key
                }),
            }
        }
        groups.sort_by_key(|g| guard_rank(g.guard));
        let mut settings: Vec<Setting> = Vec::new();
        for g in &groups {
            if !settings.contains(&g.setting) {
                settings.push(g.setting.clone());
            }
        }
        Index {
            groups,
            settings,
            logical_cpus: results.meta.logical_cpus,
            ceiling: &results.ceiling,
        }
    }

    pub(super) fn in_setting<'s>(&'s self, s: &'s Setting) -> impl Iterator<Item = &'s Group<'a>> {
        self.groups.iter().filter(move |g| g.setting == *s)
    }

    /// The parts that name this file's figures, in naming order: pressure,
    /// nodes and RT wherever they vary in the file; interrupts and writer
    /// hold only where two settings would otherwise share a name.
    fn varying(&self) -> Vec<Part> {
        let mut parts = Vec::new();
        for p in Part::ALL {
            let named = |s: &Setting| Self::name(s, &parts);
            let splits = self.settings.iter().any(|a| {
                self.settings.iter().any(|b| {
                    (p.always() || named(a) == named(b)) && p.slug(a.spec()) != p.slug(b.spec())
                })
            });
            if splits {
                parts.push(p);
            }
        }
        parts
    }

    /// The scope and `parts` of `s`, as a file-name part.
    fn name(s: &Setting, parts: &[Part]) -> String {
        let mut out = s.spec().scope.name().to_string();
        for p in parts {
            out += &p.slug(s.spec());
        }
        out
    }

    /// File-name part: the scope, plus whatever else varies in the file;
    /// settings that differ only where no part looks are numbered.
    pub(super) fn slug(&self, s: &Setting) -> String {
        let parts = self.varying();
        let name = |s: &Setting| Self::name(s, &parts);
        let mine = name(s);
        let same: Vec<&Setting> = self.settings.iter().filter(|o| name(o) == mine).collect();
        match same.iter().position(|o| *o == s) {
            Some(i) if same.len() > 1 => format!("{mine}-{}", i + 1),
            _ => mine,
        }
    }

    /// Title part, in words, naming the same things as [`Index::slug`].
    pub(super) fn describe(&self, s: &Setting) -> String {
        let mut out = format!("{} scope", s.spec().scope.name());
        for p in self.varying() {
            out += &p.words(s.spec());
        }
        out
    }

    /// The group a one-cell figure shows in setting `s`, among writers
    /// `want` accepts: a writer over none, then not oversubscribed, then the
    /// most readers, then the highest rate.
    pub(super) fn pick(&self, s: &Setting, want: impl Fn(WriterMode) -> bool) -> Option<Pick> {
        self.in_setting(s)
            .filter(|g| want(g.writer))
            .max_by(|a, b| {
                let key =
                    |g: &Group| (g.writer != WriterMode::None, !g.oversubscribed(), g.readers);
                key(a).cmp(&key(b)).then(a.rate_hz.total_cmp(&b.rate_hz))
            })
            .map(|g| Pick {
                writer: g.writer,
                rate_hz: g.rate_hz,
                readers: g.readers,
            })
    }
}

/// A part of a setting that can name a figure when it varies in a file.
#[derive(Clone, Copy, Debug)]
enum Part {
    Pressure,
    Nodes,
    Rt,
    Irq,
    Hold,
    Printk,
    Kernel,
}

impl Part {
    const ALL: [Part; 7] = [
        Part::Pressure,
        Part::Nodes,
        Part::Rt,
        Part::Irq,
        Part::Hold,
        Part::Printk,
        Part::Kernel,
    ];

    /// Named whenever it varies in the file (the others only where they
    /// tell two settings apart).
    fn always(self) -> bool {
        matches!(self, Part::Pressure | Part::Nodes | Part::Rt)
    }

    /// File-name suffix (empty where the setting has none of it).
    fn slug(self, s: &CellSpec) -> String {
        match self {
            Part::Pressure => format!("-{}", s.pressure.name()),
            Part::Nodes => format!("-{}n", s.nodes),
            Part::Rt if s.rt => "-rt".into(),
            Part::Irq if s.irq => "-irq".into(),
            Part::Hold if s.writer_hold_us > 0.0 => format!("-hold{}us", s.writer_hold_us),
            Part::Printk if s.printk != Printk::None => format!("-printk-{}", s.printk.name()),
            Part::Kernel if s.kernel != Kernel::V6_1 => format!("-kernel-{}", s.kernel.name()),
            Part::Rt | Part::Irq | Part::Hold | Part::Printk | Part::Kernel => String::new(),
        }
    }

    /// Title words.
    fn words(self, s: &CellSpec) -> String {
        match self {
            Part::Pressure => format!(", {} pressure", s.pressure.name()),
            Part::Nodes if s.nodes == 1 => ", 1 node".into(),
            Part::Nodes => format!(", {} nodes", s.nodes),
            Part::Rt if s.rt => ", PREEMPT_RT".into(),
            Part::Rt => ", non-RT".into(),
            Part::Irq if s.irq => ", interrupts".into(),
            Part::Irq => ", no interrupts".into(),
            Part::Hold => format!(", writer hold {} us", s.writer_hold_us),
            Part::Printk => format!(", printk {}", s.printk.name()),
            Part::Kernel => format!(", kernel {}", s.kernel.name()),
        }
    }
}

/// `items` gathered per guard, guards in first-seen order.
pub(super) fn by_guard<'g, T>(
    items: impl IntoIterator<Item = (&'g str, T)>,
) -> Vec<(String, Vec<T>)> {
    let mut out: Vec<(String, Vec<T>)> = Vec::new();
    for (guard, item) in items {
        match out.iter_mut().find(|(g, _)| g == guard) {
            Some((_, v)) => v.push(item),
            None => out.push((guard.to_string(), vec![item])),
        }
    }
    out
}

/// Legend and sort order: `guard::ALL` order, unknown names last.
pub(super) fn guard_rank(guard: &str) -> usize {
    crate::guard::ALL
        .iter()
        .position(|g| g.name == guard)
        .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{cell, file};
    use super::*;
    use crate::alloc::Scope;

    #[test]
    fn cells_that_differ_in_interrupts_or_hold_never_share_a_figure() {
        let mut cells = Vec::new();
        for (irq, hold) in [(false, 0.0), (true, 0.0), (false, 50.0)] {
            for rep in 0..2 {
                let mut c = cell(
                    "seqcount",
                    Scope::Slowpath,
                    2,
                    WriterMode::Rebuild,
                    1000.0,
                    rep,
                );
                c.spec.irq = irq;
                c.spec.writer_hold_us = hold;
                cells.push(c);
            }
        }
        let r = file(cells, Vec::new());
        let ix = Index::new(&r);
        assert_eq!(
            ix.groups.len(),
            3,
            "one group per setting, repeats combined"
        );
        assert!(ix.groups.iter().all(|g| g.cells.len() == 2));
        let slugs: Vec<String> = ix.settings.iter().map(|s| ix.slug(s)).collect();
        assert_eq!(
            slugs,
            ["slowpath", "slowpath-irq", "slowpath-hold50us"],
            "named by what differs"
        );
        assert_eq!(
            ix.describe(&ix.settings[1]),
            "slowpath scope, interrupts, writer hold 0 us"
        );
    }

    #[test]
    fn repeats_combine_rates_by_harmonic_mean_and_merge_histograms() {
        let r = file(
            (0..2)
                .map(|rep| cell("rcu", Scope::Slowpath, 2, WriterMode::None, 0.0, rep))
                .collect(),
            Vec::new(),
        );
        let ix = Index::new(&r);
        assert_eq!(ix.groups.len(), 1);
        let g = &ix.groups[0];
        let (a, b) = (r.cells[0].allocs_per_sec, r.cells[1].allocs_per_sec);
        assert!((g.rate(|c| c.allocs_per_sec) - 2.0 / (1.0 / a + 1.0 / b)).abs() < 1e-6);
        let merged = merge(
            r.cells
                .iter()
                .map(|c| c.read_latency_ns.histogram().unwrap())
                .collect(),
        )
        .unwrap();
        assert_eq!(merged.len(), 4000);
        let pts = g.percentiles(|c| &c.read_latency_ns);
        assert!(pts.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1));
        assert!((pts.last().unwrap().0 - 4000f64.log10()).abs() < 1e-9);
    }
}

//! Review tables from results files, in the manner of mmtests'
//! compare-kernels: one column per guard, one row per metric and reader
//! count, each value with its change against a baseline guard and a marker
//! where the change is significant.
//!
//! Reports read only results files (never live runs), so any table can be
//! regenerated later. The pieces:
//!
//! 1. [`Report::build`] groups a file's cells into *cell groups*: one guard's
//!    repeats of one (scope, writer, writer rate, pressure, setup, readers).
//!    Groups are keyed by each cell's own [`CellSpec`], never by the file's
//!    `config`. Cell groups with the same (scope, writer, rate, pressure,
//!    setup) form a [`Section`], one table in the output.
//! 2. Per cell group and [`Metric`], the repeats are combined
//!    ([`Aggregate`]: harmonic mean for rates, arithmetic mean for times,
//!    maximum for worst cases, sum for event counts) and the per-repeat
//!    values are kept in a [`Summary`] for the significance test.
//! 3. [`Change::between`] compares a value with the baseline's: the change
//!    in percent, signed so that positive is better, and whether it is
//!    significant ([`crate::metrics::stats::welch`], Welch's t-test at 95%
//!    on the per-repeat values; never with fewer than 2 repeats a side).
//! 4. [`Report::document`] lays the report out as a format-neutral
//!    [`Document`] of [`Table`]s, which [`text`] (80 columns, ASCII) and
//!    [`markdown`] render; [`csv`] writes the model itself, one row per
//!    cell group and metric. [`compare()`] builds a `Document` from two files.
//!
//! The *setup* of a cell is what else shapes its numbers: simulated nodes,
//! zone sizes, reclaim time, writer hold time, PREEMPT_RT semantics,
//! pinning. It is part of the section key so that differently configured
//! cells are never averaged together (or compared: see [`mod@compare`]), and
//! it appears in section titles only when a file holds more than one.
//! Duration, warm-up, watchdog and seed are not part of it: they change the
//! precision of a number, not what it measures.
//!
//! Default baseline: `seqcount` if the file has it (the v1 patch of the
//! 2022 thread, the reference the other guards are argued against), else
//! the first guard in the file.

pub mod compare;
pub mod csv;
pub mod markdown;
pub mod text;

pub use compare::{compare, compare_document, compare_files};

use crate::alloc::Scope;
use crate::metrics::stats::{hmean, mean, welch};
use crate::results::{Meta, ResultsFile};
use crate::workload::runner::CellResult;
use crate::workload::spec::{CellSpec, Pressure, WriterMode};
use clap::ValueEnum;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

// ---------------------------------------------------------------------------
// Errors and options
// ---------------------------------------------------------------------------

/// Why a report or comparison could not be made. `Display` is one line
/// naming the problem, for `zonebench: error: ...` and exit status 2.
#[derive(Debug, Clone, PartialEq)]
pub enum ReportError {
    /// A file could not be loaded (the loader's one-line message).
    Load(String),
    /// `--baseline` names a guard with no cells in the file.
    UnknownBaseline {
        guard: String,
        source: String,
        /// The guards the file does have (after `--cells`).
        guards: Vec<String>,
        /// The `--cells` filter in force, if any.
        filter: Option<String>,
    },
    /// The `--cells` string is malformed.
    BadFilter(String),
    /// Nothing to report: the file has no cells, or none match `--cells`.
    NoCells {
        source: String,
        filter: Option<String>,
    },
    /// `compare`: the two files cannot be compared; the reason.
    Incompatible(String),
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::Load(e) => f.write_str(e),
            ReportError::UnknownBaseline {
                guard,
                source,
                guards,
                filter,
            } => {
                write!(f, "baseline guard '{guard}' is not in {source}")?;
                if let Some(filter) = filter {
                    write!(f, " with --cells {filter}")?;
                }
                write!(f, " (guards: {})", guards.join(", "))
            }
            ReportError::BadFilter(e) => write!(f, "--cells: {e}"),
            ReportError::NoCells {
                source,
                filter: None,
            } => write!(f, "{source}: no cells to report"),
            ReportError::NoCells {
                source,
                filter: Some(filter),
            } => write!(f, "{source}: no cells match --cells {filter}"),
            ReportError::Incompatible(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for ReportError {}

/// Which cells to report: every set field must match the cell's own spec.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CellFilter {
    pub scope: Option<Scope>,
    pub writer: Option<WriterMode>,
    pub readers: Option<usize>,
}

const FILTER_KEYS: &str = "scope, writer, readers";

impl CellFilter {
    /// Parse `scope=every-alloc,writer=rebuild,readers=2` (any subset of
    /// the keys, each at most once; the empty string is no filter).
    pub fn parse(s: &str) -> Result<CellFilter, ReportError> {
        let bad = |m: String| ReportError::BadFilter(m);
        let mut filter = CellFilter::default();
        if s.trim().is_empty() {
            return Ok(filter);
        }
        for item in s.split(',') {
            let item = item.trim();
            let Some((key, value)) = item.split_once('=') else {
                return Err(bad(format!(
                    "'{item}' is not key=value (keys: {FILTER_KEYS})"
                )));
            };
            let (key, value) = (key.trim(), value.trim());
            let twice = || bad(format!("{key} given twice"));
            match key {
                "scope" => {
                    if filter.scope.is_some() {
                        return Err(twice());
                    }
                    filter.scope = Some(parse_enum(key, value)?);
                }
                "writer" => {
                    if filter.writer.is_some() {
                        return Err(twice());
                    }
                    filter.writer = Some(parse_enum(key, value)?);
                }
                "readers" => {
                    if filter.readers.is_some() {
                        return Err(twice());
                    }
                    match value.parse::<usize>() {
                        Ok(n) if n > 0 => filter.readers = Some(n),
                        _ => {
                            return Err(bad(format!(
                                "readers '{value}' is not a positive whole number"
                            )))
                        }
                    }
                }
                _ => return Err(bad(format!("unknown key '{key}' (keys: {FILTER_KEYS})"))),
            }
        }
        Ok(filter)
    }

    pub fn is_empty(&self) -> bool {
        *self == CellFilter::default()
    }

    pub fn matches(&self, spec: &CellSpec) -> bool {
        self.scope.is_none_or(|s| s == spec.scope)
            && self.writer.is_none_or(|w| w == spec.writer)
            && self.readers.is_none_or(|r| r == spec.readers)
    }

    /// The filter as `--cells` would take it, `None` when empty.
    fn describe(&self) -> Option<String> {
        (!self.is_empty()).then(|| self.to_string())
    }
}

impl FromStr for CellFilter {
    type Err = ReportError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CellFilter::parse(s)
    }
}

impl fmt::Display for CellFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(s) = self.scope {
            parts.push(format!("scope={}", enum_name(&s)));
        }
        if let Some(w) = self.writer {
            parts.push(format!("writer={}", enum_name(&w)));
        }
        if let Some(r) = self.readers {
            parts.push(format!("readers={r}"));
        }
        f.write_str(&parts.join(","))
    }
}

/// The CLI name of a clap value enum (`every-alloc`, `rebuild`, `low`).
fn enum_name<E: ValueEnum>(e: &E) -> String {
    e.to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

fn parse_enum<E: ValueEnum + Clone>(key: &str, value: &str) -> Result<E, ReportError> {
    E::value_variants()
        .iter()
        .find(|v| enum_name(*v) == value)
        .cloned()
        .ok_or_else(|| {
            let names: Vec<String> = E::value_variants().iter().map(enum_name).collect();
            ReportError::BadFilter(format!(
                "{key} '{value}' is not one of {}",
                names.join(", ")
            ))
        })
}

/// What to report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportOpts {
    /// The guard every other is compared with (default: see the module docs).
    pub baseline: Option<String>,
    pub filter: CellFilter,
}

// ---------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------

/// How one cell group's repeats are combined into the value shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregate {
    /// Harmonic mean: rates (allocations per second).
    Hmean,
    /// Arithmetic mean: times and per-section rates.
    Amean,
    /// Maximum over the repeats: worst cases.
    Max,
    /// Total over the repeats: event counts.
    Sum,
}

impl Aggregate {
    pub fn name(self) -> &'static str {
        match self {
            Aggregate::Hmean => "Hmean",
            Aggregate::Amean => "Amean",
            Aggregate::Max => "Max",
            Aggregate::Sum => "Sum",
        }
    }

    pub fn combine(self, xs: &[f64]) -> f64 {
        if xs.is_empty() {
            return f64::NAN;
        }
        match self {
            Aggregate::Hmean => hmean(xs),
            Aggregate::Amean => mean(xs),
            Aggregate::Max => xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            Aggregate::Sum => xs.iter().sum(),
        }
    }
}

/// One row kind of the review table (its label adds `-<readers>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Metric {
    /// `allocs_per_sec`, all readers.
    AllocsPerSec,
    /// `read_latency_ns.p50`, ns.
    LatP50,
    /// `read_latency_ns.p99`, ns.
    LatP99,
    /// `retries_per_million` read sections.
    RetriesPerMillion,
    /// Per repeat: `writer.lock_wait_ns.max + writer.critical_ns.max`, ns,
    /// an upper bound on the longest single rebuild (waiting for the
    /// writer lock, then holding readers off); the maximum over repeats.
    /// Not shown for `writer=none`.
    WriterStall,
    /// `false_ooms`: allocations that failed with free memory available.
    FalseOoms,
    /// `stale_zone_visits`: walks that touched a zone already depopulated.
    StaleZoneVisits,
}

impl Metric {
    /// Every metric, in row order.
    pub const ALL: [Metric; 7] = [
        Metric::AllocsPerSec,
        Metric::LatP50,
        Metric::LatP99,
        Metric::RetriesPerMillion,
        Metric::WriterStall,
        Metric::FalseOoms,
        Metric::StaleZoneVisits,
    ];

    /// Short name, as in the row label (`allocs/s`, `lat-p50`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Metric::AllocsPerSec => "allocs/s",
            Metric::LatP50 => "lat-p50",
            Metric::LatP99 => "lat-p99",
            Metric::RetriesPerMillion => "retries/M",
            Metric::WriterStall => "writer-stall",
            Metric::FalseOoms => "false-ooms",
            Metric::StaleZoneVisits => "stale",
        }
    }

    pub fn aggregate(self) -> Aggregate {
        match self {
            Metric::AllocsPerSec => Aggregate::Hmean,
            Metric::LatP50 | Metric::LatP99 | Metric::RetriesPerMillion => Aggregate::Amean,
            Metric::WriterStall => Aggregate::Max,
            Metric::FalseOoms | Metric::StaleZoneVisits => Aggregate::Sum,
        }
    }

    pub fn higher_is_better(self) -> bool {
        matches!(self, Metric::AllocsPerSec)
    }

    /// Whole numbers (counts, maxima of integer nanoseconds): shown
    /// without decimals.
    pub fn integral(self) -> bool {
        matches!(
            self.aggregate(),
            Aggregate::Max | Aggregate::Sum | Aggregate::Hmean
        )
    }

    /// The row label, mmtests style, the aggregate padded so that the
    /// names line up: `Hmean allocs/s-2`, `Max   writer-stall-2`.
    pub fn label(self, readers: usize) -> String {
        format!("{:<5} {}-{readers}", self.aggregate().name(), self.name())
    }

    /// Whether the metric means anything for cells with this writer.
    pub fn applies(self, writer: WriterMode) -> bool {
        !(self == Metric::WriterStall && writer == WriterMode::None)
    }

    /// The value of one repeat.
    pub fn sample(self, c: &CellResult) -> f64 {
        match self {
            Metric::AllocsPerSec => c.allocs_per_sec,
            Metric::LatP50 => c.read_latency_ns.p50 as f64,
            Metric::LatP99 => c.read_latency_ns.p99 as f64,
            Metric::RetriesPerMillion => c.retries_per_million,
            Metric::WriterStall => (c.writer.lock_wait_ns.max + c.writer.critical_ns.max) as f64,
            Metric::FalseOoms => c.stats.false_ooms as f64,
            Metric::StaleZoneVisits => c.stats.stale_zone_visits as f64,
        }
    }
}

/// One metric of one cell group: the combined value and the per-repeat
/// values it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub value: f64,
    pub samples: Vec<f64>,
}

impl Summary {
    pub fn of(metric: Metric, cells: &[&CellResult]) -> Summary {
        let samples: Vec<f64> = cells.iter().map(|c| metric.sample(c)).collect();
        Summary {
            value: metric.aggregate().combine(&samples),
            samples,
        }
    }
}

/// A value against its baseline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Change {
    /// Change in percent of the baseline, positive = better (for
    /// lower-is-better metrics the sign is inverted). `None` where the
    /// baseline is 0 (or not finite) and the value differs from it: no
    /// percentage exists. Equal values are 0%, zeros included.
    pub pct: Option<f64>,
    /// Welch's t-test at 95% on the per-repeat values says the two differ
    /// (and the shown values differ).
    pub significant: bool,
}

impl Change {
    /// The baseline against itself.
    pub const NONE: Change = Change {
        pct: Some(0.0),
        significant: false,
    };

    pub fn between(metric: Metric, base: &Summary, new: &Summary) -> Change {
        let (b, n) = (base.value, new.value);
        let pct = if b == n {
            Some(0.0)
        } else if b == 0.0 || !b.is_finite() || !n.is_finite() {
            None
        } else {
            let raw = (n - b) / b.abs() * 100.0;
            Some(if metric.higher_is_better() { raw } else { -raw })
        };
        let differs = b != n;
        Change {
            pct,
            significant: differs
                && welch(&base.samples, &new.samples).is_some_and(|w| w.significant),
        }
    }
}

// ---------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------

/// What a section (one table) holds fixed.
#[derive(Clone, Debug, PartialEq)]
pub struct SectionKey {
    pub scope: Scope,
    pub writer: WriterMode,
    pub writer_rate_hz: f64,
    pub pressure: Pressure,
    /// Everything else that shapes the numbers (see the module docs).
    pub setup: String,
}

impl SectionKey {
    pub fn of(spec: &CellSpec) -> SectionKey {
        SectionKey {
            scope: spec.scope,
            writer: spec.writer,
            writer_rate_hz: spec.writer_rate_hz,
            pressure: spec.pressure,
            setup: format!(
                "nodes={} zones={}/{}/{}MiB reclaim={}us hold={}us rt={} pin={}",
                spec.nodes,
                spec.dma32_mib,
                spec.normal_mib,
                spec.movable_mib,
                spec.reclaim_us,
                spec.writer_hold_us,
                on_off(spec.rt),
                on_off(spec.pin),
            ),
        }
    }

    /// `scope=every-alloc writer=rebuild@1000Hz pressure=low`, and the
    /// setup after it when asked.
    pub fn title(&self, with_setup: bool) -> String {
        let writer = match self.writer {
            WriterMode::None => "none".to_string(),
            w => format!("{}@{}Hz", enum_name(&w), self.writer_rate_hz),
        };
        let mut t = format!(
            "scope={} writer={writer} pressure={}",
            enum_name(&self.scope),
            enum_name(&self.pressure)
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
pub struct CellGroup {
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
                .filter(|m| m.applies(key.writer))
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

    pub fn get(&self, metric: Metric) -> Option<&Summary> {
        self.metrics
            .iter()
            .find(|(m, _)| *m == metric)
            .map(|(_, s)| s)
    }
}

/// The cell groups sharing one [`SectionKey`].
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    pub key: SectionKey,
    /// Reader counts present, ascending.
    pub readers: Vec<usize>,
    pub groups: Vec<CellGroup>,
}

impl Section {
    pub fn group(&self, guard: &str, readers: usize) -> Option<&CellGroup> {
        self.groups
            .iter()
            .find(|g| g.guard == guard && g.readers == readers)
    }

    pub fn has_guard(&self, guard: &str) -> bool {
        self.groups.iter().any(|g| g.guard == guard)
    }

    /// The metrics shown for this section, in row order.
    pub fn metrics(&self) -> impl Iterator<Item = Metric> + '_ {
        Metric::ALL
            .into_iter()
            .filter(|m| m.applies(self.key.writer))
    }

    /// Caveats about the section's cells, one sentence each.
    pub fn notes(&self, logical_cpus: usize) -> Vec<String> {
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
                    "STALLED: {} readers={} repeat {}: the watchdog tore the cell down; its numbers are partial.",
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
pub struct Report {
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
}

impl Report {
    /// Group `results`' cells (those matching `opts.filter`) and pick the
    /// baseline. `source` names the file in titles and errors.
    pub fn build(
        results: &ResultsFile,
        source: &str,
        opts: &ReportOpts,
    ) -> Result<Report, ReportError> {
        let cells: Vec<&CellResult> = results
            .cells
            .iter()
            .filter(|c| opts.filter.matches(&c.spec))
            .collect();
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
                Section {
                    key,
                    readers,
                    groups,
                }
            })
            .collect();
        Ok(Report {
            source: source.to_string(),
            meta: results.meta.clone(),
            baseline,
            guards,
            sections,
            repeats,
        })
    }

    /// Whether section titles must name the setup (the file mixes setups).
    pub fn mixed_setups(&self) -> bool {
        self.sections
            .iter()
            .any(|s| s.key.setup != self.sections[0].key.setup)
    }

    /// Every reported value: one per section x reader count x guard x
    /// metric, with its change against the baseline at the same cell.
    pub fn entries(&self) -> Vec<Entry<'_>> {
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
                            change: self.change(section, metric, readers, summary),
                        });
                    }
                }
            }
        }
        out
    }

    /// `summary` against the baseline's value at the same cell (`None`
    /// when the baseline has no such cell).
    fn change(
        &self,
        section: &Section,
        metric: Metric,
        readers: usize,
        summary: &Summary,
    ) -> Option<Change> {
        let base = section.group(&self.baseline, readers)?.get(metric)?;
        Some(Change::between(metric, base, summary))
    }

    /// The report laid out for [`text`] and [`markdown`].
    pub fn document(&self) -> Document {
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
                let rows = section
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
                                        value: summary.map(|s| s.value),
                                        change: summary
                                            .and_then(|s| self.change(section, metric, readers, s)),
                                    }
                                })
                                .collect(),
                        })
                    })
                    .collect();
                let mut notes = section.notes(self.meta.logical_cpus);
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
        Document {
            title: format!("zonebench report of {}", self.source),
            header,
            tables,
            lists: Vec::new(),
            footer: footer(
                "(x.xx%) is the change against the baseline guard's value at the same cell, positive = better (the sign is inverted for lower-is-better metrics).",
            ),
        }
    }
}

/// One value of a report (see [`Report::entries`]).
#[derive(Clone, Debug)]
pub struct Entry<'a> {
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
        None if guards.iter().any(|g| g == "seqcount") => Ok("seqcount".into()),
        None => Ok(guards[0].clone()),
    }
}

fn repeats_text((lo, hi): (usize, usize)) -> String {
    if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}-{hi}")
    }
}

/// `(key, value)` lines naming the machine, kernel, build and command.
fn machine_lines(meta: &Meta) -> Vec<(String, String)> {
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
    if meta.partial {
        lines.push((
            "PARTIAL".into(),
            "the run was interrupted; some cells are missing".into(),
        ));
    }
    lines
}

/// The footer shared by reports and comparisons; `change` says what the
/// percentages are against.
fn footer(change: &str) -> Vec<String> {
    vec![
        "Each value combines the repeats of its cell: Hmean = harmonic mean, Amean = arithmetic mean, Max = maximum, Sum = total. Times in ns (allocation latency as the caller sees it, sampled); allocs/s over all readers; retries/M = restarts per million read sections; writer-stall = the longest lock wait plus the longest critical section of one rebuild; stale = walks that touched a depopulated zone. '-' = no value or no percentage (zero baseline).".into(),
        change.into(),
        "*x.xx%* instead of (x.xx%): significant at 95% by Welch's two-sided t-test on the per-repeat values (Welch-Satterthwaite df rounded down); never with fewer than 2 repeats on either side; where neither side varies over its repeats (counters, latencies quantised by the timer), any difference counts as significant.".into(),
    ]
}

// ---------------------------------------------------------------------------
// The layout shared by the text and markdown renderers
// ---------------------------------------------------------------------------

/// A report or comparison laid out, independent of the output format.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
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
pub struct Table {
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
pub struct ColumnGroup {
    pub name: String,
    pub columns: Vec<Column>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// Second header line (`base`, `new`); empty for none.
    pub label: String,
    /// The cells carry a change to show after the value.
    pub shows_change: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TableRow {
    pub label: String,
    /// Show values without decimals.
    pub integral: bool,
    /// One per column, over the groups in order.
    pub cells: Vec<TableCell>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TableCell {
    pub value: Option<f64>,
    pub change: Option<Change>,
}

/// A value for a table: `-` unless finite; whole numbers or >= 10^4
/// without decimals, smaller values with 2, >= 10^10 in exponent form.
pub fn fmt_value(v: f64, integral: bool) -> String {
    let v = if v == 0.0 { 0.0 } else { v }; // no "-0"
    if !v.is_finite() {
        "-".into()
    } else if v.abs() >= 1e10 {
        format!("{v:.3e}")
    } else if integral || v.abs() >= 1e4 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// A change in percent, without the `%`, in at most 6 characters:
/// 2 decimals below 100, 1 below 1000, none below 100000, then a bound.
pub fn fmt_pct(p: f64) -> String {
    let a = p.abs();
    let s = if !p.is_finite() {
        "-".to_string()
    } else if a < 99.995 {
        format!("{p:.2}")
    } else if a < 999.95 {
        format!("{p:.1}")
    } else if a < 99_999.5 {
        format!("{p:.0}")
    } else if p > 0.0 {
        ">99999".to_string()
    } else {
        "<-9999".to_string()
    };
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        "0.00".to_string()
    } else {
        s
    }
}

// ---------------------------------------------------------------------------
// Formats
// ---------------------------------------------------------------------------

/// The output formats of `zonebench report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The review table: ASCII, 80 columns.
    Text,
    /// GitHub markdown tables.
    Markdown,
    /// One row per cell group and metric.
    Csv,
}

/// One output format of a [`Report`] (as hyperfine's `Exporter`).
pub trait Exporter {
    fn export(&self, report: &Report) -> String;
}

impl Format {
    pub fn exporter(self) -> &'static dyn Exporter {
        match self {
            Format::Text => &text::TextExporter,
            Format::Markdown => &markdown::MarkdownExporter,
            Format::Csv => &csv::CsvExporter,
        }
    }
}

/// Report `results` (read from `source`) in `format`.
pub fn report(
    results: &ResultsFile,
    source: &str,
    opts: &ReportOpts,
    format: Format,
) -> Result<String, ReportError> {
    let report = Report::build(results, source, opts)?;
    Ok(format.exporter().export(&report))
}

/// Load the results file at `path` and report it in `format`.
pub fn report_file(path: &Path, opts: &ReportOpts, format: Format) -> Result<String, ReportError> {
    let results = crate::results::io::load(path).map_err(ReportError::Load)?;
    report(&results, &path.display().to_string(), opts, format)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::fixture::{cell, file};

    #[test]
    fn filter_parses_and_rejects_in_one_line() {
        let f = CellFilter::parse("scope=every-alloc,writer=rebuild,readers=2").unwrap();
        assert_eq!(f.scope, Some(Scope::EveryAlloc));
        assert_eq!(f.writer, Some(WriterMode::Rebuild));
        assert_eq!(f.readers, Some(2));
        assert_eq!(f.to_string(), "scope=every-alloc,writer=rebuild,readers=2");
        assert!(CellFilter::parse("").unwrap().is_empty());
        assert_eq!("readers=4".parse::<CellFilter>().unwrap().readers, Some(4));
        for (bad, msg) in [
            (
                "colour=red",
                "--cells: unknown key 'colour' (keys: scope, writer, readers)",
            ),
            (
                "scope=sometimes",
                "--cells: scope 'sometimes' is not one of slowpath, every-alloc",
            ),
            (
                "writer=lots",
                "--cells: writer 'lots' is not one of none, rebuild, hotplug",
            ),
            (
                "readers=0",
                "--cells: readers '0' is not a positive whole number",
            ),
            (
                "readers",
                "--cells: 'readers' is not key=value (keys: scope, writer, readers)",
            ),
            ("readers=1,readers=2", "--cells: readers given twice"),
        ] {
            let e = CellFilter::parse(bad).unwrap_err().to_string();
            assert_eq!(e, msg);
            assert!(!e.contains('\n'));
        }
    }

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
    fn writer_stall_is_max_of_wait_plus_hold_and_absent_without_writer() {
        let mut a = cell("seqcount", 1, 0, 1.0, 1);
        a.writer.lock_wait_ns.max = 100;
        a.writer.critical_ns.max = 50;
        let mut b = cell("seqcount", 1, 1, 1.0, 1);
        b.writer.lock_wait_ns.max = 10;
        b.writer.critical_ns.max = 500;
        let mut c = cell("seqcount", 2, 0, 1.0, 1);
        c.spec.writer = WriterMode::None;
        let r = Report::build(&file(vec![a, b, c]), "x", &ReportOpts::default()).unwrap();
        let s = r.sections[0].group("seqcount", 1).unwrap();
        assert_eq!(s.get(Metric::WriterStall).unwrap().value, 510.0);
        assert!(r.sections[1]
            .group("seqcount", 2)
            .unwrap()
            .get(Metric::WriterStall)
            .is_none());
    }

    #[test]
    fn changes_are_signed_better_positive() {
        let s = |v: f64| Summary {
            value: v,
            samples: vec![v],
        };
        let up = Change::between(Metric::AllocsPerSec, &s(100.0), &s(110.0));
        assert!((up.pct.unwrap() - 10.0).abs() < 1e-9);
        let slower = Change::between(Metric::LatP50, &s(100.0), &s(110.0));
        assert!((slower.pct.unwrap() + 10.0).abs() < 1e-9);
        // One repeat a side: never significant.
        assert!(!up.significant);
        assert_eq!(
            Change::between(Metric::FalseOoms, &s(0.0), &s(3.0)).pct,
            None
        );
        assert_eq!(
            Change::between(Metric::FalseOoms, &s(0.0), &s(0.0)).pct,
            Some(0.0)
        );
        let reps = |v: [f64; 3]| Summary {
            value: mean(&v),
            samples: v.to_vec(),
        };
        let sig = Change::between(
            Metric::LatP99,
            &reps([100.0, 101.0, 99.0]),
            &reps([150.0, 151.0, 149.0]),
        );
        assert!(sig.significant);
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

    #[test]
    fn number_formats() {
        assert_eq!(fmt_value(25_090_490.4, false), "25090490");
        assert_eq!(fmt_value(10.333, false), "10.33");
        assert_eq!(fmt_value(3.0, true), "3");
        assert_eq!(fmt_value(f64::NAN, false), "-");
        assert_eq!(fmt_value(f64::INFINITY, false), "-");
        assert_eq!(fmt_value(-0.0, false), "0.00");
        assert_eq!(fmt_value(1.5e12, false), "1.500e12");
        assert_eq!(fmt_pct(-5.2), "-5.20");
        assert_eq!(fmt_pct(-0.0001), "0.00");
        assert_eq!(fmt_pct(123.44), "123.4");
        assert_eq!(fmt_pct(-12345.0), "-12345");
        assert_eq!(fmt_pct(1e9), ">99999");
        assert_eq!(fmt_pct(-1e9), "<-9999");
        for p in [-99.99, -100.0, 999.9, 99_999.0, -99_999.0, 0.5, 1e300] {
            assert!(fmt_pct(p).len() <= 6, "{p}");
        }
    }
}

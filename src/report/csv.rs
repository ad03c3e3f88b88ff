//! The report as CSV (the `csv` crate's quoting, with Unix line endings,
//! LF, so `awk -F,`, `cut` and `sort` read it as they read any text): a
//! header row, then one row per cell group and metric, for spreadsheets
//! and scripts.
//!
//! The columns are the fields of [`Row`], in order, named as there.
//! `value` is the per-repeat `samples` (`;`-separated; `rounds` the
//! repeat each was measured in) combined as `aggregate` says; `change_pct`
//! is against `baseline` at the same cell, positive = better, empty where
//! no percentage exists, with its 95% interval, its minimum detectable
//! effect, the rounds it rests on, its p and its p corrected for the
//! table (the paired test of `metrics/paired.rs`); `significant` is the
//! table's mark (see `metric::mark`). `paired_value` is what the text and
//! markdown tables show for ns/alloc in place of `value`: the baseline's
//! `value` times the guard's paired ratio (empty for other metrics and for
//! the baseline itself). Numbers are written in full precision; non-finite
//! ones as empty fields.

use super::model::{Entry, Report};
use super::Exporter;
use serde::{Serialize, Serializer};

/// One row: one cell group's metric. The field names are the header.
#[derive(Debug, Serialize)]
struct Row<'a> {
    scope: &'a str,
    writer: &'a str,
    writer_rate_hz: Number,
    pressure: &'a str,
    setup: &'a str,
    readers: usize,
    guard: &'a str,
    baseline: &'a str,
    metric: &'a str,
    aggregate: &'a str,
    higher_is_better: bool,
    value: Number,
    repeats: usize,
    samples: String,
    rounds: String,
    change_pct: Option<Number>,
    ci_low_pct: Option<Number>,
    ci_high_pct: Option<Number>,
    mde_pct: Option<Number>,
    n: Option<usize>,
    p: Option<Number>,
    p_adjusted: Option<Number>,
    significant: bool,
    paired_value: Option<Number>,
}

impl<'a> Row<'a> {
    fn of(report: &'a Report, e: &Entry<'a>) -> Row<'a> {
        let spec = e.section.key.spec();
        let change = e.change;
        let ci = change.and_then(|c| c.ci);
        let joined = |xs: Vec<String>| xs.join(";");
        Row {
            scope: spec.scope.name(),
            writer: spec.writer.name(),
            writer_rate_hz: Number(spec.writer_rate_hz),
            pressure: spec.pressure.name(),
            setup: &e.section.key.setup,
            readers: e.group.readers,
            guard: &e.group.guard,
            baseline: &report.baseline,
            metric: e.metric.name(),
            aggregate: e.metric.aggregate().name(),
            higher_is_better: e.metric.higher_is_better(),
            value: Number(e.summary.value),
            repeats: e.group.repeats,
            samples: joined(e.summary.samples.iter().map(|&x| number(x)).collect()),
            rounds: joined(e.summary.rounds.iter().map(|r| r.to_string()).collect()),
            change_pct: change.and_then(|c| c.pct).map(Number),
            ci_low_pct: ci.map(|c| Number(c.0)),
            ci_high_pct: ci.map(|c| Number(c.1)),
            mde_pct: change.and_then(|c| c.mde).map(Number),
            n: change.map(|c| c.n),
            p: change.map(|c| Number(c.p)),
            p_adjusted: change.map(|c| Number(c.p_adjusted)),
            significant: change.is_some_and(|c| c.significant),
            paired_value: e.summary.paired.map(Number),
        }
    }
}

/// A number as the CSV writes it (see [`number`]).
#[derive(Clone, Copy, Debug)]
struct Number(f64);

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&number(self.0))
    }
}

/// A finite number in full precision (Rust's shortest form that reads
/// back the same, `-0` as `0`), else the empty string.
fn number(x: f64) -> String {
    if x.is_finite() {
        let x = if x == 0.0 { 0.0 } else { x };
        x.to_string()
    } else if x.is_infinite() {
        // An unbounded figure (a detectable effect with too few rounds),
        // not a missing one.
        if x > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        String::new()
    }
}

/// [`Exporter`] for CSV.
#[derive(Debug, Clone, Copy)]
pub(super) struct CsvExporter;

impl Exporter for CsvExporter {
    fn export(&self, report: &Report) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        for e in report.entries() {
            // Writing to memory fails only on a bug (a row of another shape).
            w.serialize(Row::of(report, &e))
                .expect("a CSV row written to memory");
        }
        let bytes = w.into_inner().expect("CSV written to memory");
        String::from_utf8(bytes).expect("CSV of UTF-8 fields")
    }
}

#[cfg(test)]
mod tests {
    use super::super::metric::Metric;
    use super::super::{report, Format, ReportOpts};
    use crate::results::fixture::{all_guards, cell, file};
    use crate::results::ResultsFile;

    /// The header and rows of `text`, read by the `csv` crate (a CR in a
    /// line is an error: the lines end in LF).
    fn parse(text: &str) -> (Vec<String>, Vec<csv::StringRecord>) {
        assert!(!text.contains('\r'), "CR in the CSV");
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header = r.headers().unwrap().iter().map(str::to_string).collect();
        let rows = r.records().map(|x| x.unwrap()).collect();
        (header, rows)
    }

    fn csv_of(f: &ResultsFile) -> String {
        report(f, "x.json", &ReportOpts::default(), Format::Csv).unwrap()
    }

    /// The columns, in order: the same as before `paired_value` was added
    /// at the end.
    const COLUMNS: [&str; 24] = [
        "scope",
        "writer",
        "writer_rate_hz",
        "pressure",
        "setup",
        "readers",
        "guard",
        "baseline",
        "metric",
        "aggregate",
        "higher_is_better",
        "value",
        "repeats",
        "samples",
        "rounds",
        "change_pct",
        "ci_low_pct",
        "ci_high_pct",
        "mde_pct",
        "n",
        "p",
        "p_adjusted",
        "significant",
        "paired_value",
    ];

    #[test]
    fn one_row_per_group_and_metric_under_a_header() {
        let f = all_guards();
        let (header, rows) = parse(&csv_of(&f));
        assert_eq!(header, COLUMNS);
        for r in &rows {
            assert_eq!(r.len(), COLUMNS.len(), "{r:?}");
        }
        // Every guard x 2 reader counts x the metrics that apply (the
        // fixture's writer is not hotplug: no false-kills/M).
        let applying = Metric::ALL
            .iter()
            .filter(|m| m.applies(f.cells[0].spec.writer))
            .count();
        assert_eq!(rows.len(), crate::guard::ALL.len() * 2 * applying);
        let col = |name: &str| COLUMNS.iter().position(|c| *c == name).unwrap();
        let find = |guard: &str, metric: &str| {
            rows.iter()
                .find(|r| &r[col("guard")] == guard && &r[col("metric")] == metric)
                .unwrap()
        };
        let none = find("none", "false-ooms/M");
        assert_eq!(none[col("samples")].split(';').count(), 6);
        assert_eq!(&none[col("rounds")], "0;1;2;3;4;5");
        // Baseline 0: no percentage, no test, no mark.
        assert_eq!(&none[col("change_pct")], "");
        assert_eq!(&none[col("p")], "");
        assert_eq!(&none[col("significant")], "false");
        assert_eq!(&none[col("paired_value")], "");
        // A tested change: inside its interval, six rounds all one way.
        let rcu = find("rcu", "allocs/s");
        let num = |name: &str| rcu[col(name)].parse::<f64>().unwrap();
        assert!(num("ci_low_pct") <= num("change_pct") && num("change_pct") <= num("ci_high_pct"));
        assert_eq!(&rcu[col("n")], "6");
        assert_eq!(num("p"), 2.0 / 64.0);
        assert!(num("mde_pct") < 1.0, "{rcu:?}");
        assert_eq!(&rcu[col("significant")], "true");
        assert_eq!(none[col("setup")].split(' ').next(), Some("nodes=1"));
        let base = find("seqcount", "allocs/s");
        assert_eq!(&base[col("change_pct")], "0");
        assert_eq!(&base[col("significant")], "false");
        // ns/alloc: the paired estimate beside the mean, for every guard
        // but the baseline.
        assert_eq!(&find("seqcount", "ns/alloc")[col("paired_value")], "");
        let paired = &find("rcu", "ns/alloc")[col("paired_value")];
        assert!(paired.parse::<f64>().unwrap() > 0.0, "{paired:?}");
    }

    /// `value` is what the row's own `samples` aggregate to: for every
    /// Amean row, their mean (the paired ns/alloc has its own column).
    #[test]
    fn every_amean_value_is_the_mean_of_its_samples() {
        let reference = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("results")
            .join("reference-2cpu-epyc.json");
        let files = [all_guards(), crate::results::io::load(&reference).unwrap()];
        for f in &files {
            let (header, rows) = parse(&csv_of(f));
            let col = |name: &str| header.iter().position(|c| c == name).unwrap();
            let mut checked = 0;
            for r in &rows {
                if &r[col("aggregate")] != "Amean" || r[col("samples")].is_empty() {
                    continue;
                }
                // A sample that is not a number (an empty field: a rate of
                // no events over nothing) leaves no mean, and no value.
                let samples: Vec<f64> = r[col("samples")]
                    .split(';')
                    .map(|x| x.parse().unwrap_or(f64::NAN))
                    .collect();
                let mean = samples.iter().sum::<f64>() / samples.len() as f64;
                let value: f64 = r[col("value")].parse().unwrap_or(f64::NAN);
                if mean.is_nan() {
                    assert!(value.is_nan(), "{value} from samples with a gap: {r:?}");
                    continue;
                }
                assert!(
                    (value - mean).abs() <= 1e-9 * mean.abs().max(1.0),
                    "{value} is not the mean {mean} of its samples: {r:?}"
                );
                checked += 1;
            }
            assert!(checked > 100, "{checked} rows checked");
        }
    }

    #[test]
    fn odd_guard_names_are_quoted() {
        let f = file(vec![cell("a,\"b\"", 1, 0, 1.0, 1)]);
        let text = csv_of(&f);
        assert!(text.contains("\"a,\"\"b\"\"\""), "{text}");
        let (header, rows) = parse(&text);
        assert!(rows.iter().all(|r| r.len() == header.len()));
        assert_eq!(&rows[0][6], "a,\"b\"");
    }
}

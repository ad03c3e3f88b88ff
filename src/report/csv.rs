//! The report as CSV (RFC 4180's quoting, with Unix line endings, LF, so
//! `awk -F,`, `cut` and `sort` read it as they read any text): a header row, then one row per cell group
//! and metric, for spreadsheets and scripts.
//!
//! Columns: `scope, writer, writer_rate_hz, pressure, setup, readers,
//! guard, baseline, metric, aggregate, higher_is_better, value, repeats,
//! samples, rounds, change_pct, ci_low_pct, ci_high_pct, mde_pct, n, p,
//! p_adjusted, significant`. `value` combines the repeats as `aggregate`
//! says; `samples` are the per-repeat values, `;`-separated, and `rounds`
//! the repeat each was measured in; `change_pct` is against `baseline` at
//! the same cell, positive = better, empty where no percentage exists,
//! with its 95% interval, its minimum detectable effect, the rounds it
//! rests on, its p and its p corrected for the table (the paired test of
//! `metrics/paired.rs`); `significant` is the table's mark (see
//! `metric::mark`).
//! Numbers are written in full precision; non-finite ones as empty fields.

use super::model::Report;
use super::Exporter;

/// The header row's fields.
const COLUMNS: [&str; 23] = [
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
];

/// [`Exporter`] for CSV.
#[derive(Debug, Clone, Copy)]
pub(super) struct CsvExporter;

impl Exporter for CsvExporter {
    fn export(&self, report: &Report) -> String {
        let mut out = record(COLUMNS.iter().map(|c| c.to_string()));
        for e in report.entries() {
            let key = &e.section.key;
            let samples: Vec<String> = e.summary.samples.iter().map(|&x| number(x)).collect();
            let rounds: Vec<String> = e.summary.rounds.iter().map(|r| r.to_string()).collect();
            out.push_str(&record([
                key.spec().scope.name().to_string(),
                key.spec().writer.name().to_string(),
                number(key.spec().writer_rate_hz),
                key.spec().pressure.name().to_string(),
                key.setup.clone(),
                e.group.readers.to_string(),
                e.group.guard.clone(),
                report.baseline.clone(),
                e.metric.name().to_string(),
                e.metric.aggregate().name().to_string(),
                e.metric.higher_is_better().to_string(),
                number(e.summary.value),
                e.group.repeats.to_string(),
                samples.join(";"),
                rounds.join(";"),
                e.change.and_then(|c| c.pct).map(number).unwrap_or_default(),
                e.change
                    .and_then(|c| c.ci)
                    .map(|c| number(c.0))
                    .unwrap_or_default(),
                e.change
                    .and_then(|c| c.ci)
                    .map(|c| number(c.1))
                    .unwrap_or_default(),
                e.change.and_then(|c| c.mde).map(number).unwrap_or_default(),
                e.change.map(|c| c.n.to_string()).unwrap_or_default(),
                e.change.map(|c| number(c.p)).unwrap_or_default(),
                e.change.map(|c| number(c.p_adjusted)).unwrap_or_default(),
                e.change.is_some_and(|c| c.significant).to_string(),
            ]));
        }
        out
    }
}

/// A finite number in full precision, else the empty string.
fn number(x: f64) -> String {
    if x.is_finite() {
        let x = if x == 0.0 { 0.0 } else { x };
        x.to_string()
    } else {
        String::new()
    }
}

/// One CSV line, ending in LF (RFC 4180 says CRLF, which leaves a `\r` in
/// the last field for every line-oriented Unix tool; spreadsheets read
/// either).
fn record(fields: impl IntoIterator<Item = String>) -> String {
    let mut line = fields
        .into_iter()
        .map(|f| quote(&f))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

/// `field` as a CSV field: in double quotes, with quotes doubled, when it
/// holds a comma, quote or line break (or starts or ends with a space).
fn quote(field: &str) -> String {
    let needs =
        field.contains([',', '"', '\n', '\r']) || field.starts_with(' ') || field.ends_with(' ');
    if needs {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::super::metric::Metric;
    use super::super::{report, Format, ReportOpts};
    use super::*;
    use crate::results::fixture::{all_guards, cell, file};

    /// A strict reader of RFC 4180 quoting with LF line ends: records of
    /// fields (a CR anywhere outside quotes is an error).
    fn parse(text: &str) -> Vec<Vec<String>> {
        let mut records = Vec::new();
        let mut record = Vec::new();
        let mut field = String::new();
        let mut chars = text.chars().peekable();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => field.push(c),
                (false, '"') if field.is_empty() => quoted = true,
                (false, ',') => record.push(std::mem::take(&mut field)),
                (false, '\n') => {
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                (false, '\r') => panic!("CR in a CSV line"),
                (false, c) => field.push(c),
            }
        }
        assert!(!quoted, "unterminated quote");
        if !field.is_empty() || !record.is_empty() {
            record.push(field);
            records.push(record);
        }
        records
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("two\nlines"), "\"two\nlines\"");
        let back = parse(&record(["a,b".into(), "q\"".into(), "x".into()]));
        assert_eq!(back, [["a,b", "q\"", "x"]]);
    }

    #[test]
    fn one_row_per_group_and_metric_under_a_header() {
        let f = all_guards();
        let csv = report(&f, "x.json", &ReportOpts::default(), Format::Csv).unwrap();
        let rows = parse(&csv);
        assert_eq!(rows[0], COLUMNS);
        for r in &rows {
            assert_eq!(r.len(), COLUMNS.len(), "{r:?}");
        }
        // Every guard x 2 reader counts x the metrics that apply (the
        // fixture's writer is not hotplug: no false-kills/M).
        let applying = Metric::ALL
            .iter()
            .filter(|m| m.applies(f.cells[0].spec.writer))
            .count();
        assert_eq!(rows.len() - 1, crate::guard::ALL.len() * 2 * applying);
        let col = |name: &str| COLUMNS.iter().position(|c| *c == name).unwrap();
        let none = rows
            .iter()
            .find(|r| r[col("guard")] == "none" && r[col("metric")] == "false-ooms/M")
            .unwrap();
        assert_eq!(none[col("samples")].split(';').count(), 6);
        assert_eq!(none[col("rounds")], "0;1;2;3;4;5");
        // Baseline 0: no percentage, no test, no mark.
        assert_eq!(none[col("change_pct")], "");
        assert_eq!(none[col("p")], "");
        assert_eq!(none[col("significant")], "false");
        // A tested change: inside its interval, six rounds all one way.
        let rcu = rows
            .iter()
            .find(|r| r[col("guard")] == "rcu" && r[col("metric")] == "allocs/s")
            .unwrap();
        let num = |name: &str| rcu[col(name)].parse::<f64>().unwrap();
        assert!(num("ci_low_pct") <= num("change_pct") && num("change_pct") <= num("ci_high_pct"));
        assert_eq!(rcu[col("n")], "6");
        assert_eq!(num("p"), 2.0 / 64.0);
        assert!(num("mde_pct") < 1.0, "{rcu:?}");
        assert_eq!(rcu[col("significant")], "true");
        assert_eq!(none[col("setup")].split(' ').next(), Some("nodes=1"));
        let base = rows
            .iter()
            .find(|r| r[col("guard")] == "seqcount" && r[col("metric")] == "allocs/s")
            .unwrap();
        assert_eq!(base[col("change_pct")], "0");
        assert_eq!(base[col("significant")], "false");
    }

    #[test]
    fn odd_guard_names_are_quoted() {
        let f = file(vec![cell("a,\"b\"", 1, 0, 1.0, 1)]);
        let csv = report(&f, "x.json", &ReportOpts::default(), Format::Csv).unwrap();
        let rows = parse(&csv);
        assert!(rows.iter().all(|r| r.len() == COLUMNS.len()));
        assert_eq!(rows[1][6], "a,\"b\"");
    }
}

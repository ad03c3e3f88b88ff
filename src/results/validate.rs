//! What no run could have written, refused when a results file is loaded:
//! negative or non-finite rates and times, no readers, no CPUs, negative
//! writer rates, and a cell listed twice (which would double its repeats
//! and make a change that is not significant look significant). The error
//! names the field as the file spells it, as `cells[3].allocs_per_sec: -5`.

use crate::results::ResultsFile;
use std::collections::HashSet;

/// Check `file` as [`crate::results::io::load`] does.
pub fn validate(file: &ResultsFile) -> Result<(), String> {
    if file.meta.logical_cpus == 0 {
        return Err("meta.logical_cpus: 0 (a run records at least 1)".into());
    }
    let c = &file.config;
    if let Some(r) = c.readers.iter().find(|&&r| r == 0) {
        return Err(format!("config.readers: {r} (at least 1)"));
    }
    for (i, &hz) in c.writer_rates_hz.iter().enumerate() {
        non_negative(&format!("config.writer_rates_hz[{i}]"), hz)?;
    }
    non_negative("config.duration_s", c.duration_s)?;
    non_negative("config.warmup_s", c.warmup_s)?;
    for (list, cells) in [("cells", &file.cells), ("discarded", &file.discarded)] {
        for (i, cell) in cells.iter().enumerate() {
            let at = |field: &str| format!("{list}[{i}].{field}");
            let s = &cell.spec;
            if s.readers == 0 {
                return Err(format!("{}: 0 (at least 1)", at("readers")));
            }
            if s.nodes == 0 {
                return Err(format!("{}: 0 (at least 1)", at("nodes")));
            }
            for (field, v) in [
                ("writer_rate_hz", s.writer_rate_hz),
                ("duration_s", s.duration_s),
                ("warmup_s", s.warmup_s),
                ("measured_s", cell.measured_s),
                ("allocs_per_sec", cell.allocs_per_sec),
                ("allocs_per_sec_min_reader", cell.allocs_per_sec_min_reader),
                ("allocs_per_sec_max_reader", cell.allocs_per_sec_max_reader),
                ("retries_per_million", cell.retries_per_million),
                ("read_latency_ns.mean", cell.read_latency_ns.mean),
                ("section_ns.mean", cell.section_ns.mean),
                ("writer_cpu_share", cell.writer_cpu_share),
            ] {
                non_negative(&at(field), v)?;
            }
            for (field, v) in [
                ("cpu_share", cell.cpu_share),
                ("probe_rtt_ns", cell.probe_rtt_ns),
                ("probe_end_ns", cell.probe_end_ns),
            ] {
                if let Some(v) = v {
                    non_negative(&at(field), v)?;
                }
            }
        }
    }
    let mut seen = HashSet::new();
    for (i, cell) in file.cells.iter().enumerate() {
        let id = (
            serde_json::to_string(cell.spec.key().spec()).unwrap_or_default(),
            cell.spec.repeat,
        );
        if !seen.insert(id) {
            return Err(format!(
                "cells[{i}]: a second copy of {} {} readers={} writer={} repeat {} (a cell is listed once)",
                cell.spec.guard,
                cell.spec.scope.name(),
                cell.spec.readers,
                cell.spec.writer.name(),
                cell.spec.repeat
            ));
        }
    }
    for (i, s) in file.summary.iter().enumerate() {
        if let Some(v) = s.allocs_per_sec_hmean {
            non_negative(&format!("summary[{i}].allocs_per_sec_hmean"), v)?;
        }
        if s.readers == 0 {
            return Err(format!("summary[{i}].readers: 0 (at least 1)"));
        }
    }
    Ok(())
}

fn non_negative(field: &str, v: f64) -> Result<(), String> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(format!(
            "{field}: {v} (a run writes a finite value of 0 or more)"
        ))
    }
}

//! The tables `zonebench run` prints for a run that is not a sweep: one
//! row per cell with its rounds combined, the interrupt table, the rounds'
//! outcome, the floors.

use crate::metrics::stats::ci95_half_width;
use crate::results::repeats::Repeats;
use crate::results::schema::GroupRounds;
use crate::results::CellResult;
use crate::workload::floors::Floors;
use crate::workload::irq::IRQ_DEADLOCK_BOUND;
use crate::workload::spec::{CellKey, Dim};
use std::fmt::Write as _;

pub(super) fn print_floors(o: &mut String, f: &Floors) {
    outln!(
        o,
        "floors (ns): seqcount read pair {:.2}, spinlock round trip {:.2}, rwlock read {:.2}, arc-swap load {:.2}, epoch pin {:.2}",
        f.seqcount_read_pair_ns, f.spinlock_round_trip_ns, f.rwlock_read_ns, f.arc_swap_load_ns, f.epoch_pin_ns
    );
    outln!(o, "{}", f.round_trip_line());
    if f.guard_section_ns.is_empty() {
        return;
    }
    let sections: Vec<String> = f
        .guard_section_ns
        .iter()
        .map(|(g, ns)| format!("{g} {ns:.2}"))
        .collect();
    outln!(
        o,
        "empty read section, uncontended (ns): {}",
        sections.join(", ")
    );
    for line in f.targets() {
        outln!(o, "target: {line}");
    }
}

/// The columns that name a cell in the per-cell tables, and their header.
const KEY_HEADER: &str = "guard             scope       writer            rd rnd";

/// Each cell's rounds: the cells in first-seen order but, within a group
/// of cells that differ only in their guard (whose rounds run in a
/// shuffled order), in `guards`' order.
fn by_cell<'a>(cells: &'a [CellResult], guards: &[String]) -> Vec<Repeats<'a>> {
    let mut out: Vec<Repeats<'a>> = Vec::new();
    for c in cells {
        match out.iter_mut().find(|r| r[0].spec.key() == c.spec.key()) {
            Some(r) => r.push(c),
            None => out.push(Repeats(vec![c])),
        }
    }
    let group = |r: &Repeats<'_>| r[0].spec.key().without(&[Dim::Guard]);
    let mut groups: Vec<CellKey> = Vec::new();
    for r in &out {
        if !groups.contains(&group(r)) {
            groups.push(group(r));
        }
    }
    let rank = |r: &Repeats<'_>| {
        (
            groups.iter().position(|g| *g == group(r)),
            guards.iter().position(|g| *g == r[0].spec.guard),
        )
    };
    out.sort_by_key(rank);
    out
}

fn cell_key(r: &Repeats<'_>) -> String {
    let c = &r[0].spec;
    format!(
        "{:<17} {:<11} {:<16} {:>3} {:>3}",
        c.guard,
        c.scope.name(),
        c.writer_label(),
        c.readers,
        r.len()
    )
}

/// One row per cell, its rounds combined: allocations per second by
/// harmonic mean with the 95% interval of their mean in percent of it
/// (the spread of the absolute rate: the comparisons rest on the review
/// table's paired ratios), latencies by mean, counters summed.
pub(super) fn print_table(o: &mut String, cells: &[CellResult], guards: &[String], reruns: u64) {
    outln!(
        o,
        "{KEY_HEADER} {:>11} {:>6} {:>6} {:>6} {:>9} {:>7} {:>5} {:>5} {:>6} {:>3} {:>4} {:>8}",
        "allocs/s",
        "+-95%",
        "lat50",
        "lat99",
        "slowpath",
        "retries",
        "f-oom",
        "t-oom",
        "stale",
        "iso",
        "lost",
        "rebuilds"
    );
    for r in by_cell(cells, guards) {
        let rate = r.allocs_per_sec();
        let spread = ci95_half_width(&r.values(|c| c.allocs_per_sec)) / rate * 100.0;
        outln!(
            o,
            "{} {:>11.0} {:>6} {:>6.0} {:>6.0} {:>9} {:>7} {:>5} {:>5} {:>6} {:>3} {:>4} {:>8}{}",
            cell_key(&r),
            rate,
            if spread.is_finite() {
                format!("{spread:.1}%")
            } else {
                "-".into()
            },
            r.mean(|c| c.read_latency_ns.p50 as f64),
            r.mean(|c| c.read_latency_ns.p99 as f64),
            r.sum(|c| c.stats.slowpath_entries),
            r.sum(|c| c.stats.retries),
            r.sum(|c| c.stats.false_ooms),
            r.sum(|c| c.stats.true_ooms),
            r.sum(|c| c.stats.stale_zone_visits),
            r.sum(|c| c.stats.isolated_allocs),
            r.sum(|c| c.pages_lost),
            r.sum(|c| c.writer.rebuilds),
            markers(&r)
        );
    }
    outln!(
        o,
        "rnd: rounds; allocs/s: harmonic mean over them, +-95%: the 95% interval of their mean (Student's t) in percent, the machine's drift included; lat50/lat99: allocation latency percentiles, ns (sampled; see the results' meta), mean over the rounds; counters: totals over the rounds"
    );
    let disturbed = cells.iter().filter(|c| c.disturbed).count();
    if reruns > 0 || disturbed > 0 {
        outln!(
            o,
            "disturbed: {reruns} repeats measured again (first tries kept in the file), {disturbed} kept disturbed after the last try"
        );
    }
    if cells.iter().any(|c| c.spec.irq) {
        print_irq_table(o, cells, guards);
    }
}

/// The flags after a cell's row: disturbed, STALLED, DEADLOCK (with the
/// rounds they hit where that is not all of them), oversubscribed.
fn markers(r: &Repeats<'_>) -> String {
    let mut m = String::new();
    let mut flag = |name: &str, hit: usize| match hit {
        0 => {}
        n if n == r.len() => m.push_str(&format!("  {name}")),
        n => m.push_str(&format!("  {name} {n}/{}", r.len())),
    };
    flag("disturbed", r.iter().filter(|c| c.disturbed).count());
    flag("STALLED", r.iter().filter(|c| c.stalled).count());
    flag(
        "DEADLOCK",
        r.iter().filter(|c| c.writer.irq.irq_deadlocks > 0).count(),
    );
    if r.iter().any(|c| c.oversubscribed && !c.stalled) {
        m.push_str("  oversubscribed");
    }
    m
}

/// `--irq`: what the interrupts raised inside the rebuilds did.
fn print_irq_table(o: &mut String, cells: &[CellResult], guards: &[String]) {
    outln!(
        o,
        "\n{KEY_HEADER} {:>6} {:>6} {:>6} {:>9} {:>9} {:>8} {:>5} {:>6}",
        "irqs",
        "inline",
        "defer",
        "delay50",
        "delaymax",
        "deadlock",
        "unbnd",
        "a-fail"
    );
    for r in by_cell(cells, guards) {
        let delayed = r.iter().any(|c| c.writer.irq.irq_delay_ns.count > 0);
        let delay = |v: f64| {
            if delayed {
                format!("{v:.0}")
            } else {
                "-".to_string()
            }
        };
        let irq = |f: fn(&CellResult) -> u64| r.sum(f);
        outln!(
            o,
            "{} {:>6} {:>6} {:>6} {:>9} {:>9} {:>8} {:>5} {:>6}",
            cell_key(&r),
            irq(|c| c.writer.irq.irqs),
            irq(|c| c.writer.irq.irq_inline),
            irq(|c| c.writer.irq.irq_deferred),
            delay(r.mean(|c| c.writer.irq.irq_delay_ns.p50 as f64)),
            delay(r.max(|c| c.writer.irq.irq_delay_ns.max) as f64),
            irq(|c| c.writer.irq.irq_deadlocks),
            irq(|c| c.writer.irq.irq_unbounded),
            irq(|c| c.writer.irq.irq_allocs_failed)
        );
    }
    outln!(
        o,
        "irqs: interrupts raised inside rebuilds (one each); inline: handled at once; defer: masked, handled after the section, delay50/delaymax: ns from raise to handler; deadlock: handlers that waited on their own writer (abandoned after {} ms); unbnd: not run (the guard's read side waits where no bound can be put); a-fail: handler allocations that failed",
        IRQ_DEADLOCK_BOUND.as_millis()
    );
}

/// With a CI target: how each group of compared cells ended its rounds.
pub(super) fn print_rounds(o: &mut String, rounds: &[GroupRounds], target: Option<f64>) {
    let Some(target) = target else {
        return;
    };
    let met = rounds.iter().filter(|r| r.stopped == "target").count();
    let lo = rounds.iter().map(|r| r.rounds).min().unwrap_or(0);
    let hi = rounds.iter().map(|r| r.rounds).max().unwrap_or(0);
    outln!(
        o,
        "ci-target +-{target}%: met in {met} of {} groups of compared cells, after {lo}-{hi} rounds",
        rounds.len(),
    );
    for r in rounds.iter().filter(|r| r.stopped != "target") {
        let widest = match (&r.widest_guard, r.widest_half_width_pct) {
            (Some(g), Some(h)) => format!("{g} +-{h:.1}%"),
            _ => "no interval yet".to_string(),
        };
        let why = match r.stopped.as_str() {
            "budget" => "the next round would overrun the time budget",
            "max" => "the most rounds allowed ran",
            _ => "the run ended",
        };
        outln!(
            o,
            "  not met: {}, {} rounds ({why}); widest interval: {widest}",
            r.cells,
            r.rounds
        );
    }
}

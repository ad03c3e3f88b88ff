//! The tables `zonebench run` prints for a run that is not a sweep: one
//! row per cell, the repeats summary, the interrupt table, the floors.

use crate::results::schema::RepeatSummary;
use crate::results::CellResult;
use crate::workload::floors::Floors;
use crate::workload::irq::IRQ_DEADLOCK_BOUND;
use std::fmt::Write as _;

pub(super) fn print_floors(o: &mut String, f: &Floors) {
    outln!(
        o,
        "floors (ns): seqcount read pair {:.2}, spinlock round trip {:.2}, rwlock read {:.2}, arc-swap load {:.2}, epoch pin {:.2}",
        f.seqcount_read_pair_ns, f.spinlock_round_trip_ns, f.rwlock_read_ns, f.arc_swap_load_ns, f.epoch_pin_ns
    );
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

pub(super) fn print_summary(o: &mut String, rows: &[RepeatSummary]) {
    let ci = |v: Option<f64>| v.map(|v| format!("{v:.0}")).unwrap_or_else(|| "-".into());
    let pct = |v: Option<f64>| v.map(|v| format!("{v:.1}%")).unwrap_or_else(|| "-".into());
    outln!(
        o,
        "\n{:<17} {:<11} {:<16} {:>3} {:>4} {:>12} {:>10} {:>8} {:>7} {:>6}",
        "guard",
        "scope",
        "writer",
        "rd",
        "reps",
        "hmean a/s",
        "+-95%",
        "p50 ns",
        "+-95%",
        "ci/p50"
    );
    for r in rows {
        outln!(
            o,
            "{:<17} {:<11} {:<16} {:>3} {:>4} {:>12.0} {:>10} {:>8.1} {:>7} {:>6}",
            r.guard,
            r.scope,
            r.writer_label(),
            r.readers,
            r.repeats,
            r.allocs_per_sec_hmean,
            ci(r.allocs_per_sec_ci95),
            r.lat_p50_mean,
            ci(r.lat_p50_ci95),
            pct(r.lat_p50_ci95_pct)
        );
    }
    outln!(o, "+-95%: half-width of the 95% CI of the mean over the repeats (Student's t); ci/p50: that half-width over the mean p50");
}

/// The columns that name a cell in the per-cell tables, and their header.
const KEY_HEADER: &str = "guard             scope       writer            rd rep";

fn cell_key(c: &CellResult) -> String {
    format!(
        "{:<17} {:<11} {:<16} {:>3} {:>3}",
        c.spec.guard,
        c.spec.scope.name(),
        c.spec.writer_label(),
        c.spec.readers,
        c.spec.repeat
    )
}

pub(super) fn print_table(o: &mut String, cells: &[CellResult], reruns: u64) {
    outln!(
        o,
        "{KEY_HEADER} {:>11} {:>6} {:>6} {:>9} {:>7} {:>5} {:>5} {:>6} {:>3} {:>4} {:>8}",
        "allocs/s",
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
    for c in cells {
        outln!(
            o,
            "{} {:>11.0} {:>6} {:>6} {:>9} {:>7} {:>5} {:>5} {:>6} {:>3} {:>4} {:>8}{}",
            cell_key(c),
            c.allocs_per_sec,
            c.read_latency_ns.p50,
            c.read_latency_ns.p99,
            c.stats.slowpath_entries,
            c.stats.retries,
            c.stats.false_ooms,
            c.stats.true_ooms,
            c.stats.stale_zone_visits,
            c.stats.isolated_allocs,
            c.pages_lost,
            c.writer.rebuilds,
            markers(c)
        );
    }
    outln!(
        o,
        "lat50/lat99: allocation latency percentiles, ns (sampled; see the results' meta)"
    );
    let disturbed = cells.iter().filter(|c| c.disturbed).count();
    if reruns > 0 || disturbed > 0 {
        outln!(
            o,
            "disturbed: {reruns} repeats measured again (first tries kept in the file), {disturbed} kept disturbed after the last try"
        );
    }
    if cells.iter().any(|c| c.spec.irq) {
        print_irq_table(o, cells);
    }
}

/// The flags after a cell's row: disturbed, STALLED, DEADLOCK,
/// oversubscribed.
fn markers(c: &CellResult) -> String {
    let mut m = String::new();
    if c.disturbed {
        m.push_str("  disturbed");
    }
    if c.stalled {
        m.push_str("  STALLED");
    }
    if c.writer.irq.irq_deadlocks > 0 {
        m.push_str("  DEADLOCK");
    }
    if c.oversubscribed && !c.stalled {
        m.push_str("  oversubscribed");
    }
    m
}

/// `--irq`: what the interrupts raised inside the rebuilds did.
fn print_irq_table(o: &mut String, cells: &[CellResult]) {
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
    for c in cells {
        let irq = &c.writer.irq;
        let delay = |v: u64| {
            if irq.irq_delay_ns.count == 0 {
                "-".to_string()
            } else {
                v.to_string()
            }
        };
        outln!(
            o,
            "{} {:>6} {:>6} {:>6} {:>9} {:>9} {:>8} {:>5} {:>6}",
            cell_key(c),
            irq.irqs,
            irq.irq_inline,
            irq.irq_deferred,
            delay(irq.irq_delay_ns.p50),
            delay(irq.irq_delay_ns.max),
            irq.irq_deadlocks,
            irq.irq_unbounded,
            irq.irq_allocs_failed
        );
    }
    outln!(
        o,
        "irqs: interrupts raised inside rebuilds (one each); inline: handled at once; defer: masked, handled after the section, delay50/delaymax: ns from raise to handler; deadlock: handlers that waited on their own writer (abandoned after {} ms); unbnd: not run (the guard's read side waits where no bound can be put); a-fail: handler allocations that failed",
        IRQ_DEADLOCK_BOUND.as_millis()
    );
}

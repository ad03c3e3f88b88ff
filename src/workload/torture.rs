//! `zonebench torture`, in the manner of the kernel's locktorture and
//! rcutorture: random cells (guard, scope, readers up to twice the CPUs,
//! writer mode and rate, memory pressure, writer hold time, PREEMPT_RT
//! semantics, simulated nodes, cell length) drawn from a seeded generator
//! for a given time, each checked when it ends. A seed replays the same
//! sequence of cells (the interleavings inside them differ: they are real
//! threads).
//!
//! What fails a cell is judged in `results/torture.rs`.

use crate::alloc::{Kernel, Printk, Scope};
use crate::workload::irq::IRQ_DEADLOCK_BOUND;
use crate::workload::reader::XorShift;
use crate::workload::spec::{CellSpec, Pressure, WriterMode};

/// Draw the next cell from `rng`: one of `guards`, on a machine of `cpus`.
pub fn random_cell(rng: &mut XorShift, guards: &[String], cpus: usize, index: usize) -> CellSpec {
    let pick = |rng: &mut XorShift, n: usize| rng.below(n as u64) as usize;
    let guard = guards[pick(rng, guards.len())].clone();
    let scope = [Scope::Slowpath, Scope::EveryAlloc][pick(rng, 2)];
    let readers = 1 + pick(rng, 2 * cpus.max(1));
    // Hotplug most often: it exercises isolation, migration and the race.
    let writer = [
        WriterMode::None,
        WriterMode::Rebuild,
        WriterMode::Hotplug,
        WriterMode::Hotplug,
    ][pick(rng, 4)];
    // Log-uniform from 100 Hz to 20 kHz.
    let writer_rate_hz = if writer == WriterMode::None {
        0.0
    } else {
        (100f64.ln() + (20_000f64 / 100.0).ln() * pick(rng, 1000) as f64 / 1000.0)
            .exp()
            .round()
    };
    let pressure = [Pressure::Low, Pressure::High, Pressure::High][pick(rng, 3)];
    let writer_hold_us: f64 = [0.0, 0.0, 0.0, 20.0, 200.0][pick(rng, 5)];
    // A writer inside its section at most half the time: beyond that,
    // readers of a lock guard starve by design, which is not a failure.
    let writer_rate_hz = if writer_hold_us > 0.0 {
        writer_rate_hz.min((0.5e6 / writer_hold_us).round())
    } else {
        writer_rate_hz
    };
    let nodes = [1, 1, 2, 4][pick(rng, 4)];
    // Interrupts in the write section; where the guard deadlocks, each
    // rebuild then lasts the deadlock bound, so the writer is held to a
    // rate that leaves it outside its section at least half the time.
    let irq = writer != WriterMode::None && pick(rng, 4) == 0;
    let writer_rate_hz = if irq {
        writer_rate_hz.min(0.5 / IRQ_DEADLOCK_BOUND.as_secs_f64())
    } else {
        writer_rate_hz
    };
    // Console output inside the section: the writer, again, inside it at
    // most half the time.
    let printk = [
        Printk::None,
        Printk::None,
        Printk::Deferred,
        Printk::Console,
    ][pick(rng, 4)];
    let writer_rate_hz = match printk.cost(nodes).as_secs_f64() {
        0.0 => writer_rate_hz,
        cost => writer_rate_hz.min((0.5 / cost).floor()),
    };
    CellSpec {
        guard,
        scope,
        readers,
        writer,
        writer_rate_hz,
        pressure,
        nodes,
        dma32_mib: [0, 0, 16][pick(rng, 3)],
        normal_mib: [16, 32, 64][pick(rng, 3)],
        movable_mib: [16, 32, 64][pick(rng, 3)],
        reclaim_us: 2.0,
        writer_hold_us,
        watchdog_s: 2.0,
        duration_s: [0.2, 0.3, 0.5, 1.0][pick(rng, 4)],
        warmup_s: 0.05,
        pin: true,
        rt: pick(rng, 4) == 0,
        irq,
        rcu_expedited: pick(rng, 4) == 0,
        printk,
        kernel: Kernel::ALL[pick(rng, Kernel::ALL.len())],
        seed: rng.next_u64(),
        repeat: index,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard;

    #[test]
    fn a_seed_replays_the_same_cells() {
        let guards: Vec<String> = guard::ALL.iter().map(|g| g.name.to_string()).collect();
        let draw = |seed| {
            let mut rng = XorShift::new(seed);
            (0..20)
                .map(|i| random_cell(&mut rng, &guards, 2, i))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        let cells = draw(7);
        assert!(cells.iter().all(|c| (1..=4).contains(&c.readers)));
        assert!(cells.iter().any(|c| c.writer == WriterMode::Hotplug));
    }
}

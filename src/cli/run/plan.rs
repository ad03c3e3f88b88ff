//! The flags as cells, in run order.

use super::args::{pressure_of, RunArgs};
use crate::alloc::Scope;
use crate::results::schema::RunConfig;
use crate::workload::spec::{CellSpec, WriterMode};

/// Every cell the flags ask for, repeat 0 of each, in plan order: the
/// session runs them in rounds, the guards of one configuration together
/// (`session/rounds.rs`).
pub(super) fn plan(
    args: &RunArgs,
    config: &RunConfig,
    scopes: &[Scope],
    writers: &[WriterMode],
) -> Vec<CellSpec> {
    let mut specs = Vec::new();
    for &scope in scopes {
        for &writer in writers {
            let rates: &[f64] = if writer == WriterMode::None {
                &[0.0]
            } else {
                &config.writer_rates_hz
            };
            for &rate in rates {
                for &readers in &config.readers {
                    for g in &config.guards {
                        specs.push(CellSpec {
                            guard: g.clone(),
                            scope,
                            readers,
                            writer,
                            writer_rate_hz: rate,
                            pressure: pressure_of(args, writer),
                            nodes: config.nodes,
                            dma32_mib: config.dma32_mib,
                            normal_mib: config.normal_mib,
                            movable_mib: config.movable_mib,
                            reclaim_us: config.reclaim_us,
                            writer_hold_us: config.writer_hold_us,
                            watchdog_s: args.watchdog,
                            duration_s: config.duration_s,
                            warmup_s: config.warmup_s,
                            pin: config.pin,
                            rt: config.rt,
                            irq: config.irq,
                            rcu_expedited: config.rcu_expedited,
                            printk: args.printk,
                            kernel: args.kernel,
                            seed: config.seed,
                            repeat: 0,
                        });
                    }
                }
            }
        }
    }
    specs
}

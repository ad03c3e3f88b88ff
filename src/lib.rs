//! # zonebench
//!
//! Numbers for the zonelist-rebuild race that linux-mm fixed in August 2022
//! (commit 3d36424b3b58): memory hotplug rebuilds the zonelists in place
//! while page allocations walk them, and an allocation could fail with free
//! memory available.
//!
//! [`mm`] is a userspace model of the page allocator's structures
//! (mem_map, buddy free lists, per-CPU pagesets, zonelists) and [`alloc`]
//! the allocator over them (the fast path and slowpath, failure
//! classification, zonelist rebuilds, memory hotplug), generic over a
//! [`guard::ZonelistGuard`]: one file per synchronisation strategy under
//! `src/guard/`. [`workload`] runs reader threads (the "CPUs") and a writer
//! (zonelist rebuilds or hotplug) against one guard and measures throughput
//! and correctness; [`results`] is the results file; [`session`] measures a
//! plan of cells into one, keeping every finished cell on disk.
//!
//! The layers, each importing only those before it: `primitive` < [`sync`]
//! < `metrics` < [`mm`] < [`guard`] < [`alloc`] < [`workload`] <
//! [`results`] < `experiments` < `report`, `plot` < [`session`] < [`cli`].
//! The private ones (metrics, experiments, report, plot) are reached
//! through the command line.
//!
//! To add a guard: one file under `src/guard/` (its `pub mod` line in
//! `src/guard/mod.rs`) and one line in the registry
//! (`src/guard/registry.rs`); its name, family and look live there, and
//! no other layer names it. See the [`guard`] module docs.

#![deny(unsafe_op_in_unsafe_fn)]

pub mod alloc;
pub mod cli;
mod experiments;
pub mod guard;
mod metrics;
pub mod mm;
mod plot;
pub(crate) mod primitive;
mod report;
pub mod results;
pub mod session;
pub mod sync;
pub mod workload;

/// Whether a quick run is asked for: the environment variable
/// `ZONEBENCH_QUICK` is set to anything but empty or `0`. The criterion
/// benches then keep every case but cut warm-up, measurement and samples,
/// so the whole `cargo bench` becomes a smoke run of seconds.
pub fn quick() -> bool {
    std::env::var_os("ZONEBENCH_QUICK").is_some_and(|v| !v.is_empty() && v != "0")
}

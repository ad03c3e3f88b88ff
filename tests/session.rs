//! A measuring session keeps what it measured: every finished cell is on
//! disk before the next one starts, so a reader that panics in the middle
//! of a run loses only its own cell.

use std::panic::{catch_unwind, AssertUnwindSafe};
use zonebench::alloc::Scope;
use zonebench::results::io::load;
use zonebench::results::schema::RunConfig;
use zonebench::results::{Meta, ResultsFile};
use zonebench::session::{Quiet, Session};
use zonebench::workload::cancel::Cancel;
use zonebench::workload::floors::Floors;
use zonebench::workload::spec::CellSpec;

fn cell(guard: &str, repeat: usize) -> CellSpec {
    CellSpec {
        guard: guard.into(),
        // Every allocation opens a read section: the panicking guard's
        // reader dies on its first allocation, after the start barrier.
        scope: Scope::EveryAlloc,
        normal_mib: 8,
        movable_mib: 8,
        duration_s: 0.05,
        warmup_s: 0.01,
        pin: false,
        repeat,
        ..CellSpec::default()
    }
}

#[test]
fn a_reader_panic_keeps_every_earlier_cell_in_the_results_file() {
    let dir = std::env::temp_dir().join(format!("zonebench-session-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("panic.json");
    let specs = [
        cell("seqcount", 0),
        cell("none", 0),
        cell("reader-panics", 0),
        cell("seqcount", 1),
    ];
    let file = ResultsFile::new(
        Meta::collect("session test".into()),
        RunConfig::describe(&specs),
        Floors::default(),
    );
    let mut session = Session::new(file, &out, Vec::new(), Cancel::default());
    let run = catch_unwind(AssertUnwindSafe(|| session.measure(&specs, &mut Quiet)));
    assert!(run.is_err(), "the reader's panic reaches the caller");

    let saved = load(&out).expect("the results file survives the panic");
    let guards: Vec<&str> = saved.cells.iter().map(|c| c.spec.guard.as_str()).collect();
    assert_eq!(guards, ["seqcount", "none"], "the cells before the panic");
    assert!(
        saved.meta.partial,
        "a file the run did not finish is partial"
    );
    assert!(saved.cells.iter().all(|c| c.allocs_per_sec > 0.0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_disturbed_repeat_is_measured_again_and_the_first_try_kept() {
    let dir = std::env::temp_dir().join(format!("zonebench-rerun-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("rerun.json");
    let specs = [CellSpec {
        scope: Scope::Slowpath,
        duration_s: 0.2,
        ..cell("seqcount", 0)
    }];
    let file = ResultsFile::new(
        Meta::collect("session test".into()),
        RunConfig::describe(&specs),
        Floors::default(),
    );
    // Busy threads, twice as many as CPUs: the reader gets under half a
    // CPU, whatever the machine, and every try is disturbed.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let saved = std::thread::scope(|s| {
        for _ in 0..2 * cpus {
            s.spawn(|| {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            });
        }
        let mut session = Session::new(file, &out, Vec::new(), Cancel::default()).with_reruns(2);
        let measured = session.measure(&specs, &mut Quiet);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        measured.unwrap();
        session.file
    });
    assert_eq!(saved.meta.reruns, 2, "two more tries after the first");
    assert_eq!(saved.discarded.len(), 2);
    assert!(saved.discarded.iter().all(|c| c.disturbed));
    assert_eq!(saved.cells.len(), 1, "the last try is kept");
    assert!(saved.cells[0].disturbed && saved.cells[0].disturbed_why.is_some());
    let on_disk = load(&out).unwrap();
    assert_eq!((on_disk.meta.reruns, on_disk.discarded.len()), (2, 2));
    let _ = std::fs::remove_dir_all(&dir);
}

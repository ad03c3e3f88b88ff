//! A measuring session keeps what it measured: every finished cell is on
//! disk before the next one starts, so a reader that panics in the middle
//! of a run loses only its own cell. It ends with the file saved and its
//! plots drawn, with their page when asked (`cargo bench`'s).

use std::panic::{catch_unwind, AssertUnwindSafe};
use zonebench::alloc::Scope;
use zonebench::results::io::{load, Out};
use zonebench::results::schema::RunConfig;
use zonebench::results::{Meta, ResultsFile};
use zonebench::session::{Observer, Quiet, Rounds, Session};
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

/// Which guards started and which finished, in order.
#[derive(Default)]
struct Recorder {
    started: Vec<String>,
    finished: Vec<String>,
}

impl Observer for Recorder {
    fn start(&mut self, spec: &CellSpec) {
        self.started.push(spec.guard.clone());
    }
    fn note(&mut self, _: &str) {}
    fn finished(&mut self) {
        // Cells finish in the order they started (an interleaved round
        // starts all its guards, then finishes them).
        let next = self.started[self.finished.len()].clone();
        self.finished.push(next);
    }
    fn clear(&mut self) {}
}

#[test]
fn a_reader_panic_keeps_every_earlier_cell_in_the_results_file() {
    let dir = std::env::temp_dir().join(format!("zonebench-session-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("panic.json");
    // Two groups: seqcount and none (both rounds of them), then the
    // panicking guard, alone with two readers.
    let specs = [
        cell("seqcount", 0),
        cell("none", 0),
        CellSpec {
            readers: 2,
            ..cell("reader-panics", 0)
        },
    ];
    let file = ResultsFile::new(
        Meta::collect("session test".into()),
        RunConfig::describe(&specs),
        Floors::default(),
    );
    let mut session = Session::new(file, Out::File(out.clone()), Vec::new(), Cancel::default());
    let mut seen = Recorder::default();
    let run = catch_unwind(AssertUnwindSafe(|| {
        session.measure(&specs, Rounds::fixed(2), &mut seen)
    }));
    assert!(run.is_err(), "the reader's panic reaches the caller");
    assert_eq!(
        seen.started.last().map(String::as_str),
        Some("reader-panics")
    );

    let saved = load(&out).expect("the results file survives the panic");
    let guards: Vec<String> = saved.cells.iter().map(|c| c.spec.guard.clone()).collect();
    assert_eq!(
        guards, seen.finished,
        "every cell finished before the panic"
    );
    assert_eq!(guards.len(), 4, "two rounds of two guards");
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
        let mut session = Session::new(file, Out::File(out.clone()), Vec::new(), Cancel::default())
            .with_reruns(2);
        let measured = session.measure(&specs, Rounds::fixed(1), &mut Quiet);
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

/// A session asked for a page writes it beside the plots it draws, every
/// PNG on it once.
#[test]
fn the_plots_come_with_their_page() {
    let dir = std::env::temp_dir().join(format!("zonebench-page-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let plots = dir.join("plots");
    std::fs::create_dir_all(&plots).unwrap();
    let specs = [cell("seqcount", 0), cell("none", 0)];
    let file = ResultsFile::new(
        Meta::collect("session test".into()),
        RunConfig::describe(&specs),
        Floors::default(),
    );
    let mut session = Session::new(
        file,
        Out::File(dir.join("page.json")),
        Vec::new(),
        Cancel::default(),
    )
    .with_page(&plots, false)
    .unwrap();
    session
        .measure(&specs, Rounds::fixed(2), &mut Quiet)
        .unwrap();
    let status = session.finish("", None, Some(&plots), 4);
    assert_eq!(status, std::process::ExitCode::SUCCESS);
    let page = std::fs::read_to_string(plots.join("index.html")).unwrap();
    let pngs: Vec<String> = std::fs::read_dir(&plots)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".png"))
        .collect();
    assert!(!pngs.is_empty());
    assert_eq!(page.matches("<img ").count(), pngs.len());
    for png in &pngs {
        assert!(page.contains(&format!("<img src=\"{png}\"")), "{png}");
    }
    assert!(page.contains("session test"), "the command in the header");
    let _ = std::fs::remove_dir_all(&dir);
}

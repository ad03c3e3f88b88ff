//! What else the machine did while a cell measured: for every reader
//! thread, the CPU time it actually got and the time it waited on a run
//! queue (`/proc/self/task/<tid>/schedstat`), its involuntary context
//! switches (`nonvoluntary_ctxt_switches` in that task's `status`), and the
//! machine's steal time (`/proc/stat`). The main thread reads them for each
//! reader at the start and the end of the measured interval, so the
//! readers' loop does no extra work.
//!
//! A repeat is *disturbed* (see [`Interference::judge`]) when its slowest
//! reader got less than [`MIN_SHARE`] of its fair share of a CPU, or when
//! the hypervisor stole more than [`MAX_STEAL`] of the machine's CPU time.
//! The fair share is what the cell's own writer leaves: the CPUs minus the
//! writer thread's CPU time, divided among the readers, at most one CPU
//! each (so oversubscribed cells, and a hotplug writer busy migrating, are
//! judged against what they could have had). Where the kernel does not
//! provide a file (no schedstats, not Linux), the readings are absent and
//! nothing is judged disturbed by them.

use std::time::Duration;

/// Below this fraction of its fair share of a CPU, a reader was disturbed.
pub const MIN_SHARE: f64 = 0.9;
/// Above this fraction of all CPUs' time stolen by the hypervisor, the
/// repeat was disturbed.
pub const MAX_STEAL: f64 = 0.05;

/// The calling thread's kernel task id (`gettid`).
pub fn current_tid() -> i32 {
    // SAFETY: gettid has no preconditions and cannot fail.
    unsafe { libc::gettid() }
}

/// One reader task's counters at one instant.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TaskSample {
    /// Time on a CPU, ns.
    pub run_ns: u64,
    /// Time runnable but waiting for a CPU, ns.
    pub wait_ns: u64,
    /// Context switches the task did not ask for (preemptions).
    pub involuntary: u64,
}

impl TaskSample {
    /// Task `tid` of this process now, or `None` where the files are
    /// missing or unreadable.
    pub fn of(tid: i32) -> Option<TaskSample> {
        let dir = format!("/proc/self/task/{tid}");
        let sched = std::fs::read_to_string(format!("{dir}/schedstat")).ok()?;
        let mut it = sched.split_whitespace().map(|v| v.parse::<u64>().ok());
        let (run_ns, wait_ns) = (it.next()??, it.next()??);
        let status = std::fs::read_to_string(format!("{dir}/status")).ok()?;
        let involuntary = status
            .lines()
            .find_map(|l| l.strip_prefix("nonvoluntary_ctxt_switches:"))?
            .trim()
            .parse()
            .ok()?;
        Some(TaskSample {
            run_ns,
            wait_ns,
            involuntary,
        })
    }

    fn since(self, start: TaskSample) -> TaskSample {
        TaskSample {
            run_ns: self.run_ns.saturating_sub(start.run_ns),
            wait_ns: self.wait_ns.saturating_sub(start.wait_ns),
            involuntary: self.involuntary.saturating_sub(start.involuntary),
        }
    }
}

/// The machine's total steal time so far, ns (`/proc/stat`, first line,
/// eighth value, in clock ticks), or `None` where it cannot be read.
pub fn steal_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: u64 = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .nth(7)?
        .parse()
        .ok()?;
    // SAFETY: sysconf has no preconditions; it returns -1 for an unknown name.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (hz > 0).then(|| ticks.saturating_mul(1_000_000_000) / hz as u64)
}

/// The readings of every reader, the cell's writer and the machine at one
/// instant.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    tasks: Vec<Option<TaskSample>>,
    writer: Option<TaskSample>,
    steal_ns: Option<u64>,
}

impl Snapshot {
    /// Read every reader task of `tids`, the writer task `writer` and the
    /// machine's steal time, now.
    pub fn take(tids: &[i32], writer: Option<i32>) -> Snapshot {
        Snapshot {
            tasks: tids.iter().map(|&t| TaskSample::of(t)).collect(),
            writer: writer.and_then(TaskSample::of),
            steal_ns: steal_ns(),
        }
    }
}

/// What interfered with a repeat's readers during its measured interval.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Interference {
    /// CPU time of the slowest-served reader over the interval (1: a whole
    /// CPU throughout); `None` where it could not be read.
    pub cpu_share: Option<f64>,
    /// CPU time the cell's own writer thread took over the interval (1: a
    /// whole CPU); 0 where it could not be read.
    pub writer_cpu_share: f64,
    /// CPU time of all readers together (1: a whole CPU).
    pub readers_cpu_share: f64,
    /// Run-queue wait of all readers, ns.
    pub runqueue_wait_ns: u64,
    /// Involuntary context switches of all readers.
    pub involuntary_switches: u64,
    /// Steal time of the whole machine, ns.
    pub steal_ns: u64,
    /// The repeat was disturbed (see the module docs), and why.
    pub disturbed: Option<String>,
}

impl Interference {
    /// What changed between `start` and `end`, `interval` apart, judged
    /// for `readers` readers on `cpus` logical CPUs.
    pub fn between(
        start: &Snapshot,
        end: &Snapshot,
        interval: Duration,
        readers: usize,
        cpus: usize,
    ) -> Interference {
        let deltas: Option<Vec<TaskSample>> = start
            .tasks
            .iter()
            .zip(&end.tasks)
            .map(|(a, b)| Some(b.as_ref()?.since(*a.as_ref()?)))
            .collect();
        let deltas = deltas.filter(|d| !d.is_empty());
        let secs = interval.as_secs_f64();
        let cpu_share = deltas.as_ref().filter(|_| secs > 0.0).map(|d| {
            d.iter()
                .map(|t| t.run_ns as f64 / 1e9 / secs)
                .fold(f64::INFINITY, f64::min)
        });
        let sum = |f: fn(&TaskSample) -> u64| deltas.iter().flatten().map(f).sum();
        let steal = match (start.steal_ns, end.steal_ns) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => 0,
        };
        let writer_cpu_share = match (start.writer, end.writer) {
            (Some(a), Some(b)) if secs > 0.0 => b.since(a).run_ns as f64 / 1e9 / secs,
            _ => 0.0,
        };
        let readers_cpu_share = if secs > 0.0 {
            sum(|t| t.run_ns) as f64 / 1e9 / secs
        } else {
            0.0
        };
        let mut i = Interference {
            cpu_share,
            writer_cpu_share,
            readers_cpu_share,
            runqueue_wait_ns: sum(|t| t.wait_ns),
            involuntary_switches: sum(|t| t.involuntary),
            steal_ns: steal,
            disturbed: None,
        };
        i.disturbed = i.judge(secs, readers, cpus);
        i
    }

    /// The rule. With a CPU for every reader: disturbed if the slowest
    /// reader's CPU share is below [`MIN_SHARE`] of its fair share (what the
    /// cell's own writer left, `min(1, (cpus - writer) / readers)`).
    /// Oversubscribed, where readers that wait on one another's locks share
    /// the CPUs unevenly by design: disturbed if the readers and the writer
    /// together got below [`MIN_SHARE`] of all CPUs. Either way, disturbed
    /// if steal exceeds [`MAX_STEAL`] of `cpus` x the interval.
    pub fn judge(&self, secs: f64, readers: usize, cpus: usize) -> Option<String> {
        if readers > cpus {
            let used = self.readers_cpu_share + self.writer_cpu_share;
            if self.cpu_share.is_some() && used < MIN_SHARE * cpus as f64 {
                return Some(format!(
                    "the cell's threads got {:.0}% of the {cpus} CPUs, under {:.0}%",
                    100.0 * used / cpus as f64,
                    100.0 * MIN_SHARE
                ));
            }
        } else if let Some(share) = self.cpu_share {
            let left = (cpus as f64 - self.writer_cpu_share).max(0.0);
            let fair = (left / readers.max(1) as f64).min(1.0);
            if share < MIN_SHARE * fair {
                return Some(format!(
                    "a reader got {:.0}% of a CPU, under {:.0}% of its fair share ({:.0}%)",
                    100.0 * share,
                    100.0 * MIN_SHARE,
                    100.0 * fair
                ));
            }
        }
        let machine_ns = secs * cpus as f64 * 1e9;
        if machine_ns > 0.0 && self.steal_ns as f64 > MAX_STEAL * machine_ns {
            return Some(format!(
                "the hypervisor stole {:.1}% of the machine's CPU time",
                100.0 * self.steal_ns as f64 / machine_ns
            ));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(tasks: &[(u64, u64, u64)], steal: u64) -> Snapshot {
        Snapshot {
            tasks: tasks
                .iter()
                .map(|&(run_ns, wait_ns, involuntary)| {
                    Some(TaskSample {
                        run_ns,
                        wait_ns,
                        involuntary,
                    })
                })
                .collect(),
            writer: None,
            steal_ns: Some(steal),
        }
    }

    const SEC: Duration = Duration::from_secs(1);

    #[test]
    fn a_reader_with_its_whole_cpu_is_undisturbed() {
        let a = snap(&[(0, 0, 0), (10, 0, 0)], 0);
        let b = snap(&[(990_000_000, 1_000, 1), (980_000_010, 2_000, 2)], 0);
        let i = Interference::between(&a, &b, SEC, 2, 2);
        assert_eq!(i.cpu_share, Some(0.98));
        assert_eq!((i.runqueue_wait_ns, i.involuntary_switches), (3_000, 3));
        assert_eq!(i.disturbed, None);
    }

    #[test]
    fn a_reader_under_ninety_percent_of_its_share_is_disturbed() {
        let a = snap(&[(0, 0, 0), (0, 0, 0)], 0);
        let b = snap(&[(1_000_000_000, 0, 0), (890_000_000, 110_000_000, 40)], 0);
        let i = Interference::between(&a, &b, SEC, 2, 2);
        assert!(
            i.disturbed.as_deref().unwrap().contains("89% of a CPU"),
            "{i:?}"
        );
        // At 91% it is not.
        let b = snap(&[(1_000_000_000, 0, 0), (910_000_000, 0, 0)], 0);
        assert_eq!(Interference::between(&a, &b, SEC, 2, 2).disturbed, None);
    }

    #[test]
    fn oversubscribed_cells_are_judged_by_the_cpus_they_got_together() {
        // Four readers on two CPUs share them unevenly by design (lock
        // waits): only their total counts.
        let a = snap(&[(0, 0, 0); 4], 0);
        let uneven = snap(
            &[
                (800_000_000, 0, 0),
                (700_000_000, 0, 0),
                (300_000_000, 0, 0),
                (200_000_000, 0, 0),
            ],
            0,
        );
        assert_eq!(
            Interference::between(&a, &uneven, SEC, 4, 2).disturbed,
            None
        );
        // A hog takes a fifth of the machine: 1.6 of 2 CPUs is under 90%.
        let b = snap(&[(400_000_000, 0, 0); 4], 0);
        let i = Interference::between(&a, &b, SEC, 4, 2);
        assert!(i.disturbed.unwrap().contains("got 80% of the 2 CPUs"));
    }

    #[test]
    fn the_cells_own_writer_lowers_the_fair_share() {
        // Two readers on two CPUs while the writer takes half a CPU: each
        // reader's fair share is 75%, so 70% is fine and 60% is not.
        let writer = |run_ns| {
            Some(TaskSample {
                run_ns,
                ..TaskSample::default()
            })
        };
        let a = Snapshot {
            writer: writer(0),
            ..snap(&[(0, 0, 0), (0, 0, 0)], 0)
        };
        let b = |reader_ns| Snapshot {
            writer: writer(500_000_000),
            ..snap(&[(reader_ns, 0, 0), (reader_ns, 0, 0)], 0)
        };
        let fine = Interference::between(&a, &b(700_000_000), SEC, 2, 2);
        assert_eq!(
            (fine.writer_cpu_share, fine.disturbed.as_deref()),
            (0.5, None)
        );
        let short = Interference::between(&a, &b(600_000_000), SEC, 2, 2);
        assert!(short.disturbed.unwrap().contains("fair share (75%)"));
    }

    #[test]
    fn steal_beyond_five_percent_is_disturbed() {
        let a = snap(&[(0, 0, 0)], 1_000);
        let whole = snap(&[(1_000_000_000, 0, 0)], 1_000);
        let stolen = |ns: u64| snap(&[(1_000_000_000, 0, 0)], 1_000 + ns);
        assert_eq!(Interference::between(&a, &whole, SEC, 1, 2).disturbed, None);
        // 2 CPUs x 1 s: 5% is 100 ms.
        assert_eq!(
            Interference::between(&a, &stolen(99_000_000), SEC, 1, 2).disturbed,
            None
        );
        let i = Interference::between(&a, &stolen(101_000_000), SEC, 1, 2);
        assert!(
            i.disturbed.as_deref().unwrap().contains("stole 5.0%"),
            "{i:?}"
        );
    }

    #[test]
    fn missing_readings_judge_nothing() {
        let none = Snapshot {
            tasks: vec![None],
            writer: None,
            steal_ns: None,
        };
        let i = Interference::between(&none, &none, SEC, 1, 2);
        assert_eq!((i.cpu_share, i.disturbed), (None, None));
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn this_thread_can_be_read() {
        // The readings exist on Linux and move forward.
        let tid = current_tid();
        let a = TaskSample::of(tid).expect("/proc/self/task/<tid>/schedstat and status");
        assert!(steal_ns().is_some(), "/proc/stat");
        let t = std::time::Instant::now();
        while t.elapsed() < Duration::from_millis(20) {
            std::hint::spin_loop();
        }
        let b = TaskSample::of(tid).unwrap();
        assert!(b.run_ns > a.run_ns, "{a:?} {b:?}");
    }
}

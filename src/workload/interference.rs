//! What else the machine did while a cell measured: for every reader
//! thread, the CPU time it actually got and the time it waited on a run
//! queue (`/proc/self/task/<tid>/schedstat`), its involuntary context
//! switches (`nonvoluntary_ctxt_switches` in that task's `status`), and the
//! machine's steal time (`/proc/stat`). The main thread reads them for each
//! reader at the start and the end of the measured interval, so the
//! readers' loop does no extra work.
//!
//! A repeat is *disturbed* (see [`Interference::judge`]) when its slowest
//! reader got less than [`MIN_SHARE`] of its fair share of a CPU (1 when
//! there are at least as many logical CPUs as readers, `cpus / readers`
//! when oversubscribed), or when the hypervisor stole more than
//! [`MAX_STEAL`] of the machine's CPU time. The cell's own writer counts
//! as interference too: a writer that burns its CPU (held sections, an
//! interrupt handler spinning on its own odd count) can take a reader's
//! CPU when readers and writer outnumber the CPUs. Where the kernel does not
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

/// The readings of every reader and of the machine at one instant.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    tasks: Vec<Option<TaskSample>>,
    steal_ns: Option<u64>,
}

impl Snapshot {
    /// Read every task of `tids` and the machine's steal time, now.
    pub fn take(tids: &[i32]) -> Snapshot {
        Snapshot {
            tasks: tids.iter().map(|&t| TaskSample::of(t)).collect(),
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
        let mut i = Interference {
            cpu_share,
            runqueue_wait_ns: sum(|t| t.wait_ns),
            involuntary_switches: sum(|t| t.involuntary),
            steal_ns: steal,
            disturbed: None,
        };
        i.disturbed = i.judge(secs, readers, cpus);
        i
    }

    /// The rule: disturbed if the slowest reader's CPU share is below
    /// [`MIN_SHARE`] of its fair share (`min(1, cpus / readers)`), or if
    /// steal exceeds [`MAX_STEAL`] of `cpus` x the interval.
    pub fn judge(&self, secs: f64, readers: usize, cpus: usize) -> Option<String> {
        let fair = (cpus as f64 / readers.max(1) as f64).min(1.0);
        if let Some(share) = self.cpu_share {
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
    fn oversubscribed_readers_are_judged_against_their_fair_share() {
        // Four readers on two CPUs: half a CPU each is fair.
        let a = snap(&[(0, 0, 0); 4], 0);
        let b = snap(&[(480_000_000, 0, 0); 4], 0);
        assert_eq!(Interference::between(&a, &b, SEC, 4, 2).disturbed, None);
        let b = snap(&[(440_000_000, 0, 0); 4], 0);
        assert!(Interference::between(&a, &b, SEC, 4, 2).disturbed.is_some());
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

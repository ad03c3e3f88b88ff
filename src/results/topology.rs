//! What the machine shows about its layout and frequency policy, for
//! `meta.topology`: SMT, NUMA nodes, isolated CPUs, the cpufreq governor
//! and turbo. Two runs are comparable only if these agree (or the
//! difference is stated); each field is `None` where the machine does not
//! expose it (a VM often shows no cpufreq at all).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::Path;

const CPU: &str = "/sys/devices/system/cpu";
const NODE: &str = "/sys/devices/system/node";

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Topology {
    /// Hardware threads per core (2 with SMT on), from cpu0's siblings.
    pub threads_per_core: Option<usize>,
    /// `smt/control`: on, off, forceoff, notsupported, notimplemented.
    pub smt_control: Option<String>,
    /// Online NUMA nodes of the machine (not the simulated ones).
    pub numa_nodes: Option<usize>,
    /// The cpufreq governor of cpu0 (performance, powersave, schedutil ...).
    pub governor: Option<String>,
    /// Whether turbo/boost may raise the clock above nominal.
    pub turbo: Option<bool>,
    /// `isolated` (isolcpus=) and `nohz_full` CPU lists, when not empty.
    pub isolated_cpus: Option<String>,
    pub nohz_full: Option<String>,
}

fn read(path: impl AsRef<Path>) -> Option<String> {
    let s = std::fs::read_to_string(path).ok()?;
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// The number of CPUs in a kernel CPU list such as `0-3,8,10-11`.
pub fn cpulist_len(list: &str) -> Option<usize> {
    let mut n = 0;
    for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        n += match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (usize, usize) = (a.parse().ok()?, b.parse().ok()?);
                b.checked_sub(a)? + 1
            }
            None => {
                part.parse::<usize>().ok()?;
                1
            }
        };
    }
    Some(n)
}

impl Topology {
    /// Read it from sysfs, now.
    pub fn collect() -> Topology {
        let turbo = match read(format!("{CPU}/intel_pstate/no_turbo")) {
            Some(v) => Some(v == "0"),
            None => read(format!("{CPU}/cpufreq/boost")).map(|v| v == "1"),
        };
        Topology {
            threads_per_core: read(format!("{CPU}/cpu0/topology/thread_siblings_list"))
                .and_then(|l| cpulist_len(&l)),
            smt_control: read(format!("{CPU}/smt/control")),
            numa_nodes: read(format!("{NODE}/online")).and_then(|l| cpulist_len(&l)),
            governor: read(format!("{CPU}/cpu0/cpufreq/scaling_governor")),
            turbo,
            isolated_cpus: read(format!("{CPU}/isolated")),
            nohz_full: read(format!("{CPU}/nohz_full")).filter(|s| s != "(null)"),
        }
    }

    /// One line for headers: `SMT 2 threads/core, 1 NUMA node, governor
    /// performance, turbo on` (what is not exposed is left out).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = self.threads_per_core {
            parts.push(format!(
                "SMT {t} thread{}/core",
                if t == 1 { "" } else { "s" }
            ));
        }
        if let Some(n) = self.numa_nodes {
            parts.push(format!("{n} NUMA node{}", if n == 1 { "" } else { "s" }));
        }
        parts.push(format!(
            "governor {}",
            self.governor.as_deref().unwrap_or("not exposed")
        ));
        parts.push(match self.turbo {
            Some(true) => "turbo on".into(),
            Some(false) => "turbo off".into(),
            None => "turbo not exposed".into(),
        });
        if let Some(i) = &self.isolated_cpus {
            parts.push(format!("isolated CPUs {i}"));
        }
        if let Some(i) = &self.nohz_full {
            parts.push(format!("nohz_full {i}"));
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists_are_counted_as_the_kernel_writes_them() {
        assert_eq!(cpulist_len("0"), Some(1));
        assert_eq!(cpulist_len("0-3,8,10-11"), Some(7));
        assert_eq!(cpulist_len("0,64"), Some(2));
        assert_eq!(cpulist_len("3-1"), None);
        assert_eq!(cpulist_len("x"), None);
    }

    #[test]
    fn a_machine_that_shows_nothing_says_so() {
        let t = Topology::default();
        assert_eq!(t.describe(), "governor not exposed, turbo not exposed");
    }
}

//! Value parsers for the CLI: every bad value becomes a one-line message
//! naming the flag's quantity, the allowed range and what was given. The
//! enumerated flags are clap `ValueEnum`s (`values.rs`); the time flags
//! share one parser (`time.rs`), their ranges stated here.

use super::time::{Time, Unit};
use crate::guard;
use crate::workload::plan::MAX_PLANNED_CPUS;

/// A comma-separated list of guard names (a newtype so clap takes it as one value).
#[derive(Clone, Debug)]
pub(super) struct GuardList(pub Vec<String>);

/// A comma-separated list of reader counts.
#[derive(Clone, Debug)]
pub(super) struct ReaderList(pub Vec<usize>);

pub(super) fn number(s: &str, what: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{what} must be a number, got '{s}'"))?;
    if !v.is_finite() {
        return Err(format!("{what} must be finite, got '{s}'"));
    }
    Ok(v)
}

/// Parse a number for `what` and accept it only if `ok` holds; `range` says
/// which values are allowed, in the error.
pub(super) fn checked(
    s: &str,
    what: &str,
    ok: impl Fn(f64) -> bool,
    range: &str,
) -> Result<f64, String> {
    let v = number(s, what)?;
    if !ok(v) {
        return Err(format!("{what} must be in {range}, got {s}"));
    }
    Ok(v)
}

/// Measured time of one guard per round (a slice); bare number: seconds.
const DURATION: Time = Time {
    what: "duration",
    bare: Unit::Secs,
    min: 0.0,
    open: true,
    max: 86_400.0,
};

/// At least 1 ms: delay-2pct tells another arm's phase from its own
/// reader's work by a gap of a millisecond (`guard/delay.rs`).
const PHASE: Time = Time {
    what: "phase",
    bare: Unit::Millis,
    min: 1.0,
    open: false,
    max: 1000.0,
};

/// `run --budget`, the whole run's time; bare number: minutes.
const RUN_BUDGET: Time = Time {
    what: "budget",
    bare: Unit::Mins,
    min: 0.0,
    open: true,
    max: 30.0 * 1440.0,
};

/// `torture --budget`, the whole run's time; bare number: seconds.
const TORTURE_BUDGET: Time = Time {
    what: "budget",
    ..DURATION
};

const WARMUP: Time = Time {
    what: "warmup",
    bare: Unit::Secs,
    min: 0.0,
    open: false,
    max: 3600.0,
};

const RECLAIM: Time = Time {
    what: "reclaim time",
    bare: Unit::Micros,
    min: 0.0,
    open: false,
    max: 1_000_000.0,
};

const HOLD: Time = Time {
    what: "writer hold",
    ..RECLAIM
};

const WATCHDOG: Time = Time {
    what: "watchdog",
    bare: Unit::Secs,
    min: 0.0,
    open: true,
    max: 3600.0,
};

pub(super) fn parse_duration(s: &str) -> Result<f64, String> {
    DURATION.parse(s)
}

pub(super) fn parse_phase(s: &str) -> Result<f64, String> {
    PHASE.parse(s)
}

pub(super) fn parse_budget(s: &str) -> Result<f64, String> {
    RUN_BUDGET.parse(s)
}

pub(super) fn parse_torture_budget(s: &str) -> Result<f64, String> {
    TORTURE_BUDGET.parse(s)
}

pub(super) fn parse_warmup(s: &str) -> Result<f64, String> {
    WARMUP.parse(s)
}

pub(super) fn parse_reclaim(s: &str) -> Result<f64, String> {
    RECLAIM.parse(s)
}

pub(super) fn parse_hold(s: &str) -> Result<f64, String> {
    HOLD.parse(s)
}

pub(super) fn parse_watchdog(s: &str) -> Result<f64, String> {
    WATCHDOG.parse(s)
}

pub(super) fn parse_ci_target(s: &str) -> Result<f64, String> {
    checked(
        s,
        "CI target",
        |v| v > 0.0 && v <= 100.0,
        "(0, 100] percent",
    )
}

pub(super) fn parse_rate(s: &str) -> Result<f64, String> {
    checked(
        s,
        "writer rate",
        |v| v > 0.0 && v <= 1_000_000.0,
        "(0, 1000000] Hz",
    )
}

pub(super) fn parse_mib(s: &str) -> Result<u32, String> {
    let v: i64 = s
        .trim()
        .parse()
        .map_err(|_| format!("zone size must be a whole number of MiB, got '{s}'"))?;
    if !(0..=65_536).contains(&v) || v % 4 != 0 {
        return Err(format!(
            "zone size must be a multiple of 4 MiB in 0..=65536, got {s}"
        ));
    }
    Ok(v as u32)
}

pub(super) fn parse_readers(s: &str) -> Result<ReaderList, String> {
    let one = |t: &str| {
        let n: i64 = t
            .parse()
            .map_err(|_| format!("readers must be whole numbers, got '{t}'"))?;
        if !(1..=2 * MAX_PLANNED_CPUS as i64).contains(&n) {
            return Err(format!(
                "readers must be 1..={}, got {n}",
                2 * MAX_PLANNED_CPUS
            ));
        }
        Ok(n as usize)
    };
    list(s, "readers", one).map(|v| ReaderList(dedup(v)))
}

/// One guard by name (of `zonebench list`).
pub(super) fn parse_guard(s: &str) -> Result<String, String> {
    match parse_guards(s)?.0.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(format!("'{s}' is not one guard")),
    }
}

pub(super) fn parse_guards(s: &str) -> Result<GuardList, String> {
    if s.trim() == "all" {
        return Ok(GuardList(
            guard::ALL.iter().map(|g| g.name.to_string()).collect(),
        ));
    }
    let one = |name: &str| match guard::find(name) {
        Some(g) => Ok(g.name.to_string()),
        None => {
            let known: Vec<_> = guard::ALL.iter().map(|g| g.name).collect();
            let examples: Vec<_> = guard::EXAMPLES.iter().map(|g| g.name).collect();
            Err(format!(
                "unknown guard '{name}' (known: {}; examples: {})",
                known.join(", "),
                examples.join(", ")
            ))
        }
    };
    list(s, "guards", one).map(|v| GuardList(dedup(v)))
}

/// Split a comma-separated list and parse each item with `one`; an empty
/// item is an error (`1,,2`).
pub(super) fn list<T>(
    s: &str,
    what: &str,
    one: impl Fn(&str) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    s.split(',')
        .map(|t| {
            if t.trim().is_empty() {
                Err(format!("{what} list has an empty item: '{s}'"))
            } else {
                one(t.trim())
            }
        })
        .collect()
}

/// A comma-separated list of writer rates, Hz.
#[derive(Clone, Debug)]
pub(super) struct RateList(pub Vec<f64>);

pub(super) fn parse_rates(s: &str) -> Result<RateList, String> {
    list(s, "writer rate", parse_rate).map(|v| RateList(dedup(v)))
}

/// Keep the first of equal items, in order.
pub(super) fn dedup<T: PartialEq>(v: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(v.len());
    for x in v {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

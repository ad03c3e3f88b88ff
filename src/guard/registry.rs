//! Every guard by name: the one list the CLI, the runner, the reports, the
//! plots, the tests and `zonebench list` read. Adding a guard is one line
//! in `guards!` below (and its file; see the module docs of `guard`).

use super::{
    broken, delay, epoch, latch, none, raw_seqcount, rcu, rcu_preempt, rcu_preempt_recheck,
    rcu_qsbr, rcu_qsbr_recheck, rcu_recheck, rwlock, seqbegin_or_lock, seqcount, seqcount_spinlock,
    seqlock, seqlock_crate, seqlock_excl, Look, ZonelistGuard,
};

/// Static facts about a guard, for `zonebench list` and the results.
#[derive(Clone, Copy, Debug)]
pub struct GuardInfo {
    pub name: &'static str,
    pub models: &'static str,
    pub prevents_false_oom: bool,
    pub honours_rt: bool,
    /// The most nodes it supports (`ZonelistGuard::MAX_NODES`).
    pub max_nodes: usize,
    /// How it is drawn (`ZonelistGuard::LOOK`).
    pub look: Option<Look>,
}

const fn info<G: ZonelistGuard>() -> GuardInfo {
    GuardInfo {
        name: G::NAME,
        models: G::MODELS,
        prevents_false_oom: G::PREVENTS_FALSE_OOM,
        honours_rt: G::HONOURS_RT,
        max_nodes: G::MAX_NODES,
        look: G::LOOK,
    }
}

/// What separates a guard's name from an arm's label in `zonebench
/// selfcheck`, which runs one guard as two arms (`seqcount#a`,
/// `seqcount#b`) through the same machinery. No other command takes such
/// names.
pub const ARM: char = '#';

/// The guard of `name`: the name itself, or an arm's guard.
pub fn guard_of(name: &str) -> &str {
    name.split(ARM).next().unwrap_or(name)
}

/// The arm's label of `name` (`a` of `seqcount#a`), if it names an arm.
pub fn arm_of(name: &str) -> Option<&str> {
    name.split_once(ARM).map(|(_, arm)| arm)
}

/// The guard every other is compared with, of `guards`: `seqcount` if it
/// is there (the v1 patch of the 2022 thread, the reference the other
/// guards were argued against), else the first. `None` for no guards.
pub fn default_baseline(guards: &[String]) -> Option<&str> {
    guards
        .iter()
        .find(|g| *g == "seqcount")
        .or(guards.first())
        .map(String::as_str)
}

/// Something to do with a guard type chosen at run time by name: the bridge
/// from CLI names to monomorphised code.
pub trait GuardVisitor {
    type Output;
    fn visit<G: ZonelistGuard>(self) -> Self::Output;
}

macro_rules! guards {
    (
        $($ty:ty),* $(,)?;
        hidden: $($hidden:ty),* $(,)?;
        harness: $($harness:ty),* $(,)?;
        calibration: $($calibration:ty),* $(,)?;
        examples: $($example:ty),* $(,)?
    ) => {
        /// Every guard, in the order `zonebench list` prints them.
        pub const ALL: &[GuardInfo] = &[$(info::<$ty>()),*];

        /// Guards that exist for testing the suite itself (see
        /// [`broken`]): `torture` takes them, nothing else lists them.
        pub const HIDDEN: &[GuardInfo] = &[$(info::<$hidden>()),*];

        /// Guards that test the harness, not a protocol: only a caller that
        /// names them runs them (see [`broken::ReaderPanics`]).
        pub const HARNESS: &[GuardInfo] = &[$(info::<$harness>()),*];

        /// Guards with a known effect, to calibrate the measuring (see
        /// [`delay`]): not listed, not in `all`; `run` and `selfcheck
        /// --known` take them by name.
        pub const CALIBRATION: &[GuardInfo] = &[$(info::<$calibration>()),*];

        /// Example guards for the README's guide: run by name, not part of
        /// `all` or the sweep (see [`raw_seqcount`]). `zonebench list`
        /// prints them apart; `run` and `torture` take them by name.
        pub const EXAMPLES: &[GuardInfo] = &[$(info::<$example>()),*];

        /// Run `visitor` with the guard called `name` (hidden, harness and
        /// example ones included).
        pub fn dispatch<V: GuardVisitor>(name: &str, visitor: V) -> Option<V::Output> {
            let name = guard_of(name);
            $(if name == <$ty as ZonelistGuard>::NAME {
                return Some(visitor.visit::<$ty>());
            })*
            $(if name == <$hidden as ZonelistGuard>::NAME {
                return Some(visitor.visit::<$hidden>());
            })*
            $(if name == <$harness as ZonelistGuard>::NAME {
                return Some(visitor.visit::<$harness>());
            })*
            $(if name == <$calibration as ZonelistGuard>::NAME {
                return Some(visitor.visit::<$calibration>());
            })*
            $(if name == <$example as ZonelistGuard>::NAME {
                return Some(visitor.visit::<$example>());
            })*
            None
        }
    };
}

guards!(
    none::NoGuard,
    seqcount::Seqcount,
    seqlock::SeqLock,
    seqlock_excl::SeqlockExcl,
    seqbegin_or_lock::SeqbeginOrLock,
    seqcount_spinlock::SeqcountSpinlock,
    rcu::Rcu<false>,
    rcu_recheck::RcuRecheck,
    rcu_qsbr::RcuQsbr<false>,
    rcu_qsbr_recheck::RcuQsbrRecheck,
    rcu_preempt::RcuPreempt<false>,
    rcu_preempt_recheck::RcuPreemptRecheck,
    latch::Latch,
    rwlock::RwLockGuard,
    seqlock_crate::SeqlockCrate,
    epoch::Epoch;
    hidden: broken::SeqcountNoRetry;
    harness: broken::ReaderPanics;
    calibration: delay::Delay2Pct;
    examples: raw_seqcount::RawSeqcount,
);

/// The guard info for `name`: a guard of [`ALL`], an example guard
/// ([`EXAMPLES`]) or a calibration guard ([`CALIBRATION`]), which run when
/// named although `all` leaves them out.
pub fn find(name: &str) -> Option<&'static GuardInfo> {
    ALL.iter()
        .chain(EXAMPLES)
        .chain(CALIBRATION)
        .find(|g| g.name == name)
}

/// The guard info for `name`, hidden guards included (and example ones,
/// as [`find`]).
pub fn find_any(name: &str) -> Option<&'static GuardInfo> {
    find(name).or_else(|| HIDDEN.iter().find(|g| g.name == name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_guards_run_by_name_but_stay_out_of_all() {
        struct Name;
        impl GuardVisitor for Name {
            type Output = &'static str;
            fn visit<G: ZonelistGuard>(self) -> &'static str {
                G::NAME
            }
        }
        for g in EXAMPLES {
            assert!(ALL
                .iter()
                .chain(HIDDEN)
                .chain(HARNESS)
                .all(|o| o.name != g.name));
            assert_eq!(find(g.name).map(|i| i.name), Some(g.name));
            assert_eq!(find_any(g.name).map(|i| i.name), Some(g.name));
            assert_eq!(dispatch(g.name, Name), Some(g.name));
        }
        assert!(EXAMPLES.iter().any(|g| g.name == "raw-seqcount"));
        // Hidden guards stay out of `find` (what `run --guards` takes).
        assert!(HIDDEN.iter().all(|g| find(g.name).is_none()));
    }
}

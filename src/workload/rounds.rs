//! How many rounds a plan asks for: a fixed number, or enough to know every
//! compared ratio to a target precision within a time budget. The session
//! runs them (`session/rounds.rs` says how).

use std::time::Duration;

/// How many rounds each group gets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rounds {
    /// Rounds every group gets (whatever the budget says).
    pub min: usize,
    /// Rounds no group exceeds.
    pub max: usize,
    /// Add rounds until every compared ratio's 95% interval is within
    /// +- this many percent (`None`: exactly `min` rounds).
    pub ci_target_pct: Option<f64>,
    /// Measuring time for the whole session, shared among the groups.
    pub budget: Option<Duration>,
}

impl Rounds {
    /// Exactly `n` rounds per group.
    pub fn fixed(n: usize) -> Rounds {
        Rounds {
            min: n,
            max: n,
            ci_target_pct: None,
            budget: None,
        }
    }
}

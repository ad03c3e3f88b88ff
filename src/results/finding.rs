//! What `zonebench claims` saves of each claim: its numbers, its verdict,
//! and the rule that gave it (`src/experiments/` computes them).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A claim's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", tag = "verdict", content = "reason")]
pub enum Verdict {
    Supported,
    Refuted,
    /// The numbers do not decide it on this machine, and why.
    NotSettled(String),
}

impl Verdict {
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Supported => "supported",
            Verdict::Refuted => "refuted",
            Verdict::NotSettled(_) => "not settled",
        }
    }
}

/// What an experiment found: its key numbers, the verdict, and the rule
/// that gave it (with the measured values filled in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    pub id: String,
    /// The thread's sentence, as one line.
    pub claim: String,
    pub numbers: Vec<String>,
    #[serde(flatten)]
    pub verdict: Verdict,
    pub rule: String,
}

//! Why a report or comparison could not be made.

use std::fmt;

/// Why a report or comparison could not be made. `Display` is one line
/// naming the problem, for `zonebench: error: ...` and exit status 2.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ReportError {
    /// A file could not be loaded (the loader's one-line message).
    Load(String),
    /// `--baseline` names a guard with no cells in the file.
    UnknownBaseline {
        guard: String,
        source: String,
        /// The guards the file does have (after `--cells`).
        guards: Vec<String>,
        /// The `--cells` filter in force, if any.
        filter: Option<String>,
    },
    /// The `--cells` string is malformed.
    BadFilter(String),
    /// `--guards` names a guard with no cells in the file.
    UnknownGuard {
        guard: String,
        source: String,
        /// The guards the file does have (after `--cells`).
        guards: Vec<String>,
    },
    /// Nothing to report: the file has no cells, or none match `--cells`.
    NoCells {
        source: String,
        filter: Option<String>,
    },
    /// `compare`: the two files cannot be compared; the reason.
    Incompatible(String),
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::Load(e) => f.write_str(e),
            ReportError::UnknownBaseline {
                guard,
                source,
                guards,
                filter,
            } => {
                write!(f, "baseline guard '{guard}' is not in {source}")?;
                if let Some(filter) = filter {
                    write!(f, " with --cells {filter}")?;
                }
                write!(f, " (guards: {})", guards.join(", "))
            }
            ReportError::BadFilter(e) => write!(f, "--cells: {e}"),
            ReportError::UnknownGuard {
                guard,
                source,
                guards,
            } => write!(
                f,
                "--guards: '{guard}' is not in {source} (guards: {})",
                guards.join(", ")
            ),
            ReportError::NoCells {
                source,
                filter: None,
            } => write!(f, "{source}: no cells to report"),
            ReportError::NoCells {
                source,
                filter: Some(filter),
            } => write!(f, "{source}: no cells match --cells {filter}"),
            ReportError::Incompatible(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for ReportError {}

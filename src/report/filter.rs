//! `--cells`: which cells to report, parsed from and written as
//! `scope=every-alloc,writer=rebuild,readers=2`; and value enums by their
//! CLI names, as the filter, section titles and CSV write them.

use super::ReportError;
use crate::alloc::Scope;
use crate::workload::spec::{by_name, CellSpec, WriterMode};
use std::fmt;
use std::str::FromStr;

/// Which cells to report: every set field must match the cell's own spec.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct CellFilter {
    pub scope: Option<Scope>,
    pub writer: Option<WriterMode>,
    pub readers: Option<usize>,
}

const FILTER_KEYS: &str = "scope, writer, readers";

impl CellFilter {
    /// Parse `scope=every-alloc,writer=rebuild,readers=2` (any subset of
    /// the keys, each at most once; the empty string is no filter).
    pub(crate) fn parse(s: &str) -> Result<CellFilter, ReportError> {
        let bad = |m: String| ReportError::BadFilter(m);
        let mut filter = CellFilter::default();
        if s.trim().is_empty() {
            return Ok(filter);
        }
        for item in s.split(',') {
            let item = item.trim();
            let Some((key, value)) = item.split_once('=') else {
                return Err(bad(format!(
                    "'{item}' is not key=value (keys: {FILTER_KEYS})"
                )));
            };
            let (key, value) = (key.trim(), value.trim());
            let twice = || bad(format!("{key} given twice"));
            match key {
                "scope" => {
                    if filter.scope.is_some() {
                        return Err(twice());
                    }
                    filter.scope = Some(parse_named(key, value, &Scope::ALL, Scope::name)?);
                }
                "writer" => {
                    if filter.writer.is_some() {
                        return Err(twice());
                    }
                    filter.writer =
                        Some(parse_named(key, value, &WriterMode::ALL, WriterMode::name)?);
                }
                "readers" => {
                    if filter.readers.is_some() {
                        return Err(twice());
                    }
                    match value.parse::<usize>() {
                        Ok(n) if n > 0 => filter.readers = Some(n),
                        _ => {
                            return Err(bad(format!(
                                "readers '{value}' is not a positive whole number"
                            )))
                        }
                    }
                }
                _ => return Err(bad(format!("unknown key '{key}' (keys: {FILTER_KEYS})"))),
            }
        }
        Ok(filter)
    }

    pub(crate) fn is_empty(&self) -> bool {
        *self == CellFilter::default()
    }

    pub(crate) fn matches(&self, spec: &CellSpec) -> bool {
        self.scope.is_none_or(|s| s == spec.scope)
            && self.writer.is_none_or(|w| w == spec.writer)
            && self.readers.is_none_or(|r| r == spec.readers)
    }

    /// The filter as `--cells` would take it, `None` when empty.
    pub(super) fn describe(&self) -> Option<String> {
        (!self.is_empty()).then(|| self.to_string())
    }
}

impl FromStr for CellFilter {
    type Err = ReportError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CellFilter::parse(s)
    }
}

impl fmt::Display for CellFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(s) = self.scope {
            parts.push(format!("scope={}", s.name()));
        }
        if let Some(w) = self.writer {
            parts.push(format!("writer={}", w.name()));
        }
        if let Some(r) = self.readers {
            parts.push(format!("readers={r}"));
        }
        f.write_str(&parts.join(","))
    }
}

fn parse_named<T: Copy>(
    key: &str,
    value: &str,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<T, ReportError> {
    by_name(value, all, name)
        .map_err(|known| ReportError::BadFilter(format!("{key} '{value}' is not one of {known}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_parses_and_rejects_in_one_line() {
        let f = CellFilter::parse("scope=every-alloc,writer=rebuild,readers=2").unwrap();
        assert_eq!(f.scope, Some(Scope::EveryAlloc));
        assert_eq!(f.writer, Some(WriterMode::Rebuild));
        assert_eq!(f.readers, Some(2));
        assert_eq!(f.to_string(), "scope=every-alloc,writer=rebuild,readers=2");
        assert!(CellFilter::parse("").unwrap().is_empty());
        assert_eq!("readers=4".parse::<CellFilter>().unwrap().readers, Some(4));
        for (bad, msg) in [
            (
                "colour=red",
                "--cells: unknown key 'colour' (keys: scope, writer, readers)",
            ),
            (
                "scope=sometimes",
                "--cells: scope 'sometimes' is not one of slowpath, every-alloc",
            ),
            (
                "writer=lots",
                "--cells: writer 'lots' is not one of none, rebuild, hotplug",
            ),
            (
                "readers=0",
                "--cells: readers '0' is not a positive whole number",
            ),
            (
                "readers",
                "--cells: 'readers' is not key=value (keys: scope, writer, readers)",
            ),
            ("readers=1,readers=2", "--cells: readers given twice"),
        ] {
            let e = CellFilter::parse(bad).unwrap_err().to_string();
            assert_eq!(e, msg);
            assert!(!e.contains('\n'));
        }
    }
}

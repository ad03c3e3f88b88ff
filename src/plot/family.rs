//! Which guards share a panel. A figure of at most [`MAX_SERIES`] guards
//! draws them together; a figure of more is drawn as small multiples, one
//! column per family of guards, each with the reference guard (the one
//! every other is compared with, `seqcount` where the file has it) drawn
//! beside the family so the columns read against one line. A guard's
//! family is its registry entry's (`ZonelistGuard::LOOK`); a guard with
//! none, or one this build does not know, goes in a last column of its
//! own.

use super::palette::{looks_in, stated, Look};
use crate::guard::{default_baseline, Family};

/// The most guard lines one panel draws.
pub(super) const MAX_SERIES: usize = 6;

const OTHERS: &str = "other guards";

/// One column of small multiples: its heading (none when the figure has
/// one column) and its guards in legend order, the reference first where
/// it is not a member.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Column {
    pub(super) name: Option<String>,
    pub(super) guards: Vec<String>,
    /// The reference guard, where drawn beside a family it is not in.
    pub(super) reference: Option<String>,
}

impl Column {
    /// `guard` is drawn here as the reference beside another family.
    pub(super) fn is_reference(&self, guard: &str) -> bool {
        self.reference.as_deref() == Some(guard)
    }

    /// Each guard of the column with its look in the column and its
    /// legend label ("seqcount (reference)" for the reference).
    pub(super) fn series(&self) -> Vec<(&str, Look, String)> {
        self.guards
            .iter()
            .zip(looks_in(&self.guards))
            .map(|(g, look)| {
                let label = match self.is_reference(g) {
                    true => format!("{g} (reference)"),
                    false => g.clone(),
                };
                (g.as_str(), look, label)
            })
            .collect()
    }
}

/// The guards of `names`, each once, in the order first seen.
pub(super) fn first_seen<'a>(names: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if !out.contains(n) {
            out.push(n.clone());
        }
    }
    out
}

/// The columns that draw `guards` (in the order given, which is kept in
/// each column).
pub(super) fn columns(guards: &[String]) -> Vec<Column> {
    if guards.len() <= MAX_SERIES {
        return vec![Column {
            name: None,
            guards: guards.to_vec(),
            reference: None,
        }];
    }
    let reference = default_baseline(guards).map(str::to_string);
    let family_of = |g: &str| {
        let family = stated(g).map(|l| l.family);
        Family::ALL
            .iter()
            .position(|&f| Some(f) == family)
            .unwrap_or(Family::ALL.len())
    };
    let mut out = Vec::new();
    for f in 0..=Family::ALL.len() {
        let name = Family::ALL.get(f).map_or(OTHERS, |f| f.title());
        let members: Vec<&String> = guards.iter().filter(|g| family_of(g) == f).collect();
        // With the reference beside it, a family keeps MAX_SERIES lines.
        let outside = reference.as_ref().filter(|r| family_of(r) != f);
        let room = MAX_SERIES - usize::from(outside.is_some());
        let chunks: Vec<&[&String]> = members.chunks(room).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let name = match chunks.len() {
                1 => name.to_string(),
                n => format!("{name} ({}/{n})", i + 1),
            };
            out.push(Column {
                name: Some(name),
                guards: outside
                    .into_iter()
                    .chain(chunk.iter().copied())
                    .cloned()
                    .collect(),
                reference: outside.cloned(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn few_guards_share_one_panel_and_many_split_by_family() {
        let two = names(&["seqlock", "raw-seqcount"]);
        assert_eq!(columns(&two).len(), 1);
        assert_eq!(columns(&two)[0].guards, two);

        let all: Vec<String> = crate::guard::ALL
            .iter()
            .map(|g| g.name.to_string())
            .collect();
        let cols = columns(&all);
        assert_eq!(cols.len(), 4, "{cols:?}");
        for c in &cols {
            assert!(c.guards.len() <= MAX_SERIES, "{c:?}");
            assert_eq!(c.guards[0], "seqcount", "the reference leads every column");
        }
        // Every guard drawn, the reference once per column.
        for g in &all {
            let n = cols.iter().filter(|c| c.guards.contains(g)).count();
            assert_eq!(n, if g == "seqcount" { 4 } else { 1 }, "{g}");
        }
        assert_eq!(cols[0].reference, None);
        assert_eq!(cols[1].reference.as_deref(), Some("seqcount"));
    }

    #[test]
    fn guards_this_build_does_not_know_get_columns_of_at_most_six() {
        let mut g = names(&["seqcount", "rcu"]);
        g.extend((0..12).map(|i| format!("mine-{i}")));
        let cols = columns(&g);
        let others: Vec<&Column> = cols
            .iter()
            .filter(|c| c.name.as_deref().unwrap().starts_with(OTHERS))
            .collect();
        assert_eq!(others.len(), 3);
        assert!(cols.iter().all(|c| c.guards.len() <= MAX_SERIES));
        assert_eq!(others[0].name.as_deref(), Some("other guards (1/3)"));
    }
}

//! How a guard's series looks: a colour from Okabe and Ito's palette for
//! colour-vision deficiencies, a marker shape and a dash pattern, so that
//! every series in a panel can be told apart by any one of the three,
//! also in greyscale.
//!
//! Each guard has its own look ([`LOOKS`]), chosen so that the guards of
//! one family (`family.rs`), with the reference guard beside them, differ
//! in colour and in marker; `seqcount`, the reference, alone is blue and
//! solid. A guard keeps its look wherever the panel allows: a panel that
//! mixes families can hold two guards of one colour or marker, and
//! [`looks_in`] then gives the later one the first colour (or marker) the
//! panel has not used, never the reference's blue. Bars, which name their
//! guard on the axis, only need neighbours of different colours
//! ([`bar_colours`]).

use plotters::style::RGBColor;

/// Okabe and Ito's colours, less their yellow (too light on white to
/// carry a thin line).
pub(super) const BLACK: RGBColor = RGBColor(0, 0, 0);
pub(super) const ORANGE: RGBColor = RGBColor(230, 159, 0);
pub(super) const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
pub(super) const GREEN: RGBColor = RGBColor(0, 158, 115);
pub(super) const BLUE: RGBColor = RGBColor(0, 114, 178);
pub(super) const VERMILION: RGBColor = RGBColor(213, 94, 0);
pub(super) const PURPLE: RGBColor = RGBColor(204, 121, 167);

/// The colours a guard may be given in place of its own: all but the
/// reference's blue.
const SPARE: [RGBColor; 6] = [ORANGE, VERMILION, PURPLE, SKY_BLUE, GREEN, BLACK];

/// A point marker's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
    Cross,
    TriangleDown,
}

const MARKERS: [Marker; 6] = [
    Marker::Circle,
    Marker::Square,
    Marker::Triangle,
    Marker::Diamond,
    Marker::Cross,
    Marker::TriangleDown,
];

/// A line's dash pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Dash {
    Solid,
    /// 10 px on, 5 off.
    Long,
    /// 5 on, 4 off.
    Short,
    /// 2 on, 3 off.
    Dot,
}

impl Dash {
    /// (on, off) in pixels; `None` for a solid line.
    pub(super) fn pattern(self) -> Option<(u32, u32)> {
        match self {
            Dash::Solid => None,
            Dash::Long => Some((10, 5)),
            Dash::Short => Some((5, 4)),
            Dash::Dot => Some((2, 3)),
        }
    }
}

/// A series' colour, marker and dash.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Look {
    pub(super) colour: RGBColor,
    pub(super) marker: Marker,
    pub(super) dash: Dash,
}

const fn look(colour: RGBColor, marker: Marker, dash: Dash) -> Look {
    Look {
        colour,
        marker,
        dash,
    }
}

use Dash::{Dot, Long, Short, Solid};
use Marker::{Circle, Cross, Diamond, Square, Triangle, TriangleDown};

/// Every guard's own look, family by family (`family.rs`); `seqcount`,
/// the reference drawn in every family's panel, is unlike every other
/// guard in colour and the one solid line.
pub(super) const LOOKS: [(&str, Look); 17] = [
    // Sequence counts.
    ("seqcount", look(BLUE, Circle, Solid)),
    ("seqlock", look(ORANGE, Square, Long)),
    ("seqlock-excl", look(VERMILION, Triangle, Short)),
    ("seqbegin-or-lock", look(PURPLE, Diamond, Dot)),
    ("seqcount-spinlock", look(SKY_BLUE, Cross, Long)),
    ("raw-seqcount", look(GREEN, TriangleDown, Short)),
    // Kernel RCU.
    ("rcu-qsbr", look(VERMILION, Diamond, Dot)),
    ("rcu-qsbr-recheck", look(PURPLE, Cross, Long)),
    ("rcu-preempt", look(SKY_BLUE, Triangle, Short)),
    ("rcu-preempt-recheck", look(ORANGE, Square, Dot)),
    // Userspace RCU and epochs.
    ("rcu", look(GREEN, Square, Long)),
    ("rcu-recheck", look(ORANGE, Triangle, Short)),
    ("epoch", look(BLACK, TriangleDown, Short)),
    // The control and the other designs.
    ("none", look(BLACK, Square, Short)),
    ("latch", look(VERMILION, Triangle, Long)),
    ("rwlock", look(PURPLE, Diamond, Dot)),
    ("seqlock-crate", look(ORANGE, Cross, Long)),
];

/// The guard's own look; a name this build does not know gets none.
fn own(guard: &str) -> Option<Look> {
    LOOKS.iter().find(|(n, _)| *n == guard).map(|&(_, l)| l)
}

/// The looks of the guards drawn together in one panel, in their order:
/// each guard's own, except that a colour or marker already taken in the
/// panel (or a guard this build does not know) gets the first one free,
/// never the reference's blue or solid line. With at most six guards
/// every colour and every marker differs.
pub(super) fn looks_in<S: AsRef<str>>(guards: &[S]) -> Vec<Look> {
    let mut out: Vec<Look> = Vec::with_capacity(guards.len());
    for (i, g) in guards.iter().enumerate() {
        let mine = own(g.as_ref()).unwrap_or(Look {
            colour: SPARE[i % SPARE.len()],
            marker: MARKERS[i % MARKERS.len()],
            dash: [Long, Short, Dot][i % 3],
        });
        let free_colour = |c: RGBColor| out.iter().all(|l| l.colour != c);
        let free_marker = |m: Marker| out.iter().all(|l| l.marker != m);
        let colour = Some(mine.colour)
            .filter(|&c| free_colour(c))
            .or_else(|| SPARE.into_iter().find(|&c| free_colour(c)))
            .unwrap_or(mine.colour);
        let marker = Some(mine.marker)
            .filter(|&m| free_marker(m))
            .or_else(|| MARKERS.into_iter().find(|&m| free_marker(m)))
            .unwrap_or(mine.marker);
        out.push(Look {
            colour,
            marker,
            dash: mine.dash,
        });
    }
    out
}

/// Bar colours for `guards`, top to bottom: each guard's own colour, or
/// where that is its upper neighbour's, the first spare colour that is
/// not.
pub(super) fn bar_colours<S: AsRef<str>>(guards: &[S]) -> Vec<RGBColor> {
    let mut out: Vec<RGBColor> = Vec::with_capacity(guards.len());
    for g in guards {
        let mine = own(g.as_ref()).map_or(SPARE[0], |l| l.colour);
        let above = out.last().copied();
        let colour = match above == Some(mine) {
            true => SPARE
                .into_iter()
                .find(|&c| Some(c) != above)
                .unwrap_or(mine),
            false => mine,
        };
        out.push(colour);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_guard_has_a_look_from_the_palette() {
        for g in crate::guard::ALL.iter().chain(crate::guard::EXAMPLES) {
            let l = own(g.name).unwrap_or_else(|| panic!("{} has no look", g.name));
            assert!(l.colour == BLUE || SPARE.contains(&l.colour), "{}", g.name);
        }
        for (i, (a, _)) in LOOKS.iter().enumerate() {
            assert!(LOOKS[i + 1..].iter().all(|(b, _)| a != b), "{a} twice");
        }
        // The reference's colour, and its solid line, are its own.
        let seqcount = own("seqcount").unwrap();
        assert_eq!(seqcount.dash, Solid);
        for (name, l) in &LOOKS[1..] {
            assert!(l.colour != seqcount.colour && l.dash != Solid, "{name}");
        }
    }

    #[test]
    fn a_panel_of_up_to_six_never_repeats_a_colour_or_a_marker() {
        let all: Vec<&str> = LOOKS.iter().map(|(n, _)| *n).collect();
        // Any six in a row of the list, families mixed, and unknown names.
        for w in all
            .windows(6)
            .chain([&["a", "b", "seqlock", "c", "d", "e"][..]])
        {
            let looks = looks_in(w);
            for (i, a) in looks.iter().enumerate() {
                for b in &looks[i + 1..] {
                    assert!(a.colour != b.colour && a.marker != b.marker, "{w:?}");
                }
            }
        }
        // Guards keep their own look where the panel allows; only the
        // reference is blue or solid.
        assert_eq!(looks_in(&["seqlock"])[0], own("seqlock").unwrap());
        let mixed = looks_in(&["mine", "yours", "theirs", "seqlock", "rcu-recheck", "x"]);
        assert!(mixed
            .iter()
            .all(|l| l.colour != BLUE && l.dash != Dash::Solid));
    }

    #[test]
    fn neighbouring_bars_differ_in_colour() {
        let all: Vec<&str> = crate::guard::ALL.iter().map(|g| g.name).collect();
        for guards in [&all[..], &["rcu-qsbr", "latch", "mine", "yours"][..]] {
            let c = bar_colours(guards);
            assert!(c.windows(2).all(|w| w[0] != w[1]), "{guards:?}");
        }
    }
}

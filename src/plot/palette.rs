//! How a guard's series looks: a colour from Okabe and Ito's palette for
//! colour-vision deficiencies, a marker shape and a dash pattern, so that
//! every series in a panel can be told apart by any one of the three,
//! also in greyscale.
//!
//! Each guard states its own look beside its name (`ZonelistGuard::LOOK`,
//! `guard::look`: a hue, a marker and a dash, chosen so that the guards of
//! one family, with the reference guard beside them, differ in colour and
//! in marker; the reference alone is blue and solid); this module maps it
//! to pixels and names no guard. A guard keeps its look wherever the panel allows: a panel that
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

use crate::guard::{find_any, Hue};
pub(super) use crate::guard::{Dash, Marker};

const MARKERS: [Marker; 6] = [
    Marker::Circle,
    Marker::Square,
    Marker::Triangle,
    Marker::Diamond,
    Marker::Cross,
    Marker::TriangleDown,
];

/// A hue's colour.
fn rgb(hue: Hue) -> RGBColor {
    match hue {
        Hue::Blue => BLUE,
        Hue::Orange => ORANGE,
        Hue::Vermilion => VERMILION,
        Hue::Purple => PURPLE,
        Hue::SkyBlue => SKY_BLUE,
        Hue::Green => GREEN,
        Hue::Black => BLACK,
    }
}

/// A dash's (on, off) in pixels; `None` for a solid line.
pub(super) fn dash_pattern(dash: Dash) -> Option<(u32, u32)> {
    match dash {
        Dash::Solid => None,
        Dash::Long => Some((10, 5)),
        Dash::Short => Some((5, 4)),
        Dash::Dot => Some((2, 3)),
    }
}

/// A series' colour, marker and dash.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Look {
    pub(super) colour: RGBColor,
    pub(super) marker: Marker,
    pub(super) dash: Dash,
}

use Dash::{Dot, Long, Short};

/// The look `guard` states in its registry entry (`ZonelistGuard::LOOK`):
/// its family and drawing; none for a guard without one, or a name this
/// build does not know.
pub(super) fn stated(guard: &str) -> Option<crate::guard::Look> {
    find_any(guard).and_then(|g| g.look)
}

/// The guard's own look in pixels (see [`stated`]).
fn own(guard: &str) -> Option<Look> {
    stated(guard).map(|l| Look {
        colour: rgb(l.hue),
        marker: l.marker,
        dash: l.dash,
    })
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

    /// The registered guards that state a look, in registry order.
    fn drawn() -> Vec<&'static str> {
        let g = crate::guard::ALL.iter().chain(crate::guard::EXAMPLES);
        g.filter(|g| g.look.is_some()).map(|g| g.name).collect()
    }

    #[test]
    fn the_reference_alone_is_blue_and_solid() {
        let reference = own("seqcount").unwrap();
        assert_eq!((reference.colour, reference.dash), (BLUE, Dash::Solid));
        for g in drawn().into_iter().filter(|g| *g != "seqcount") {
            let l = own(g).unwrap();
            assert!(l.colour != BLUE && l.dash != Dash::Solid, "{g}");
        }
    }

    #[test]
    fn a_panel_of_up_to_six_never_repeats_a_colour_or_a_marker() {
        let all = drawn();
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

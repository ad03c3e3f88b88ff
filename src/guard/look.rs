//! How a guard is drawn, as plain data the guard states beside its name
//! (`ZonelistGuard::LOOK`): the family whose column of small multiples
//! it is drawn in, and its colour, marker and dash. The plot layer turns
//! them into pixels (`plot::palette`); it knows no guard by name.
//!
//! The colours are Okabe and Ito's, named: every series in a panel can be
//! told apart by colour, by marker or by dash, also in greyscale. Only the
//! reference guard (`seqcount`) is [`Hue::Blue`] and [`Dash::Solid`]; a
//! new guard picks any other hue and dash, preferably unlike those of its
//! family (a panel that would repeat a colour or marker gives the later
//! guard a free one).

/// The families of guards, in the order their columns are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    SequenceCounts,
    KernelRcu,
    UserspaceRcu,
    /// `none`, the control, and the designs of no other family.
    Others,
}

impl Family {
    /// Every family, in column order.
    pub const ALL: [Family; 4] = [
        Family::SequenceCounts,
        Family::KernelRcu,
        Family::UserspaceRcu,
        Family::Others,
    ];

    /// The heading of the family's column.
    pub fn title(self) -> &'static str {
        match self {
            Family::SequenceCounts => "sequence counts",
            Family::KernelRcu => "kernel RCU",
            Family::UserspaceRcu => "userspace RCU and epochs",
            Family::Others => "the control and other designs",
        }
    }
}

/// A colour of Okabe and Ito's palette (less its yellow, too light on
/// white to carry a thin line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hue {
    /// The reference guard's, and no other's.
    Blue,
    Orange,
    Vermilion,
    Purple,
    SkyBlue,
    Green,
    Black,
}

/// A point marker's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
    Cross,
    TriangleDown,
}

/// A line's dash pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dash {
    /// The reference guard's, and no other's.
    Solid,
    /// Long dashes.
    Long,
    /// Short dashes.
    Short,
    /// Dots.
    Dot,
}

/// A guard's family, colour, marker and dash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Look {
    pub family: Family,
    pub hue: Hue,
    pub marker: Marker,
    pub dash: Dash,
}

impl Look {
    pub const fn new(family: Family, hue: Hue, marker: Marker, dash: Dash) -> Look {
        Look {
            family,
            hue,
            marker,
            dash,
        }
    }
}

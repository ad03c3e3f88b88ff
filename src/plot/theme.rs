//! The look every figure shares: the embedded font and its sizes, the
//! greys, the figure width, and text cut to fit a width.

use plotters::coord::Shift;
use plotters::prelude::*;

/// Family name the embedded DejaVu Sans is registered under. plotters' own
/// defaults (tick labels, legends) ask for "sans-serif", so registering the
/// generic name covers any text not styled here, and the SVGs name a
/// family every viewer has.
pub(super) const FONT: &str = "sans-serif";

pub(super) const WIDTH: u32 = 1000;
const TITLE_PX: u32 = 22;
pub(super) const PANEL_TITLE_PX: u32 = 18;
pub(super) const DESC_PX: u32 = 16;
pub(super) const LABEL_PX: u32 = 14;
pub(super) const NOTE_PX: u32 = 13;

pub(super) const GRID: RGBColor = RGBColor(228, 228, 228);
pub(super) const MUTED: RGBColor = RGBColor(90, 90, 90);
pub(super) const SHADE: RGBColor = RGBColor(150, 150, 150);

/// Register DejaVu Sans (regular and bold) once per process; false if
/// plotters rejected the bytes.
pub(super) fn register_fonts() -> bool {
    static OK: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *OK.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    })
}

pub(super) fn font(px: u32) -> TextStyle<'static> {
    (FONT, px).into_font().color(&BLACK)
}

pub(super) fn title_font() -> TextStyle<'static> {
    (FONT, TITLE_PX, FontStyle::Bold).into_font().color(&BLACK)
}

/// `text`, cut with an ellipsis to at most `max_px` wide.
pub(super) fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_px: u32,
) -> String {
    let fits = |s: &str| {
        area.estimate_text_size(s, style)
            .map_or(true, |(w, _)| w <= max_px)
    };
    if fits(text) {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let cut = |n: usize| chars[..n].iter().collect::<String>() + "…";
    // Longest prefix that fits with the ellipsis: binary search.
    let (mut lo, mut hi) = (0, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if fits(&cut(mid)) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    cut(lo)
}

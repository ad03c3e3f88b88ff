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

/// `text` broken at spaces into lines at most `max_px` wide (a word wider
/// than a line is cut with an ellipsis): a title that says which cell it
/// draws keeps every word.
pub(super) fn wrap_px<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_px: u32,
) -> Vec<String> {
    let fits = |s: &str| {
        area.estimate_text_size(s, style)
            .map_or(true, |(w, _)| w <= max_px)
    };
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if fits(&candidate) {
            line = candidate;
        } else {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            line = fit(area, word, style, max_px);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_title_wraps_and_keeps_every_word() {
        assert!(register_fonts());
        let mut svg = String::new();
        let area = SVGBackend::with_string(&mut svg, (WIDTH, 600)).into_drawing_area();
        let title = "Correctness, every-alloc scope, low pressure, 1 node, PREEMPT_RT: totals over 34 cells (all readers, writers, repeats)";
        let style = title_font();
        let lines = wrap_px(&area, title, &style, WIDTH - 20);
        assert!(lines.len() >= 2, "{lines:?}");
        for l in &lines {
            let (w, _) = area.estimate_text_size(l, &style).unwrap();
            assert!(w <= WIDTH - 20, "{l:?} is {w} px");
        }
        assert_eq!(lines.join(" "), title);
        assert_eq!(wrap_px(&area, "short", &style, WIDTH), ["short"]);
    }
}

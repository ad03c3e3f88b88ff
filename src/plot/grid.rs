//! Small multiples: a figure's columns side by side, each under its
//! heading (the family it draws) and its legend, which sits above the
//! panels rather than on the data; below them, the column's panels.

use super::series::{draw_key, Entry, KEY_W};
use super::theme::{fit, font, LABEL_PX, PANEL_TITLE_PX, WIDTH};
use super::DrawError;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One column's heading and legend.
pub(super) struct Head {
    /// The family drawn (none for a figure of one column).
    pub(super) name: Option<String>,
    pub(super) entries: Vec<Entry>,
}

/// Width of each column of a figure of more than one.
const COLUMN_W: u32 = 500;
/// A heading's height, and one row of legend entries'.
const HEAD_H: u32 = 28;
const ROW_H: u32 = 22;
/// Left edge of the legend in its column, and the gaps after a key and
/// after an entry.
const LEFT: i32 = 24;
const KEY_GAP: i32 = 6;
const ENTRY_GAP: i32 = 20;

/// Width of a figure of `columns` columns.
pub(super) fn width(columns: usize) -> u32 {
    match columns {
        0 | 1 => WIDTH,
        n => COLUMN_W * n as u32,
    }
}

/// The entries laid out in rows within `width` px: per row, each entry's
/// index and left edge. `text_w` measures a label.
fn rows(entries: &[Entry], width: u32, text_w: impl Fn(&str) -> u32) -> Vec<Vec<(usize, i32)>> {
    let mut rows: Vec<Vec<(usize, i32)>> = Vec::new();
    let mut x = LEFT;
    for (i, e) in entries.iter().enumerate() {
        let w = KEY_W + KEY_GAP + (text_w(&e.label).min(label_room(width))) as i32;
        match rows.last_mut() {
            Some(row) if x + w <= width as i32 - 8 => row.push((i, x)),
            _ => {
                x = LEFT;
                rows.push(vec![(i, x)]);
            }
        }
        x += w + ENTRY_GAP;
    }
    rows
}

/// The widest a label may be in a column `width` px wide: a longer one
/// (a long name of a guard this build does not know) is cut.
fn label_room(width: u32) -> u32 {
    width.saturating_sub((LEFT + KEY_W + KEY_GAP + 8) as u32)
}

/// Height of the headings and legends over the panels, for a figure's
/// size, before any text is measured: labels are taken at 8.6 px a
/// character, wider than DejaVu Sans' average at the legend's size, so
/// the estimate holds what is drawn.
pub(super) fn head_height(heads: &[Head]) -> u32 {
    let w = width(heads.len()) / heads.len().max(1) as u32;
    let estimate = |s: &str| (s.chars().count() as f64 * 8.6).ceil() as u32;
    let most = heads.iter().map(|h| rows(&h.entries, w, estimate).len());
    height(heads, most.max().unwrap_or(0))
}

/// Headings (if any column is named) and `legend_rows` rows of entries.
fn height(heads: &[Head], legend_rows: usize) -> u32 {
    let named = heads.iter().any(|h| h.name.is_some());
    u32::from(named) * HEAD_H + legend_rows as u32 * ROW_H + 8
}

/// Split `area` into one column per head; draw each head's name and
/// legend at the top; return each column's area for its panels.
pub(super) fn columns<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heads: &[Head],
) -> Result<Vec<DrawingArea<DB, Shift>>, DrawError> {
    let cols = area.split_evenly((1, heads.len().max(1)));
    let label = font(LABEL_PX);
    let measure = |col: &DrawingArea<DB, Shift>, s: &str| {
        col.estimate_text_size(s, &label).map_or(0, |(w, _)| w)
    };
    // Labels cut to fit their column.
    let entries: Vec<Vec<Entry>> = heads
        .iter()
        .zip(&cols)
        .map(|(h, col)| {
            let room = label_room(col.dim_in_pixel().0);
            h.entries
                .iter()
                .map(|e| Entry {
                    key: e.key,
                    label: fit(col, &e.label, &label, room),
                })
                .collect()
        })
        .collect();
    let laid: Vec<Vec<Vec<(usize, i32)>>> = entries
        .iter()
        .zip(&cols)
        .map(|(e, col)| rows(e, col.dim_in_pixel().0, |s| measure(col, s)))
        .collect();
    let top = height(heads, laid.iter().map(Vec::len).max().unwrap_or(0));
    let named = heads.iter().any(|h| h.name.is_some());
    let mut out = Vec::with_capacity(cols.len());
    for (((head, entries), col), rows) in heads.iter().zip(&entries).zip(cols).zip(&laid) {
        let w = col.dim_in_pixel().0 as i32;
        if let Some(name) = &head.name {
            let style = font(PANEL_TITLE_PX).pos(Pos::new(HPos::Center, VPos::Top));
            col.draw_text(name, &style, (w / 2, 4))?;
        }
        let y0 = if named { HEAD_H as i32 } else { 0 } + ROW_H as i32 / 2;
        let text = label.pos(Pos::new(HPos::Left, VPos::Center));
        for (r, row) in rows.iter().enumerate() {
            let y = y0 + r as i32 * ROW_H as i32;
            for &(i, x) in row {
                let e = &entries[i];
                draw_key(&col, e.key, (x, y))?;
                col.draw_text(&e.label, &text, (x + KEY_W + KEY_GAP, y))?;
            }
        }
        out.push(col.split_vertically(top).1);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::palette::{looks_in, Dash};
    use super::super::series::Key;
    use super::super::theme::register_fonts;
    use super::*;

    #[test]
    fn legends_wrap_inside_their_column_and_the_estimate_holds_them() {
        assert!(register_fonts());
        let guards = [
            "seqcount (reference)",
            "seqbegin-or-lock",
            "seqcount-spinlock",
            "rcu-qsbr-recheck",
            "seqlock-excl",
            "raw-seqcount",
        ];
        let looks = looks_in(&guards);
        let mut entries: Vec<Entry> = guards
            .iter()
            .zip(looks)
            .map(|(g, l)| Entry {
                key: Key::Series(l),
                label: g.to_string(),
            })
            .collect();
        entries.push(Entry {
            key: Key::Line(BLACK, 3, Dash::Long),
            label: "machine ceiling".into(),
        });
        let heads: Vec<Head> = (0..3)
            .map(|i| Head {
                name: Some(format!("family {i}")),
                entries: entries.clone(),
            })
            .collect();
        let mut svg = String::new();
        let area = SVGBackend::with_string(&mut svg, (width(3), 900)).into_drawing_area();
        let label = font(LABEL_PX);
        let col_w = width(3) / 3;
        let real = rows(&entries, col_w, |s| {
            area.estimate_text_size(s, &label).unwrap().0
        });
        assert!(real.len() > 1, "seven entries do not fit one row of 500 px");
        for row in &real {
            let &(i, x) = row.last().unwrap();
            let (tw, _) = area.estimate_text_size(&entries[i].label, &label).unwrap();
            assert!(x + KEY_W + KEY_GAP + tw as i32 <= col_w as i32, "{row:?}");
        }
        let drawn = columns(&area, &heads).unwrap();
        assert_eq!(drawn.len(), 3);
        // The panels start below what the size estimate reserved, or above.
        let reserved = head_height(&heads);
        assert!(900 - drawn[0].dim_in_pixel().1 <= reserved);
    }
}

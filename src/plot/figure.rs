//! A figure and its files: what a figure module plans (a file name, a
//! title and a body to draw), and how each planned figure is written, as
//! PNG (plotters' bitmap backend) and SVG, its title above the body and
//! the caption below.

use super::caption::{Caption, CAPTION_H};
use super::group::Index;
use super::theme::{title_font, wrap_px, WIDTH};
use super::{DrawError, PlotError, PlotOutcome};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::fmt;
use std::path::{Path, PathBuf};

/// One figure: its file name, its title and what is drawn below the title.
pub(super) struct Figure<B> {
    /// File stem: `<name>.png`, `<name>.svg`.
    pub(super) name: String,
    pub(super) title: String,
    pub(super) body: B,
}

/// What a figure draws below its title, for any backend.
pub(super) trait Body {
    /// Pixels of the figure, title included; the caption band is added
    /// below it.
    fn size(&self) -> (u32, u32) {
        (WIDTH, 560)
    }
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), DrawError>;
}

/// What one figure module wants drawn, and what it could not draw.
pub(super) struct Plan<B> {
    figures: Vec<Figure<B>>,
    skipped: Vec<String>,
}

impl<B> Default for Plan<B> {
    fn default() -> Self {
        Plan {
            figures: Vec::new(),
            skipped: Vec::new(),
        }
    }
}

impl<B> Plan<B> {
    /// An empty plan for a figure drawn once per setting of `ix`: with no
    /// setting (no cells in the file) the figure `what` is skipped.
    pub(super) fn per_setting(ix: &Index, what: &str) -> Self {
        let mut plan = Plan::default();
        if ix.settings.is_empty() {
            plan.skip(what, "no cells in the file");
        }
        plan
    }

    pub(super) fn push(&mut self, name: String, title: String, body: B) {
        self.figures.push(Figure { name, title, body });
    }

    pub(super) fn skip(&mut self, what: &str, why: impl fmt::Display) {
        self.skipped.push(format!("{what}: {why}"));
    }

    pub(super) fn is_empty(&self) -> bool {
        self.figures.is_empty()
    }

    #[cfg(test)]
    pub(super) fn figures(&self) -> &[Figure<B>] {
        &self.figures
    }
}

/// Write every figure of `plan` into `dir`, and note what it skipped.
pub(super) fn emit<B: Body>(
    plan: Plan<B>,
    caption: &Caption,
    dir: &Path,
    out: &mut PlotOutcome,
) -> Result<(), PlotError> {
    for fig in &plan.figures {
        out.written.extend(write_figure(fig, caption, dir)?);
    }
    out.skipped.extend(plan.skipped);
    Ok(())
}

fn write_figure<B: Body>(
    fig: &Figure<B>,
    caption: &Caption,
    dir: &Path,
) -> Result<[PathBuf; 2], PlotError> {
    let (w, h) = fig.body.size();
    let size = (w, h + CAPTION_H);

    let png = dir.join(format!("{}.png", fig.name));
    guarded(&png, || {
        compose(
            BitMapBackend::new(&png, size).into_drawing_area(),
            fig,
            caption,
        )
    })?;

    let svg = dir.join(format!("{}.svg", fig.name));
    let mut text = String::new();
    guarded(&svg, || {
        compose(
            SVGBackend::with_string(&mut text, size).into_drawing_area(),
            fig,
            caption,
        )
    })?;
    std::fs::write(&svg, text)
        .map_err(|e| PlotError::new(&svg, format!("cannot write: {}", e.kind())))?;
    Ok([png, svg])
}

/// Run one drawing; a failure, or a panic inside plotters (third-party code
/// fed values this module has already sanitised), becomes an error naming
/// the file.
fn guarded(path: &Path, draw: impl FnOnce() -> Result<(), DrawError>) -> Result<(), PlotError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(draw)) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(DrawError(e))) => Err(PlotError::new(path, format!("cannot render: {e}"))),
        Err(_) => Err(PlotError::new(path, "cannot render: plotters panicked")),
    }
}

/// The whole picture on `root`: title, body, caption; then presented.
fn compose<DB: DrawingBackend, B: Body>(
    root: DrawingArea<DB, Shift>,
    fig: &Figure<B>,
    caption: &Caption,
) -> Result<(), DrawError> {
    root.fill(&WHITE)?;
    let h = root.dim_in_pixel().1;
    let (body, foot) = root.split_vertically(h.saturating_sub(CAPTION_H));
    fig.body.draw(&titled(&body, &fig.title)?)?;
    caption.draw(&foot)?;
    root.present()?;
    Ok(())
}

/// The area below a figure-wide title, which is wrapped onto as many
/// centred lines as it needs (never cut: it names the cell drawn).
fn titled<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, DrawError> {
    let (w, h) = area.dim_in_pixel();
    let style = title_font();
    let lines = wrap_px(area, title, &style, w.saturating_sub(20));
    let line_h = area
        .estimate_text_size("Ag", &style)
        .map_or(26, |(_, lh)| lh + 6);
    let centred = style.pos(Pos::new(HPos::Center, VPos::Top));
    for (i, line) in lines.iter().enumerate() {
        area.draw_text(
            line,
            &centred,
            ((w / 2) as i32, 6 + (i as u32 * line_h) as i32),
        )?;
    }
    let top = (12 + lines.len() as u32 * line_h).min(h / 3);
    Ok(area.split_vertically(top).1)
}

//! The caption below every figure: the machine (CPU model, logical CPUs,
//! kernel) and the command that produced the results file.

use super::theme::{fit, font, MUTED, NOTE_PX};
use super::DrawError;
use crate::results::schema::Meta;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Pixels of the caption band, added below every figure's body.
pub(super) const CAPTION_H: u32 = 44;

/// The machine and the command, below every figure.
pub(super) struct Caption {
    machine: String,
    command: String,
}

impl Caption {
    pub(super) fn new(meta: &Meta) -> Self {
        Caption {
            machine: format!(
                "{}, {} logical CPUs, kernel {}; zonebench {} ({})",
                meta.cpu_model,
                meta.logical_cpus,
                meta.kernel_release,
                meta.zonebench_version,
                meta.git_revision
            ),
            command: format!("$ {}", program_name_only(&meta.command)),
        }
    }

    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawError> {
        let style = font(NOTE_PX).color(&MUTED);
        let width = area.dim_in_pixel().0.saturating_sub(24);
        for (i, line) in [&self.machine, &self.command].into_iter().enumerate() {
            let text = fit(area, line, &style, width);
            area.draw(&Text::new(text, (12, 4 + 19 * i as i32), style.clone()))?;
        }
        Ok(())
    }
}

/// `command` with its program's directory dropped ("target/release/"):
/// the caption keeps its width for the arguments.
fn program_name_only(command: &str) -> &str {
    let program = command.split_whitespace().next().unwrap_or("");
    match program.rfind('/') {
        Some(i) => &command.trim_start()[i + 1..],
        None => command,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_loses_its_program_directory() {
        assert_eq!(
            program_name_only("target/release/zonebench run --out a/b.json"),
            "zonebench run --out a/b.json"
        );
        assert_eq!(program_name_only("zonebench run"), "zonebench run");
    }
}

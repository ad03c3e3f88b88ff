//! How a session ends: the file saved (and copied), the table printed, the
//! plots drawn (and their page written, `cargo bench`'s
//! `plots/latest/index.html`), and the exit status that says whether
//! anything broke.

use super::Session;
use crate::plot::PlotOutcome;
use crate::report::{html, ReportOpts};
use crate::results::io::{save, save_to, Out};
use crate::results::ResultsFile;
use std::path::Path;
use std::process::ExitCode;

impl Session {
    /// Save the file (and `copy`), then print `table`, draw the plots into
    /// `plots` (and the page of [`Session::with_page`] beside them), and
    /// say how it ended: 130 if cancelled, 1 if a cell broke
    /// an invariant or something could not be written, else 0. Nothing
    /// measured is lost to a later step's failure.
    pub fn finish(
        mut self,
        table: &str,
        copy: Option<&Path>,
        plots: Option<&Path>,
        planned: usize,
    ) -> ExitCode {
        if !self.file.meta.partial {
            self.file.meta.elapsed_s = Some(self.started.elapsed().as_secs_f64());
        }
        let file = &self.file;
        let violations: Vec<String> = file
            .cells
            .iter()
            .flat_map(|c| {
                c.violations()
                    .into_iter()
                    .map(move |v| format!("{} readers={}: {v}", c.spec.guard, c.spec.readers))
            })
            .collect();
        if let Err(e) = save_to(&self.out, file) {
            eprintln!("zonebench: error: {e}");
            return ExitCode::from(1);
        }
        // Printed after saving: a closed stdout (`| head`) loses no
        // results. With the results on stdout, the table goes to stderr.
        if self.out == Out::Stdout {
            eprint!("{table}");
        } else {
            emit(table);
            eprintln!("results: {}", self.out.display());
        }
        if let Some(copy) = copy {
            match save(copy, file) {
                Ok(()) => eprintln!("results: {}", copy.display()),
                Err(e) => eprintln!("zonebench: warning: no timestamped copy: {e}"),
            }
        }
        if let Some(dir) = plots {
            let drawn = draw(file, dir).and_then(|outcome| match &self.page {
                Some(page) => html::write(
                    file,
                    &self.out.display(),
                    &ReportOpts::default(),
                    dir,
                    page,
                    &outcome,
                ),
                None => Ok(()),
            });
            if let Err(e) = drawn {
                eprintln!("zonebench: error: {e}");
                return ExitCode::from(1);
            }
        }
        if file.meta.partial {
            eprintln!(
                "zonebench: interrupted: {} of {planned} cells kept, file marked partial",
                file.cells.len(),
            );
            return ExitCode::from(130);
        }
        if !violations.is_empty() {
            for v in &violations {
                eprintln!("zonebench: INVARIANT BROKEN: {v}");
            }
            return ExitCode::from(1);
        }
        ExitCode::SUCCESS
    }
}

/// Draw `file`'s plots into `dir`, saying on stderr what was written;
/// what was drawn and skipped, for a page of them.
pub(crate) fn draw(file: &ResultsFile, dir: &Path) -> Result<PlotOutcome, String> {
    let outcome = crate::plot::render_all(file, dir).map_err(|e| e.to_string())?;
    eprintln!(
        "plots: {} files in {}",
        outcome.written.len(),
        dir.display()
    );
    for s in &outcome.skipped {
        eprintln!("plots: skipped {s}");
    }
    Ok(outcome)
}

/// Write `text` to stdout, ignoring a closed pipe (`zonebench ... | head`
/// must not panic, and nothing it measured is lost by then).
pub fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

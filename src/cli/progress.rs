//! Progress on stderr while cells run: a bar with elapsed and remaining
//! time on a terminal, one plain line per cell otherwise (CI logs). Lines
//! noted while the bar is up are printed above it without tearing it.

use crate::session::Observer;
use crate::workload::spec::CellSpec;
use std::io::IsTerminal;

/// Cell i of n on stderr: a bar with elapsed and remaining time on a
/// terminal, one plain line per cell otherwise (CI logs).
pub(crate) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: usize,
    done: usize,
}

impl Progress {
    pub(crate) fn new(total: usize) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} cells  {elapsed} elapsed, ~{eta} left  {msg}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            total,
            done: 0,
        }
    }
}

impl Observer for Progress {
    fn start(&mut self, spec: &CellSpec) {
        self.done += 1;
        let label = spec.label();
        match &self.bar {
            Some(bar) => bar.set_message(label),
            None => eprintln!("[{}/{}] {label}", self.done, self.total),
        }
    }

    fn finished(&mut self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn note(&mut self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn clear(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

//! The environment a measuring command sets up once: Ctrl-C, the CPUs its
//! readers are pinned to, and the results file it will write.

use crate::experiments::Plan;
use crate::results::io::{check_out, check_plot_dir, Out};
use crate::results::schema::RunConfig;
use crate::results::{Meta, ResultsFile};
use crate::workload::cancel::Cancel;
use crate::workload::ceiling::{self, ceiling_slice};
use crate::workload::floors::Floors;
use crate::workload::spec::CellSpec;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Route Ctrl-C to a cancellation token: the cell being measured stops,
/// finished cells are kept, the file is marked partial, the exit status is
/// 130. One handler per process: every call returns the same token.
pub(super) fn cancel_on_ctrl_c() -> Cancel {
    static TOKEN: OnceLock<Cancel> = OnceLock::new();
    TOKEN
        .get_or_init(|| {
            let cancel = Cancel::default();
            let token = cancel.clone();
            let _ = ctrlc::set_handler(move || token.cancel());
            cancel
        })
        .clone()
}

/// The cores readers are pinned to, one each in turn; none with `--no-pin`
/// (or where the machine does not say).
pub(super) fn cores(pin: bool) -> Vec<core_affinity::CoreId> {
    if pin {
        core_affinity::get_core_ids().unwrap_or_default()
    } else {
        Vec::new()
    }
}

/// `--force`'s help, shared by every command that writes a results file.
pub(super) const FORCE_HELP: &str = "Write --out even over a file that is not a zonebench results file (a regular file is replaced; anything else, such as /dev/null, is written into); without it such a target is refused and left untouched";

/// `report --force`'s help: the page of `--html`.
pub(super) const FORCE_PAGE_HELP: &str = "Write DIR/index.html (--html) even over a file that is not a page zonebench wrote (a regular file only: a directory, special file or symbolic link there is refused even so); without it such a file is refused and left untouched";

/// Check before measuring that results may go to `out` (nothing is
/// written yet; see `results::io::check_out`). The command's default,
/// `default` (under `results/`), is ours to make the directory of; any
/// other directory must exist. Also says whether `out` is the default.
pub(super) fn results_out(out: &Path, default: &str, force: bool) -> Result<(Out, bool), String> {
    let is_default = out == Path::new(default);
    if is_default {
        let _ = std::fs::create_dir_all("results");
    }
    check_out(out, force).map(|o| (o, is_default))
}

/// Where a measuring command's results and plots go, checked before
/// anything is measured.
#[derive(Debug)]
pub(super) struct Outputs {
    pub out: Out,
    /// Whether `out` is the command's default results file.
    pub default_out: bool,
    pub plots: Option<PathBuf>,
}

/// The results file as [`results_out`] checks it, and the plots by one
/// rule for every measuring command: `--plots DIR` (`plots`) draws into
/// DIR; `--no-plots` (`no_plots`) draws none; otherwise they go to the
/// command's `default_plots` exactly when the results go to its default
/// file. The plots' directory is checked too (and made if missing).
pub(super) fn outputs(
    out: &Path,
    default: &str,
    force: bool,
    plots: Option<&Path>,
    no_plots: bool,
    default_plots: &str,
) -> Result<Outputs, String> {
    let (out, default_out) = results_out(out, default, force)?;
    let plots = match (plots, no_plots) {
        (_, true) => None,
        (Some(dir), false) => Some(dir.to_path_buf()),
        (None, false) => default_out.then(|| PathBuf::from(default_plots)),
    };
    if let Some(dir) = &plots {
        check_plot_dir(dir)?;
    }
    Ok(Outputs {
        out,
        default_out,
        plots,
    })
}

/// What `claims` and `review` share before measuring: `specs` pinned (or
/// not), the machine's ceiling measured into `plan`, and the results file
/// that describes the run (`pressure`: how the cells set it; `floors_of`:
/// the guards whose empty sections the floors time). Returns the file and
/// the cores the readers are pinned to.
pub(super) fn experiment_file(
    plan: &mut Plan,
    specs: &mut [CellSpec],
    pin: bool,
    pressure: &str,
    floors_of: &[String],
) -> (ResultsFile, Vec<core_affinity::CoreId>) {
    for s in specs.iter_mut() {
        s.pin = pin;
    }
    let cores = cores(pin);
    let ceiling = ceiling::measure(&[plan.cpus], &cores, ceiling_slice(plan.quick));
    plan.ceiling = ceiling::at(&ceiling, plan.cpus);
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let config = RunConfig {
        duration_s: plan.duration_s,
        warmup_s: plan.warmup_s,
        pressure: pressure.into(),
        pin,
        seed: plan.seed,
        quick: plan.quick,
        ..RunConfig::describe(specs)
    }
    .with_rounds(&plan.rounds);
    let mut file = ResultsFile::new(Meta::collect(command), config, Floors::measure(floors_of));
    file.ceiling = ceiling;
    (file, cores)
}

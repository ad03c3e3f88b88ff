//! The environment a measuring command sets up once: Ctrl-C, and the CPUs
//! its readers are pinned to.

use crate::workload::cancel::Cancel;
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

//! Saving results without losing them: the output path is checked before
//! anything is measured, and the file is written to a temporary name and
//! renamed, so an existing file is never truncated by a failed write.

use crate::results::ResultsFile;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Check that `path` can be written, creating nothing there. Errors are one
/// line naming the path and the problem.
pub fn check_writable(path: &Path) -> Result<(), String> {
    if path.is_dir() {
        return Err(format!("{}: is a directory", path.display()));
    }
    let dir = parent_dir(path);
    if !dir.is_dir() {
        return Err(format!(
            "{}: directory {} does not exist",
            path.display(),
            dir.display()
        ));
    }
    let probe = temp_name(path, "probe");
    match fs::File::create(&probe) {
        Ok(_) => {
            let _ = fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(format!("{}: cannot write: {}", path.display(), e.kind())),
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn temp_name(path: &Path, what: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parent_dir(path).join(format!(".{name}.{what}.{}", std::process::id()))
}

/// Write `results` to `path` atomically (temporary file + rename).
pub fn save(path: &Path, results: &ResultsFile) -> Result<(), String> {
    let json =
        serde_json::to_string_pretty(results).map_err(|e| format!("serialising results: {e}"))?;
    let tmp = temp_name(path, "tmp");
    let write = || -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(json.as_bytes())?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        format!("{}: cannot write results: {e}", path.display())
    })
}

/// Read a results file. Errors are one line naming the file and the problem.
pub fn load(path: &Path) -> Result<ResultsFile, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {}", path.display(), e.kind()))?;
    if text.trim().is_empty() {
        return Err(format!("{}: empty file", path.display()));
    }
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not valid JSON ({e})", path.display()))?;
    match value.get("schema").and_then(|s| s.as_str()) {
        Some(crate::results::SCHEMA) => {}
        Some(other) => return Err(format!("{}: unsupported schema '{other}'", path.display())),
        None => {
            return Err(format!(
                "{}: not a zonebench results file (no schema)",
                path.display()
            ))
        }
    }
    serde_json::from_value(value)
        .map_err(|e| format!("{}: malformed results ({e})", path.display()))
}

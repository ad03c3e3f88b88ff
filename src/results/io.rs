//! Saving results without losing them: the output target is checked before
//! anything is measured, and a file is written to a temporary name and
//! renamed, so an existing file is never truncated by a failed write.
//!
//! What a command may write over: a zonebench results file (it replaces
//! it), or nothing (it creates the file). Anything else at the path is
//! refused unless `--force`: a regular file is then replaced, and what is
//! not a regular file (`/dev/null`, a pipe) is written into, never
//! replaced by a file. A symbolic link is followed. `-` is stdout.
//!
//! [`check_dir`] and [`write_atomic`] serve the plots' directory and the
//! HTML page (`report::html`) as well.

use crate::results::ResultsFile;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Where a results file goes, as checked by [`check_out`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Out {
    /// A file, replaced atomically (temporary file and rename).
    File(PathBuf),
    /// Something that is not a regular file, written into in place
    /// (`--force`).
    Into(PathBuf),
    /// `-`: written to stdout once, at the end.
    Stdout,
}

impl Out {
    /// The path (`-` for stdout), for messages.
    pub fn display(&self) -> String {
        match self {
            Out::File(p) | Out::Into(p) => p.display().to_string(),
            Out::Stdout => "-".into(),
        }
    }

    /// Whether saves along the way are possible (not for stdout, which is
    /// written once).
    pub fn rewritable(&self) -> bool {
        !matches!(self, Out::Stdout)
    }
}

/// Check, before anything is measured, that results may be written to
/// `path` (see the module docs), creating nothing there. Errors are one
/// line naming the path and the problem.
pub fn check_out(path: &Path, force: bool) -> Result<Out, String> {
    if path == Path::new("-") {
        return Ok(Out::Stdout);
    }
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            check_writable(path)?;
            return Ok(Out::File(path.to_path_buf()));
        }
        Err(e) => return Err(format!("{}: {}", path.display(), e.kind())),
    };
    if meta.file_type().is_symlink() {
        let target = fs::canonicalize(path)
            .map_err(|e| format!("{}: a link to nothing ({})", path.display(), e.kind()))?;
        return check_out(&target, force);
    }
    if meta.is_dir() {
        return Err(format!("{}: is a directory", path.display()));
    }
    if !meta.is_file() {
        return if force {
            Ok(Out::Into(path.to_path_buf()))
        } else {
            Err(format!(
                "{}: not a regular file; refusing to replace it (--force writes into it)",
                path.display()
            ))
        };
    }
    if !force && !is_results_file(path) {
        return Err(format!(
            "{}: exists and is not a zonebench results file; refusing to replace it (--force does)",
            path.display()
        ));
    }
    check_writable(path)?;
    Ok(Out::File(path.to_path_buf()))
}

/// Whether the file at `path` begins as a zonebench results file does:
/// its first key is `"schema"`, naming a `zonebench/` schema. Only the
/// head is read.
fn is_results_file(path: &Path) -> bool {
    let mut head = [0u8; 256];
    let n = fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let text = String::from_utf8_lossy(&head[..n]);
    let rest = text
        .trim_start()
        .strip_prefix('{')
        .unwrap_or("")
        .trim_start();
    let Some(rest) = rest.strip_prefix("\"schema\"") else {
        return false;
    };
    let rest = rest
        .trim_start()
        .strip_prefix(':')
        .unwrap_or("")
        .trim_start();
    rest.starts_with("\"zonebench/")
}

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

/// Check, before anything is measured, that plots can be drawn into `dir`:
/// it is made if missing, and a file is created in it and removed.
pub fn check_plot_dir(dir: &Path) -> Result<(), String> {
    check_dir("--plots", dir)
}

/// Check that files can be written into `dir`, which `flag` named (for
/// messages): it is made if missing, and a file is created in it and
/// removed.
pub fn check_dir(flag: &str, dir: &Path) -> Result<(), String> {
    if dir.exists() && !dir.is_dir() {
        return Err(format!("{flag} {}: not a directory", dir.display()));
    }
    fs::create_dir_all(dir)
        .map_err(|e| format!("{flag} {}: cannot create it: {}", dir.display(), e.kind()))?;
    let probe = dir.join(format!(".zonebench-probe.{}", std::process::id()));
    match fs::File::create(&probe) {
        Ok(_) => {
            let _ = fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(format!(
            "{flag} {}: cannot write: {}",
            dir.display(),
            e.kind()
        )),
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
    save_to(&Out::File(path.to_path_buf()), results)
}

/// Write `results` to `out`: a file atomically, a non-file in place,
/// stdout once.
pub fn save_to(out: &Out, results: &ResultsFile) -> Result<(), String> {
    let mut json =
        serde_json::to_string_pretty(results).map_err(|e| format!("serialising results: {e}"))?;
    json.push('\n');
    match out {
        Out::File(path) => write_atomic(path, json.as_bytes())
            .map_err(|e| format!("{}: cannot write results: {e}", path.display())),
        Out::Into(path) => fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(path)
            .and_then(|mut f| f.write_all(json.as_bytes()))
            .map_err(|e| format!("{}: cannot write results: {e}", path.display())),
        Out::Stdout => {
            let mut o = std::io::stdout().lock();
            o.write_all(json.as_bytes())
                .and_then(|()| o.flush())
                .map_err(|e| format!("stdout: cannot write results: {e}"))
        }
    }
}

/// Replace (or create) the regular file `path` with `bytes` atomically:
/// a temporary file beside it, synced, then renamed over it, so a failed
/// write leaves the old file whole (and no temporary file behind).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_name(path, "tmp");
    let write = || -> std::io::Result<()> {
        // A new file only: never through a link or over a file someone
        // left at the temporary name.
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    };
    write().inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
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
    let file: ResultsFile = serde_json::from_value(value)
        .map_err(|e| format!("{}: malformed results ({e})", path.display()))?;
    crate::results::validate::validate(&file).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(file)
}

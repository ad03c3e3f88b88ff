//! Where a page goes, as safely as a results file (`results::io`): the
//! page is `DIR/index.html`, checked before anything is drawn, and written
//! to a temporary file that is renamed over it.
//!
//! What may be replaced: nothing (the page is created), or a page
//! zonebench wrote, known by the generator mark in its head
//! (`<meta name="generator" content="zonebench ...">`). Any other regular
//! file is refused unless `--force`, which replaces it. A directory, a
//! symbolic link or anything else that is not a regular file is refused
//! even with `--force`: a page is a file in DIR, beside its figures, and a
//! link would put it (and what `--force` replaces) anywhere on disk. The
//! check runs again just before the page is written, so a file put there
//! while the figures were drawn (or the sweep measured) is not replaced.

use crate::results::io::write_atomic;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The page's name in its directory.
const INDEX: &str = "index.html";

/// What marks a page as zonebench's, in its head.
const MARK: &str = "<meta name=\"generator\" content=\"zonebench ";

/// How far into a file the mark is looked for.
const HEAD: usize = 1024;

/// The generator a page names: this build of zonebench.
pub(super) fn generator() -> String {
    format!(
        "zonebench {} ({})",
        env!("CARGO_PKG_VERSION"),
        env!("ZONEBENCH_GIT_REV")
    )
}

/// The generator mark, as the page's head carries it (it begins with
/// [`MARK`]).
pub(super) fn mark() -> String {
    format!(
        "<meta name=\"generator\" content=\"{}\">",
        super::escape::text(&generator())
    )
}

/// Check, before anything is drawn, that the page may be written as
/// `dir/index.html` (see the module docs); `dir` itself is checked by
/// the caller (`results::io::check_dir`). Returns the path to write.
/// Errors are one line naming the path and the problem.
pub(crate) fn check_page(dir: &Path, force: bool) -> Result<PageTarget, String> {
    let path = dir.join(INDEX);
    check(&path, force)?;
    Ok(PageTarget { path, force })
}

/// Where a page may go, as [`check_page`] found it, and whether `--force`
/// was given (the check runs again, alike, before writing).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PageTarget {
    pub(crate) path: PathBuf,
    force: bool,
}

fn check(path: &Path, force: bool) -> Result<(), String> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("{}: {}", path.display(), e.kind())),
    };
    if meta.file_type().is_symlink() {
        return Err(format!(
            "{}: a symbolic link; refusing to follow it (not even --force does): remove it or \
             name another directory",
            path.display()
        ));
    }
    if !meta.is_file() {
        return Err(format!(
            "{}: not a regular file; refusing to replace it (not even --force replaces it)",
            path.display()
        ));
    }
    if !force && !is_page(path) {
        return Err(format!(
            "{}: exists and is not a page zonebench wrote; refusing to replace it (--force does)",
            path.display()
        ));
    }
    Ok(())
}

/// Whether the file at `path` carries the generator mark near its start.
fn is_page(path: &Path) -> bool {
    let mut head = Vec::with_capacity(HEAD);
    let read = fs::File::open(path).and_then(|f| f.take(HEAD as u64).read_to_end(&mut head));
    read.is_ok() && String::from_utf8_lossy(&head).contains(MARK)
}

/// Write the page `html` where [`check_page`] said it may go, once it has
/// passed the same check again.
pub(super) fn write_page(target: &PageTarget, html: &str) -> Result<(), String> {
    let path = &target.path;
    check(path, target.force)?;
    write_atomic(path, html.as_bytes())
        .map_err(|e| format!("{}: cannot write the page: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("zonebench-page-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_new_page_or_one_of_ours_is_written() {
        let d = dir("ours");
        assert_eq!(check_page(&d, false).map(|t| t.path), Ok(d.join(INDEX)));
        let page = format!(
            "<!DOCTYPE html>\n<html>\n<head>\n{}\n</head></html>\n",
            mark()
        );
        write_page(&check_page(&d, false).unwrap(), &page).unwrap();
        assert_eq!(check_page(&d, false).map(|t| t.path), Ok(d.join(INDEX)));
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn anything_else_is_refused_and_left_alone() {
        let d = dir("foreign");
        let index = d.join(INDEX);
        fs::write(&index, "<html><body>my own page</body></html>").unwrap();
        let e = check_page(&d, false).unwrap_err();
        assert!(
            e.contains("not a page zonebench wrote") && !e.contains('\n'),
            "{e}"
        );
        assert_eq!(
            fs::read_to_string(&index).unwrap(),
            "<html><body>my own page</body></html>"
        );
        assert_eq!(check_page(&d, true).map(|t| t.path), Ok(index.clone()));
        fs::remove_file(&index).unwrap();
        fs::create_dir(&index).unwrap();
        for force in [false, true] {
            let e = check_page(&d, force).unwrap_err();
            assert!(e.contains("not a regular file"), "{e}");
        }
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn a_link_is_refused_even_to_one_of_ours() {
        let d = dir("link");
        let real = d.join("real.html");
        let ours = format!("{}\n", mark());
        fs::write(&real, &ours).unwrap();
        std::os::unix::fs::symlink(&real, d.join(INDEX)).unwrap();
        for force in [false, true] {
            let e = check_page(&d, force).unwrap_err();
            assert!(e.contains("a symbolic link") && !e.contains('\n'), "{e}");
        }
        assert_eq!(fs::read_to_string(&real).unwrap(), ours);
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn a_file_put_there_after_the_check_is_not_replaced() {
        let d = dir("late");
        let target = check_page(&d, false).unwrap();
        let index = target.path.clone();
        fs::write(&index, "mine, written while the figures were drawn").unwrap();
        let e = write_page(&target, "<html></html>").unwrap_err();
        assert!(e.contains("not a page zonebench wrote"), "{e}");
        assert_eq!(
            fs::read_to_string(&index).unwrap(),
            "mine, written while the figures were drawn"
        );
        let _ = fs::remove_dir_all(&d);
    }
}

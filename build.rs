//! Record the git revision and rustc version for the results file's `meta`.
use std::process::Command;

fn output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

/// `name=version,...` for the crates the guards are built from, read from
/// Cargo.lock (empty when there is none yet).
fn crate_versions() -> String {
    const WANTED: [&str; 6] = [
        "arc-swap",
        "parking_lot",
        "crossbeam-epoch",
        "crossbeam-utils",
        "seqlock",
        "hdrhistogram",
    ];
    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    let mut out = Vec::new();
    let mut name = None;
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_string());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take()) {
            if WANTED.contains(&n.as_str()) {
                out.push(format!("{n}={}", v.trim_matches('"')));
            }
        }
    }
    out.join(",")
}

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = output(&rustc, &["-V"]).unwrap_or_else(|| "unknown".into());
    let git = output("git", &["rev-parse", "--short=12", "HEAD"]).unwrap_or_default();
    let dirty = output("git", &["status", "--porcelain", "--untracked-files=no"]).is_some();
    let rev = if git.is_empty() {
        String::new()
    } else if dirty {
        format!("{git}-dirty")
    } else {
        git
    };
    println!("cargo:rustc-env=ZONEBENCH_RUSTC={rustc_version}");
    println!("cargo:rustc-env=ZONEBENCH_CRATES={}", crate_versions());
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rustc-env=ZONEBENCH_GIT_REV={rev}");
    // `zonebench --version`: the package version and the revision built.
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let line = if rev.is_empty() {
        format!("{version} (no git revision: built outside a clone)")
    } else {
        format!("{version} (git {rev})")
    };
    println!("cargo:rustc-env=ZONEBENCH_VERSION_LINE={line}");
    // Where git keeps HEAD and the index: `.git/` in a clone, elsewhere in
    // a worktree (whose `.git` is a file). A path that does not exist would
    // make cargo rerun this script, and rebuild the crate, every time.
    for (what, default) in [("HEAD", ".git/HEAD"), ("index", ".git/index")] {
        let path = output("git", &["rev-parse", "--git-path", what]).unwrap_or(default.into());
        if std::path::Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}

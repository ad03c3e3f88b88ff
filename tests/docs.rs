//! The documentation agrees with the committed results: no hand-copied
//! output.
//!
//! Every table a document shows from a committed results file sits in a
//! generated block, in README.md or any `.md` file under docs/:
//!
//! ```text
//! <!-- generated: zonebench report results/reference-2cpu-epyc.json --format markdown --guards seqcount,seqlock -->
//! ...the command's stdout...
//! <!-- end generated -->
//! ```
//!
//! The marker holds a `zonebench` command line, split on whitespace (no
//! shell, no quoting), run from the repository root with the binary this
//! test was built with. The block is its stdout, trailing newlines
//! dropped, and wrapped by one rule:
//!
//! * markdown output (the arguments contain `--format markdown`) is pasted
//!   as it is, so its tables render;
//! * any other output (text: `list`, `report` without `--format`, ...) is
//!   put in a plain ```` ``` ```` fence, so its columns stay aligned.
//!
//! One filter exists, because no subcommand prints one line per claim and
//! the README has room for no more: a marker may end in `| verdicts LINK`,
//! which applies to the markdown of `zonebench claims --from FILE --format
//! markdown` and makes a table of one row per claim (its id, linked to
//! `LINK#c<n>`, the claim, and the verdict, all copied from the output).
//! No other text may follow `|`.
//!
//! A block that differs from its command's output fails the test, which
//! lists every drifted block. `ZONEBENCH_BLESS=1` rewrites the blocks
//! instead (`scripts/gen-docs.sh`). Markers must only name commands whose
//! output depends on the files they read, never on the machine or the
//! clock (a run, a review, the plan of a sweep).
//!
//! The test also checks the documents' shape: README.md at most 250 lines,
//! every docs/ page at most 400, docs/README.md links every page, and every
//! relative link in them names a file that exists.

use std::path::{Path, PathBuf};
use std::process::Command;

const BEGIN: &str = "<!-- generated: ";
const END: &str = "<!-- end generated -->";
const README_MAX_LINES: usize = 250;
const DOC_MAX_LINES: usize = 400;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every `.md` file under docs/, as paths from the root.
fn documents() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "md") {
                out.push(p);
            }
        }
    }
    let mut docs = vec![root().join("README.md")];
    walk(&root().join("docs"), &mut docs);
    docs
}

fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// One generated block of a document.
#[derive(Debug)]
struct Block {
    /// Line of the opening marker, 1-based.
    line: usize,
    /// The marker's text between `generated: ` and `-->`.
    spec: String,
    /// Byte range of the text between the markers (the lines after the
    /// opening marker's newline, up to the closing marker's line).
    body: std::ops::Range<usize>,
}

fn blocks(path: &Path, text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<(usize, String, usize)> = None;
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_end();
        if let Some(rest) = trimmed.strip_prefix(BEGIN) {
            assert!(
                open.is_none(),
                "{}:{}: a generated block opens inside another",
                rel(path),
                i + 1
            );
            let spec = rest
                .strip_suffix("-->")
                .unwrap_or_else(|| panic!("{}:{}: the marker must end in -->", rel(path), i + 1))
                .trim()
                .to_string();
            open = Some((i + 1, spec, offset + line.len()));
        } else if trimmed == END {
            let (line, spec, start) = open.take().unwrap_or_else(|| {
                panic!("{}:{}: an end marker without a block", rel(path), i + 1)
            });
            out.push(Block {
                line,
                spec,
                body: start..offset,
            });
        }
        offset += line.len();
    }
    if let Some((line, ..)) = open {
        panic!("{}:{line}: a generated block is never closed", rel(path));
    }
    out
}

/// What the block between the markers should be, newline-terminated.
fn expected(spec: &str) -> Result<String, String> {
    let (command, filter) = match spec.split_once('|') {
        Some((c, f)) => (c.trim(), Some(f.trim())),
        None => (spec, None),
    };
    let args: Vec<&str> = command.split_whitespace().collect();
    if args.first() != Some(&"zonebench") {
        return Err(format!("not a zonebench command: {command}"));
    }
    let out = Command::new(env!("CARGO_BIN_EXE_zonebench"))
        .args(&args[1..])
        .current_dir(root())
        .output()
        .map_err(|e| format!("{command}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{command}: exit {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let stdout = String::from_utf8(out.stdout).map_err(|e| format!("{command}: {e}"))?;
    let stdout = stdout.trim_end_matches('\n');
    let markdown = args.windows(2).any(|w| w == ["--format", "markdown"])
        || args.contains(&"--format=markdown");
    match filter {
        None if markdown => Ok(format!("{stdout}\n")),
        None => Ok(format!("```\n{stdout}\n```\n")),
        Some(f) => match f.split_whitespace().collect::<Vec<_>>()[..] {
            ["verdicts", link] if markdown => verdicts(stdout, link),
            _ => Err(format!(
                "unknown filter `{f}` (only `verdicts LINK`, on markdown)"
            )),
        },
    }
}

/// One row per claim of `claims --from FILE --format markdown`'s output:
/// `**C<n>** "claim"` opens a claim, `- **verdict: V**; rule: ...` gives
/// its verdict.
fn verdicts(claims: &str, link: &str) -> Result<String, String> {
    let mut rows = vec![
        "| | claim | verdict |".to_string(),
        "|---|---|---|".to_string(),
    ];
    let mut claim: Option<(String, String)> = None;
    for line in claims.lines() {
        if let Some(rest) = line.strip_prefix("**C") {
            let (n, quote) = rest
                .split_once("** ")
                .ok_or_else(|| format!("a claim line without its id's end: {line}"))?;
            claim = Some((format!("C{n}"), quote.trim().to_string()));
        } else if let Some(rest) = line.strip_prefix("- **verdict: ") {
            let (id, quote) = claim
                .take()
                .ok_or_else(|| format!("a verdict without its claim: {line}"))?;
            let verdict = rest
                .split_once("**")
                .map(|(v, _)| v)
                .ok_or_else(|| format!("a verdict without its end: {line}"))?;
            let cell = |s: &str| s.replace('|', "\\|");
            rows.push(format!(
                "| [{id}]({link}#{}) | {} | {} |",
                id.to_lowercase(),
                cell(&quote),
                cell(verdict)
            ));
        }
    }
    if rows.len() == 2 {
        return Err("no claim with a verdict in the output".into());
    }
    Ok(rows.join("\n") + "\n")
}

#[test]
fn generated_blocks_match_their_commands() {
    let bless = std::env::var_os("ZONEBENCH_BLESS").is_some_and(|v| v == "1");
    let mut drifted = Vec::new();
    let mut count = 0;
    for path in documents() {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut new = String::with_capacity(text.len());
        let mut last = 0;
        for b in blocks(&path, &text) {
            count += 1;
            let want = match expected(&b.spec) {
                Ok(w) => w,
                Err(e) => {
                    drifted.push(format!("{}:{}: {e}", rel(&path), b.line));
                    continue;
                }
            };
            let have = &text[b.body.clone()];
            if have != want {
                let first = have
                    .lines()
                    .zip(want.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or(have.lines().count().min(want.lines().count()));
                drifted.push(format!(
                    "{}:{}: `{}` differs from the block, first at its line {} \
                     (block: {:?}, output: {:?})",
                    rel(&path),
                    b.line,
                    b.spec,
                    first + 1,
                    have.lines().nth(first).unwrap_or("<end>"),
                    want.lines().nth(first).unwrap_or("<end>"),
                ));
            }
            new.push_str(&text[last..b.body.start]);
            new.push_str(&want);
            last = b.body.end;
        }
        new.push_str(&text[last..]);
        if bless && new != text {
            std::fs::write(&path, new).unwrap();
        }
    }
    assert!(count > 0, "no generated block in README.md or docs/");
    if bless {
        // Errors (a command that failed) still fail the blessing run.
        drifted.retain(|d| !d.contains("differs from the block"));
    }
    assert!(
        drifted.is_empty(),
        "{} generated block(s) out of date; run scripts/gen-docs.sh \
         (ZONEBENCH_BLESS=1 cargo test --release --test docs):\n{}",
        drifted.len(),
        drifted.join("\n")
    );
}

#[test]
fn documents_keep_their_length() {
    for path in documents() {
        let lines = std::fs::read_to_string(&path).unwrap().lines().count();
        let max = if path == root().join("README.md") {
            README_MAX_LINES
        } else {
            DOC_MAX_LINES
        };
        assert!(
            lines <= max,
            "{} has {lines} lines, more than {max}",
            rel(&path)
        );
    }
}

#[test]
fn readme_opens_with_the_two_commands() {
    let text = std::fs::read_to_string(root().join("README.md")).unwrap();
    let head: Vec<&str> = text.lines().take(12).collect();
    for command in ["cargo bench", "cargo test"] {
        assert!(
            head.iter().any(|l| l.trim_start().starts_with(command)),
            "README.md's first lines do not give `{command}`"
        );
    }
}

#[test]
fn the_docs_index_links_every_page() {
    let index = std::fs::read_to_string(root().join("docs/README.md"))
        .expect("docs/README.md, the index of docs/");
    for path in documents() {
        let Ok(name) = path.strip_prefix(root().join("docs")) else {
            continue;
        };
        let name = name.display().to_string();
        if name == "README.md" {
            continue;
        }
        assert!(
            index.contains(&format!("]({name})")) || index.contains(&format!("](./{name})")),
            "docs/README.md does not link {name}"
        );
    }
}

/// Link targets of a markdown text outside code: `](target)` of links and
/// images, and `src="..."`/`href="..."` of inline HTML.
fn link_targets(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut fenced = false;
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Inline code spans hold no links.
        let line: String = line
            .split('`')
            .enumerate()
            .filter(|(k, _)| k % 2 == 0)
            .map(|(_, s)| s)
            .collect::<Vec<_>>()
            .join(" ");
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            if let Some(end) = rest.find(')') {
                let target = rest[..end].split_whitespace().next().unwrap_or("");
                out.push((i + 1, target.to_string()));
                rest = &rest[end..];
            }
        }
        for attr in ["src=\"", "href=\""] {
            let mut rest = line.as_str();
            while let Some(at) = rest.find(attr) {
                rest = &rest[at + attr.len()..];
                if let Some(end) = rest.find('"') {
                    out.push((i + 1, rest[..end].to_string()));
                    rest = &rest[end..];
                }
            }
        }
    }
    out
}

#[test]
fn relative_links_name_existing_files() {
    let mut broken = Vec::new();
    for path in documents() {
        let text = std::fs::read_to_string(&path).unwrap();
        let dir = path.parent().unwrap();
        for (line, target) in link_targets(&text) {
            let file = target.split('#').next().unwrap();
            if file.is_empty() || file.contains("://") || file.starts_with("mailto:") {
                continue;
            }
            if !dir.join(file).exists() {
                broken.push(format!("{}:{line}: {target}", rel(&path)));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "relative links to missing files:\n{}",
        broken.join("\n")
    );
}

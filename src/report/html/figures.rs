//! The page's figures from what `plot::render_all` wrote: one per PNG, in
//! the order they were written, with the SVG of the same name beside it
//! when there is one, each named by its path relative to the page's
//! directory, and sized from the PNG's own header (so the page keeps its
//! layout while the images load).

use crate::plot::PlotOutcome;
use std::io::Read;
use std::path::Path;

/// One figure of the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Figure {
    /// What the figure is called: its file name without the extension
    /// (`throughput-slowpath`).
    pub name: String,
    /// The PNG, relative to the page (`/`-separated).
    pub png: String,
    /// The SVG of the same figure, relative to the page.
    pub svg: Option<String>,
    /// The PNG's width and height in pixels, from its header (`None`: not
    /// readable as a PNG).
    pub size: Option<(u32, u32)>,
}

/// The figures of `plots`, drawn into `dir`.
pub(super) fn figures(dir: &Path, plots: &PlotOutcome) -> Vec<Figure> {
    let with_ext = |p: &Path, ext: &str| p.extension().is_some_and(|e| e == ext);
    plots
        .written
        .iter()
        .filter(|p| with_ext(p, "png"))
        .map(|png| {
            let svg = png.with_extension("svg");
            Figure {
                name: png
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                png: relative(dir, png),
                svg: plots.written.contains(&svg).then(|| relative(dir, &svg)),
                size: png_size(png),
            }
        })
        .collect()
}

/// `path` relative to `dir`, `/`-separated (its file name alone where it
/// is not under `dir`).
fn relative(dir: &Path, path: &Path) -> String {
    match path.strip_prefix(dir) {
        Ok(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    }
}

/// The width and height a PNG's header gives (its IHDR chunk, first after
/// the signature); `None` for anything else.
pub(super) fn png_size(path: &Path) -> Option<(u32, u32)> {
    let mut head = [0u8; 24];
    std::fs::File::open(path).ok()?.read_exact(&mut head).ok()?;
    if head[..8] != *b"\x89PNG\r\n\x1a\n" || head[12..16] != *b"IHDR" {
        return None;
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    Some((be(&head[16..20]), be(&head[20..24])))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use std::path::PathBuf;

    /// The first bytes of a `w` x `h` PNG (signature and IHDR).
    pub(in crate::report::html) fn png_head(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend(w.to_be_bytes());
        b.extend(h.to_be_bytes());
        b.extend([8, 6, 0, 0, 0]);
        b
    }

    #[test]
    fn the_size_comes_from_the_header() {
        let dir = std::env::temp_dir().join(format!("zonebench-png-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let png = dir.join("a.png");
        std::fs::write(&png, png_head(1280, 720)).unwrap();
        assert_eq!(png_size(&png), Some((1280, 720)));
        std::fs::write(&png, b"<svg xmlns='http://www.w3.org/2000/svg'/>").unwrap();
        assert_eq!(png_size(&png), None);
        assert_eq!(png_size(&dir.join("missing.png")), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn every_png_is_a_figure_in_order_with_its_svg() {
        let dir = PathBuf::from("/plots/x");
        let plots = PlotOutcome {
            written: ["b.png", "b.svg", "a.png", "a.svg", "sub/c.png", "lone.svg"]
                .iter()
                .map(|n| dir.join(n))
                .chain([PathBuf::from("/elsewhere/d.png")])
                .collect(),
            skipped: Vec::new(),
        };
        let figs = figures(&dir, &plots);
        let got: Vec<(&str, &str, Option<&str>)> = figs
            .iter()
            .map(|f| (f.name.as_str(), f.png.as_str(), f.svg.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("b", "b.png", Some("b.svg")),
                ("a", "a.png", Some("a.svg")),
                ("c", "sub/c.png", None),
                ("d", "d.png", None),
            ]
        );
        assert!(figs.iter().all(|f| f.size.is_none()));
    }
}

//! The page itself: one static HTML document with its style inline, no
//! script and nothing fetched but the figures beside it (relative links
//! only). A header (what the file is, the machine, the command, the
//! build), the text sections in `<pre>` as the terminal shows them, then
//! every figure with a link to its SVG, then the figures not drawn and
//! why. Everything taken from the file goes through `escape`.

use super::escape::{href, text};
use super::figures::Figure;
use super::target::{generator, mark};
use std::fmt::Write as _;

/// A block of text shown as the terminal shows it.
pub(super) struct Section {
    /// Its anchor in the page.
    pub id: &'static str,
    pub heading: String,
    pub text: String,
}

/// Everything a page shows.
pub(super) struct Page<'a> {
    /// The page's title and first heading.
    pub title: String,
    /// The header's facts, label and value (the file, what it is, the
    /// machine, the command, the build that measured it).
    pub facts: Vec<(&'static str, String)>,
    pub sections: Vec<Section>,
    pub figures: &'a [Figure],
    /// The figures not drawn, one line each with the reason.
    pub skipped: &'a [String],
}

/// The page's style: readable type, the `<pre>` blocks scrolling rather
/// than wrapping (they are 80-column text), figures no wider than the
/// window.
const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:72rem;padding:1rem 1.5rem;color:#1b1b1b;background:#fff;line-height:1.4}
header{border-bottom:1px solid #ccc;margin-bottom:1rem}
h1{font-size:1.5rem;margin:.5rem 0}
h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #eee}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0 1rem}
dt{font-weight:600;color:#555}
dd{margin:0;overflow-wrap:anywhere}
code,pre{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:.85rem}
pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:.75rem;overflow-x:auto;line-height:1.25}
nav a{margin-right:1rem}
figure{margin:1.5rem 0;padding:0}
figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.9rem;color:#444}
footer{margin-top:2rem;border-top:1px solid #ccc;font-size:.8rem;color:#666}
";

impl Page<'_> {
    /// The page as HTML.
    pub(super) fn render(&self) -> String {
        let mut o = String::new();
        // The generator mark first in the head: `target.rs` looks for it
        // near the start of a file before replacing it.
        let _ = write!(
            o,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n{}\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
            mark(),
            text(&self.title)
        );
        self.header(&mut o);
        o.push_str("<main>\n");
        for s in &self.sections {
            let _ = write!(
                o,
                "<section id=\"{}\">\n<h2>{}</h2>\n<pre>{}</pre>\n</section>\n",
                s.id,
                text(&s.heading),
                text(s.text.trim_end())
            );
        }
        self.figures(&mut o);
        let _ = write!(
            o,
            "</main>\n<footer>\n<p>Written by {}: a static page, no scripts; the figures are the files beside it.</p>\n</footer>\n</body>\n</html>\n",
            text(&generator())
        );
        o
    }

    fn header(&self, o: &mut String) {
        let _ = write!(
            o,
            "<header id=\"about\">\n<h1>{}</h1>\n<dl>\n",
            text(&self.title)
        );
        for (label, value) in &self.facts {
            let _ = writeln!(o, "<dt>{}</dt><dd>{}</dd>", text(label), text(value));
        }
        o.push_str("</dl>\n<nav>");
        for s in &self.sections {
            let _ = write!(o, "<a href=\"#{}\">{}</a>", s.id, text(&s.heading));
        }
        let _ = write!(
            o,
            "<a href=\"#figures\">Figures ({})</a>",
            self.figures.len()
        );
        o.push_str("</nav>\n</header>\n");
    }

    fn figures(&self, o: &mut String) {
        o.push_str("<section id=\"figures\">\n<h2>Figures</h2>\n");
        if self.figures.is_empty() {
            o.push_str("<p>No figure was drawn.</p>\n");
        }
        for f in self.figures {
            let size = f
                .size
                .map(|(w, h)| format!(" width=\"{w}\" height=\"{h}\""))
                .unwrap_or_default();
            let img = format!(
                "<img src=\"{}\" alt=\"{}\"{size}>",
                href(&f.png),
                text(&format!("figure {}", f.name))
            );
            let (img, svg) = match &f.svg {
                Some(svg) => (
                    format!("<a href=\"{}\">{img}</a>", href(svg)),
                    format!(" (<a href=\"{}\">SVG</a>)", href(svg)),
                ),
                None => (img, String::new()),
            };
            let _ = writeln!(
                o,
                "<figure>\n{img}\n<figcaption>{}{svg}</figcaption>\n</figure>",
                text(&f.name)
            );
        }
        if !self.skipped.is_empty() {
            o.push_str("<h3>Not drawn</h3>\n<ul>\n");
            for s in self.skipped {
                let _ = writeln!(o, "<li>{}</li>", text(s));
            }
            o.push_str("</ul>\n");
        }
        o.push_str("</section>\n");
    }
}

//! Text made safe for the page: every string the page takes from a results
//! file or the command line (a guard's name, a command, a file name) goes
//! through [`text`] before it is written between tags or into an
//! attribute, and every relative link through [`href`].

/// `s` with the five characters that could end an element or an
/// attribute (`& < > " '`) written as character references.
pub(super) fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A relative path (`/`-separated) as a link target for an attribute:
/// every byte but the unreserved ones of RFC 3986 and `/` percent-encoded,
/// so a name with `#`, `?`, `:`, a space or `"` stays one relative path
/// (`a:b.png` is not a URL scheme, `#` not a fragment).
pub(super) fn href(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    // A leading `/` would make it absolute; `./` keeps `a:b` relative.
    match out.strip_prefix('/') {
        Some(rest) => format!("./{rest}"),
        None => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_references() {
        assert_eq!(
            text(r#"<b a="1">&'x'</b>"#),
            "&lt;b a=&quot;1&quot;&gt;&amp;&#39;x&#39;&lt;/b&gt;"
        );
        assert_eq!(text("plain seqlock-excl 1.2%"), "plain seqlock-excl 1.2%");
        assert_eq!(text("naïve — ok"), "naïve — ok");
    }

    #[test]
    fn links_stay_relative_paths() {
        assert_eq!(href("throughput-slowpath.png"), "throughput-slowpath.png");
        assert_eq!(href("sub/a b#1?.png"), "sub/a%20b%231%3F.png");
        assert_eq!(href("a:b\".png"), "a%3Ab%22.png");
        assert_eq!(href("/etc/x.png"), "./etc/x.png");
        assert_eq!(href("é.png"), "%C3%A9.png");
    }
}

//! Plain ASCII text in columns: the one word wrap of the text outputs (the
//! review table's titles, header lines and notes in `text.rs`, the claims'
//! findings in `claims.rs`).

/// `s` with anything but printable ASCII replaced by `?` (tabs and line
/// breaks by spaces), so widths are character counts and the output is
/// plain ASCII whatever a results file holds.
pub(super) fn ascii(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            ' '..='~' => c,
            '\t' | '\n' | '\r' => ' ',
            _ => '?',
        })
        .collect()
}

/// Greedy word wrap of `text` (made [`ascii`]) to `width` columns: the
/// first line starts with `first`, the others with `rest`; words are
/// separated by single spaces however many there were; a word longer than
/// a line is cut, and continues on the next. Lines are not trimmed: a line
/// with no word keeps its prefix.
pub(super) fn wrap(text: &str, first: &str, rest: &str, width: usize) -> Vec<String> {
    let text = ascii(text);
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut word = word;
        loop {
            let sep = usize::from(!empty);
            if line.len() + sep + word.len() <= width {
                if !empty {
                    line.push(' ');
                }
                line.push_str(word);
                empty = false;
                break;
            }
            if empty {
                // Too long for any line: cut it.
                let room = width.saturating_sub(line.len()).max(1);
                line.push_str(&word[..room]);
                word = &word[room..];
            }
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            empty = true;
        }
    }
    if !empty || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::super::text::WIDTH;
    use super::*;

    #[test]
    fn wrap_keeps_within_width() {
        let long = format!("{} {}", "x".repeat(200), "short words ".repeat(20));
        let lines = wrap(&long, "command: ", "    ", WIDTH);
        assert!(lines.iter().all(|l| l.len() <= WIDTH));
        assert!(lines[0].starts_with("command: xxx"));
        assert!(lines[1..].iter().all(|l| l.starts_with("    ")));
        assert_eq!(wrap("", "k: ", "", WIDTH), ["k: "]);
        assert_eq!(ascii("caf\u{e9}\tx"), "caf? x");
    }
}

//! A file as lines that remember their own line endings, so that an edit rewrites only the lines
//! it replaces and every other byte, `\r\n` or `\n`, a final newline or none, stays as it was.

/// How one line ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Eol {
    Lf,
    CrLf,
    /// The last line of a file that does not end with a newline.
    None,
}

impl Eol {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Eol::Lf => "\n",
            Eol::CrLf => "\r\n",
            Eol::None => "",
        }
    }
}

/// A file's text as lines (without their endings) and each line's ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Doc {
    pub lines: Vec<String>,
    pub eols: Vec<Eol>,
}

impl Doc {
    pub(crate) fn parse(text: &str) -> Doc {
        let mut doc = Doc {
            lines: Vec::new(),
            eols: Vec::new(),
        };
        for raw in text.split_inclusive('\n') {
            let (line, eol) = if let Some(l) = raw.strip_suffix("\r\n") {
                (l, Eol::CrLf)
            } else if let Some(l) = raw.strip_suffix('\n') {
                (l, Eol::Lf)
            } else {
                (raw, Eol::None)
            };
            doc.lines.push(line.to_string());
            doc.eols.push(eol);
        }
        doc
    }

    /// A new file's text: every line ends in `\n`, the last one included.
    pub(crate) fn new_file(lines: &[String]) -> Doc {
        Doc {
            lines: lines.to_vec(),
            eols: vec![Eol::Lf; lines.len()],
        }
    }

    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        for (line, eol) in self.lines.iter().zip(&self.eols) {
            out.push_str(line);
            out.push_str(eol.as_str());
        }
        out
    }

    /// The ending most lines have; `\n` for a tie or a file without line breaks.
    pub(crate) fn dominant_eol(&self) -> Eol {
        let crlf = self.eols.iter().filter(|e| **e == Eol::CrLf).count();
        let lf = self.eols.iter().filter(|e| **e == Eol::Lf).count();
        if crlf > lf { Eol::CrLf } else { Eol::Lf }
    }

    /// Replaces lines `start..end` (`start < end`) with `new`. The new lines take the ending of
    /// the first replaced line (so a CRLF stretch of a mixed file stays CRLF), and a file that
    /// did not end with a newline still does not.
    pub(crate) fn splice(&mut self, start: usize, end: usize, new: Vec<String>) {
        let eol = match self.eols.get(start) {
            Some(e) if *e != Eol::None => *e,
            _ => self.dominant_eol(),
        };
        let no_final_newline = end == self.lines.len() && self.eols.last() == Some(&Eol::None);
        let mut eols = vec![eol; new.len()];
        if no_final_newline {
            if let Some(last) = eols.last_mut() {
                *last = Eol::None;
            } else if start > 0 {
                self.eols[start - 1] = Eol::None;
            }
        }
        self.lines.splice(start..end, new);
        self.eols.splice(start..end, eols);
    }
}

/// `\r\n` and lone `\r` as `\n`: replies are matched line by line, whatever their endings.
pub(crate) fn normalize_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// The leading spaces and tabs of `line`.
pub(crate) fn indent_of(line: &str) -> &str {
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

pub(crate) fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// The longest run of leading whitespace that every non-blank line starts with, or `None` when
/// every line is blank. (Not the shortest indentation: with tabs and spaces mixed, only a common
/// prefix can be removed from every line.)
pub(crate) fn common_indent<'a>(lines: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut common: Option<&str> = None;
    for line in lines.into_iter().filter(|l| !is_blank(l)) {
        let indent = indent_of(line);
        common = Some(match common {
            None => indent,
            Some(c) => {
                let shared = c
                    .bytes()
                    .zip(indent.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                &c[..shared]
            }
        });
    }
    common.map(str::to_string)
}

/// Moves non-blank lines from indentation `from` to `to`; blank lines become empty. Lines that
/// do not start with `from` are left alone (callers pass a prefix common to all of them).
pub(crate) fn reindent(lines: &[String], from: &str, to: &str) -> Vec<String> {
    lines
        .iter()
        .map(|line| {
            if is_blank(line) {
                String::new()
            } else if let Some(rest) = line.strip_prefix(from) {
                format!("{to}{rest}")
            } else {
                line.clone()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_ending() {
        for text in ["", "a", "a\n", "a\r\nb\nc", "a\r\n\r\n", "\n\n"] {
            assert_eq!(Doc::parse(text).render(), text);
        }
    }

    #[test]
    fn splice_keeps_endings_and_the_missing_final_newline() {
        let mut doc = Doc::parse("a\r\nb\r\nc");
        doc.splice(1, 3, vec!["x".into(), "y".into()]);
        assert_eq!(doc.render(), "a\r\nx\r\ny");
        doc.splice(1, 3, vec![]);
        assert_eq!(doc.render(), "a");
    }

    #[test]
    fn common_indent_is_a_shared_prefix() {
        let lines = ["\t  a", "\t b", "", "\t    c"];
        assert_eq!(common_indent(lines).as_deref(), Some("\t "));
        assert_eq!(common_indent(["", "  "]), None);
    }
}

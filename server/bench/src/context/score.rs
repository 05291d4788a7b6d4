//! The context benchmark's scoring rule: which of a selection's true definitions a packet
//! showed (recall), and which of the definitions it showed were true ones (precision).

use serde::Serialize;
use tasks::context::SentDefinition;

/// A definition as a packet shows it: the fields of [`SentDefinition`] the rule reads (a
/// struct of its own, so the rule and its tests hold whatever else `SentDefinition` gains).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub path: String,
    /// 1-based line its text starts on.
    pub line: u32,
    pub kind: String,
    pub name: String,
    /// How many of its lines the packet shows.
    pub lines_shown: u32,
    /// The 1-based lines the packet shows (a type's header and member lines skip its doc
    /// comments and bodies, so they need not follow one another).
    pub shown: Vec<u32>,
}

impl Shown {
    /// What the rule reads of a sent definition.
    pub fn of(sent: &SentDefinition) -> Shown {
        Shown {
            path: sent.path.clone(),
            line: sent.line,
            kind: sent.kind.clone(),
            name: sent.name.clone(),
            lines_shown: sent.lines_shown,
            shown: sent.shown.clone(),
        }
    }
}

/// Lines past a shown definition's last line that still count for a definition of the same
/// name: a language tool places a decorated function (or one with attributes) at its `def` /
/// `fn` line, below the decorators a packet may show first.
pub const DECORATOR_ALLOWANCE: u32 = 3;

/// One place a true definition is, as a language tool (jedi) or a hand label gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    /// Relative to the workspace root, with `/`.
    pub path: String,
    /// 1-based line of the definition's name (`def`, `fn`, `class`, an assignment).
    pub line: u32,
}

/// A definition the selection relies on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Truth {
    pub name: String,
    /// Where it is; more than one for a cfg variant, or a trait's method and its impl.
    pub places: Vec<Place>,
}

impl Truth {
    /// A truth at one place.
    pub fn at(path: &str, line: u32, name: &str) -> Truth {
        Truth {
            name: name.to_owned(),
            places: vec![Place {
                path: path.to_owned(),
                line,
            }],
        }
    }
}

/// Whether `sent` shows the truth at `place` named `name`: the same path and (a) the same name,
/// with the truth's line from the sent definition's first line to [`DECORATOR_ALLOWANCE`] lines
/// past its last shown one, or (b) any name, with the truth's line among the shown lines (a
/// field or a method's signature inside a shown class).
pub fn covers(sent: &Shown, place: &Place, name: &str) -> bool {
    if sent.path != place.path || place.line < sent.line {
        return false;
    }
    let last_shown = sent.shown.iter().copied().max().unwrap_or(sent.line);
    let by_name = sent.name == name && place.line <= last_shown + DECORATOR_ALLOWANCE;
    let contained = sent.shown.contains(&place.line);
    by_name || contained
}

/// Whether `sent` shows `truth` at any of its places.
pub fn covers_truth(sent: &Shown, truth: &Truth) -> bool {
    truth
        .places
        .iter()
        .any(|place| covers(sent, place, &truth.name))
}

/// The items an outline section shows, as `(line, text)`, read from its `LINE | text` lines.
pub fn outline_entries(section_text: &str) -> Vec<(u32, String)> {
    section_text
        .lines()
        .filter_map(|line| {
            let (number, text) = line.split_once(" | ")?;
            Some((number.trim().parse().ok()?, text.trim().to_owned()))
        })
        .collect()
}

/// Whether the selection's own file's outline shows `truth`: an entry on the truth's line (or
/// up to [`DECORATOR_ALLOWANCE`] lines above it) whose text has the name as a word. Only
/// places in `file` count: an outline is of the selection's file.
pub fn outline_covers(entries: &[(u32, String)], file: &str, truth: &Truth) -> bool {
    truth.places.iter().any(|place| {
        place.path == file
            && entries.iter().any(|(line, text)| {
                *line <= place.line
                    && place.line <= line + DECORATOR_ALLOWANCE
                    && has_word(text, &truth.name)
            })
    })
}

fn has_word(text: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// One selection's score.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Score {
    /// True definitions.
    pub truth: usize,
    /// True definitions some sent definition covers.
    pub recalled: usize,
    /// Definitions sent.
    pub sent: usize,
    /// Sent definitions that cover at least one true one.
    pub relevant: usize,
    /// True definitions some sent definition covers, or the outline of the selection's file
    /// shows (its signature, on one line; see [`outline_covers`]).
    pub recalled_with_outline: usize,
    /// The true definitions no sent one covers, as `path:line name`.
    pub missed: Vec<String>,
    /// The sent definitions that cover no true one, as `path:line kind name`.
    pub wrong: Vec<String>,
}

impl Score {
    /// Recall of this selection, `None` without truth.
    pub fn recall(&self) -> Option<f64> {
        ratio(self.recalled, self.truth)
    }

    /// Precision of this selection, `None` when nothing was sent.
    pub fn precision(&self) -> Option<f64> {
        ratio(self.relevant, self.sent)
    }
}

/// `part / whole`, `None` for an empty whole.
pub fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Scores what a packet sent against the truth.
pub fn score(sent: &[Shown], truth: &[Truth]) -> Score {
    let mut result = Score {
        truth: truth.len(),
        sent: sent.len(),
        ..Score::default()
    };
    for item in truth {
        if sent.iter().any(|shown| covers_truth(shown, item)) {
            result.recalled += 1;
        } else {
            let place = &item.places[0];
            result
                .missed
                .push(format!("{}:{} {}", place.path, place.line, item.name));
        }
    }
    for shown in sent {
        if truth.iter().any(|item| covers_truth(shown, item)) {
            result.relevant += 1;
        } else {
            result.wrong.push(format!(
                "{}:{} {} {}",
                shown.path, shown.line, shown.kind, shown.name
            ));
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(path: &str, line: u32, kind: &str, name: &str, lines_shown: u32) -> Shown {
        Shown {
            path: path.to_owned(),
            line,
            kind: kind.to_owned(),
            name: name.to_owned(),
            lines_shown,
            shown: (line..line + lines_shown.max(1)).collect(),
        }
    }

    #[test]
    fn a_type_shown_as_header_and_members_covers_only_the_lines_shown() {
        // `class Session` on 10, members shown on 12 and 40 (a docstring and bodies skipped).
        let class = Shown {
            shown: vec![10, 12, 40],
            ..sent("sessions.py", 10, "class", "Session", 3)
        };
        assert!(covers_truth(&class, &Truth::at("sessions.py", 40, "send")));
        assert!(!covers_truth(
            &class,
            &Truth::at("sessions.py", 11, "trust_env")
        ));
        assert!(!covers_truth(
            &class,
            &Truth::at("sessions.py", 30, "close")
        ));
    }

    #[test]
    fn a_definition_of_the_same_name_is_recalled_below_its_decorators() {
        // `@property` on line 10, `def name` on 11: the packet shows from the decorator.
        let shown = sent("models.py", 10, "method", "name", 2);
        assert!(covers_truth(&shown, &Truth::at("models.py", 11, "name")));
        // Up to three lines past the last line shown, for more decorators than lines shown.
        let short = sent("models.py", 10, "method", "name", 1);
        assert!(covers_truth(&short, &Truth::at("models.py", 13, "name")));
        assert!(!covers_truth(&short, &Truth::at("models.py", 14, "name")));
    }

    #[test]
    fn a_line_inside_what_is_shown_is_recalled_whatever_its_name() {
        // A class shown from line 20 for 8 lines holds the field on line 24.
        let class = sent("src/lib.rs", 20, "struct", "Config", 8);
        assert!(covers_truth(
            &class,
            &Truth::at("src/lib.rs", 24, "timeout")
        ));
        assert!(covers_truth(
            &class,
            &Truth::at("src/lib.rs", 27, "retries")
        ));
        // The line after the last shown one is not shown.
        assert!(!covers_truth(
            &class,
            &Truth::at("src/lib.rs", 28, "retries")
        ));
    }

    #[test]
    fn another_file_another_name_or_an_earlier_line_is_not_recalled() {
        let shown = sent("src/walk.rs", 1622, "method", "is_dir", 1);
        // haystack.rs's is_dir is not walk.rs's.
        assert!(!covers_truth(
            &shown,
            &Truth::at("src/haystack.rs", 1622, "is_dir")
        ));
        // Same file, a name that is neither it nor inside it.
        assert!(!covers_truth(
            &shown,
            &Truth::at("src/walk.rs", 1624, "is_symlink")
        ));
        // Same name, but the truth is above the sent definition.
        assert!(!covers_truth(
            &shown,
            &Truth::at("src/walk.rs", 1600, "is_dir")
        ));
        // Any of a truth's places counts.
        let variants = Truth {
            name: "is_dir".to_owned(),
            places: vec![
                Place {
                    path: "src/other.rs".to_owned(),
                    line: 5,
                },
                Place {
                    path: "src/walk.rs".to_owned(),
                    line: 1622,
                },
            ],
        };
        assert!(covers_truth(&shown, &variants));
    }

    #[test]
    fn an_outline_shows_a_truth_of_its_own_file_by_name_and_line() {
        let outline = outline_entries(
            "  9 | @property\n 10 | def name(self) -> str\n120 | class Session:\n121 |     def names(self)",
        );
        assert_eq!(outline[1], (10, "def name(self) -> str".to_owned()));
        // The decorator's line is within the allowance of the def's.
        assert!(outline_covers(
            &outline,
            "models.py",
            &Truth::at("models.py", 10, "name")
        ));
        // `names` is not the word `name`; another file's outline is not this one's.
        assert!(!outline_covers(
            &outline,
            "models.py",
            &Truth::at("models.py", 121, "name")
        ));
        assert!(!outline_covers(
            &outline,
            "other.py",
            &Truth::at("models.py", 10, "name")
        ));
        assert!(outline_covers(
            &outline,
            "models.py",
            &Truth::at("models.py", 121, "names")
        ));
    }

    #[test]
    fn precision_counts_the_sent_definitions_that_cover_a_truth() {
        let sent = [
            sent("src/walk.rs", 1622, "method", "is_dir", 3),
            sent("src/haystack.rs", 40, "method", "is_dir", 1),
            sent("src/line_buffer.rs", 70, "method", "is_quit", 1),
            sent("src/walk.rs", 1369, "enum", "WalkState", 8),
        ];
        let truth = [
            Truth::at("src/walk.rs", 1622, "is_dir"),
            Truth::at("src/walk.rs", 1388, "is_quit"),
            // A variant inside the shown enum.
            Truth::at("src/walk.rs", 1371, "Continue"),
        ];
        let result = score(&sent, &truth);
        assert_eq!((result.recalled, result.truth), (2, 3));
        assert_eq!((result.relevant, result.sent), (2, 4));
        assert_eq!(result.recall(), Some(2.0 / 3.0));
        assert_eq!(result.precision(), Some(0.5));
        assert_eq!(result.missed, ["src/walk.rs:1388 is_quit"]);
        assert_eq!(
            result.wrong,
            [
                "src/haystack.rs:40 method is_dir",
                "src/line_buffer.rs:70 method is_quit"
            ]
        );
        // Nothing sent: no precision, zero recall.
        let none = score(&[], &truth);
        assert_eq!((none.precision(), none.recall()), (None, Some(0.0)));
    }
}

//! Where a SEARCH matches in a file, following aider's cascade: each step runs only when the
//! one before found nothing, and a step that finds several places stops the cascade as
//! ambiguous (a looser step would only find more).
//!
//! 1. exact lines (a blank line matches any blank line);
//! 2. the same lines under a uniform indentation difference, trailing whitespace ignored; the
//!    REPLACE is re-indented by the same difference;
//! 3. steps 1 and 2 again without a spurious blank first or last SEARCH line (and without the
//!    REPLACE's matching blank line, which the model added for the same reason);
//! 4. `...` elision: a SEARCH line that is just `...` matches any run of lines, which the
//!    REPLACE's `...` at the same position keeps.
//!
//! Every step counts all the ways the SEARCH can match and applies it only when there is
//! exactly one.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;

use super::doc::{common_indent, is_blank, reindent};

/// Replace lines `start..end` of the file with `lines`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Splice {
    pub start: usize,
    pub end: usize,
    pub lines: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Found {
    One(Splice),
    /// 1-based line ranges of the places (at most ten are listed).
    Many(Vec<RangeInclusive<usize>>),
    Nothing,
}

/// One stretch of SEARCH between elisions, and what replaces it.
#[derive(Debug, Clone)]
struct Piece {
    search: Vec<String>,
    replace: Vec<String>,
}

/// The result of matching pieces in order at one indentation.
struct Solved {
    /// Start line of each piece, for the single match.
    unique: Option<Vec<usize>>,
    /// How many ways, capped at 2.
    ways: u8,
    places: Vec<RangeInclusive<usize>>,
}

fn line_eq(file: &str, search: &str, loose: bool) -> bool {
    if is_blank(search) {
        return is_blank(file);
    }
    if loose {
        file.trim_end() == search.trim_end()
    } else {
        file == search
    }
}

fn matches_at(file: &[String], piece: &[String], at: usize, loose: bool) -> bool {
    at + piece.len() <= file.len()
        && piece
            .iter()
            .zip(&file[at..])
            .all(|(s, f)| line_eq(f, s, loose))
}

/// Counts (up to 2) the ways `pieces` match in order without overlapping, by dynamic programming
/// over (piece, first line it may start at), so many partial matches cost no more than a table.
fn solve(file: &[String], pieces: &[Vec<String>], loose: bool) -> Solved {
    let n = file.len();
    let m = pieces.len();
    // ways[k][from]: ways pieces k.. can match starting at or after `from`, capped at 2.
    let mut ways = vec![vec![0u8; n + 2]; m + 1];
    ways[m].fill(1);
    let hits: Vec<Vec<bool>> = pieces
        .iter()
        .map(|p| (0..n).map(|at| matches_at(file, p, at, loose)).collect())
        .collect();
    for k in (0..m).rev() {
        for from in (0..n).rev() {
            let here = if hits[k][from] {
                ways[k + 1][from + pieces[k].len()]
            } else {
                0
            };
            ways[k][from] = (ways[k][from + 1] + here).min(2);
        }
    }
    // Walk the single way, or stop at the first piece with several places and report them.
    let mut from = 0;
    let mut starts = Vec::new();
    for (k, piece) in pieces.iter().enumerate() {
        let options: Vec<usize> = (from..n)
            .filter(|&at| hits[k][at] && ways[k + 1][at + piece.len()] > 0)
            .collect();
        match options.as_slice() {
            [at] => {
                starts.push(*at);
                from = at + piece.len();
            }
            [] => break,
            several => {
                let places = several
                    .iter()
                    .take(10)
                    .map(|&at| at + 1..=at + piece.len())
                    .collect();
                return Solved {
                    unique: None,
                    ways: ways[0][0],
                    places,
                };
            }
        }
    }
    let unique = (ways[0][0] == 1).then_some(starts);
    let places = unique
        .as_ref()
        .and_then(|s| s.first().map(|&at| at + 1..=at + pieces[0].len()))
        .into_iter()
        .collect();
    Solved {
        unique,
        ways: ways[0][0],
        places,
    }
}

/// The splice that the single match `starts` of `pieces` makes: each piece's replacement, with
/// the file's own lines kept in the gaps between pieces.
fn splice(file: &[String], pieces: &[Piece], starts: &[usize], replaces: &[Vec<String>]) -> Splice {
    let mut lines = Vec::new();
    for (k, piece) in pieces.iter().enumerate() {
        lines.extend(replaces[k].iter().cloned());
        if let Some(next) = starts.get(k + 1) {
            lines.extend(file[starts[k] + piece.search.len()..*next].iter().cloned());
        }
    }
    let last = pieces.len() - 1;
    Splice {
        start: starts[0],
        end: starts[last] + pieces[last].search.len(),
        lines,
    }
}

/// Steps 1 and 2 for one set of pieces.
fn exact_then_indented(file: &[String], pieces: &[Piece]) -> Found {
    let searches: Vec<Vec<String>> = pieces.iter().map(|p| p.search.clone()).collect();
    let exact = solve(file, &searches, false);
    match exact.ways {
        1 => {
            if let Some(starts) = exact.unique {
                let replaces: Vec<Vec<String>> = pieces.iter().map(|p| p.replace.clone()).collect();
                return Found::One(splice(file, pieces, &starts, &replaces));
            }
        }
        0 => {}
        _ => return Found::Many(exact.places),
    }

    // Step 2: take the indentation that SEARCH and REPLACE share off both, then try every
    // indentation at which the first SEARCH line occurs in the file.
    let all = pieces
        .iter()
        .flat_map(|p| p.search.iter().chain(&p.replace))
        .map(String::as_str);
    let shared = common_indent(all).unwrap_or_default();
    let Some(first) = pieces
        .iter()
        .flat_map(|p| &p.search)
        .find(|l| !is_blank(l))
        .and_then(|l| l.strip_prefix(shared.as_str()))
    else {
        return Found::Nothing;
    };
    let first = first.trim_end();
    let offsets: BTreeSet<&str> = file
        .iter()
        .filter_map(|f| f.trim_end().strip_suffix(first))
        .filter(|prefix| prefix.chars().all(|c| c == ' ' || c == '\t'))
        .collect();
    let mut total = 0u8;
    let mut places = Vec::new();
    let mut one = None;
    for offset in offsets {
        let moved: Vec<Vec<String>> = pieces
            .iter()
            .map(|p| reindent(&p.search, &shared, offset))
            .collect();
        let solved = solve(file, &moved, true);
        if solved.ways == 0 {
            continue;
        }
        total = total.saturating_add(solved.ways);
        places.extend(solved.places);
        if let Some(starts) = solved.unique {
            let replaces: Vec<Vec<String>> = pieces
                .iter()
                .map(|p| reindent(&p.replace, &shared, offset))
                .collect();
            one = Some(splice(file, pieces, &starts, &replaces));
        }
    }
    match (total, one) {
        (0, _) => Found::Nothing,
        (1, Some(s)) => Found::One(s),
        _ => {
            places.sort_by_key(|p| *p.start());
            places.truncate(10);
            Found::Many(places)
        }
    }
}

fn is_elision(line: &str) -> bool {
    matches!(line.trim(), "..." | "…")
}

/// The pieces between `...` lines, paired with the REPLACE's.
///
/// # Errors
/// What is wrong with the elisions, for the model.
fn elided_pieces(search: &[String], replace: &[String]) -> Result<Vec<Piece>, String> {
    let split = |lines: &[String]| -> Vec<Vec<String>> {
        lines
            .split(|l| is_elision(l))
            .map(<[String]>::to_vec)
            .collect()
    };
    let s = split(search);
    let r = split(replace);
    if s.len() != r.len() {
        return Err(format!(
            "its SEARCH has {} `...` lines but its REPLACE has {}: each `...` of SEARCH needs one \
             in REPLACE at the same place, keeping the lines it stands for",
            s.len() - 1,
            r.len() - 1
        ));
    }
    let mut pieces = Vec::new();
    for (search, replace) in s.into_iter().zip(r) {
        if search.iter().all(|l| is_blank(l)) {
            // A `...` first, last or twice in a row stands for a run with no edge in the file,
            // so text added there would have no place.
            if replace.iter().any(|l| !is_blank(l)) {
                return Err(
                    "its REPLACE adds text where SEARCH has only `...`, which leaves the \
                            place of that text unknown: quote the lines around it"
                        .to_string(),
                );
            }
            continue;
        }
        pieces.push(Piece { search, replace });
    }
    if pieces.is_empty() {
        return Err("its SEARCH holds only `...`: quote the lines to change".to_string());
    }
    Ok(pieces)
}

/// The variants of step 3: SEARCH without a blank first line, without a blank last line, then
/// without both, each dropping the REPLACE's blank line at the same end too.
fn without_spurious_blanks(search: &[String], replace: &[String]) -> Vec<Piece> {
    let lead = search.first().is_some_and(|l| is_blank(l));
    let trail = search.len() > 1 && search.last().is_some_and(|l| is_blank(l));
    let mut variants = Vec::new();
    for (drop_lead, drop_trail) in [(true, false), (false, true), (true, true)] {
        if (drop_lead && !lead) || (drop_trail && !trail) {
            continue;
        }
        let cut = |lines: &[String]| -> Vec<String> {
            let mut v = lines.to_vec();
            if drop_trail && v.last().is_some_and(|l| is_blank(l)) {
                v.pop();
            }
            if drop_lead && v.first().is_some_and(|l| is_blank(l)) {
                v.remove(0);
            }
            v
        };
        let s = cut(search);
        if s.iter().all(|l| is_blank(l)) {
            continue;
        }
        variants.push(Piece {
            search: s,
            replace: cut(replace),
        });
    }
    variants
}

/// Where `search` (non-empty) matches in `file`, and what replacing it with `replace` makes.
///
/// # Errors
/// A description of a malformed elision (unpaired `...`), for the model.
pub(crate) fn locate(
    file: &[String],
    search: &[String],
    replace: &[String],
) -> Result<Found, String> {
    let whole = Piece {
        search: search.to_vec(),
        replace: replace.to_vec(),
    };
    let found = exact_then_indented(file, std::slice::from_ref(&whole));
    if found != Found::Nothing {
        return Ok(found);
    }
    for variant in without_spurious_blanks(search, replace) {
        let found = exact_then_indented(file, std::slice::from_ref(&variant));
        if found != Found::Nothing {
            return Ok(found);
        }
    }
    if search.iter().any(|l| is_elision(l)) {
        let pieces = elided_pieces(search, replace)?;
        return Ok(exact_then_indented(file, &pieces));
    }
    Ok(Found::Nothing)
}

/// Character-bigram (Dice) similarity of two lines, ignoring surrounding whitespace: cheap,
/// and it ranks a line with a renamed variable or a changed literal close to the original.
fn similarity(a: &[(char, char)], b: &[(char, char)]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    (2 * shared) as f64 / (a.len() + b.len()) as f64
}

fn bigrams(line: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = line.trim().chars().collect();
    let mut grams: Vec<(char, char)> = chars.windows(2).map(|w| (w[0], w[1])).collect();
    grams.sort_unstable();
    grams
}

/// The most lines of the file quoted for a SEARCH that matched nowhere.
const QUOTE_LINES: usize = 8;

/// The window of the file most like `search` (line by line, by bigram similarity), as 1-based
/// numbered lines, at most [`QUOTE_LINES`]; empty when no line resembles any SEARCH line.
pub(crate) fn closest(file: &[String], search: &[String]) -> Vec<(usize, String)> {
    let wanted: Vec<Vec<(char, char)>> = search
        .iter()
        .filter(|l| !is_elision(l))
        .map(|l| bigrams(l))
        .collect();
    if file.is_empty() || wanted.is_empty() {
        return Vec::new();
    }
    let have: Vec<Vec<(char, char)>> = file.iter().map(|l| bigrams(l)).collect();
    let width = wanted.len().min(file.len());
    let mut best = (0.0, 0);
    for start in 0..=file.len() - width {
        let score: f64 = wanted
            .iter()
            .zip(&have[start..start + width])
            .map(|(w, h)| similarity(w, h))
            .sum();
        if score > best.0 {
            best = (score, start);
        }
    }
    // Below a third of one line's worth of likeness, the "closest" lines are noise.
    if best.0 < 0.34 {
        return Vec::new();
    }
    (best.1..best.1 + width.min(QUOTE_LINES))
        .map(|i| (i + 1, file[i].clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn elision_keeps_the_gap_and_refuses_two_ways() {
        let file = v("fn a() {\n    one();\n    two();\n}\n");
        let found = locate(&file, &v("fn a() {\n...\n}"), &v("fn b() {\n...\n}")).unwrap();
        assert_eq!(
            found,
            Found::One(Splice {
                start: 0,
                end: 4,
                lines: v("fn b() {\n    one();\n    two();\n}")
            })
        );
        let twice = v("a\nx\nb\nx\n");
        assert!(matches!(
            locate(&twice, &v("a\n...\nx"), &v("a\n...\ny")).unwrap(),
            Found::Many(_)
        ));
    }

    #[test]
    fn unpaired_elision_is_malformed() {
        let file = v("a\nb\n");
        assert!(locate(&file, &v("a\n...\nb"), &v("a\nb")).is_err());
    }

    #[test]
    fn closest_finds_the_renamed_line() {
        let file = v("use std::fmt;\n\nfn total(xs: &[u32]) -> u32 {\n    xs.iter().sum()\n}\n");
        let got = closest(
            &file,
            &v("fn sum(xs: &[u32]) -> u32 {\n    xs.iter().sum()"),
        );
        assert_eq!(got.first().map(|(n, _)| *n), Some(3));
        assert!(closest(&file, &v("zzzz qqqq")).is_empty());
    }
}

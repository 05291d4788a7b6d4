//! Merging the reviews of several models of the same code into one list, marked with agreement.
//!
//! Sameness of messages is lexical ([`same_issue`]): no model, no network, instant and
//! deterministic; the price is missing rephrasings that share few words (see the tests).

use std::collections::HashSet;

use super::findings::Finding;

/// Ranges this many lines apart still count as one place: one model cites the line of a call,
/// another the line after it, for the same issue.
const TOUCHING_LINES: u32 = 1;

/// Word-set Jaccard at which two messages say the same thing on words alone. The tests'
/// rephrasings that share no identifier score 0.57 and up; "Unused variable" vs "Unused import"
/// scores 1/3 and must stay apart, hence just above it.
const SAME_WORDS: f64 = 0.35;

/// Enough when both name the same identifier from the code and share a plain word too: the
/// identifier says where, the word says what. Such rephrasings in the tests score 0.25 to 0.29;
/// two complaints about one `items` or `count` that happen to share "loop" or "zero" score 0.22.
const SAME_WORDS_WITH_IDENT: f64 = 0.25;

/// Words that say nothing about which issue it is: English glue, plus review boilerplate
/// ("possible", "missing", "consider") that prefixes many unrelated complaints.
const STOPWORDS: &str = "the a an is are be to of in on for this that it with and or not can may \
    will when if as by at from which should could would here there its has have does do but so \
    into than been was were very also just possible possibly potential potentially might consider \
    missing";

/// One model's review.
#[derive(Debug, Clone, Copy)]
pub struct Review<'a> {
    /// The model's name, as the agreement shows it.
    pub model: &'a str,
    /// Its findings; an empty list still counts as a review (the model found nothing).
    pub findings: &'a [Finding],
}

/// A finding after merging: what the models that saw it agree on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreed {
    /// The merged finding: lines = the union of the group's ranges (min line, max end_line);
    /// severity = the most severe; message = the message of the most severe member (ties: the
    /// first model's, in the order of `reviews`); fix = the first member's fix that has one,
    /// taken only if that member's lines equal the merged lines (a fix replaces exactly its
    /// lines; otherwise None).
    pub finding: Finding,
    /// The models that reported it, in the order of `reviews`, each once.
    pub models: Vec<String>,
    /// How many models reviewed in all (`reviews.len()`).
    pub of: usize,
}

impl Agreed {
    /// `2 of 2 models`, `1 of 2 models` (singular `1 of 1 model`).
    pub fn agreement(&self) -> String {
        let noun = if self.of == 1 { "model" } else { "models" };
        format!("{} of {} {noun}", self.models.len(), self.of)
    }

    /// The message with the agreement appended, as a diagnostic shows it:
    /// `MESSAGE (2 of 2 models: a, b)`; for a single-model review (of == 1) just the message.
    pub fn message(&self) -> String {
        if self.of == 1 {
            return self.finding.message.clone();
        }
        let models = self.models.join(", ");
        format!("{} ({}: {models})", self.finding.message, self.agreement())
    }
}

/// The findings of all reviews, merged; sorted by line, then severity (most severe first).
pub fn merge(reviews: &[Review<'_>]) -> Vec<Agreed> {
    let mut groups: Vec<Vec<Member<'_>>> = Vec::new();
    for (by, review) in reviews.iter().enumerate() {
        for finding in review.findings {
            let terms = Terms::new(&finding.message);
            let member = Member { by, finding, terms };
            // Greedy, best first: the group most alike in words; ties go to the older group.
            let best = groups
                .iter()
                .enumerate()
                .filter_map(|(i, group)| member.fit(group).map(|score| (i, score)))
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
            match best {
                Some((i, _)) => groups[i].push(member),
                None => groups.push(vec![member]),
            }
        }
    }
    let mut agreed: Vec<Agreed> = groups.iter().filter_map(|g| agree(g, reviews)).collect();
    // Stable, so findings on the same line with the same severity keep the reviews' order.
    agreed.sort_by_key(|a| (a.finding.line, a.finding.severity));
    agreed
}

/// Whether two messages say the same thing (the "meaning" test used by merge).
pub fn same_issue(a: &str, b: &str) -> bool {
    Terms::new(a).likeness(&Terms::new(b)).is_some()
}

/// A finding on its way into a group, `by` the review (an index into `reviews`) that reported it.
struct Member<'a> {
    by: usize,
    finding: &'a Finding,
    terms: Terms,
}

impl Member<'_> {
    /// How well this finding fits `group`, or `None` when it may not join: the group already
    /// has this model's finding, lies elsewhere, or no member says the same thing.
    fn fit(&self, group: &[Member<'_>]) -> Option<f64> {
        let start = group.iter().map(|m| m.finding.line).min()?;
        let end = group.iter().map(|m| m.finding.end_line).max()?;
        let touches = self.finding.line <= end.saturating_add(TOUCHING_LINES)
            && start <= self.finding.end_line.saturating_add(TOUCHING_LINES);
        if !touches || group.iter().any(|m| m.by == self.by) {
            return None;
        }
        group
            .iter()
            .filter_map(|m| m.terms.likeness(&self.terms))
            .max_by(f64::total_cmp)
    }
}

/// The merged finding of a group (members in the order of `reviews`); `None` for no members.
fn agree(group: &[Member<'_>], reviews: &[Review<'_>]) -> Option<Agreed> {
    let line = group.iter().map(|m| m.finding.line).min()?;
    let end_line = group.iter().map(|m| m.finding.end_line).max()?;
    // `min_by_key` keeps the first of equals: the earliest model's message wins a tie.
    let lead = group.iter().min_by_key(|m| m.finding.severity)?.finding;
    // A fix replaces exactly its own lines, so spreading it over a wider union would delete or
    // duplicate code; then the merged finding offers none rather than a wrong one.
    let fix = group
        .iter()
        .find(|m| m.finding.fix.is_some())
        .filter(|m| m.finding.line == line && m.finding.end_line == end_line)
        .and_then(|m| m.finding.fix.clone());
    let mut agreed = Agreed {
        finding: lead.clone(),
        models: Vec::new(),
        of: reviews.len(),
    };
    let merged = &mut agreed.finding;
    (merged.line, merged.end_line, merged.fix) = (line, end_line, fix);
    for name in group.iter().map(|m| reviews[m.by].model) {
        if !agreed.models.iter().any(|n| n == name) {
            agreed.models.push(name.to_owned());
        }
    }
    Some(agreed)
}

/// The words of a message that carry its meaning.
#[derive(Default)]
struct Terms {
    /// Stems of all content words, identifiers included (for the Jaccard).
    words: HashSet<String>,
    /// Identifiers from the code, lowercased but not stemmed: `user_id`, `fooBar`, `count`.
    idents: HashSet<String>,
    /// Stems of the words that are not identifiers: what is said about the code.
    plain: HashSet<String>,
}

impl Terms {
    fn new(message: &str) -> Self {
        let mut terms = Terms::default();
        let spans: Vec<&str> = message.split('`').collect();
        for (i, span) in spans.iter().enumerate() {
            // Odd spans sit between backticks; an unclosed backtick quotes nothing.
            let quoted = i % 2 == 1 && i + 1 < spans.len();
            for token in span.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                let word = token.trim_matches('_').to_lowercase();
                if word.is_empty() || STOPWORDS.split_whitespace().any(|w| w == word) {
                    continue;
                }
                let stem = stem(&word);
                let ident = quoted || token.contains('_') || is_camel(token);
                // A quoted `0` is a value, not a name; it says nothing about where.
                if ident && !word.chars().all(|c| c.is_ascii_digit()) {
                    terms.idents.insert(word);
                } else {
                    terms.plain.insert(stem.clone());
                }
                terms.words.insert(stem);
            }
        }
        terms
    }

    /// The Jaccard of the two word sets when the messages say the same thing, else `None`.
    fn likeness(&self, other: &Terms) -> Option<f64> {
        let shared = self.words.intersection(&other.words).count();
        let all = self.words.len() + other.words.len() - shared;
        // Word counts of one message are tiny, so the casts are exact; no words at all score 0.
        let jaccard = shared as f64 / all.max(1) as f64;
        let same_ident = !self.idents.is_disjoint(&other.idents);
        let same_plain = !self.plain.is_disjoint(&other.plain);
        let same =
            jaccard >= SAME_WORDS || (same_ident && same_plain && jaccard >= SAME_WORDS_WITH_IDENT);
        same.then_some(jaccard)
    }
}

/// `fooBar`, `HashMap`: a lowercase letter followed by an uppercase one. `SQL` and `None` are not.
fn is_camel(token: &str) -> bool {
    let mut pairs = token.chars().zip(token.chars().skip(1));
    pairs.any(|(a, b)| a.is_lowercase() && b.is_uppercase())
}

/// A light stem, so that "divides", "divided" and "divide" meet: one suffix off, keeping at least
/// three letters, and a doubled final consonant undone after `ing`, `ed` ("logged" meets "log"),
/// though not `l`, `s`, `z`, which English doubles in the word itself ("call", "miss", "buzz").
fn stem(word: &str) -> String {
    const MIN_STEM: usize = 3;
    for suffix in ["ing", "ed", "es", "s", "e"] {
        // No suffix leaves "", too short to be a stem.
        let stem = word.strip_suffix(suffix).unwrap_or_default();
        // "access", "status", "analysis": that `s` is no plural.
        let plural = suffix != "s" || !stem.ends_with(['s', 'u', 'i']);
        if !plural || stem.chars().count() < MIN_STEM {
            continue;
        }
        let mut stem = stem.to_owned();
        let mut end = stem.bytes().rev();
        let (last, before) = (end.next(), end.next());
        let doubled = last == before && last.is_some_and(|c| !b"aeioulsz".contains(&c));
        if doubled && matches!(suffix, "ing" | "ed") {
            stem.pop();
        }
        return stem;
    }
    word.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::Severity::{self, Error, Hint, Info, Warning};

    /// Rephrasings of one issue, as two models word it, one pair a line (`first | second`).
    const SAME: &str = "
        Possible division by zero when `count` is 0 | `count` may be zero here, which divides by zero
        unwrap() on a None panics if the key is missing | This unwrap will panic when the key is missing from the map
        Index `i` may be out of bounds when the vector is empty | `v[i]` panics on an empty vector: index out of range
        SQL injection: the query is built from user input | User input is concatenated into the SQL query, allowing SQL injection
        The file handle is never closed | File is opened but never closed, leaking the handle
        `user_id` is not validated before use | No validation of `user_id` before it is used in the query
        Race condition: `counter` is incremented without holding the lock | `counter` is updated from several threads without a lock, a data race
        Mutex lock is held across an `.await`, which can deadlock | Holding the `MutexGuard` across `.await` may deadlock
        Missing null check: `user` can be null here | `user` may be null; dereferencing it will throw
        Resource leak: the connection is never closed on the error path | On error the connection is not closed and leaks
        Magic number 86400 should be a named constant | Use a named constant instead of the magic number 86400
        Function is too long; consider splitting it | This function is very long and should be split into smaller functions
        The error from `parse` is silently ignored | `parse` errors are swallowed; propagate them with `?`";

    /// Different issues worded so that they share words, often an identifier (the same line).
    const APART: &str = "
        Possible division by zero when `count` is 0 | The variable name `count` is unclear; call it `total`
        SQL injection: the query is built from user input | Missing docstring
        `count` may be zero here, which divides by zero | `count` is never decremented, so the loop never ends
        unwrap() on a None panics if the key is missing | The key is cloned unnecessarily; borrow it instead
        The file handle is never closed | The file path is built from user input (path traversal)
        `user_id` is not validated before use | `user_id` should be a `u64`, not a string
        Missing error handling: the result of `write` is ignored | Missing docstring for `write`
        Race condition on `counter` | `counter` should be private
        Unused variable | Unused import
        Function is too long; consider splitting it | Function name does not follow snake_case
        Magic number 86400 should be a named constant | Constant `TIMEOUT` is never used
        Mutex lock is held across an `.await`, which can deadlock | The lock could be a `RwLock` since reads dominate
        SQL injection: the query is built from user input | The query runs inside a loop; batch it (N+1 queries)
        `items` is cloned on every iteration of the loop | `items` may be empty, and the loop then returns None
        Possible division by zero when `count` is 0 | Dead code: `count` is never zero here, so this check never fires
        Shadowing `result` hides the earlier value | `result` of the write is ignored; handle the error";

    /// Known misses: one issue, in words too different for a lexical test (a better one flips them).
    const MISSED: &str = "
        Password is logged in plain text | Logging the password in plaintext leaks credentials
        Off-by-one: the loop should use `<` instead of `<=` | Loop bound `i <= len` reads one past the end of the array
        Comparing floats with `==` is unreliable | Floating-point values compared with `==`; use an epsilon";

    /// The pairs of a table, which opens with a newline; a line without ` | ` panics.
    fn pairs(table: &str) -> impl Iterator<Item = (&str, &str)> {
        table
            .lines()
            .skip(1)
            .map(|l| l.trim().split_once(" | ").unwrap())
    }

    #[test]
    fn same_issue_table() {
        for (a, b) in pairs(SAME) {
            assert!(same_issue(a, b) && same_issue(b, a), "same: {a} | {b}");
        }
        for (a, b) in pairs(APART).chain(pairs(MISSED)) {
            assert!(!same_issue(a, b) && !same_issue(b, a), "apart: {a} | {b}");
        }
    }

    fn finding(line: u32, end_line: u32, severity: Severity, message: &str) -> Finding {
        let (message, fix) = (message.to_owned(), None);
        Finding {
            line,
            end_line,
            severity,
            message,
            fix,
        }
    }

    fn review<'a>(model: &'a str, findings: &'a [Finding]) -> Review<'a> {
        Review { model, findings }
    }

    /// The merge of model `a`'s review and model `b`'s.
    fn two(a: &[Finding], b: &[Finding]) -> Vec<Agreed> {
        merge(&[review("a", a), review("b", b)])
    }

    const DIV_A: &str = "Possible division by zero when `count` is 0";
    const DIV_B: &str = "`count` may be zero here, which divides by zero";

    #[test]
    fn merges_what_models_agree_on() {
        let typo = finding(30, 30, Info, "Typo");
        let a = [finding(10, 12, Warning, DIV_A), typo.clone()];
        let merged = two(&a, &[finding(11, 11, Error, DIV_B)]);
        let [both, lone]: [Agreed; 2] = merged.try_into().unwrap();
        assert_eq!(both.finding, finding(10, 12, Error, DIV_B));
        assert_eq!(both.models, ["a", "b"]);
        assert_eq!(both.agreement(), "2 of 2 models");
        assert_eq!(both.message(), format!("{DIV_B} (2 of 2 models: a, b)"));
        assert_eq!(lone.finding, typo);
        assert_eq!(lone.agreement(), "1 of 2 models");
        assert_eq!(lone.message(), "Typo (1 of 2 models: a)");
    }

    #[test]
    fn same_model_findings_stay_apart() {
        let a = [finding(10, 11, Hint, DIV_A), finding(11, 12, Hint, DIV_A)];
        let merged = two(&a, &[finding(11, 11, Hint, DIV_B)]);
        let models: Vec<&[String]> = merged.iter().map(|m| m.models.as_slice()).collect();
        assert_eq!(models, [&["a", "b"][..], &["a"]], "b joins the first, once");
        assert_eq!(merge(&[review("a", &a)]).len(), 2);
    }

    #[test]
    fn distant_lines_stay_apart() {
        let a = [finding(10, 12, Warning, DIV_A)];
        for (line, count) in [(13, 1), (14, 2), (9, 1), (8, 2)] {
            let merged = two(&a, &[finding(line, line, Warning, DIV_A)]);
            assert_eq!(merged.len(), count, "line {line} against 10-12");
        }
    }

    #[test]
    fn fix_kept_only_for_the_merged_lines() {
        let with = |mut finding: Finding, fix: Option<&str>| {
            finding.fix = fix.map(str::to_owned);
            finding
        };
        let wide = |fix| with(finding(10, 12, Warning, DIV_A), fix);
        let narrow = |fix| with(finding(11, 11, Warning, DIV_B), fix);
        for (first, second, fix) in [
            (wide(Some("a")), wide(Some("b")), Some("a")),
            (narrow(None), wide(Some("b")), Some("b")),
            (narrow(Some("a")), wide(Some("b")), None), // the first fix is a's, for fewer lines
            (wide(None), narrow(Some("b")), None),
        ] {
            let words = first.message.clone();
            let merged = &two(&[first], &[second])[0];
            assert_eq!(merged.finding.fix.as_deref(), fix);
            assert_eq!(merged.finding.message, words, "tie: the first's");
        }
    }

    #[test]
    fn a_single_review_reads_plain() {
        let merged = merge(&[review("a", &[finding(3, 3, Hint, "Missing docstring")])]);
        assert_eq!(merged[0].agreement(), "1 of 1 model");
        assert_eq!(merged[0].message(), "Missing docstring");
        assert!(merge(&[]).is_empty());
    }

    #[test]
    fn sorted_by_line_then_severity() {
        let a = [finding(20, 20, Hint, "Long"), finding(5, 5, Info, "Magic")];
        let b = [finding(20, 21, Error, "SQL"), finding(1, 1, Hint, "Unused")];
        let at = |m: &Agreed| (m.finding.line, m.finding.severity);
        let order: Vec<_> = two(&a, &b).iter().map(at).collect();
        assert_eq!(order, [(1, Hint), (5, Info), (20, Error), (20, Hint)]);
    }
}

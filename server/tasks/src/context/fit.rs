//! Sizing a packet to its token budget: sections are drafted as units (lines, outline items,
//! definitions) with a rank, and fitted in priority order, dropping the lowest-ranked units of a
//! section that does not fit and the whole section when none fits, with a [`Cut`] for each.

use router::count_o200k;

use super::packet::{Cut, Section, SectionKind};
use super::secrets::Redaction;

/// The line drawn where units were left out.
pub(crate) const ELISION: &str = "⋮";

/// A piece of a section that is kept or dropped whole.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    /// The unit's text, without a final line break (it may hold several lines).
    pub(crate) text: String,
    /// Lower ranks are kept longer; among equal ranks, later units go first.
    pub(crate) rank: u64,
    /// Whether the source has something between the previous unit and this one, drawn as an
    /// elision line even when nothing is dropped.
    pub(crate) gap_before: bool,
    /// The secrets masked in this unit's text, counted only if the unit is kept.
    pub(crate) redactions: Vec<Redaction>,
}

impl Unit {
    /// A unit with nothing masked and no gap before it.
    pub(crate) fn new(text: String, rank: u64) -> Unit {
        Unit {
            text,
            rank,
            gap_before: false,
            redactions: Vec::new(),
        }
    }
}

/// A section before fitting.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub(crate) kind: SectionKind,
    pub(crate) title: String,
    /// The info string of the code fence around the units (`rust`), or `None` for prose.
    pub(crate) fence: Option<String>,
    pub(crate) units: Vec<Unit>,
    /// What the units are called in a cut's reason (`lines`, `items`, `definitions`).
    pub(crate) unit_name: &'static str,
}

impl Draft {
    /// The section's text with the units marked in `keep`.
    fn text(&self, keep: &[bool]) -> String {
        let mut out = String::new();
        let fence = self.fence.as_ref().map(|info| {
            // A fence longer than any run of backticks inside, so code holding ``` stays whole.
            let longest = self
                .units
                .iter()
                .map(|unit| longest_backtick_run(&unit.text))
                .max()
                .unwrap_or(0);
            ("`".repeat(longest.max(2) + 1), info)
        });
        if let Some((ticks, info)) = &fence {
            out.push_str(ticks);
            out.push_str(info);
            out.push('\n');
        }
        let mut dropped = false;
        for (unit, &kept) in self.units.iter().zip(keep) {
            if !kept {
                dropped = true;
                continue;
            }
            if unit.gap_before || dropped {
                out.push_str(ELISION);
                out.push('\n');
            }
            dropped = false;
            out.push_str(&unit.text);
            out.push('\n');
        }
        if dropped {
            out.push_str(ELISION);
            out.push('\n');
        }
        if let Some((ticks, _)) = &fence {
            out.push_str(ticks);
            out.push('\n');
        }
        out.truncate(out.trim_end_matches('\n').len());
        out
    }

    /// The section with the units marked in `keep`, and the redactions of those units.
    fn section(&self, keep: &[bool]) -> (Section, Vec<Redaction>) {
        let text = self.text(keep);
        let tokens = count_o200k(&Section::render_block(&self.title, &text));
        let redactions = self
            .units
            .iter()
            .zip(keep)
            .filter(|(_, kept)| **kept)
            .flat_map(|(unit, _)| unit.redactions.iter().cloned())
            .map(|mut redaction| {
                redaction.section = Some(self.kind);
                redaction
            })
            .collect();
        let section = Section {
            kind: self.kind,
            title: self.title.clone(),
            bytes: text.len(),
            text,
            tokens,
        };
        (section, redactions)
    }
}

fn longest_backtick_run(text: &str) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// The outcome of fitting all drafts.
pub(crate) struct Fitted {
    /// The kept sections, in the drafts' order.
    pub(crate) sections: Vec<Section>,
    pub(crate) cut: Vec<Cut>,
    /// The redactions of the kept sections, in their order.
    pub(crate) redactions: Vec<Redaction>,
    pub(crate) over_budget: bool,
}

/// A limit on one kind of section relative to others: it may take `percent` of the tokens the
/// sections of `of` took (which must come before it in priority), or `floor`, whichever is more.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cap {
    pub(crate) kind: SectionKind,
    pub(crate) of: &'static [SectionKind],
    pub(crate) percent: u64,
    pub(crate) floor: u64,
    /// Why, for the cut's record (`as many as the selection and its scope`).
    pub(crate) why: &'static str,
}

/// Fits `drafts` (in display order) into `budget` tokens, taking them in `priority` order:
/// each gets what the ones before it left. Kinds in `keep_whole` are never trimmed; when they
/// alone exceed the budget they are kept and the packet is marked over budget, with a cut of
/// zero tokens saying so. Drafts without units are left out without a cut (there was nothing).
pub(crate) fn fit(
    drafts: Vec<Draft>,
    budget: u64,
    priority: &[SectionKind],
    keep_whole: &[SectionKind],
    caps: &[Cap],
) -> Fitted {
    let mut remaining = budget;
    let mut over_budget = false;
    let mut cut = Vec::new();
    let mut kept: Vec<(usize, (Section, Vec<Redaction>))> = Vec::new();
    let mut order: Vec<usize> = (0..drafts.len()).collect();
    // Kinds missing from the priority list come last, in display order.
    order.sort_by_key(|&index| {
        priority
            .iter()
            .position(|kind| *kind == drafts[index].kind)
            .unwrap_or(priority.len())
    });
    for index in order {
        let draft = &drafts[index];
        if draft.units.is_empty() {
            continue;
        }
        let all = vec![true; draft.units.len()];
        let whole = draft.section(&all);
        let whole_tokens = whole.0.tokens;
        // What the section may take: what is left, or less under its cap.
        let cap = caps
            .iter()
            .find(|cap| cap.kind == draft.kind)
            .and_then(|cap| {
                let measure: u64 = kept
                    .iter()
                    .filter(|(_, (section, _))| cap.of.contains(&section.kind))
                    .map(|(_, (section, _))| section.tokens)
                    .sum();
                let limit = (measure * cap.percent / 100).max(cap.floor);
                (limit < remaining).then_some((limit, cap.why))
            });
        let (limit, bound) = match cap {
            Some((limit, why)) => (limit, format!("may take {limit}, {why}")),
            None => (
                remaining,
                format!("has the {remaining} tokens left after higher-priority sections"),
            ),
        };
        if whole_tokens <= limit {
            remaining -= whole_tokens;
            kept.push((index, whole));
            continue;
        }
        if cap.is_none() && keep_whole.contains(&draft.kind) {
            over_budget = true;
            cut.push(Cut {
                kind: draft.kind,
                dropped_tokens: 0,
                why: format!(
                    "over budget: kept whole, as it is never cut; it takes {} tokens and {} of the {} budget were left",
                    whole_tokens, remaining, budget
                ),
            });
            remaining = 0;
            kept.push((index, whole));
            continue;
        }
        match trim(draft, whole_tokens, limit) {
            Some((section, kept_units)) => {
                let tokens = section.0.tokens;
                cut.push(Cut {
                    kind: draft.kind,
                    dropped_tokens: whole_tokens.saturating_sub(tokens),
                    why: format!(
                        "trimmed: kept {kept_units} of {} {}: it takes {whole_tokens} tokens whole and {bound}",
                        draft.units.len(),
                        draft.unit_name
                    ),
                });
                remaining = remaining.saturating_sub(tokens);
                kept.push((index, section));
            }
            None => cut.push(Cut {
                kind: draft.kind,
                dropped_tokens: whole_tokens,
                why: format!("dropped: it takes {whole_tokens} tokens and {bound}"),
            }),
        }
    }
    kept.sort_by_key(|(index, _)| *index);
    let mut sections = Vec::with_capacity(kept.len());
    let mut redactions = Vec::new();
    for (_, (section, masked)) in kept {
        sections.push(section);
        redactions.extend(masked);
    }
    Fitted {
        sections,
        cut,
        redactions,
        over_budget,
    }
}

/// The draft with its lowest-ranked units dropped until it fits `limit`, and how many units
/// it kept; `None` when not even one unit fits.
///
/// The units' token counts (and the elision lines that dropping them adds) make an estimate,
/// so the section is counted exactly only a few times; the exact count has the last word.
fn trim(
    draft: &Draft,
    whole_tokens: u64,
    limit: u64,
) -> Option<((Section, Vec<Redaction>), usize)> {
    let count = draft.units.len();
    let mut drop_order: Vec<usize> = (0..count).collect();
    drop_order.sort_by_key(|&index| {
        (
            std::cmp::Reverse(draft.units[index].rank),
            std::cmp::Reverse(index),
        )
    });
    let mut keep = vec![true; count];
    let mut estimate = whole_tokens;
    let elision = count_o200k(ELISION) + 1;
    let mut next = 0;
    while estimate > limit && next < count {
        let index = drop_order[next];
        keep[index] = false;
        // A dropped unit next to no dropped one opens an elision line; one between two dropped
        // ones joins their elisions into one.
        let dropped_neighbours = [index.checked_sub(1), Some(index + 1)]
            .into_iter()
            .flatten()
            .filter(|&neighbour| keep.get(neighbour) == Some(&false))
            .count();
        estimate = estimate.saturating_sub(count_o200k(&draft.units[index].text) + 1);
        match dropped_neighbours {
            0 => estimate += elision,
            2 => estimate = estimate.saturating_sub(elision),
            _ => {}
        }
        next += 1;
    }
    loop {
        let kept_units = keep.iter().filter(|kept| **kept).count();
        if kept_units == 0 {
            return None;
        }
        let section = draft.section(&keep);
        if section.0.tokens <= limit {
            return Some((section, kept_units));
        }
        let index = *drop_order.get(next)?;
        keep[index] = false;
        next += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(kind: SectionKind, lines: &[&str]) -> Draft {
        Draft {
            kind,
            title: format!("{kind:?}"),
            fence: Some("text".to_owned()),
            units: lines
                .iter()
                .enumerate()
                .map(|(rank, line)| Unit::new((*line).to_owned(), rank as u64))
                .collect(),
            unit_name: "lines",
        }
    }

    #[test]
    fn drafts_render_with_fences_and_elisions() {
        let mut draft = draft(SectionKind::Outline, &["a", "b", "c", "has ``` inside"]);
        draft.units[2].gap_before = true;
        assert_eq!(
            draft.text(&[true, false, true, true]),
            "````text\na\n⋮\nc\nhas ``` inside\n````"
        );
        assert_eq!(
            draft.text(&[true, true, true, false]),
            "````text\na\nb\n⋮\nc\n⋮\n````"
        );
    }

    #[test]
    fn low_ranks_are_kept_and_the_order_decides_who_is_fitted_first() {
        let words: Vec<String> = (0..40).map(|i| format!("line number {i}")).collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let drafts = vec![
            draft(SectionKind::Outline, &words),
            draft(SectionKind::Selection, &["fn main() {}"]),
        ];
        let priority = [SectionKind::Selection, SectionKind::Outline];
        let fitted = fit(drafts, 60, &priority, &[SectionKind::Selection], &[]);
        assert!(!fitted.over_budget);
        assert_eq!(fitted.sections.len(), 2);
        assert_eq!(fitted.sections[0].kind, SectionKind::Outline);
        assert!(fitted.sections.iter().map(|s| s.tokens).sum::<u64>() <= 60);
        let outline = &fitted.sections[0].text;
        assert!(outline.starts_with("```text\nline number 0\nline number 1\n"));
        assert!(outline.ends_with("⋮\n```"), "{outline}");
        assert_eq!(fitted.cut.len(), 1);
        assert!(fitted.cut[0].why.starts_with("trimmed: kept "));
    }

    #[test]
    fn a_cap_holds_a_section_to_a_share_of_others_or_its_floor() {
        let lines: Vec<String> = (0..40).map(|i| format!("fn item_{i}()")).collect();
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let selection: Vec<String> = (0..10).map(|i| format!("let x{i} = {i};")).collect();
        let selection: Vec<&str> = selection.iter().map(String::as_str).collect();
        let cap = Cap {
            kind: SectionKind::Outline,
            of: &[SectionKind::Selection],
            percent: 50,
            floor: 10,
            why: "half what the selection takes",
        };
        let priority = [SectionKind::Selection, SectionKind::Outline];
        let fitted = fit(
            vec![
                draft(SectionKind::Selection, &selection),
                draft(SectionKind::Outline, &lines),
            ],
            10_000,
            &priority,
            &[],
            &[cap],
        );
        let tokens = |kind| {
            fitted
                .sections
                .iter()
                .find(|section| section.kind == kind)
                .map_or(0, |section| section.tokens)
        };
        let selection_tokens = tokens(SectionKind::Selection);
        assert!(tokens(SectionKind::Outline) <= selection_tokens / 2);
        assert!(tokens(SectionKind::Outline) > 0);
        assert_eq!(fitted.cut.len(), 1);
        assert!(
            fitted.cut[0].why.ends_with(&format!(
                "may take {}, half what the selection takes",
                selection_tokens / 2
            )),
            "{}",
            fitted.cut[0].why
        );
        // Under the floor nothing is cut, however small the others.
        let fitted = fit(
            vec![
                draft(SectionKind::Selection, &["x"]),
                draft(SectionKind::Outline, &["fn a()"]),
            ],
            10_000,
            &priority,
            &[],
            &[Cap { floor: 1000, ..cap }],
        );
        assert!(fitted.cut.is_empty());
    }

    #[test]
    fn what_must_stay_whole_stays_and_says_so() {
        let drafts = vec![
            draft(
                SectionKind::Selection,
                &["fn main() { println!(\"hello\"); }"],
            ),
            draft(SectionKind::Outline, &["fn main()"]),
        ];
        let priority = [SectionKind::Selection, SectionKind::Outline];
        let fitted = fit(drafts, 3, &priority, &[SectionKind::Selection], &[]);
        assert!(fitted.over_budget);
        assert_eq!(fitted.sections.len(), 1);
        assert_eq!(fitted.cut.len(), 2);
        assert_eq!(fitted.cut[0].dropped_tokens, 0);
        assert!(fitted.cut[0].why.starts_with("over budget"));
        assert!(fitted.cut[1].why.starts_with("dropped"));
    }
}

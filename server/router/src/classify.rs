//! The `ask` role: which role a free-form instruction is for, by fixed word rules (cheap, and
//! the same answer every time; no model is asked).
//!
//! An instruction about an image (a screenshot or mockup, or an image with a looking verb) is
//! for `vision`. Otherwise the earliest word that names a kind of task decides, because the
//! verb an instruction opens with is what it asks for: "check why X fails" is a review, "why
//! does X fail? fix it" a question, "add a check for X" an edit. With no such word, a question
//! (ending in `?`) is a `search` and anything else `implement`.

use crate::config::Role;

const REVIEW: &[&str] = &[
    "review",
    "reviews",
    "reviewing",
    "check",
    "checks",
    "checking",
    "audit",
    "audits",
    "auditing",
    "critique",
    "critic",
    "inspect",
    "inspecting",
    "vet",
    "proofread",
];
const SEARCH: &[&str] = &[
    "why",
    "where",
    "how",
    "what",
    "whats",
    "which",
    "who",
    "explain",
    "explains",
    "explaining",
    "explanation",
    "find",
    "finds",
    "finding",
    "locate",
    "search",
    "lookup",
    "understand",
    "summarize",
    "summarise",
    "describe",
];
const PLAN: &[&str] = &[
    "plan",
    "plans",
    "planning",
    "design",
    "designs",
    "designing",
    "architecture",
    "architect",
    "architectural",
    "outline",
    "roadmap",
    "strategy",
    "propose",
    "proposal",
];
const IMPLEMENT: &[&str] = &[
    "implement",
    "fix",
    "add",
    "write",
    "refactor",
    "rename",
    "change",
    "make",
    "create",
    "remove",
    "delete",
    "update",
    "convert",
    "move",
    "extract",
    "replace",
    "generate",
    "rewrite",
    "port",
    "optimize",
    "optimise",
    "build",
    "complete",
    "finish",
    "insert",
    "migrate",
    "simplify",
    "inline",
    "split",
    "merge",
    "test",
    "document",
];
/// Always about a picture: nobody edits a screenshot through a code editor.
const ALWAYS_VISUAL: &[&str] = &[
    "screenshot",
    "screenshots",
    "mockup",
    "mockups",
    "wireframe",
];
/// About a picture only with a looking verb ("resize the image" is an edit).
const PICTURE: &[&str] = &[
    "image", "images", "picture", "pictures", "photo", "photos", "diagram", "png", "jpg",
];
const LOOKING: &[&str] = &[
    "describe",
    "look",
    "see",
    "show",
    "shown",
    "read",
    "transcribe",
    "what",
    "whats",
    "in",
    "from",
    "match",
    "matches",
];

/// The role `instruction` is for (see the module docs for the rules).
pub fn classify(instruction: &str) -> Role {
    let lower = instruction.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |set: &[&str]| words.iter().any(|w| set.contains(w));
    if has(ALWAYS_VISUAL) || (has(PICTURE) && has(LOOKING)) {
        return Role::Vision;
    }
    for word in &words {
        for (set, role) in [
            (REVIEW, Role::Review),
            (PLAN, Role::Plan),
            (IMPLEMENT, Role::Implement),
            (SEARCH, Role::Search),
        ] {
            if set.contains(word) {
                return role;
            }
        }
    }
    // "Is this thread-safe?": a question with no task word still asks, not edits.
    if lower.trim_end().ends_with('?') {
        return Role::Search;
    }
    Role::Implement
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table() {
        let cases = [
            ("review this function", Role::Review),
            ("Please check the error handling here", Role::Review),
            ("audit for SQL injection", Role::Review),
            ("Check why the test fails", Role::Review),
            ("why does this panic?", Role::Search),
            ("Where is the config loaded?", Role::Search),
            ("how do I call this from Python", Role::Search),
            ("what does this regex match", Role::Search),
            ("explain this function", Role::Search),
            ("find the callers of parse_config", Role::Search),
            ("Explain the architecture of this module", Role::Search),
            ("plan the migration to tokio 2", Role::Plan),
            ("design a cache for these lookups", Role::Plan),
            ("propose an architecture for plugins", Role::Plan),
            ("describe this screenshot", Role::Vision),
            ("implement the layout in the mockup", Role::Vision),
            ("what is in this image?", Role::Vision),
            ("resize the image to 64px", Role::Implement),
            ("add a check for null", Role::Implement),
            ("fix the off-by-one; why did it happen?", Role::Implement),
            ("rename foo to bar", Role::Implement),
            ("write tests for parse", Role::Implement),
            ("use a BTreeMap here", Role::Implement),
            ("", Role::Implement),
            ("However it is written, make it faster", Role::Implement),
            ("REVIEW", Role::Review),
            ("Is this thread-safe?", Role::Search),
        ];
        let mut wrong = Vec::new();
        for (instruction, role) in cases {
            let got = classify(instruction);
            if got != role {
                wrong.push(format!("{instruction:?}: {got}, expected {role}"));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }
}

//! The sample texts the benchmarks edit: deterministic Rust source of a given number of lines or
//! bytes, with non-ASCII text (accents, CJK, emoji beyond the BMP) in comments and strings so that
//! utf-16, utf-8 and char columns really differ.
//!
//! The text holds no char literals and no raw strings, so that the identifier edits of
//! [`crate::edits`] keep it free of syntax errors (see that module for why that matters).

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// Words the generated names are made of.
const WORDS: [&str; 16] = [
    "alpha", "bravo", "cache", "delta", "entry", "frame", "graph", "index", "jolly", "kernel",
    "ledger", "merge", "node", "order", "price", "queue",
];

/// Comments with text outside ASCII: `ü` and `—` are 2 and 3 bytes but one utf-16 unit, `🦀` and
/// `𝔘` are 4 bytes and two utf-16 units.
const NOTES: [&str; 6] = [
    "Größe des Puffers — in Einträgen",
    "keeps the 🦀 happy: counts never go below zero",
    "価格は税込みで計算する",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 beyond the BMP makes utf-16 columns differ from chars",
    "naïve café résumé, but the maths is exact",
    "plain ASCII note about the ordering of entries",
];

/// Rust source of exactly `lines` lines, each ending in `\n`; the same `seed` gives the same text.
pub fn rust_lines(lines: usize, seed: u64) -> String {
    let mut out = Generator::new(seed);
    out.header();
    while out.lines < lines {
        let left = lines - out.lines;
        // A module holds a handful of items, so that the tree has some depth.
        if left > 200 {
            out.module(left - 1);
        } else if !out.item(left) {
            out.filler(left);
        }
    }
    out.text
}

/// Rust source of at least `bytes` bytes (within a block of it); the same `seed` gives the same
/// text.
pub fn rust_bytes(bytes: usize, seed: u64) -> String {
    let mut out = Generator::new(seed);
    out.header();
    while out.text.len() < bytes {
        out.module(usize::MAX);
    }
    out.text
}

struct Generator {
    rng: StdRng,
    text: String,
    lines: usize,
    items: usize,
}

impl Generator {
    fn new(seed: u64) -> Self {
        Generator {
            rng: StdRng::seed_from_u64(seed),
            text: String::new(),
            lines: 0,
            items: 0,
        }
    }

    fn push(&mut self, block: &str) {
        self.lines += block.matches('\n').count();
        self.text.push_str(block);
    }

    fn word(&mut self) -> &'static str {
        WORDS[self.rng.random_range(0..WORDS.len())]
    }

    fn note(&mut self) -> &'static str {
        NOTES[self.rng.random_range(0..NOTES.len())]
    }

    fn header(&mut self) {
        self.push(
            "//! Generated sample for switchboard's benchmarks: plain, valid Rust.\n\n\
             use std::collections::HashMap;\nuse std::fmt;\n\n",
        );
    }

    /// A module of up to eight items, within `max_lines` lines.
    fn module(&mut self, max_lines: usize) {
        let name = format!("{}_{}", self.word(), self.items);
        self.push(&format!("pub mod {name} {{\n    use super::*;\n\n"));
        let budget = max_lines.saturating_sub(4);
        let start = self.lines;
        for _ in 0..8 {
            let used = self.lines - start;
            if !self.item(budget.saturating_sub(used)) {
                break;
            }
        }
        self.push("}\n\n");
    }

    /// One item of a random kind if it fits in `max_lines`; whether one was written.
    fn item(&mut self, max_lines: usize) -> bool {
        let block = match self.rng.random_range(0..3) {
            0 => self.record(),
            1 => self.choice(),
            _ => self.function(),
        };
        if block.matches('\n').count() > max_lines {
            return false;
        }
        self.items += 1;
        self.push(&block);
        true
    }

    fn filler(&mut self, lines: usize) {
        for i in 0..lines {
            self.push(&format!("// filler line {i}: {}\n", NOTES[i % NOTES.len()]));
        }
    }

    /// A struct and its impl: about 30 lines.
    fn record(&mut self) -> String {
        let n = self.items;
        let (a, b, note) = (self.word(), self.word(), self.note());
        let k: u32 = self.rng.random_range(2..1000);
        format!(
            "/// {note} ({n}).\n\
             #[derive(Debug, Clone, Default)]\n\
             pub struct Item{n} {{\n    pub {a}_name: String,\n    pub {b}_count: u64,\n    pub ratio: f64,\n}}\n\n\
             impl Item{n} {{\n\
             \x20   /// {note}\n\
             \x20   pub fn new(name: &str, count: u64) -> Self {{\n\
             \x20       let label = format!(\"{{name}}-{{count}} ✓ {a}\");\n\
             \x20       let ratio = if count > {k} {{ count as f64 / {k}.0 }} else {{ 0.5 }};\n\
             \x20       Self {{ {a}_name: label, {b}_count: count, ratio }}\n\
             \x20   }}\n\n\
             \x20   pub fn step(&mut self, by: u64) -> u64 {{\n\
             \x20       for i in 0..by {{\n\
             \x20           if i % 3 == 0 {{\n\
             \x20               self.{b}_count += i;\n\
             \x20           }} else {{\n\
             \x20               self.{b}_count = self.{b}_count.saturating_sub(1);\n\
             \x20           }}\n\
             \x20       }}\n\
             \x20       self.{b}_count\n\
             \x20   }}\n\
             }}\n\n\
             impl fmt::Display for Item{n} {{\n\
             \x20   fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {{\n\
             \x20       write!(f, \"{{}} × {{}} — {{:.2}}\", self.{a}_name, self.{b}_count, self.ratio)\n\
             \x20   }}\n\
             }}\n\n"
        )
    }

    /// An enum and a function matching on it: about 20 lines.
    fn choice(&mut self) -> String {
        let n = self.items;
        let (a, b, c, note) = (self.word(), self.word(), self.word(), self.note());
        let k: u32 = self.rng.random_range(1..100);
        format!(
            "/// {note}\n\
             #[derive(Debug, Clone, Copy, PartialEq, Eq)]\n\
             pub enum Kind{n} {{\n    First,\n    Second(u32),\n    Third {{ {a}: u32, {b}: u32 }},\n}}\n\n\
             pub fn weigh_{c}_{n}(kind: Kind{n}, table: &HashMap<u32, u32>) -> u32 {{\n\
             \x20   // {note}\n\
             \x20   match kind {{\n\
             \x20       Kind{n}::First => {k},\n\
             \x20       Kind{n}::Second(x) => x.wrapping_mul({k}) + table.get(&x).copied().unwrap_or(0),\n\
             \x20       Kind{n}::Third {{ {a}, {b} }} => {{\n\
             \x20           let total = {a} + {b};\n\
             \x20           total / {k}\n\
             \x20       }}\n\
             \x20   }}\n\
             }}\n\n"
        )
    }

    /// A free function with a loop and a string: about 14 lines.
    fn function(&mut self) -> String {
        let n = self.items;
        let (a, b, note) = (self.word(), self.word(), self.note());
        let k: u32 = self.rng.random_range(1..50);
        format!(
            "/// {note}\n\
             pub fn {a}_{b}_{n}(values: &[u64], limit: u64) -> Vec<String> {{\n\
             \x20   let mut out = Vec::with_capacity(values.len());\n\
             \x20   for (i, value) in values.iter().enumerate() {{\n\
             \x20       if *value > limit {{\n\
             \x20           out.push(format!(\"{{i}}: {{value}} is over the limit « {a} »\"));\n\
             \x20       }} else if value % {k} == 0 {{\n\
             \x20           out.push(String::from(\"{note}\"));\n\
             \x20       }}\n\
             \x20   }}\n\
             \x20   out\n\
             }}\n\n"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_as_asked() {
        let text = rust_lines(20_000, 7);
        assert_eq!(text.lines().count(), 20_000);
        assert!(text.ends_with('\n'));
        assert_eq!(text, rust_lines(20_000, 7), "deterministic");
        let big = rust_bytes(1 << 20, 3);
        assert!(big.len() >= 1 << 20 && big.len() < (1 << 20) + 16_000);
    }

    #[test]
    fn the_text_parses_without_errors() {
        let grammar = syntax::grammar_for_language_id("rust").expect("a rust grammar");
        for text in [rust_lines(3_000, 1), rust_lines(157, 2)] {
            let rope = ropey::Rope::from_str(&text);
            let tree = syntax::SyntaxTree::parse(grammar, &rope, std::time::Duration::MAX)
                .expect("parses");
            assert!(!tree.has_errors(), "{}", &text[..500]);
        }
    }
}

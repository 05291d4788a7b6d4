//! P6: how much of a file an action sends. For each function and method of a sample of Rust
//! sources, the context packet of an empty selection on its name (as a code action on the
//! cursor asks for it) is built in process, exactly as a job builds it (the server's 24,000-token
//! cap, secrets masked, definitions from a workspace index of the sample), and its tokens are
//! divided by the o200k tokens of the whole file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use tasks::context::{PacketInput, SectionKind, WorkspaceIndex, build_packet};

use crate::stats;

/// A job's packet budget when the model's window is large (`tasks::job`'s `MAX_PACKET_TOKENS`).
const PACKET_BUDGET: u64 = 24_000;

/// What P6 found.
#[derive(Debug, Clone, PartialEq)]
pub struct PacketFigures {
    pub files: usize,
    pub actions: usize,
    /// Packet tokens over file tokens, per action.
    pub median: f64,
    pub p99: f64,
    /// All packets' tokens over the files' tokens, summed over actions.
    pub aggregate: f64,
    /// Actions whose packet kept the enclosing scope, the outline, and the imports (when the
    /// file has any).
    pub kept_all: usize,
    /// Actions whose packet had a section trimmed or dropped.
    pub cut: usize,
    /// Tokens sent per kind of section, summed over actions, largest first.
    pub by_section: Vec<(SectionKind, u64)>,
}

/// The `.rs` files under `root/server/*/src`, sorted.
///
/// # Errors
/// When `root/server` cannot be read.
pub fn sample_files(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let server = root.join("server");
    let mut files = Vec::new();
    for entry in
        std::fs::read_dir(&server).with_context(|| format!("cannot read {}", server.display()))?
    {
        collect_rust(&entry?.path().join("src"), &mut files);
    }
    files.sort();
    Ok(files)
}

fn collect_rust(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.flatten().map(|entry| entry.path()) {
        if path.is_dir() {
            collect_rust(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// Builds a packet per function of each file under `root/server/*/src`; with `workspace`,
/// definitions are looked up in an index of `root/server`, as the server looks them up in its
/// workspace folders; without, only the file itself is used.
///
/// # Errors
/// When the sample cannot be read or parsed, or holds no function.
pub fn measure(root: &Path, workspace: bool) -> anyhow::Result<PacketFigures> {
    let files = sample_files(root)?;
    let grammar = syntax::grammar_for_language_id("rust").context("no Rust grammar")?;
    let index = workspace.then(|| WorkspaceIndex::build(&[root.join("server")], &[]));
    let mut by_section: BTreeMap<SectionKind, u64> = BTreeMap::new();
    let (mut ratios, mut sent, mut whole) = (Vec::new(), 0u64, 0u64);
    let (mut kept_all, mut cut) = (0, 0);
    for path in &files {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let file_tokens = router::count_o200k(&text);
        if file_tokens == 0 {
            continue;
        }
        let rope = text::Rope::from_str(&text);
        let tree = syntax::SyntaxTree::parse(grammar, &rope, Duration::MAX)?;
        let has_imports = !tree.imports(&rope).is_empty();
        let relative = path.strip_prefix(root).unwrap_or(path).to_string_lossy();
        for item in tree.outline(&rope) {
            if !matches!(
                item.kind,
                syntax::SymbolKind::Function | syntax::SymbolKind::Method
            ) {
                continue;
            }
            let cursor = item.name_bytes.map_or(item.bytes.start, |name| name.start);
            let packet = build_packet(&PacketInput {
                role: router::Role::Implement,
                path: &relative,
                language_id: "rust",
                rope: &rope,
                tree: Some(&tree),
                selection: cursor..cursor,
                diagnostics: &[],
                open_documents: &[],
                workspace: index.as_ref(),
                plan: None,
                instruction: None,
                token_budget: PACKET_BUDGET,
                redact_secrets: true,
            });
            let kept = |kind| packet.section(kind).is_some();
            if kept(SectionKind::EnclosingScope)
                && kept(SectionKind::Outline)
                && (!has_imports || kept(SectionKind::Imports))
            {
                kept_all += 1;
            }
            cut += usize::from(!packet.cut.is_empty());
            for section in &packet.sections {
                *by_section.entry(section.kind).or_default() += section.tokens;
            }
            ratios.push(packet.tokens as f64 / file_tokens as f64);
            sent += packet.tokens;
            whole += file_tokens;
        }
    }
    let (median, p99) = stats::quantiles(&ratios).context("the sample holds no function")?;
    Ok(PacketFigures {
        files: files.len(),
        actions: ratios.len(),
        median,
        p99,
        aggregate: sent as f64 / whole as f64,
        kept_all,
        cut,
        by_section: {
            let mut totals: Vec<_> = by_section.into_iter().collect();
            totals.sort_by_key(|&(_, tokens)| std::cmp::Reverse(tokens));
            totals
        },
    })
}

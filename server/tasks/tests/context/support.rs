//! What the context tests share: Rust and Python fixtures, parsed documents, workspaces on
//! disk, and ways to show a packet.

pub use std::time::Duration;

pub use expect_test::{Expect, expect};
pub use ropey::Rope;
pub use router::Role;
pub use syntax::{SyntaxTree, grammar_for_language_id};
pub use tasks::context::{
    DiagnosticNote, NEVER_CUT, OpenDocument, PRIORITY, Packet, PacketInput, Section, SectionKind,
    Templates, WorkspaceIndex, build_packet, excluded, path_label, render, resolve_label,
};

pub const SHAPES_RS: &str = r#"use std::collections::HashMap;
use std::fmt;

use crate::geometry::{Point, Rectangle};

/// Shapes that can be drawn.
pub trait Shape {
    fn area(&self) -> f64;
    fn name(&self) -> &str;
}

pub struct Circle {
    pub center: Point,
    pub radius: f64,
}

impl Shape for Circle {
    fn area(&self) -> f64 {
        std::f64::consts::PI * self.radius * self.radius
    }

    fn name(&self) -> &str {
        "circle"
    }
}

pub fn total_area(shapes: &[Box<dyn Shape>]) -> f64 {
    let mut total = 0.0;
    for shape in shapes {
        total += shape.area();
    }
    total
}

pub fn bounding_box(points: &[Point]) -> Option<Rectangle> {
    let first = points.first()?;
    let (mut min, mut max) = (*first, *first);
    for point in points {
        min.x = min.x.min(point.x);
        min.y = min.y.min(point.y);
        max.x = max.x.max(point.x);
        max.y = max.y.max(point.y);
    }
    Some(Rectangle::from_corners(min, max))
}

pub fn histogram(names: &[&str]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for name in names {
        *counts.entry(name.to_string()).or_insert(0) += 1;
    }
    counts
}
"#;

pub const GEOMETRY_RS: &str = r#"//! Points and rectangles.

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rectangle {
    pub min: Point,
    pub max: Point,
}

impl Rectangle {
    pub fn from_corners(a: Point, b: Point) -> Rectangle {
        Rectangle { min: a, max: b }
    }
}
"#;

pub const POLYGON_PY: &str = r#"import math
from dataclasses import dataclass
from typing import Iterable


@dataclass
class Point:
    x: float
    y: float


class Polygon:
    """A closed shape."""

    def __init__(self, points: list[Point]):
        self.points = points

    def perimeter(self) -> float:
        total = 0.0
        for a, b in zip(self.points, self.points[1:] + self.points[:1]):
            total += math.dist((a.x, a.y), (b.x, b.y))
        return total

    def area(self) -> float:
        return 0.0


def largest(polygons: Iterable[Polygon]) -> Polygon | None:
    return max(polygons, key=lambda p: p.perimeter(), default=None)
"#;

/// A parsed document.
pub struct Doc {
    pub path: &'static str,
    pub language_id: &'static str,
    pub rope: Rope,
    pub tree: SyntaxTree,
}

impl Doc {
    pub fn new(path: &'static str, language_id: &'static str, text: &str) -> Doc {
        let rope = Rope::from_str(text);
        let grammar = grammar_for_language_id(language_id).expect("a grammar");
        let tree = SyntaxTree::parse(grammar, &rope, Duration::MAX).expect("parses");
        Doc {
            path,
            language_id,
            rope,
            tree,
        }
    }

    pub fn open(&self) -> OpenDocument<'_> {
        OpenDocument {
            path: self.path,
            language_id: self.language_id,
            rope: &self.rope,
            tree: Some(&self.tree),
        }
    }

    /// A packet input over this document with a generous budget and nothing else.
    pub fn input(&self, selection: std::ops::Range<usize>) -> PacketInput<'_> {
        PacketInput {
            role: Role::Implement,
            path: self.path,
            language_id: self.language_id,
            rope: &self.rope,
            tree: Some(&self.tree),
            selection,
            diagnostics: &[],
            open_documents: &[],
            workspace: None,
            plan: None,
            instruction: None,
            token_budget: 100_000,
            redact_secrets: true,
        }
    }
}

/// The bytes of the first occurrence of `needle` in `text`.
pub fn find(text: &str, needle: &str) -> std::ops::Range<usize> {
    let start = text.find(needle).expect("the needle is in the fixture");
    start..start + needle.len()
}

/// Everything a packet holds, as text for snapshots.
pub fn show(packet: &Packet) -> String {
    let over = if packet.over_budget {
        ", over budget"
    } else {
        ""
    };
    let (lines, tokens, budget) = (packet.lines(), packet.tokens, packet.budget);
    let mut out = format!(
        "selection {:?}, lines {lines}, {tokens} of {budget} tokens{over}\n",
        packet.selection
    );
    for section in &packet.sections {
        let (kind, tokens) = (section.kind, section.tokens);
        out += &format!("\n[{kind:?}, {tokens} tokens]\n{}", section.render());
    }
    for cut in &packet.cut {
        out += &format!("\ncut {:?}: {}: {}", cut.kind, cut.dropped_tokens, cut.why);
    }
    out
}

/// A diagnostic on a 1-based line.
pub fn note(line: u32, severity: &str, message: &str, source: Option<&str>) -> DiagnosticNote {
    let (severity, message) = (severity.to_owned(), message.to_owned());
    let source = source.map(str::to_owned);
    DiagnosticNote {
        line,
        severity,
        message,
        source,
    }
}

/// A kept section of a packet.
pub fn section(packet: &Packet, kind: SectionKind) -> &Section {
    let found = packet.section(kind);
    found.unwrap_or_else(|| panic!("the packet has no {kind:?} section"))
}

pub fn check(packet: &Packet, expected: Expect) {
    expected.assert_eq(&show(packet));
}

/// A workspace on disk: `(path, contents)` pairs under a fresh directory.
pub fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (path, contents) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("files are in a directory"))
            .expect("directories can be made");
        std::fs::write(path, contents).expect("files can be written");
    }
    dir
}

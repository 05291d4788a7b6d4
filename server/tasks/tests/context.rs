//! Context packets end to end: Rust and Python fixtures, enlarging an empty selection, budget
//! trimming and its record, definitions from open documents and the workspace index, secrets
//! masked everywhere, and excluded files never read. (The size of a packet against its file,
//! plain text and prompt rendering are tested beside the code, in `src/context/`.)

use std::time::Duration;

use expect_test::{Expect, expect};
use ropey::Rope;
use router::Role;
use syntax::{SyntaxTree, grammar_for_language_id};
use tasks::context::{
    DiagnosticNote, NEVER_CUT, OpenDocument, PRIORITY, Packet, PacketInput, Section, SectionKind,
    Templates, WorkspaceIndex, build_packet, excluded, render,
};

const SHAPES_RS: &str = r#"use std::collections::HashMap;
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

const GEOMETRY_RS: &str = r#"//! Points and rectangles.

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

const POLYGON_PY: &str = r#"import math
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
struct Doc {
    path: &'static str,
    language_id: &'static str,
    rope: Rope,
    tree: SyntaxTree,
}

impl Doc {
    fn new(path: &'static str, language_id: &'static str, text: &str) -> Doc {
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

    fn open(&self) -> OpenDocument<'_> {
        OpenDocument {
            path: self.path,
            language_id: self.language_id,
            rope: &self.rope,
            tree: Some(&self.tree),
        }
    }

    /// A packet input over this document with a generous budget and nothing else.
    fn input(&self, selection: std::ops::Range<usize>) -> PacketInput<'_> {
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
fn find(text: &str, needle: &str) -> std::ops::Range<usize> {
    let start = text.find(needle).expect("the needle is in the fixture");
    start..start + needle.len()
}

/// Everything a packet holds, as text for snapshots.
fn show(packet: &Packet) -> String {
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
fn note(line: u32, severity: &str, message: &str, source: Option<&str>) -> DiagnosticNote {
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
fn section(packet: &Packet, kind: SectionKind) -> &Section {
    let found = packet.section(kind);
    found.unwrap_or_else(|| panic!("the packet has no {kind:?} section"))
}

fn check(packet: &Packet, expected: Expect) {
    expected.assert_eq(&show(packet));
}

#[test]
fn a_rust_packet_has_every_section() {
    let shapes = Doc::new("src/shapes.rs", "rust", SHAPES_RS);
    let geometry = Doc::new("src/geometry.rs", "rust", GEOMETRY_RS);
    let open = [geometry.open()];
    let diagnostics = [
        note(
            40,
            "warning",
            "value assigned to `min` is never read",
            Some("rustc"),
        ),
        note(3, "error", "not on the selection", None),
    ];
    // The body of `bounding_box`, whole lines.
    let start = find(SHAPES_RS, "    let first = points.first()?;").start;
    let end = find(SHAPES_RS, "    Some(Rectangle::from_corners(min, max))\n").end;
    let selection = start..end;
    let input = PacketInput {
        diagnostics: &diagnostics,
        open_documents: &open,
        instruction: Some("Skip the first point, it is already counted."),
        ..shapes.input(selection)
    };
    check(
        &build_packet(&input),
        expect![[r#"
        selection 648..948, lines 36-44, 448 of 100000 tokens

        [Instruction, 13 tokens]
        ## Instruction
        Skip the first point, it is already counted.

        [Imports, 35 tokens]
        ## Imports of src/shapes.rs
        ```rust
        use std::collections::HashMap;
        use std::fmt;
        use crate::geometry::{Point, Rectangle};
        ```

        [Outline, 141 tokens]
        ## Outline of src/shapes.rs (signatures only)
        ```rust
         7 | pub trait Shape
         8 |     fn area(&self) -> f64;
         9 |     fn name(&self) -> &str;
        12 | pub struct Circle
        17 | impl Shape for Circle
        18 |     fn area(&self) -> f64
        22 |     fn name(&self) -> &str
        27 | pub fn total_area(shapes: &[Box<dyn Shape>]) -> f64
        35 | pub fn bounding_box(points: &[Point]) -> Option<Rectangle>
        47 | pub fn histogram(names: &[&str]) -> HashMap<String, usize>
        ```

        [Definitions, 64 tokens]
        ## Definitions the selection uses
        src/geometry.rs:10 (struct Rectangle)
            pub struct Rectangle {
                pub min: Point,
                pub max: Point,
            }
        src/geometry.rs:16 (method from_corners)
            pub fn from_corners(a: Point, b: Point) -> Rectangle

        [EnclosingScope, 51 tokens]
        ## Enclosing function `bounding_box` in src/shapes.rs
        ```rust
        35 | pub fn bounding_box(points: &[Point]) -> Option<Rectangle> {
           | [the selection, lines 36-44]
        45 | }
        ```

        [Selection, 119 tokens]
        ## Selection: src/shapes.rs:36-44
        ```rust
        36 |     let first = points.first()?;
        37 |     let (mut min, mut max) = (*first, *first);
        38 |     for point in points {
        39 |         min.x = min.x.min(point.x);
        40 |         min.y = min.y.min(point.y);
        41 |         max.x = max.x.max(point.x);
        42 |         max.y = max.y.max(point.y);
        43 |     }
        44 |     Some(Rectangle::from_corners(min, max))
        ```

        [Diagnostics, 25 tokens]
        ## Diagnostics on the selection
        line 40, warning (rustc): value assigned to `min` is never read
    "#]],
    );
}

#[test]
fn a_python_packet_enlarges_an_empty_selection_to_the_method() {
    let polygon = Doc::new("geo/polygon.py", "python", POLYGON_PY);
    let cursor = find(POLYGON_PY, "total += math").start;
    let packet = build_packet(&PacketInput {
        role: Role::Review,
        instruction: Some("Is this right for an open polyline?"),
        ..polygon.input(cursor..cursor)
    });
    check(
        &packet,
        expect![[r#"
        selection 245..447, lines 18-22, 283 of 100000 tokens

        [Instruction, 12 tokens]
        ## Instruction
        Is this right for an open polyline?

        [Imports, 28 tokens]
        ## Imports of geo/polygon.py
        ```python
        import math
        from dataclasses import dataclass
        from typing import Iterable
        ```

        [Outline, 72 tokens]
        ## Outline of geo/polygon.py (signatures only)
        ```python
         6 | @dataclass class Point:
        12 | class Polygon:
        15 |     def __init__(self, points: list[Point]):
        24 |     def area(self) -> float:
        28 | def largest(polygons: Iterable[Polygon]) -> Polygon | None:
        ```

        [EnclosingScope, 84 tokens]
        ## Enclosing class `Polygon` in geo/polygon.py
        ```python
        12 | class Polygon:
        ⋮
        15 |     def __init__(self, points: list[Point]):
        16 |         self.points = points
        17 |
           | [the selection, lines 18-22]
        23 |
        24 |     def area(self) -> float:
        25 |         return 0.0
        ```

        [Selection, 87 tokens]
        ## Selection: geo/polygon.py:18-22
        ```python
        18 |     def perimeter(self) -> float:
        19 |         total = 0.0
        20 |         for a, b in zip(self.points, self.points[1:] + self.points[:1]):
        21 |             total += math.dist((a.x, a.y), (b.x, b.y))
        22 |         return total
        ```
    "#]],
    );
}

#[test]
fn an_empty_selection_becomes_the_enclosing_function() {
    let shapes = Doc::new("src/shapes.rs", "rust", SHAPES_RS);
    let cursor = find(SHAPES_RS, "total += shape.area()").start + 3;
    let packet = build_packet(&shapes.input(cursor..cursor));
    let function = find(
        SHAPES_RS,
        "pub fn total_area(shapes: &[Box<dyn Shape>]) -> f64 {\n    let mut total = 0.0;\n    for shape in shapes {\n        total += shape.area();\n    }\n    total\n}",
    );
    assert_eq!(packet.selection, function);
    assert_eq!((packet.first_line, packet.last_line), (27, 33));
    let selection = section(&packet, SectionKind::Selection);
    assert_eq!(selection.title, "Selection: src/shapes.rs:27-33");
    assert!(selection.text.contains("27 | pub fn total_area("));
    assert!(selection.text.contains("33 | }"));
    // The scope of a top-level function is the lines around it, not the file.
    let scope = section(&packet, SectionKind::EnclosingScope);
    assert_eq!(scope.title, "Lines around the selection in src/shapes.rs");
    assert!(!scope.text.contains("histogram"));
    // The function is the selection, so the outline leaves it out.
    let outline = section(&packet, SectionKind::Outline);
    assert!(!outline.text.contains("total_area"));
    assert!(
        outline
            .text
            .contains("pub fn histogram(names: &[&str]) -> HashMap<String, usize>")
    );

    // Inside a method, the method; at top level, the line of the cursor.
    let cursor = find(SHAPES_RS, "\"circle\"").start;
    let packet = build_packet(&shapes.input(cursor..cursor));
    assert_eq!(
        &SHAPES_RS[packet.selection.clone()],
        "    fn name(&self) -> &str {\n        \"circle\"\n    }"
    );
    let scope = section(&packet, SectionKind::EnclosingScope);
    assert_eq!(scope.title, "Enclosing impl `Circle` in src/shapes.rs");
    let cursor = find(SHAPES_RS, "use std::fmt;").start + 2;
    let packet = build_packet(&shapes.input(cursor..cursor));
    assert_eq!(&SHAPES_RS[packet.selection.clone()], "use std::fmt;");
}

#[test]
fn the_budget_is_spent_in_priority_order_and_every_cut_is_recorded() {
    let shapes = Doc::new("src/shapes.rs", "rust", SHAPES_RS);
    let geometry = Doc::new("src/geometry.rs", "rust", GEOMETRY_RS);
    let open = [geometry.open()];
    let plan = "1. Start from the first point.\n2. Fold the rest into min and max.\n3. Return the rectangle.";
    let selection = find(SHAPES_RS, "    Some(Rectangle::from_corners(min, max))");
    let diagnostics = [note(44, "error", "mismatched types", None)];
    let base = PacketInput {
        diagnostics: &diagnostics,
        open_documents: &open,
        plan: Some(plan),
        instruction: Some("Implement step 2 of the plan."),
        ..shapes.input(selection)
    };
    let full = build_packet(&base);
    assert!(full.cut.is_empty(), "{:?}", full.cut);
    let tokens = |kind: SectionKind| full.section(kind).map_or(0, |section| section.tokens);
    for kind in PRIORITY {
        assert!(tokens(kind) > 0, "{kind:?} is in the full packet");
    }

    // Room for everything but part of the outline: the definitions (last) are dropped, the
    // outline trimmed, and everything before them whole.
    let before_outline: u64 = PRIORITY[..6].iter().map(|kind| tokens(*kind)).sum();
    let budget = before_outline + tokens(SectionKind::Outline) / 2;
    let packet = build_packet(&PacketInput {
        token_budget: budget,
        ..base.clone()
    });
    assert!(packet.tokens <= budget, "{} > {budget}", packet.tokens);
    assert!(!packet.over_budget);
    for kind in &PRIORITY[..6] {
        assert_eq!(
            packet.section(*kind).map(|section| section.tokens),
            Some(tokens(*kind)),
            "{kind:?} is whole"
        );
    }
    let cuts: Vec<(SectionKind, bool)> = packet
        .cut
        .iter()
        .map(|cut| (cut.kind, cut.why.starts_with("trimmed")))
        .collect();
    assert_eq!(
        cuts,
        [
            (SectionKind::Outline, true),
            (SectionKind::Definitions, false)
        ]
    );
    let outline = section(&packet, SectionKind::Outline);
    assert!(outline.text.contains('⋮'));
    // The outline keeps the top-level items longest.
    assert!(outline.text.contains("pub fn histogram"));
    assert!(!outline.text.contains("pub radius"));
    assert_eq!(
        packet.cut[1].dropped_tokens,
        tokens(SectionKind::Definitions)
    );

    // Room for the instruction and the selection only.
    let budget = tokens(SectionKind::Instruction) + tokens(SectionKind::Selection) + 2;
    let packet = build_packet(&PacketInput {
        token_budget: budget,
        ..base.clone()
    });
    let kept: Vec<SectionKind> = packet.sections.iter().map(|section| section.kind).collect();
    assert_eq!(kept, [SectionKind::Instruction, SectionKind::Selection]);
    let cut: Vec<SectionKind> = packet.cut.iter().map(|cut| cut.kind).collect();
    assert_eq!(cut, PRIORITY[2..]);
    assert!(packet.cut.iter().all(|cut| cut.why.starts_with("dropped")));

    // Less than the selection alone: it is kept whole, and the packet says it is over budget.
    let packet = build_packet(&PacketInput {
        token_budget: 5,
        ..base.clone()
    });
    assert!(packet.over_budget);
    let selection = section(&packet, SectionKind::Selection);
    assert_eq!(selection.tokens, tokens(SectionKind::Selection));
    let over: Vec<SectionKind> = packet
        .cut
        .iter()
        .filter(|cut| cut.dropped_tokens == 0 && cut.why.starts_with("over budget"))
        .map(|cut| cut.kind)
        .collect();
    assert_eq!(over, NEVER_CUT, "{:?}", packet.cut);

    // A trace records sizes and cuts, never the text.
    let json = serde_json::to_value(&packet).expect("a packet serializes");
    let sections = json["sections"].as_array().expect("sections");
    assert!(sections.iter().all(|section| section.get("text").is_none()));
    assert!(!json.to_string().contains("min.x"));
    assert_eq!(json["over_budget"], true);
}

/// A workspace on disk: `(path, contents)` pairs under a fresh directory.
fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (path, contents) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("files are in a directory"))
            .expect("directories can be made");
        std::fs::write(path, contents).expect("files can be written");
    }
    dir
}

#[test]
fn definitions_come_from_open_documents_first_then_the_workspace() {
    let dir = workspace(&[
        // On disk, `from_corners` has an older signature than in the open editor.
        (
            "src/geometry.rs",
            "pub struct Rectangle;\nimpl Rectangle {\n    pub fn from_corners(old: u8) {}\n}\n",
        ),
        (
            "src/units.rs",
            "/// Metres.\npub type Metres = f64;\n\npub fn to_feet(m: Metres) -> f64 {\n    m * 3.28084\n}\n",
        ),
        (
            "docs/notes.md",
            "# to_feet\n\nA section, not a definition.\n",
        ),
    ]);
    let index = WorkspaceIndex::build(&[dir.path().to_path_buf()], &[]);
    assert_eq!(index.file_count(), 3);
    let found = index.lookup("to_feet");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (
            found[0].path.as_str(),
            found[0].line,
            found[0].signature.as_str()
        ),
        ("src/units.rs", 4, "pub fn to_feet(m: Metres) -> f64")
    );
    let metres = index.lookup("Metres");
    assert_eq!(metres[0].kind, "type");

    let source = "use crate::geometry::Rectangle;\n\nfn span(a: Point, b: Point) -> f64 {\n    let r = Rectangle::from_corners(a, b);\n    to_feet(r.max.x - r.min.x)\n}\n";
    let doc = Doc::new("src/span.rs", "rust", source);
    let geometry = Doc::new("src/geometry.rs", "rust", GEOMETRY_RS);
    let open = [geometry.open()];
    let packet = build_packet(&PacketInput {
        open_documents: &open,
        workspace: Some(&index),
        ..doc.input(find(source, "fn span").start..source.len())
    });
    let definitions = section(&packet, SectionKind::Definitions);
    expect![[r#"
        src/geometry.rs:4 (struct Point)
            pub struct Point {
                pub x: f64,
                pub y: f64,
            }
        src/geometry.rs:10 (struct Rectangle)
            pub struct Rectangle {
                pub min: Point,
                pub max: Point,
            }
        src/geometry.rs:16 (method from_corners)
            pub fn from_corners(a: Point, b: Point) -> Rectangle
        src/units.rs:4 (function to_feet)
            pub fn to_feet(m: Metres) -> f64"#]]
    .assert_eq(&definitions.text);
}

#[test]
fn a_name_declared_all_over_the_workspace_is_not_looked_up_there() {
    let common = "pub fn run() {}\n";
    let dir = workspace(&[
        ("a/jobs.rs", common),
        ("b/jobs.rs", common),
        ("c/jobs.rs", common),
        ("d/jobs.rs", common),
        (
            "e/units.rs",
            "pub fn to_feet(m: f64) -> f64 {\n    m * 3.28084\n}\n",
        ),
    ]);
    let index = WorkspaceIndex::build(&[dir.path().to_path_buf()], &[]);
    assert_eq!(index.lookup("run").len(), 4);
    let source = "fn span(m: f64) -> f64 {\n    run();\n    to_feet(m)\n}\n";
    let doc = Doc::new("src/span.rs", "rust", source);
    let packet = build_packet(&PacketInput {
        workspace: Some(&index),
        ..doc.input(0..source.len())
    });
    let definitions = section(&packet, SectionKind::Definitions);
    expect![[r#"
        e/units.rs:1 (function to_feet)
            pub fn to_feet(m: f64) -> f64"#]]
    .assert_eq(&definitions.text);
}

// Fake secrets in the shapes of real ones, built from pieces so that no key-shaped string
// stands in the source; none of them was ever valid.
const KEY_BODY: &str = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW";
const AWS_ID: &str = concat!("AKIA", "IOSFODNN7EXAMPLE");
const AWS_SECRET: &str = concat!("wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYEXAMPLEKEY");
const GITHUB: &str = concat!("ghp_", "FAKEfake0FAKEfake1FAKEfake2FAKEfake3");
const OPENAI: &str = concat!("sk-", "proj-", "FAKEfake12FAKEfake34FAKEfake56FAKEfake78");
const ANTHROPIC: &str = concat!("sk-", "ant-api03-", "FAKEfake1FAKEfake2FAKEfake3-FAKEfake4");
const PASSWORD: &str = "s3cr3t-Pa55";

#[test]
fn secrets_are_masked_in_every_section_and_no_value_is_left() {
    let source = format!(
        "use crate::config::Settings;\n\nconst DEPLOY_KEY: &str = \"-----BEGIN OPENSSH PRIVATE KEY-----\n{KEY_BODY}\nQyNTUxOQAAACDk3Q2xvc2VkIGtleQ==\n-----END OPENSSH PRIVATE KEY-----\";\n\npub fn connect(settings: &Settings) -> Client {{\n    let aws_id = \"{AWS_ID}\";\n    let password = \"{PASSWORD}\";\n    Client::new(settings.url(), API_TOKEN, \"{GITHUB}\")\n}}\n"
    );
    let config = format!(
        "pub const API_TOKEN: &str = \"{ANTHROPIC}\";\n\npub struct Settings {{\n    url: String,\n}}\n"
    );
    let doc = Doc::new("src/client.rs", "rust", &source);
    let config_doc = Doc::new("src/config.rs", "rust", &config);
    let open = [config_doc.open()];
    let message = format!("aws_secret_access_key = \"{AWS_SECRET}\" looks hard-coded");
    let diagnostics = [note(10, "warning", &message, Some("gitleaks"))];
    let plan = format!("1. Read the key from the environment, not {OPENAI}.\n2. Done.");
    let instruction = format!("Remove {GITHUB} from the code.");
    // From the middle of the private key (its BEGIN line is outside) to the end.
    let selection = find(&source, KEY_BODY).start + 10..source.len();
    let input = PacketInput {
        diagnostics: &diagnostics,
        open_documents: &open,
        plan: Some(&plan),
        instruction: Some(&instruction),
        ..doc.input(selection)
    };
    let packet = build_packet(&input);
    let request = render(
        Role::Implement,
        &packet,
        &instruction,
        "src/client.rs",
        "rust",
        &Templates::builtin(),
    );
    let everything = format!(
        "{}\n{}\n{:?}\n{}",
        packet
            .sections
            .iter()
            .map(|section| section.render())
            .collect::<Vec<_>>()
            .join("\n"),
        serde_json::to_string(&packet).expect("a packet serializes"),
        request,
        serde_json::to_string(&request).expect("a request serializes"),
    );
    let fragments = [
        &KEY_BODY[10..],
        "QyNTUxOQAAACDk3Q2xvc2VkIGtleQ",
        AWS_ID,
        AWS_SECRET,
        GITHUB,
        OPENAI,
        ANTHROPIC,
        PASSWORD,
    ];
    for fragment in fragments {
        assert!(
            !everything.contains(fragment),
            "{fragment} left in:\n{everything}"
        );
    }
    let selection = section(&packet, SectionKind::Selection);
    expect![[r#"
        ```rust
         4 | «redacted private-key»
         5 |
         6 | ";
         7 |
         8 | pub fn connect(settings: &Settings) -> Client {
         9 |     let aws_id = "«redacted aws-access-key»";
        10 |     let password = "«redacted password»";
        11 |     Client::new(settings.url(), API_TOKEN, "«redacted github-token»")
        12 | }
        ```"#]]
    .assert_eq(&selection.text);
    let redactions: Vec<String> = packet
        .redactions
        .iter()
        .map(|r| {
            format!(
                "{} {:?} {}:{}",
                r.kind,
                r.section.expect("a packet's redactions name their section"),
                r.path.as_deref().unwrap_or("-"),
                r.line
            )
        })
        .collect();
    expect![[r#"
        [
            "github-token Instruction -:1",
            "openai-key Plan -:1",
            "private-key Outline src/client.rs:3",
            "anthropic-key Definitions src/config.rs:1",
            "private-key EnclosingScope src/client.rs:3",
            "private-key Selection src/client.rs:4",
            "aws-access-key Selection src/client.rs:9",
            "password Selection src/client.rs:10",
            "github-token Selection src/client.rs:11",
            "aws-secret-key Diagnostics -:10",
        ]
    "#]]
    .assert_debug_eq(&redactions);

    // Masking is what the config asks for: off, the code goes as it is.
    let packet = build_packet(&PacketInput {
        redact_secrets: false,
        ..input.clone()
    });
    assert!(packet.redactions.is_empty());
    let selection = section(&packet, SectionKind::Selection);
    assert!(selection.text.contains(PASSWORD));
}

#[test]
fn ignored_and_excluded_files_never_reach_a_packet() {
    let big = format!(
        "def big_unique_fn():\n    pass\n{}",
        "# padding\n".repeat(110_000)
    );
    let dir = workspace(&[
        (".gitignore", "generated/\n*.log.py\n"),
        (
            "generated/gen.py",
            "def gitignored_unique_fn():\n    pass\n",
        ),
        (
            "app/debug.log.py",
            "def gitignored_log_unique_fn():\n    pass\n",
        ),
        (".env", "DATABASE_URL=postgres://env_unique_value\n"),
        (
            "secrets/creds.py",
            "def secret_dir_unique_fn():\n    pass\n",
        ),
        ("deploy/id_rsa.py", "def id_rsa_unique_fn():\n    pass\n"),
        ("private/notes.py", "def private_unique_fn():\n    pass\n"),
        ("app/big.py", &big),
        ("app/binary.py", "def binary_unique_fn():\n    pass\n\0\0\0"),
        ("app/main.py", "def visible_fn(x):\n    return x\n"),
    ]);
    let exclude = vec!["private/".to_owned()];
    let index = WorkspaceIndex::build(&[dir.path().to_path_buf()], &exclude);
    let hidden = [
        "gitignored_unique_fn",
        "gitignored_log_unique_fn",
        "secret_dir_unique_fn",
        "id_rsa_unique_fn",
        "private_unique_fn",
        "big_unique_fn",
        "binary_unique_fn",
        "secret_open_unique_fn",
    ];
    for name in hidden {
        assert!(index.lookup(name).is_empty(), "{name}");
    }
    assert_eq!(index.lookup("visible_fn").len(), 1);
    assert_eq!(index.definition_count(), 1);

    assert!(index.is_excluded("secrets/creds.py"));
    assert!(index.is_excluded(dir.path().join("private/notes.py")));
    assert!(index.is_excluded(".env"));
    assert!(!index.is_excluded("app/main.py"));
    assert!(!index.is_excluded(dir.path().join("app/main.py")));
    assert!(excluded("private/notes.py", &exclude));
    assert!(excluded("deploy/id_rsa.py", &[]));

    // An excluded document open in the editor is not read either.
    let open_secret = Doc::new(
        "secrets/open.py",
        "python",
        "def secret_open_unique_fn():\n    pass\n",
    );
    let open = [open_secret.open()];
    let source = format!(
        "def run():\n{}    visible_fn(1)\n",
        hidden
            .iter()
            .map(|name| format!("    {name}()\n"))
            .collect::<String>()
    );
    let doc = Doc::new("app/run.py", "python", &source);
    let packet = build_packet(&PacketInput {
        open_documents: &open,
        workspace: Some(&index),
        ..doc.input(0..source.len())
    });
    let definitions = section(&packet, SectionKind::Definitions);
    assert_eq!(
        definitions.text,
        "app/main.py:1 (function visible_fn)\n    def visible_fn(x):"
    );
    let sent: String = packet.sections.iter().map(|s| s.render()).collect();
    assert!(!sent.contains("env_unique_value"));
    assert!(!sent.contains("pass"), "no body of a hidden file: {sent}");
}

//! Packets of Rust and Python code: every section, an empty selection enlarged, and the
//! budget spent in priority order with every cut recorded.

use crate::support::*;

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
            selection 648..948, lines 36-44, 435 of 100000 tokens

            [Instruction, 13 tokens]
            ## Instruction
            Skip the first point, it is already counted.

            [Imports, 22 tokens]
            ## Imports of src/shapes.rs
            ```rust
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
            src/geometry.rs:16 (method from_corners)
                pub fn from_corners(a: Point, b: Point) -> Rectangle
            src/geometry.rs:10 (struct Rectangle)
                pub struct Rectangle {
                    pub min: Point,
                    pub max: Point,
                }

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
            selection 245..447, lines 18-22, 271 of 100000 tokens

            [Instruction, 12 tokens]
            ## Instruction
            Is this right for an open polyline?

            [Imports, 16 tokens]
            ## Imports of geo/polygon.py
            ```python
            import math
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

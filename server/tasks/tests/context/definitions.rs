//! Definitions of the names a selection uses: open documents first, then the workspace index,
//! which is not asked for names declared all over it.

use crate::support::*;

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

    // Long enough that the definitions' cap (half the selection and scope) holds all four.
    let source = "use crate::geometry::Rectangle;\n\nfn span(a: Point, b: Point) -> f64 {\n    // The span is measured along the x axis of the rectangle that the two points make.\n    // The survey reports every length in feet, so the metres of the geometry are converted.\n    // A rectangle whose corners are swapped still has its minimum corner first.\n    // Points at the same place make an empty rectangle, whose span is zero feet.\n    // Negative coordinates are fine: only the difference of the two x values counts.\n    // The y values are ignored here; the height has its own function in the survey module.\n    // Rounding is left to the caller, which prints feet with two decimals in the report.\n    // Nothing here allocates, so the function may run in the hot loop of the importer.\n    let r = Rectangle::from_corners(a, b);\n    to_feet(r.max.x - r.min.x)\n}\n";
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
        src/geometry.rs:16 (method from_corners)
            pub fn from_corners(a: Point, b: Point) -> Rectangle
        src/geometry.rs:10 (struct Rectangle)
            pub struct Rectangle {
                pub min: Point,
                pub max: Point,
            }
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

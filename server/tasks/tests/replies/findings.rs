//! Review replies: the findings array, what is kept, what is dropped and what is refused.

use expect_test::expect;
use tasks::reply::{Finding, ReplyError, Severity, parse_findings, parse_findings_report};

fn finding(line: u32, end_line: u32, severity: Severity, message: &str) -> Finding {
    Finding {
        line,
        end_line,
        severity,
        message: message.to_string(),
        fix: None,
    }
}

#[test]
fn fenced_array_with_prose_around_it() {
    let reply = r#"I found two problems.

```json
[
  {"line": 3, "end_line": 5, "severity": "error", "message": "`unwrap` panics on a missing key", "fix": "    let v = map.get(k)?;\n"},
  {"line": 9, "severity": "hint", "message": "this clone is unnecessary"}
]
```

Everything else looks good."#;
    let got = parse_findings(reply, 20).unwrap();
    let mut first = finding(3, 5, Severity::Error, "`unwrap` panics on a missing key");
    first.fix = Some("    let v = map.get(k)?;\n".to_string());
    assert_eq!(
        got,
        vec![
            first,
            finding(9, 9, Severity::Hint, "this clone is unnecessary")
        ]
    );
}

#[test]
fn bare_array_and_crlf_and_case() {
    let reply = "[\r\n  {\"line\": 1, \"severity\": \"WARNING\", \"message\": \"名前が曖昧です 🤔\", \"fix\": null}\r\n]\r\n";
    assert_eq!(
        parse_findings(reply, 1).unwrap(),
        vec![finding(1, 1, Severity::Warning, "名前が曖昧です 🤔")]
    );
}

#[test]
fn untagged_fence_and_a_code_fence_beside_the_json() {
    let untagged = "```\n[{\"line\": 2, \"severity\": \"info\", \"message\": \"m\"}]\n```";
    assert_eq!(
        parse_findings(untagged, 2).unwrap(),
        vec![finding(2, 2, Severity::Info, "m")]
    );
    let beside = "The fix would be:\n```rust\nlet x = 1;\n```\n```json\n[{\"line\": 2, \"severity\": \"info\", \"message\": \"m\"}]\n```";
    assert_eq!(
        parse_findings(beside, 2).unwrap(),
        vec![finding(2, 2, Severity::Info, "m")]
    );
}

#[test]
fn an_empty_array_is_a_clean_review() {
    assert_eq!(
        parse_findings("No issues.\n```json\n[]\n```", 10).unwrap(),
        vec![]
    );
}

#[test]
fn bad_findings_are_dropped_and_reported_the_rest_kept() {
    let reply = r#"```json
[
  {"line": 4, "severity": "warning", "message": "shadowed variable"},
  {"line": 90, "severity": "error", "message": "beyond the end"},
  {"line": 6, "end_line": 5, "severity": "error", "message": "backwards"},
  {"line": 7, "severity": "critical", "message": "unknown severity"},
  {"line": "8", "severity": "info", "message": "line as a string"},
  {"line": 2, "end_line": 41, "severity": "info", "message": "runs past the end"},
  {"line": 3, "severity": "info"}
]
```"#;
    let report = parse_findings_report(reply, 40).unwrap();
    assert_eq!(
        report.findings,
        vec![finding(4, 4, Severity::Warning, "shadowed variable")]
    );
    let dropped: Vec<String> = report
        .dropped
        .iter()
        .map(|d| format!("{}: {}", d.index, d.reason))
        .collect();
    expect![[r#"
        [
            "2: line 90 is outside the file's 40 lines",
            "3: end_line 5 is before line 6",
            "4: severity \"critical\" is not one of error, warning, info, hint",
            "5: `line` is \"8\", not a line number",
            "6: end_line 41 is outside the file's 40 lines",
            "7: it has no `message`",
        ]
    "#]]
    .assert_debug_eq(&dropped);
    assert_eq!(
        report.dropped[0].json,
        r#"{"line":90,"message":"beyond the end","severity":"error"}"#
    );
}

#[test]
fn every_finding_dropped_is_an_error() {
    let reply = "```json\n[{\"line\": 0, \"severity\": \"error\", \"message\": \"zero\"}]\n```";
    let err = parse_findings(reply, 10).unwrap_err();
    expect![[r#"
        none of the 1 findings can be shown:
          finding 1: line 0 is outside the file's 10 lines
        ask the model to check them against the file"#]]
    .assert_eq(&err.to_string());
}

#[test]
fn refusals() {
    let trailing =
        "```json\n[\n  {\"line\": 1, \"severity\": \"info\", \"message\": \"m\"},\n]\n```";
    let err = parse_findings(trailing, 5).unwrap_err();
    expect!["the findings are not valid json (trailing comma at line 3 column 1): ask the model to resend them as strict json, without trailing commas or comments"]
        .assert_eq(&err.to_string());

    assert_eq!(
        parse_findings("Looks fine to me!", 5),
        Err(ReplyError::NoFindings)
    );
    assert_eq!(
        parse_findings("```rust\nfn a() {}\n```", 5),
        Err(ReplyError::NoFindings)
    );
    assert_eq!(
        parse_findings("```json\n[]\n```\n```json\n[]\n```", 5),
        Err(ReplyError::SeveralFindingBlocks { count: 2 })
    );
    assert_eq!(
        parse_findings("```json\n{\"findings\": []}\n```", 5),
        Err(ReplyError::NotAnArray { found: "an object" })
    );
    assert!(matches!(
        parse_findings("```json\n[{\"line\": 1,", 5),
        Err(ReplyError::Truncated { .. })
    ));
}

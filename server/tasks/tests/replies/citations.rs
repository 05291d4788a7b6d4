//! Explain and search replies: which `path:line` texts are cited places, and their exact spans.

use tasks::reply::{Citation, citations};

/// (path, start, end, the cited text) of every citation.
fn cited(markdown: &str) -> Vec<(String, u32, u32, &str)> {
    citations(markdown)
        .into_iter()
        .map(
            |Citation {
                 path,
                 start_line,
                 end_line,
                 span,
             }| { (path, start_line, end_line, &markdown[span]) },
        )
        .collect()
}

fn c(path: &str, start: u32, end: u32, text: &'static str) -> (String, u32, u32, &'static str) {
    (path.to_string(), start, end, text)
}

#[test]
fn the_forms_that_count() {
    let md = "The router starts in `server/router/src/route.rs:42` and calls \
              src/cooldown.rs:10-25 (see also ./src/lib.rs:7, Cargo.toml:5, \
              src/main.rs:3:9, web/app.ts:L4-L6 and docs/guide.md:8–12).";
    assert_eq!(
        cited(md),
        vec![
            c(
                "server/router/src/route.rs",
                42,
                42,
                "server/router/src/route.rs:42"
            ),
            c("src/cooldown.rs", 10, 25, "src/cooldown.rs:10-25"),
            c("src/lib.rs", 7, 7, "./src/lib.rs:7"),
            c("Cargo.toml", 5, 5, "Cargo.toml:5"),
            c("src/main.rs", 3, 3, "src/main.rs:3:9"),
            c("web/app.ts", 4, 6, "web/app.ts:L4-L6"),
            c("docs/guide.md", 8, 12, "docs/guide.md:8–12"),
        ]
    );
}

#[test]
fn what_is_not_a_place() {
    let md = "Start the server at http://localhost:8080 or https://example.com:443/src/a.rs:3, \
              host example.com:8080, at 12:30 or 9:05, ratio 1:2, version v1.2:3, \
              Makefile:3, src/a.rs:0, src/a.rs:9-3, src/a.rs:3x.";
    assert_eq!(cited(md), vec![]);
}

#[test]
fn fenced_code_is_skipped_and_spans_are_bytes() {
    let md = "配置は `src/設定.rs:3` にあります 👉 src/a.rs:1\r\n\r\n```text\r\nerror at src/b.rs:4:1\r\n```\r\n\r\nAnd src/c.py:2-3.\r\n";
    let found = citations(md);
    assert_eq!(
        cited(md),
        vec![
            c("src/設定.rs", 3, 3, "src/設定.rs:3"),
            c("src/a.rs", 1, 1, "src/a.rs:1"),
            c("src/c.py", 2, 3, "src/c.py:2-3"),
        ]
    );
    assert_eq!(found[0].span.start, md.find("src/設").unwrap());
}

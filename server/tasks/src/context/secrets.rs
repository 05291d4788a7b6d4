//! Masking secrets in what is sent to a model: cloud and API keys, private key blocks and
//! quoted values assigned to password-like names, replaced by `«redacted KIND»`.
//!
//! A redaction records the kind of secret and its line, never the value, so traces may keep
//! it. Masking never changes line numbers: a multi-line secret (a private key block) becomes
//! the marker followed by the line breaks it spanned, so the lines after it keep their numbers
//! and a model's `path:line` still points at the file.

use std::fmt;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::packet::SectionKind;

/// What kind of secret was masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretKind {
    /// An AWS access key id (`AKIA…`, or `ASIA…` for temporary credentials).
    AwsAccessKey,
    /// The value of an `aws_secret_access_key`.
    AwsSecretKey,
    /// A GitHub token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`).
    GithubToken,
    /// An OpenAI key (`sk-…`, `sk-proj-…`).
    OpenaiKey,
    /// An Anthropic key (`sk-ant-…`).
    AnthropicKey,
    /// A PEM or PGP private key block, from its BEGIN line to its END line.
    PrivateKey,
    /// A quoted value assigned to a name with password, passwd, secret, token or api_key in it.
    Password,
}

impl SecretKind {
    /// The kind as it appears in the replacement marker and in traces.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::AwsAccessKey => "aws-access-key",
            SecretKind::AwsSecretKey => "aws-secret-key",
            SecretKind::GithubToken => "github-token",
            SecretKind::OpenaiKey => "openai-key",
            SecretKind::AnthropicKey => "anthropic-key",
            SecretKind::PrivateKey => "private-key",
            SecretKind::Password => "password",
        }
    }

    /// The text that takes a secret's place: `«redacted aws-access-key»`.
    pub fn marker(self) -> String {
        format!("«redacted {}»", self.as_str())
    }
}

impl fmt::Display for SecretKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One masked secret: its kind and where it was, never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redaction {
    /// What kind of secret it was.
    pub kind: SecretKind,
    /// The 1-based line the secret started on: in the text given to [`mask_secrets`], or, in a
    /// packet, in the file named by `path` (in the plan or instruction text when `path` is `None`).
    pub line: u32,
    /// The packet section it was masked in; `None` from [`mask_secrets`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<SectionKind>,
    /// The workspace-relative file the line is in, when the text came from a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Masks every secret in `text`, returning the masked text and what was masked (in order).
///
/// Linear in the length of the text (a handful of regex passes). Line numbers are kept (see the
/// module docs). A private key block cut off by the end of the text (no END line) is masked to
/// the end, and one whose BEGIN line lies before the text starts is masked from the start to
/// its END line, so a piece cut out of a file never leaks half a key.
///
/// Quoted values of password-like names are masked whatever they hold, so `let token = "fn";`
/// in a lexer is masked too: hiding a harmless string costs little, sending a password cannot
/// be undone.
pub fn mask_secrets(text: &str) -> (String, Vec<Redaction>) {
    let found = find_secrets(text);
    let (masked, starts) = mask_range(text, 0..text.len(), &found);
    let redactions = starts
        .into_iter()
        .map(|(start, kind)| Redaction {
            kind,
            line: line_at(text, start),
            section: None,
            path: None,
        })
        .collect();
    (masked, redactions)
}

/// A secret found in a text: its bytes and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) bytes: Range<usize>,
    pub(crate) kind: SecretKind,
}

/// The secrets of `text`, sorted and not overlapping. Specific kinds are searched first and win
/// an overlap, so `api_key = "sk-ant-…"` is reported as an Anthropic key.
pub(crate) fn find_secrets(text: &str) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    let accept = |bytes: Range<usize>, kind: SecretKind, found: &mut Vec<Found>| {
        if bytes.is_empty() {
            return;
        }
        let overlaps = found
            .iter()
            .any(|other| other.bytes.start < bytes.end && bytes.start < other.bytes.end);
        if !overlaps {
            found.push(Found { bytes, kind });
        }
    };
    for bytes in private_key_blocks(text) {
        accept(bytes, SecretKind::PrivateKey, &mut found);
    }
    for pattern in PATTERNS.iter() {
        for captures in pattern.regex.captures_iter(text) {
            // Group 1 (or 2, for a single-quoted value) is the secret; without groups, the match.
            let value = captures
                .get(1)
                .or_else(|| captures.get(2))
                .or_else(|| captures.get(0));
            let Some(value) = value else { continue };
            if !(pattern.accept)(value.as_str()) {
                continue;
            }
            accept(value.range(), pattern.kind, &mut found);
        }
    }
    found.sort_by_key(|secret| secret.bytes.start);
    found
}

/// The text of `text[range]` with every part of a secret of `found` inside it masked, and for
/// each secret touched, the byte (in `text`) where its masked part starts and its kind.
///
/// `range` must lie on character boundaries; secrets come from [`find_secrets`] over `text`.
pub(crate) fn mask_range(
    text: &str,
    range: Range<usize>,
    found: &[Found],
) -> (String, Vec<(usize, SecretKind)>) {
    let mut out = String::with_capacity(range.len());
    let mut starts = Vec::new();
    let mut cursor = range.start;
    for secret in found {
        let start = secret.bytes.start.max(range.start);
        let end = secret.bytes.end.min(range.end);
        if start >= end {
            continue;
        }
        out.push_str(&text[cursor..start]);
        out.push_str(&secret.kind.marker());
        push_line_breaks(&mut out, &text[start..end]);
        starts.push((start, secret.kind));
        cursor = end;
    }
    out.push_str(&text[cursor..range.end]);
    (out, starts)
}

/// Appends the line breaks of `masked`, in order, so masking keeps the line count.
fn push_line_breaks(out: &mut String, masked: &str) {
    let mut chars = masked.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push('\n'),
            '\r' if chars.peek() == Some(&'\n') => {
                chars.next();
                out.push_str("\r\n");
            }
            '\r' => out.push('\r'),
            _ => {}
        }
    }
}

/// The 1-based line of byte `at` of `text`, counting `\n`, `\r\n` and lone `\r` as LSP does.
pub(crate) fn line_at(text: &str, at: usize) -> u32 {
    let before = text.as_bytes().get(..at).unwrap_or(text.as_bytes());
    let mut line: u32 = 1;
    let mut previous = 0u8;
    for &byte in before {
        if (byte == b'\n' && previous != b'\r') || byte == b'\r' {
            line = line.saturating_add(1);
        }
        previous = byte;
    }
    line
}

/// One single-token secret pattern.
struct Pattern {
    kind: SecretKind,
    regex: Regex,
    /// A check on the value the regex cannot express without look-around.
    accept: fn(&str) -> bool,
}

fn any_value(_: &str) -> bool {
    true
}

/// Real keys mix letters and digits; a long kebab-case name after `sk-` (a CSS class, a slug)
/// does not look like one.
fn has_letter_and_digit(value: &str) -> bool {
    value.bytes().any(|b| b.is_ascii_digit()) && value.bytes().any(|b| b.is_ascii_alphabetic())
}

/// A value already masked (a packet masks pieces that may overlap) is not masked again.
fn not_a_marker(value: &str) -> bool {
    !value.starts_with("«redacted ")
}

fn pattern(kind: SecretKind, regex: &str, accept: fn(&str) -> bool) -> Pattern {
    Pattern {
        kind,
        regex: Regex::new(regex)
            .expect("the secret patterns are valid regexes (a test builds them)"),
        accept,
    }
}

/// The single-token patterns, most specific first (the first to claim bytes keeps them).
/// Word boundaries are ASCII ones (`(?-u:\b)`): the secrets are ASCII, and a Unicode boundary
/// keeps the regex crate off its fast engines on any non-ASCII text (profiled: the scan ran in
/// the slowest one, a sixth of an implement's CPU time).
static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    vec![
        pattern(
            SecretKind::AwsAccessKey,
            r"(?-u:\b)(?:AKIA|ASIA)[0-9A-Z]{16}(?-u:\b)",
            any_value,
        ),
        pattern(
            SecretKind::AwsSecretKey,
            r#"(?i)(?-u:\b)aws_?secret_?access_?key["']?\s*(?::=|=>|=|:)\s*["']?([A-Za-z0-9/+]{30,}={0,2})"#,
            any_value,
        ),
        pattern(
            SecretKind::GithubToken,
            r"(?-u:\b)(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{30,255})(?-u:\b)",
            any_value,
        ),
        pattern(
            SecretKind::AnthropicKey,
            r"(?-u:\b)sk-ant-[A-Za-z0-9_\-]{20,}",
            any_value,
        ),
        pattern(
            SecretKind::OpenaiKey,
            r"(?-u:\b)sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}",
            has_letter_and_digit,
        ),
        pattern(
            SecretKind::Password,
            // A name holding one of the words (`db_password`, `GITHUB_TOKEN`, `apiKey`), maybe
            // quoted or indexed (`"password":`, `env["token"] =`), `=`, `:`, `:=` or `=>`, and
            // a non-empty quoted value on the same line.
            r#"(?i)(?-u:\b)[A-Za-z0-9_]*(?:password|passwd|secret|token|api[_-]?key)[A-Za-z0-9_]*["']?\]?\s*(?::=|=>|=|:)\s*(?:"([^"\r\n]+)"|'([^'\r\n]+)')"#,
            not_a_marker,
        ),
    ]
});

static KEY_BEGIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
        .expect("the BEGIN pattern is a valid regex")
});

static KEY_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
        .expect("the END pattern is a valid regex")
});

/// The private key blocks of `text`: BEGIN to the next END; a BEGIN without an END runs to the
/// end of the text, and an END before any BEGIN runs from the start (the text was cut out of a
/// file in the middle of a key).
fn private_key_blocks(text: &str) -> Vec<Range<usize>> {
    let begins: Vec<Range<usize>> = KEY_BEGIN.find_iter(text).map(|m| m.range()).collect();
    let ends: Vec<Range<usize>> = KEY_END.find_iter(text).map(|m| m.range()).collect();
    let mut blocks = Vec::new();
    let mut cursor = 0;
    loop {
        let begin = begins.iter().find(|begin| begin.start >= cursor);
        let end = ends.iter().find(|end| end.start >= cursor);
        match (begin, end) {
            (begin, Some(end)) if begin.is_none_or(|begin| end.start < begin.start) => {
                // An END with no BEGIN before it: the key started before the text did, unless a
                // block was already closed here, when only the stray marker goes.
                let start = if cursor == 0 { 0 } else { end.start };
                blocks.push(start..end.end);
                cursor = end.end;
            }
            (Some(begin), _) => {
                let close = ends.iter().find(|end| end.start >= begin.end);
                let stop = close.map_or(text.len(), |end| end.end);
                blocks.push(begin.start..stop);
                cursor = stop;
            }
            _ => break,
        }
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    // Fake secrets in the shapes of real ones, built from pieces so that no key-shaped string
    // stands in the source; none of them was ever valid.
    const AWS_ID: &str = concat!("AKIA", "IOSFODNN7EXAMPLE");
    const AWS_SECRET: &str = concat!("wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYEXAMPLEKEY");
    const GHP: &str = concat!("ghp_", "FAKEfake0FAKEfake1FAKEfake2FAKEfake3");
    const PAT: &str = concat!(
        "github_",
        "pat_11FAKEFAKE0fakefakefake_fakefakeFAKEFAKE0123456789fakefakeFAKEFAKEfakefake"
    );
    const OPENAI: &str = concat!("sk-", "proj-", "FAKEfake12FAKEfake34FAKEfake56FAKEfake78");
    const OPENAI_OLD: &str = concat!("sk-", "FAKEfake9FAKEfake8FAKEfake7FAKEfake6fa");
    const ANTHROPIC: &str = concat!("sk-", "ant-api03-", "FAKEfake1FAKEfake2FAKEfake3-FAKEfake4");

    #[test]
    fn every_kind_is_masked_and_the_rest_of_the_line_kept() {
        let cases: Vec<(String, &str, SecretKind)> = vec![
            (
                format!("let id = \"{AWS_ID}\"; // prod"),
                "let id = \"«redacted aws-access-key»\"; // prod",
                SecretKind::AwsAccessKey,
            ),
            (
                format!("aws_secret_access_key = {AWS_SECRET}"),
                "aws_secret_access_key = «redacted aws-secret-key»",
                SecretKind::AwsSecretKey,
            ),
            (
                format!("AWS_SECRET_ACCESS_KEY: \"{AWS_SECRET}\""),
                "AWS_SECRET_ACCESS_KEY: \"«redacted aws-secret-key»\"",
                SecretKind::AwsSecretKey,
            ),
            (
                format!("git clone https://{GHP}@github.com/a/b"),
                "git clone https://«redacted github-token»@github.com/a/b",
                SecretKind::GithubToken,
            ),
            (
                format!("auth({PAT})"),
                "auth(«redacted github-token»)",
                SecretKind::GithubToken,
            ),
            (
                format!("client = OpenAI(api_key={OPENAI})"),
                "client = OpenAI(api_key=«redacted openai-key»)",
                SecretKind::OpenaiKey,
            ),
            (
                format!("key: {OPENAI_OLD} end"),
                "key: «redacted openai-key» end",
                SecretKind::OpenaiKey,
            ),
            (
                format!("ANTHROPIC_API_KEY = \"{ANTHROPIC}\""),
                "ANTHROPIC_API_KEY = \"«redacted anthropic-key»\"",
                SecretKind::AnthropicKey,
            ),
            (
                "db_password = \"hunter2!\"  # local".to_owned(),
                "db_password = \"«redacted password»\"  # local",
                SecretKind::Password,
            ),
            (
                "{\"client_secret\": 'x9!k', \"n\": 1}".to_owned(),
                "{\"client_secret\": '«redacted password»', \"n\": 1}",
                SecretKind::Password,
            ),
            (
                "env[\"GITHUB_TOKEN\"] = \"abc123\"".to_owned(),
                "env[\"GITHUB_TOKEN\"] = \"«redacted password»\"",
                SecretKind::Password,
            ),
            (
                "apiKey := \"k-42\"".to_owned(),
                "apiKey := \"«redacted password»\"",
                SecretKind::Password,
            ),
        ];
        for (text, expected, kind) in cases {
            let (masked, redactions) = mask_secrets(&text);
            assert_eq!(masked, expected, "{text}");
            assert_eq!(
                redactions,
                vec![Redaction {
                    kind,
                    line: 1,
                    section: None,
                    path: None
                }],
                "{text}"
            );
        }
    }

    #[test]
    fn ordinary_code_is_left_alone() {
        let cases = [
            "if token == \"fn\" { return; }",
            "password_len: usize = 12,",
            "let secret = compute_secret(seed);",
            "class=\"sk-button-primary-large-rounded-corners\"",
            "AKIA is how AWS ids start",
            "token != \"x\"",
            "password = \"\"",
        ];
        for text in cases {
            let (masked, redactions) = mask_secrets(text);
            assert_eq!(masked, text);
            assert!(redactions.is_empty(), "{text}: {redactions:?}");
        }
    }

    #[test]
    fn private_key_blocks_keep_the_line_count() {
        let text = "a = 1\nKEY = \"\"\"\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq\r\nQ2xvc2VkIGtleQ==\n-----END RSA PRIVATE KEY-----\n\"\"\"\nb = 2\n";
        let (masked, redactions) = mask_secrets(text);
        assert_eq!(
            masked,
            "a = 1\nKEY = \"\"\"\n«redacted private-key»\n\r\n\n\n\"\"\"\nb = 2\n"
        );
        assert_eq!(masked.lines().count(), text.lines().count());
        assert_eq!(redactions.len(), 1);
        assert_eq!(redactions[0].line, 3);
    }

    #[test]
    fn half_a_key_is_masked_too() {
        let head = "x\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nAAAAB";
        let (masked, _) = mask_secrets(head);
        assert_eq!(masked, "x\n«redacted private-key»\n\n");
        let tail = "AAAAB3NzaC1yc2EAAAADAQAB\n-----END OPENSSH PRIVATE KEY-----\ny = 1";
        let (masked, redactions) = mask_secrets(tail);
        assert_eq!(masked, "«redacted private-key»\n\ny = 1");
        assert_eq!(redactions[0].line, 1);
    }

    #[test]
    fn lines_are_counted_as_lsp_counts_them() {
        let text = "a\r\nb\rc\nd";
        assert_eq!(line_at(text, 0), 1);
        assert_eq!(line_at(text, 3), 2);
        assert_eq!(line_at(text, 5), 3);
        assert_eq!(line_at(text, 7), 4);
        let (_, redactions) = mask_secrets(&format!("a\r\nb\rc\nid={AWS_ID}"));
        assert_eq!(redactions[0].line, 4);
    }

    #[test]
    fn no_value_survives_and_serialized_redactions_hold_none() {
        let secrets = [AWS_ID, AWS_SECRET, GHP, PAT, OPENAI, OPENAI_OLD, ANTHROPIC];
        let text = format!(
            "{AWS_ID}\naws_secret_access_key={AWS_SECRET}\n{GHP} {PAT}\n{OPENAI}\n{OPENAI_OLD}\n{ANTHROPIC}\npassword: \"correct horse\""
        );
        let (masked, redactions) = mask_secrets(&text);
        let json = serde_json::to_string(&redactions).expect("redactions serialize");
        for secret in secrets.iter().chain(&["correct horse"]) {
            assert!(!masked.contains(secret), "{secret} in {masked}");
            assert!(!json.contains(secret));
        }
        assert_eq!(redactions.len(), 8);
        assert!(json.contains("\"kind\":\"aws-access-key\""), "{json}");
    }
}

//! Privacy: secrets masked in every section with no value left, and ignored or excluded files
//! never read into a packet.

use crate::support::*;

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

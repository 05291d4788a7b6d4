//! Prompt templates per role and rendering a packet into a provider request.
//!
//! The templates are `server/tasks/prompts/<kind>.md`, embedded at build time, and a config may
//! override any of them. A template file has a comment for maintainers, then a
//! `<!-- system -->` line and the system prompt, then a `<!-- user -->` line and the user
//! message. The system prompt holds no placeholders, so it is the same on every call of a
//! role: the stable prefix providers cache (Anthropic marks the system prompt for caching
//! whenever caching is on). The user message holds the placeholders:
//!
//! - `{{context}}`: the packet's sections, rendered ([`Packet::context`]);
//! - `{{instruction}}`: what the user asked;
//! - `{{path}}`, `{{language}}`: the document's workspace-relative path and language id;
//! - `{{lines}}`: the selection's lines, `12` or `12-20`.
//!
//! Substitution is one pass, so a placeholder written in the code or the instruction is left
//! as it is.

use std::collections::BTreeMap;
use std::fmt;

use providers::{Message, Request};
use router::Role;
use serde::{Deserialize, Serialize};

use super::packet::{Packet, SectionKind};
use super::secrets::mask_secrets;

/// Which template a request uses: one per role, and `fix` (an implement request that answers
/// diagnostics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TemplateKind {
    /// `prompts/plan.md`: a markdown plan citing `path:line`.
    Plan,
    /// `prompts/implement.md`: a replacement of the selection or SEARCH/REPLACE blocks.
    Implement,
    /// `prompts/fix.md`: as implement, answering the diagnostics on the selection.
    Fix,
    /// `prompts/review.md`: a `json` block of findings.
    Review,
    /// `prompts/search.md`: a markdown answer citing `path:line` (also explains code).
    Search,
    /// `prompts/vision.md`: a markdown answer about images and the code.
    Vision,
    /// `prompts/oracle.md`: a second opinion in markdown, and its concerns as a `json` block.
    Oracle,
}

impl TemplateKind {
    /// Every kind, in the order of the files.
    pub const ALL: [TemplateKind; 7] = [
        TemplateKind::Plan,
        TemplateKind::Implement,
        TemplateKind::Fix,
        TemplateKind::Review,
        TemplateKind::Search,
        TemplateKind::Vision,
        TemplateKind::Oracle,
    ];

    /// The file stem and config key: `implement`, `fix`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateKind::Plan => "plan",
            TemplateKind::Implement => "implement",
            TemplateKind::Fix => "fix",
            TemplateKind::Review => "review",
            TemplateKind::Search => "search",
            TemplateKind::Vision => "vision",
            TemplateKind::Oracle => "oracle",
        }
    }

    /// The kind a config key names.
    pub fn from_name(name: &str) -> Option<TemplateKind> {
        TemplateKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }

    fn builtin_text(self) -> &'static str {
        match self {
            TemplateKind::Plan => include_str!("../../prompts/plan.md"),
            TemplateKind::Implement => include_str!("../../prompts/implement.md"),
            TemplateKind::Fix => include_str!("../../prompts/fix.md"),
            TemplateKind::Review => include_str!("../../prompts/review.md"),
            TemplateKind::Search => include_str!("../../prompts/search.md"),
            TemplateKind::Vision => include_str!("../../prompts/vision.md"),
            TemplateKind::Oracle => include_str!("../../prompts/oracle.md"),
        }
    }
}

impl From<Role> for TemplateKind {
    fn from(role: Role) -> TemplateKind {
        match role {
            Role::Plan => TemplateKind::Plan,
            Role::Implement => TemplateKind::Implement,
            Role::Review => TemplateKind::Review,
            // The librarian's base request is a search's; the agent then asks with its tools.
            Role::Search | Role::Librarian => TemplateKind::Search,
            Role::Vision => TemplateKind::Vision,
            Role::Oracle => TemplateKind::Oracle,
        }
    }
}

impl fmt::Display for TemplateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 5] = ["context", "instruction", "path", "language", "lines"];

/// A template that cannot be used, and what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {kind} prompt template {problem}")]
pub struct TemplateError {
    /// The template at fault.
    pub kind: TemplateKind,
    /// What is wrong and what to do about it.
    pub problem: String,
}

/// One parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Template {
    /// `None` when the template has no `<!-- system -->` part.
    system: Option<String>,
    user: String,
}

const SYSTEM_LINE: &str = "<!-- system -->";
const USER_LINE: &str = "<!-- user -->";

impl Template {
    /// Splits a template file; see the module docs. Without a `<!-- user -->` line the whole
    /// text is the user message.
    fn parse(kind: TemplateKind, text: &str) -> Result<Template, TemplateError> {
        let mut system: Option<Vec<&str>> = None;
        let mut user: Option<Vec<&str>> = None;
        for line in text.lines() {
            match line.trim() {
                SYSTEM_LINE if user.is_none() => system = Some(Vec::new()),
                USER_LINE if user.is_none() => user = Some(Vec::new()),
                _ => {
                    if let Some(user) = user.as_mut() {
                        user.push(line);
                    } else if let Some(system) = system.as_mut() {
                        system.push(line);
                    }
                }
            }
        }
        let (system, user) = match user {
            Some(user) => (system, user.join("\n")),
            None => (None, text.to_owned()),
        };
        let template = Template {
            system: system
                .map(|lines| lines.join("\n").trim().to_owned())
                .filter(|system| !system.is_empty()),
            user: user.trim().to_owned(),
        };
        template.check(kind)?;
        Ok(template)
    }

    /// Every placeholder is known, `{{context}}` and `{{instruction}}` are in the user
    /// message, and the system prompt has none (it must not vary, to stay cached).
    fn check(&self, kind: TemplateKind) -> Result<(), TemplateError> {
        let problem = |problem: String| TemplateError { kind, problem };
        for name in placeholders(&self.user) {
            if !PLACEHOLDERS.contains(&name) {
                return Err(problem(format!(
                    "uses the unknown placeholder {{{{{name}}}}}; the known ones are {}",
                    known_list()
                )));
            }
        }
        for needed in ["context", "instruction"] {
            if !placeholders(&self.user).any(|name| name == needed) {
                return Err(problem(format!(
                    "has no {{{{{needed}}}}} after its `{USER_LINE}` line; add it where the {needed} should go"
                )));
            }
        }
        if let Some(system) = &self.system
            && let Some(name) = placeholders(system).next()
        {
            return Err(problem(format!(
                "has the placeholder {{{{{name}}}}} in its system part; move it below the `{USER_LINE}` line, so the system prompt stays the same and cached"
            )));
        }
        Ok(())
    }
}

fn known_list() -> String {
    PLACEHOLDERS
        .iter()
        .map(|name| format!("{{{{{name}}}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The names of the `{{name}}` placeholders of a text, in order.
fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split("{{").skip(1).filter_map(|rest| {
        let (name, _) = rest.split_once("}}")?;
        let name = name.trim();
        let plausible = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        plausible.then_some(name)
    })
}

/// The prompt templates in use: the built-in ones, some maybe overridden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Templates {
    templates: BTreeMap<TemplateKind, Template>,
}

impl Templates {
    /// The templates of `server/tasks/prompts/`.
    pub fn builtin() -> Templates {
        let templates = TemplateKind::ALL
            .into_iter()
            .filter_map(|kind| match Template::parse(kind, kind.builtin_text()) {
                Ok(template) => Some((kind, template)),
                // A test parses every built-in template, so this is only reachable in a
                // broken build; the kind then renders with the fallback template.
                Err(err) => {
                    tracing::error!(%err, "a built-in prompt template is broken");
                    None
                }
            })
            .collect();
        Templates { templates }
    }

    /// The built-in templates with some replaced, each override in the template file format
    /// (see the module docs).
    ///
    /// # Errors
    ///
    /// The first override that uses an unknown placeholder, lacks `{{context}}` or
    /// `{{instruction}}`, or has a placeholder in its system part.
    pub fn with_overrides(
        overrides: impl IntoIterator<Item = (TemplateKind, String)>,
    ) -> Result<Templates, TemplateError> {
        let mut templates = Templates::builtin();
        for (kind, text) in overrides {
            templates
                .templates
                .insert(kind, Template::parse(kind, &text)?);
        }
        Ok(templates)
    }

    /// The templates with a config's `[prompts]` overrides (keys are template kinds; the config
    /// checked them).
    ///
    /// # Errors
    /// As [`Templates::with_overrides`].
    pub fn from_config(prompts: &BTreeMap<String, String>) -> Result<Templates, TemplateError> {
        Templates::with_overrides(
            prompts
                .iter()
                .filter_map(|(name, text)| Some((TemplateKind::from_name(name)?, text.clone()))),
        )
    }

    /// The system prompt of a kind, if its template has one.
    pub fn system(&self, kind: TemplateKind) -> Option<&str> {
        self.templates.get(&kind)?.system.as_deref()
    }
}

/// The request for `kind` (a [`Role`] or a [`TemplateKind`]): the template's system prompt and
/// one user message with the placeholders filled. `instruction` is used unless the packet has
/// an instruction section, which wins since it is already masked; it is masked here when the
/// packet was.
pub fn render(
    kind: impl Into<TemplateKind>,
    packet: &Packet,
    instruction: &str,
    path: &str,
    language: &str,
    templates: &Templates,
) -> Request {
    let kind = kind.into();
    let instruction = match packet.section(SectionKind::Instruction) {
        Some(section) => section.text.clone(),
        None if packet.redacted => mask_secrets(instruction).0,
        None => instruction.to_owned(),
    };
    let context = packet.context();
    let lines = packet.lines();
    let fallback;
    let template = match templates.templates.get(&kind) {
        Some(template) => template,
        None => {
            fallback = Template {
                system: None,
                user: "{{context}}\n\n## Task\n{{instruction}}".to_owned(),
            };
            &fallback
        }
    };
    let user = fill(&template.user, |name| match name {
        "context" => Some(context.as_str()),
        "instruction" => Some(instruction.as_str()),
        "path" => Some(path),
        "language" => Some(language),
        "lines" => Some(lines.as_str()),
        _ => None,
    });
    Request {
        system: template.system.clone(),
        messages: vec![Message::user(user)],
        // The system prompt is the stable prefix; the one message changes with every call.
        stable_prefix: 0,
        ..Request::default()
    }
}

/// `template` with each known `{{name}}` replaced, in one pass.
fn fill<'v>(template: &str, value: impl Fn(&str) -> Option<&'v str>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        match after
            .find("}}")
            .and_then(|close| Some((close, value(after[..close].trim())?)))
        {
            Some((close, text)) => {
                out.push_str(text);
                rest = &after[close + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;
    use crate::context::packet::tests::{input, parse};
    use crate::context::{PacketInput, build_packet};

    #[test]
    fn every_builtin_template_parses_and_has_a_system_prompt() {
        for kind in TemplateKind::ALL {
            let template = Template::parse(kind, kind.builtin_text())
                .unwrap_or_else(|err| panic!("{kind}: {err}"));
            let system = template.system.expect("a system part");
            assert!(!system.contains("<!--"), "{kind}: {system}");
            assert!(!template.user.contains("<!--"), "{kind}");
        }
        assert_eq!(
            Templates::builtin().templates.len(),
            TemplateKind::ALL.len()
        );
    }

    #[test]
    fn filling_is_one_pass() {
        let filled = fill("a {{x}} b {{ y }} {{z}} {{x", |name| match name {
            "x" => Some("{{y}}"),
            "y" => Some("Y"),
            _ => None,
        });
        assert_eq!(filled, "a {{y}} b Y {{z}} {{x");
    }

    #[test]
    fn a_request_holds_the_packet_and_asks_for_the_reply_shape() {
        let source = "class Polygon:\n    def perimeter(self) -> float:\n        total = 0.0\n        for a, b in zip(self.points, self.points[1:]):\n            total += math.dist(a, b)\n        return total\n";
        let rope = ropey::Rope::from_str(source);
        let tree = parse("python", &rope);
        let cursor = source.find("total +=").expect("in the source");
        let packet = build_packet(&PacketInput {
            role: Role::Review,
            instruction: Some("Is this right for an open polyline?"),
            ..input(
                "geo/polygon.py",
                "python",
                &rope,
                Some(&tree),
                cursor..cursor,
            )
        });
        let templates = Templates::builtin();
        let ignored = "ignored: the packet has an instruction";
        let request = render(
            Role::Review,
            &packet,
            ignored,
            "geo/polygon.py",
            "python",
            &templates,
        );
        let system = request.system.as_deref().expect("a system prompt");
        assert_eq!(Some(system), templates.system(TemplateKind::Review));
        for shape in ["```json", "\"end_line\"", "\"severity\"", "\"fix\""] {
            assert!(system.contains(shape), "{shape}");
        }
        assert_eq!((request.messages.len(), request.stable_prefix), (1, 0));
        let user = request.last_user_text();
        let context = packet.context();
        assert!(user.starts_with(&context));
        expect![[r#"


            ## Task
            Review geo/polygon.py (python), lines 2-6:

            Is this right for an open polyline?"#]]
        .assert_eq(&user[context.len()..]);

        for kind in [TemplateKind::Implement, TemplateKind::Fix] {
            let system = templates.system(kind).expect("a system prompt");
            for shape in [
                "<<<<<<< SEARCH",
                "=======",
                ">>>>>>> REPLACE",
                "fenced code block",
            ] {
                assert!(system.contains(shape), "{kind}: {shape}");
            }
        }
        for kind in [
            TemplateKind::Search,
            TemplateKind::Plan,
            TemplateKind::Vision,
        ] {
            let system = templates.system(kind).expect("a system prompt");
            assert!(system.contains("`path:line`"), "{kind}");
            assert!(system.contains("`path:start-end`"), "{kind}");
        }

        // An override replaces one template; the rest stay built in.
        let fix = "<!-- system -->\nFix it.\n<!-- user -->\n{{context}}\nTask for {{path}}:{{lines}}: {{instruction}}";
        let overrides = std::collections::HashMap::from([(TemplateKind::Fix, fix.to_owned())]);
        let templates = Templates::with_overrides(overrides).expect("a valid override");
        let request = render(
            TemplateKind::Fix,
            &packet,
            "",
            "geo/polygon.py",
            "python",
            &templates,
        );
        assert_eq!(request.system.as_deref(), Some("Fix it."));
        let user = request.last_user_text();
        assert!(user.ends_with("Task for geo/polygon.py:2-6: Is this right for an open polyline?"));
        assert_eq!(
            templates.system(TemplateKind::Review),
            Templates::builtin().system(TemplateKind::Review)
        );

        // Without an instruction section, the instruction given is used, masked as the packet was.
        let packet = build_packet(&input("a.py", "python", &rope, Some(&tree), cursor..cursor));
        // A fake token in a real one's shape, built from pieces.
        let secret = concat!("ghp_", "FAKEfake0FAKEfake1FAKEfake2FAKEfake3");
        let request = render(
            Role::Search,
            &packet,
            &format!("why {secret}?"),
            "a.py",
            "python",
            &templates,
        );
        let user = request.last_user_text();
        assert!(user.ends_with("why «redacted github-token»?"), "{user}");
    }

    #[test]
    fn overrides_are_checked() {
        let ok =
            "<!-- system -->\nBe brief.\n<!-- user -->\n{{context}}\n{{instruction}} in {{path}}";
        let templates =
            Templates::with_overrides([(TemplateKind::Review, ok.to_owned())]).expect("valid");
        assert_eq!(templates.system(TemplateKind::Review), Some("Be brief."));
        let cases = [
            (
                "{{context}} {{instruction}} {{file}}",
                "unknown placeholder {{file}}",
            ),
            ("{{instruction}}", "has no {{context}}"),
            (
                "<!-- system -->\n{{path}}\n<!-- user -->\n{{context}}{{instruction}}",
                "in its system part",
            ),
        ];
        for (text, expected) in cases {
            let err =
                Templates::with_overrides([(TemplateKind::Fix, text.to_owned())]).expect_err(text);
            assert!(err.to_string().contains(expected), "{err}");
            assert!(
                err.to_string().starts_with("the fix prompt template "),
                "{err}"
            );
        }
    }
}

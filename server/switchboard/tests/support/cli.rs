//! Running the real `switchboard` binary in a sandbox: its own state directory (ledger), config
//! home and working directory, no provider keys or local Ollama from the machine.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A directory that is the binary's whole world; removed on drop.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

/// What a run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("a temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file relative to the sandbox and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("the sandbox is writable");
        }
        std::fs::write(&path, text).expect("the sandbox is writable");
        path
    }

    /// `switchboard ARGS` in the sandbox, with a hermetic environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
        command
            .args(args)
            .current_dir(self.path())
            .env("HOME", self.path())
            .env("XDG_CONFIG_HOME", self.path().join("config-home"))
            .env("SWITCHBOARD_STATE_DIR", self.path().join("state"))
            .env("SWITCHBOARD_LOG", "warn")
            // A port nothing listens on: no local Ollama joins the built-in defaults.
            .env("OLLAMA_HOST", "127.0.0.1:9")
            .env_remove("SWITCHBOARD_CONFIG");
        for var in ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY"] {
            command.env_remove(var);
        }
        command
    }

    /// Runs `switchboard ARGS` to its end.
    pub fn run(&self, args: &[&str]) -> Run {
        self.command(args).output().expect("the binary runs").into()
    }
}

/// The fake provider on a free loopback port, answering as the TOML `scenario` says.
pub async fn fake(scenario: &str) -> providers::fake::FakeProvider {
    let scenario = providers::fake::Scenario::from_toml_str(scenario).expect("a good scenario");
    providers::fake::FakeProvider::start("127.0.0.1:0".parse().expect("an address"), scenario)
        .await
        .expect("the fake starts")
}

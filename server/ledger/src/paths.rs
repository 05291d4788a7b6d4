//! Where the ledger lives: `$SWITCHBOARD_STATE_DIR`, else `$XDG_STATE_HOME/switchboard`, else
//! `$HOME/.local/state/switchboard`. Resolution is a pure function of an environment lookup so it
//! can be tested without touching the real process environment.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::error::LedgerError;

/// The ledger's file name inside the state directory.
pub const LEDGER_FILE_NAME: &str = "ledger.sqlite";

/// Overrides the state directory (tests, sandboxes, several profiles).
pub const STATE_DIR_ENV: &str = "SWITCHBOARD_STATE_DIR";

/// Resolves the state directory from an environment lookup (`|name| std::env::var_os(name)`).
///
/// Empty values count as unset. A relative `XDG_STATE_HOME` is ignored, as the XDG base directory
/// specification requires; a relative `SWITCHBOARD_STATE_DIR` is honoured because the user set it
/// for switchboard on purpose.
///
/// # Errors
/// [`LedgerError::NoStateDir`] when none of the variables gives a directory.
pub fn state_dir_from(env: impl Fn(&str) -> Option<OsString>) -> Result<PathBuf, LedgerError> {
    let var = |name: &str| {
        env(name)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = var(STATE_DIR_ENV) {
        return Ok(dir);
    }
    if let Some(xdg) = var("XDG_STATE_HOME").filter(|dir| dir.is_absolute()) {
        return Ok(xdg.join("switchboard"));
    }
    if let Some(home) = var("HOME") {
        return Ok(home.join(".local").join("state").join("switchboard"));
    }
    Err(LedgerError::NoStateDir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn resolve(vars: &[(&str, &str)]) -> Result<PathBuf, LedgerError> {
        let map: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
            .collect();
        state_dir_from(|name| map.get(name).cloned())
    }

    #[test]
    fn override_wins() {
        let dir = resolve(&[
            ("SWITCHBOARD_STATE_DIR", "/tmp/sb"),
            ("XDG_STATE_HOME", "/xdg"),
            ("HOME", "/home/u"),
        ]);
        assert_eq!(dir.unwrap(), PathBuf::from("/tmp/sb"));
    }

    #[test]
    fn xdg_then_home() {
        let xdg = resolve(&[("XDG_STATE_HOME", "/xdg"), ("HOME", "/home/u")]);
        assert_eq!(xdg.unwrap(), PathBuf::from("/xdg/switchboard"));
        let home = resolve(&[("HOME", "/home/u")]);
        assert_eq!(
            home.unwrap(),
            PathBuf::from("/home/u/.local/state/switchboard")
        );
    }

    #[test]
    fn empty_and_relative_values_are_skipped() {
        let dir = resolve(&[
            ("SWITCHBOARD_STATE_DIR", ""),
            ("XDG_STATE_HOME", "relative/state"),
            ("HOME", "/home/u"),
        ]);
        assert_eq!(
            dir.unwrap(),
            PathBuf::from("/home/u/.local/state/switchboard")
        );
    }

    #[test]
    fn nothing_set_is_a_clear_error() {
        let err = resolve(&[]).unwrap_err();
        assert!(matches!(err, LedgerError::NoStateDir));
        assert!(err.to_string().contains("set SWITCHBOARD_STATE_DIR"));
    }
}

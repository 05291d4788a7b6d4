#!/usr/bin/env bash
# The one test command: everything CI checks, from a fresh clone, with nothing installed by hand.
# .ci/run runs exactly this. The editor suites install the editors they drive themselves.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# The toolchain's own components; a rustup-managed machine may lack them.
for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    step "installing $component"
    rustup component add "$component"
  fi
done

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test"
cargo test --workspace --locked --no-fail-fast

# The real editors, driving the real binary against the fake provider. `cargo test` built it for the
# CLI tests; building it again with `-p switchboard` would resolve features differently and compile
# a second copy of many dependencies (which once filled a CI machine's disk).
export SWITCHBOARD_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/switchboard"
[ -x "$SWITCHBOARD_BIN" ] || { echo "cargo test did not leave $SWITCHBOARD_BIN" >&2; exit 1; }
df -h "${CARGO_TARGET_DIR:-$PWD/target}" | tail -n1 | awk '{print "disk: " $4 " free of " $2}'
for editor in neovim helix vscode; do
  step "editor suite: $editor"
  "tests/editors/$editor/run.sh"
done

step "all checks passed"

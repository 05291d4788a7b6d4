#!/usr/bin/env bash
# The VS Code extension tested in a real VS Code, offline: installs what it needs on a fresh
# Debian bookworm machine (apt packages, code-server and playwright-core from npm, cached under
# ${XDG_CACHE_HOME:-$HOME/.cache}/switchboard-test-editors), packages editors/vscode as a
# linux-x64 .vsix carrying the server ($SWITCHBOARD_BIN, default target/debug/switchboard),
# installs it into a fresh extensions dir, starts the fake provider and code-server on a temp
# workspace, and drives Chromium through VS Code's browser test protocol so that
# extension-tests.cjs runs in the extension host. Artifacts (screenshot, logs) go to
# target/editor-artifacts. Exit 0 only when every check passed.
#
#   tests/editors/vscode/run.sh            (KEEP_WORK=1 keeps the temp dir)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
HERE=$REPO/tests/editors/vscode
EXT=$REPO/editors/vscode
BIN=${SWITCHBOARD_BIN:-target/debug/switchboard}
[[ $BIN == /* ]] || BIN=$REPO/$BIN
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/switchboard-test-editors/vscode
ARTIFACTS=$REPO/target/editor-artifacts
CODE_SERVER_VERSION=4.100.3
PLAYWRIGHT_VERSION=1.65.1
RIPGREP_PACKAGE_VERSION=1.15.11            # @vscode/ripgrep in code-server 4.100.3
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
APT_PACKAGES=(ripgrep libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config chromium
  build-essential python3)

START=$SECONDS
PHASE_START=$SECONDS
TIMINGS=()
phase() { # phase NAME: ends the previous phase, prints the next one's name
  if [[ -n ${PHASE:-} ]]; then TIMINGS+=("$(printf '%-34s %4ss' "$PHASE" $((SECONDS - PHASE_START)))"); fi
  PHASE=$1
  PHASE_START=$SECONDS
  printf '\n==> %s\n' "$PHASE"
}
die() { printf 'vscode test: %s\n' "$*" >&2; exit 1; }

# This run's artifacts only: a stale screenshot must not pass for a new one.
mkdir -p "$ARTIFACTS"
# The screenshots a passing run leaves (kept as CI artifacts): the workbench after the jobs, a
# job's progress with Cancel, an edit waiting for Apply, the closing message, a disabled action
# in the Refactor menu, the spend chart.
SCREENSHOTS=(vscode progress-with-cancel confirm-edit result-message disabled-action spend-chart)
for shot in "${SCREENSHOTS[@]}" vscode-failure vscode-timeout; do rm -f "$ARTIFACTS/$shot.png"; done
rm -rf "$ARTIFACTS/vscode-logs"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-vscode.XXXXXX")
PIDS=()
cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do
    # Each was started with setsid: its id is its process group's (code-server's children too).
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  if [[ -d $WORK ]]; then
    mkdir -p "$ARTIFACTS/vscode-logs"
    for log in npm-install.log package.log install-extension.log fake-provider.log code-server.log \
      test/extension-tests.log test/browser-console.log; do
      [[ -f $WORK/$log ]] && cp "$WORK/$log" "$ARTIFACTS/vscode-logs/" || true
    done
    [[ -d $WORK/test/vscode-logs ]] && cp -r "$WORK/test/vscode-logs" "$ARTIFACTS/vscode-logs/vscode" || true
    if [[ ${KEEP_WORK:-} == 1 ]]; then
      echo "temp dir kept: $WORK"
    else
      rm -rf "$WORK"
    fi
  fi
  if [[ -n ${PHASE:-} ]]; then TIMINGS+=("$(printf '%-34s %4ss' "$PHASE" $((SECONDS - PHASE_START)))"); fi
  printf '\n==> timings\n'
  printf '  %s\n' "${TIMINGS[@]}"
  printf '  %-34s %4ss\n' total $((SECONDS - START))
  if [[ $status -eq 0 ]]; then
    echo "vscode test: PASS"
  else
    echo "vscode test: FAIL (logs in $ARTIFACTS/vscode-logs)" >&2
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# code-server and everything it starts see only the temp dir: no keys, no config, no Ollama.
mkdir -p "$WORK"/{home,config,data,state,cache,tmp,user-data,extensions,switchboard-state,test,workspace}
cs_env=(env -u ANTHROPIC_API_KEY -u OPENAI_API_KEY -u GEMINI_API_KEY -u SWITCHBOARD_CONFIG
  -u SWITCHBOARD_SERVER_PATH -u VSCODE_IPC_HOOK_CLI
  HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/data"
  XDG_STATE_HOME="$WORK/state" XDG_CACHE_HOME="$WORK/cache" TMPDIR="$WORK/tmp"
  SWITCHBOARD_STATE_DIR="$WORK/switchboard-state" OLLAMA_HOST=127.0.0.1:9
  SWITCHBOARD_TEST_DIR="$WORK/test" SWITCHBOARD_TEST_FIXTURE="$HERE/fixture"
  SWITCHBOARD_TEST_EXTENSIONS_DIR="$WORK/extensions")

# --- what this machine needs ------------------------------------------------------------------
phase "system packages"
[[ -x $BIN ]] || die "no server binary at $BIN: build it (cargo build) or set SWITCHBOARD_BIN"
command -v node >/dev/null || die "node is missing: code-server $CODE_SERVER_VERSION needs Node 20"
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
[[ $NODE_MAJOR -ge 20 ]] || die "node $(node --version) is too old: code-server $CODE_SERVER_VERSION needs Node 20"
missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  SUDO=
  [[ $(id -u) -eq 0 ]] || SUDO=sudo
  echo "installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${missing[@]}"
else
  echo "all present"
fi

phase "code-server $CODE_SERVER_VERSION, playwright-core"
TOOLS=$CACHE/code-server-$CODE_SERVER_VERSION-playwright-core-$PLAYWRIGHT_VERSION
if [[ ! -x $TOOLS/node_modules/.bin/code-server || ! -d $TOOLS/node_modules/playwright-core ]]; then
  # @vscode/ripgrep's postinstall downloads rg from GitHub; give it Debian's rg in its cache.
  RG_CACHE=${TMPDIR:-/tmp}/vscode-ripgrep-cache-$RIPGREP_PACKAGE_VERSION
  if [[ ! -f $RG_CACHE/$RIPGREP_ASSET ]]; then
    mkdir -p "$RG_CACHE" "$WORK/rg"
    cp "$(command -v rg)" "$WORK/rg/rg"
    tar czf "$RG_CACHE/$RIPGREP_ASSET" -C "$WORK/rg" rg
  fi
  rm -rf "$TOOLS.partial"
  mkdir -p "$TOOLS.partial"
  echo '{ "private": true }' >"$TOOLS.partial/package.json"
  echo "npm install code-server@$CODE_SERVER_VERSION playwright-core@$PLAYWRIGHT_VERSION (about 2 minutes)"
  (cd "$TOOLS.partial" &&
    npm_config_nodedir=/usr npm_config_yes=true npm_config_unsafe_perm=true npm_config_audit=false \
      npm_config_fund=false npm install --no-save "code-server@$CODE_SERVER_VERSION" \
      "playwright-core@$PLAYWRIGHT_VERSION" --foreground-scripts >"$WORK/npm-install.log" 2>&1) ||
    { tail -40 "$WORK/npm-install.log"; die "installing code-server failed"; }
  rm -rf "$TOOLS"
  mv "$TOOLS.partial" "$TOOLS"
else
  echo "cached in $TOOLS"
fi
CODE_SERVER=$TOOLS/node_modules/.bin/code-server
"${cs_env[@]}" "$CODE_SERVER" --version | head -1

# --- the extension ----------------------------------------------------------------------------
phase "build the extension"
LOCK_SUM=$(sha256sum "$EXT/package-lock.json" | cut -d' ' -f1)
if [[ ! -f $EXT/node_modules/.switchboard-lock-sha256 || $(cat "$EXT/node_modules/.switchboard-lock-sha256") != "$LOCK_SUM" ]]; then
  (cd "$EXT" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$LOCK_SUM" >"$EXT/node_modules/.switchboard-lock-sha256"
else
  echo "node_modules up to date with package-lock.json"
fi
(cd "$EXT" && npx --no-install tsc --noEmit -p .)
echo "type check passed"
(cd "$EXT" && node scripts/package.mjs --target linux-x64 --server "$BIN" --out "$WORK/dist") >"$WORK/package.log" 2>&1 ||
  { cat "$WORK/package.log"; die "packaging the extension failed"; }
VSIX=$(ls "$WORK"/dist/switchboard-linux-x64-*.vsix)
tail -1 "$WORK/package.log"

phase "install the .vsix"
"${cs_env[@]}" "$CODE_SERVER" --user-data-dir "$WORK/user-data" --extensions-dir "$WORK/extensions" \
  --install-extension "$VSIX" >"$WORK/install-extension.log" 2>&1 ||
  { cat "$WORK/install-extension.log"; die "code-server --install-extension failed"; }
INSTALLED=$(ls -d "$WORK"/extensions/switchboard-lsp.switchboard-*)
[[ -x $INSTALLED/server/switchboard ]] || die "the installed extension has no executable server/switchboard"
echo "installed $(basename "$INSTALLED")"

# --- the offline world: fake provider, workspace, code-server ---------------------------------
phase "start the fake provider and code-server"
# Created here: the background shell may open it after the first look below (set -e would stop).
: >"$WORK/fake-provider.log"
setsid "$BIN" fake-provider --listen 127.0.0.1:0 --scenario "$HERE/fixture/scenario.toml" \
  >"$WORK/fake-provider.log" 2>&1 &
PIDS+=($!)
FAKE_URL=
for _ in $(seq 100); do
  FAKE_URL=$(sed -n 's/^listening on \(http:\/\/[0-9.:]*\).*/\1/p' "$WORK/fake-provider.log" | head -1)
  [[ -n $FAKE_URL ]] && break
  kill -0 "${PIDS[-1]}" 2>/dev/null || { cat "$WORK/fake-provider.log"; die "the fake provider exited"; }
  sleep 0.1
done
[[ -n $FAKE_URL ]] || die "the fake provider did not say where it listens"
echo "fake provider at $FAKE_URL"

cp "$HERE/fixture/inventory.py" "$WORK/workspace/"
# The config the Neovim and Helix suites use too, pointed at this run's fake provider.
sed "s|@FAKE_URL@|$FAKE_URL|" "$REPO/tests/editors/switchboard.toml" >"$WORK/workspace/.switchboard.toml"

# The finding's hover below its line in the screenshot, not over the implemented code.
mkdir -p "$WORK/workspace/.vscode"
echo '{ "editor.hover.above": false }' >"$WORK/workspace/.vscode/settings.json"

PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
"${cs_env[@]}" setsid "$CODE_SERVER" --auth none --bind-addr "127.0.0.1:$PORT" \
  --user-data-dir "$WORK/user-data" --extensions-dir "$WORK/extensions" --disable-telemetry \
  --disable-workspace-trust --disable-update-check "$WORK/workspace" >"$WORK/code-server.log" 2>&1 &
PIDS+=($!)
ready=
for _ in $(seq 300); do
  if node -e "fetch('http://127.0.0.1:$PORT/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; then
    ready=1
    break
  fi
  kill -0 "${PIDS[-1]}" 2>/dev/null || { cat "$WORK/code-server.log"; die "code-server exited"; }
  sleep 0.2
done
[[ -n $ready ]] || { cat "$WORK/code-server.log"; die "code-server did not answer on port $PORT"; }
echo "code-server on http://127.0.0.1:$PORT"

# --- the test ---------------------------------------------------------------------------------
phase "run the tests in VS Code"
REMOTE=vscode-remote://127.0.0.1:$PORT
URL=$(node -e '
  const [port, folder, ext, tests] = process.argv.slice(1);
  const payload = JSON.stringify([["extensionDevelopmentPath", ext], ["extensionTestsPath", tests]]);
  console.log(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(payload)}`);
' "$PORT" "$WORK/workspace" "$REMOTE$INSTALLED" "$REMOTE$HERE/extension-tests.cjs")
set +e
# Chromium too keeps its crash reports and config under the temp HOME.
"${cs_env[@]}" PLAYWRIGHT_CORE="$TOOLS/node_modules/playwright-core" node "$HERE/drive.cjs" "$URL" "$ARTIFACTS" "$WORK/test"
DRIVE=$?
set -e
[[ -f $WORK/test/extension-tests.log ]] && sed 's/^/  | /' "$WORK/test/extension-tests.log"
[[ $DRIVE -eq 0 ]] || die "VS Code reported failure (exit $DRIVE)"
grep -qx PASS "$WORK/test/extension-tests.log" || die "the test module did not report PASS"
for shot in "${SCREENSHOTS[@]}"; do
  [[ -s $ARTIFACTS/$shot.png ]] || die "no screenshot at $ARTIFACTS/$shot.png"
  echo "screenshot: $ARTIFACTS/$shot.png"
done
echo "vsix: $(basename "$VSIX") ($(du -h "$VSIX" | cut -f1))"

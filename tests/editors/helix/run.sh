#!/usr/bin/env bash
# Tests editors/helix/languages.toml in a real Helix 25.01 (from Debian trixie) driven through tmux, offline against switchboard's fake provider; installs what it needs.
#
#   tests/editors/helix/run.sh
#
# The server binary is $SWITCHBOARD_BIN (default target/debug/switchboard, relative to the repo
# root); build it first. Helix 25.01.1 is unpacked from Debian trixie's packages into
# ${XDG_CACHE_HOME:-$HOME/.cache}/switchboard-test-editors and runs through trixie's own loader
# (the system's apt state is left alone for that); tmux comes from apt when missing.
# SWITCHBOARD_TEST_HX=/path/to/hx tests another Helix instead.
# What it does, as a user would: opens a Python file, selects lines, presses `space a`, checks
# the switchboard actions are listed, runs Implement, `:w`, and checks the edit in the buffer and
# on disk; then Review (the finding in the diagnostics picker) and Explain (the answer's path in
# the status line, as Helix 25.01 has no window/showDocument). Exit 0 only on success.
set -euo pipefail

started=$(date +%s)
repo=$(cd "$(dirname "$0")/../../.." && pwd)
here=$repo/tests/editors/helix
cache=${XDG_CACHE_HOME:-$HOME/.cache}/switchboard-test-editors
hx_dir=$cache/helix-25.01-trixie

. "$repo/tests/editors/lib.sh"

# --- tmux -------------------------------------------------------------------------------------
if ! command -v tmux >/dev/null; then
  say "installing tmux (apt-get install tmux)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq tmux >/dev/null
fi
say "$(tmux -V) ready"

# --- Helix 25.01: Debian trixie's packages, unpacked, run through trixie's loader -------------
t=$(date +%s)
hx=${SWITCHBOARD_TEST_HX:-}
if [ -z "$hx" ]; then
  mkdir -p "$cache"
  exec 9>"$cache/.lock-helix"
  flock 9 # one install at a time, when several runs share the cache
  hx=$hx_dir/bin/hx
  if ! "$hx" --version 2>/dev/null | grep -q '^helix 25\.01'; then
    say "unpacking Helix 25.01 from Debian trixie into $hx_dir"
    unpack_trixie hx "$hx_dir" usr/lib/hx/hx HELIX_RUNTIME usr/lib/hx/runtime
  fi
  flock -u 9
fi
hx_version=$("$hx" --version 2>/dev/null | head -n1 || true)
case $hx_version in
  "helix 25.01.1"*) ;;
  "helix "*) echo "note: testing $hx_version (this test was written against 25.01.1)" ;;
  *) die "$hx does not run: $hx_version" ;;
esac
say "$hx_version ready ($(elapsed "$t"))"

# --- Scratch space, cleanup -------------------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-helix-test.XXXXXX")
sock=$tmp/tmux.sock
fake_pid=
cleanup() {
  tmux -S "$sock" kill-server 2>/dev/null || true
  if [ -n "$fake_pid" ]; then kill "$fake_pid" 2>/dev/null || true; wait "$fake_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- The fake provider ------------------------------------------------------------------------
start_fake_provider "$here/scenario.toml" "$tmp"

# --- Workspace and Helix config ---------------------------------------------------------------
ws=$tmp/ws
mkdir -p "$ws" "$tmp/home" "$tmp/config/helix" "$tmp/cache" "$tmp/state" "$tmp/data" "$tmp/sb-state"
cp "$here/fixture/inventory.py" "$ws/"
# A bare directory on purpose (no .git, .jj or .helix): Helix 25.01 then sends no workspace
# folder, only rootPath, and the server must still find .switchboard.toml there.
write_config "$ws/.switchboard.toml"
# Progress messages in the status line, as editors/helix/README.md advises.
printf '[editor.lsp]\ndisplay-progress-messages = true\n' >"$tmp/config/helix/config.toml"
# The repository's languages.toml, its command pointed at the binary under test.
sed "s|^command = \"switchboard\"|command = \"$bin\"|" "$repo/editors/helix/languages.toml" \
  >"$tmp/config/helix/languages.toml"
grep -qx "command = \"$bin\"" "$tmp/config/helix/languages.toml" ||
  die "editors/helix/languages.toml has no line 'command = \"switchboard\"' to point at the test binary"

# --- Driving Helix in tmux --------------------------------------------------------------------
tmux_() { tmux -S "$sock" "$@"; }
screen() { tmux_ capture-pane -p -t hx 2>/dev/null || true; }
keys() { tmux_ send-keys -t hx "$@"; sleep 0.2; }
failed_at() {
  echo "  --- the screen ---"; screen | sed 's/^/  | /'
  echo "  --- Helix log (tail) ---"; tail -n 25 "$tmp/cache/helix/helix.log" 2>/dev/null | cut -c1-400 || true
  echo "  --- fake provider (tail) ---"; tail -n 10 "$tmp/fake.err" || true
  die "$*"
}
# Waits up to SECONDS for the screen to contain TEXT (a fixed string).
wait_for() { # SECONDS TEXT
  local deadline=$(( $(date +%s) + $1 ))
  while [ "$(date +%s)" -le "$deadline" ]; do
    screen | grep -qF -- "$2" && return 0
    sleep 0.2
  done
  return 1
}
step() { say "[$(elapsed "$started")] $*"; }

tmux_ -f /dev/null new-session -d -s hx -x 160 -y 40 \
  "cd '$ws' && exec env -u ANTHROPIC_API_KEY -u OPENAI_API_KEY -u GEMINI_API_KEY -u SWITCHBOARD_CONFIG \
   HOME='$tmp/home' XDG_CONFIG_HOME='$tmp/config' XDG_CACHE_HOME='$tmp/cache' XDG_STATE_HOME='$tmp/state' \
   XDG_DATA_HOME='$tmp/data' SWITCHBOARD_STATE_DIR='$tmp/sb-state' OLLAMA_HOST=127.0.0.1:9 TERM=tmux-256color \
   '$hx' -v inventory.py"
wait_for 20 'class Inventory:' || failed_at "Helix did not show inventory.py"
step "hx inventory.py is open"

# Lines 8-10 (`add`): `8G` goes to line 8, each `x` selects one more line.
keys 8 G
keys x x x
# `space a` until switchboard's actions are there (the server may still be starting).
listed=
deadline=$(( $(date +%s) + 30 ))
while [ "$(date +%s)" -le "$deadline" ]; do
  keys Space a
  if wait_for 3 'Implement with coder'; then listed=1; break; fi
  keys Escape
done
[ -n "$listed" ] || failed_at "space a never listed 'Implement with coder'"
menu=$(screen)
for title in 'Implement with coder (~$' 'Review with reviewer (~$' 'Explain with searcher (~$' 'Plan with coder (~$'; do
  grep -qF -- "$title" <<<"$menu" || failed_at "the code action menu lacks '$title'"
done
step "space a lists: $(grep -oE '(Implement|Review|Explain|Plan) with [a-z]+ \(~\$[0-9.]+\)' <<<"$menu" | paste -sd'|' | sed 's/|/ | /g')"

# Moves the menu's selection down to TITLE and runs it. The selected item is the one drawn in
# reverse video (Helix's default theme), which `capture-pane -e` shows as ESC[7m before it.
choose() { # TITLE
  local _
  for _ in $(seq 30); do
    if tmux_ capture-pane -e -p -t hx | sed -e 's/\x1b\[7m/@@SELECTED@@/g' -e 's/\x1b\[[0-9;]*m//g' |
       grep -qF -- "@@SELECTED@@ $1"; then
      keys Enter
      return 0
    fi
    keys Down
  done
  failed_at "could not move the menu's selection to '$1'"
}

t=$(date +%s)
choose 'Implement with coder'
wait_for 30 'raise ValueError(f"cannot add {count} {name}: counts are positive")' ||
  failed_at "the implement edit did not reach the buffer"
wait_for 5 '# 📦 → stock kept' || failed_at "the edit after the emoji is not in the buffer"
step "Implement ran; the edit is in the buffer ($(elapsed "$t"))"
# The status line says how it ended: outcome, model, cost and the trace id.
wait_for 10 'switchboard: implement by coder: applied to inventory.py · $' ||
  failed_at "the status line does not say how Implement ended"
told=$(screen | grep -oE 'switchboard: implement by coder: applied to inventory.py · \$[0-9.]+ · trace [0-9a-f]+' | head -n1)
[ -n "$told" ] || failed_at "the status line's message lacks the cost or the trace id"
trace=${told##* }
SWITCHBOARD_STATE_DIR="$tmp/sb-state" "$bin" trace "$trace" >"$tmp/trace.out" 2>&1 ||
  failed_at "switchboard trace $trace (the id the status line gave) failed: $(cat "$tmp/trace.out")"
step "the status line told: $told; switchboard trace $trace finds it"
keys Escape
keys : w Enter
wait_for 10 'written' || failed_at ":w did not write inventory.py"
if ! diff -u "$here/expected-inventory.py" "$ws/inventory.py"; then
  failed_at "inventory.py on disk is not as expected (diff above)"
fi
screen_now=$(screen)
while IFS= read -r line; do
  [ -z "${line// /}" ] && continue
  grep -qF -- "$line" <<<"$screen_now" || failed_at "the buffer does not show: $line"
done < <(sed -n '8,11p' "$here/expected-inventory.py")
step ":w wrote it; buffer and disk hold exactly the expected text"

# Review `remove` (lines 13-14): the finding is a diagnostic, listed by `space d`.
t=$(date +%s)
keys 13 G
keys x x
keys Space a
wait_for 10 'Review with reviewer' || failed_at "space a did not list Review on lines 13-14"
choose 'Review with reviewer'
deadline=$(( $(date +%s) + 30 ))
found=
while [ "$(date +%s)" -le "$deadline" ]; do
  keys Space d
  if wait_for 2 'remove() lets a count go below zero'; then found=1; break; fi
  keys Escape
done
[ -n "$found" ] || failed_at "the review finding never showed in the diagnostics picker (space d)"
keys Escape
step "Review ran; its finding is in the diagnostics picker ($(elapsed "$t"))"

# Explain `total` (lines 16-17): Helix 25.01 has no window/showDocument, so the server names the
# answer's path in the status line (25.07+ opens the answer instead; either is accepted).
t=$(date +%s)
keys 16 G
keys x x
keys Space a
wait_for 10 'Explain with searcher' || failed_at "space a did not list Explain on lines 16-17"
choose 'Explain with searcher'
deadline=$(( $(date +%s) + 30 ))
answer=
while [ -z "$answer" ] && [ "$(date +%s)" -le "$deadline" ]; do
  answer=$(screen | grep -oE '/[^ ]*/answers/[0-9a-f]+\.md' | head -n1 || true)
  [ -n "$answer" ] || sleep 0.2
done
[ -n "$answer" ] || failed_at "the answer's path shows nowhere (status line or an opened buffer)"
[ -f "$answer" ] && grep -qF 'inventory.py:16-17' "$answer" || failed_at "the answer file $answer is missing or wrong"
if screen | grep -qF "switchboard: search by searcher: answered in $answer"; then how="the status line names it"; else how="Helix opened it"; fi
step "Explain ran; $how: $answer ($(elapsed "$t"))"

# Plan `total` (a slow answer): its progress names the model, the tokens and the dollars so
# far, and `:lsp-workspace-command switchboard.cancel` stops it; nothing is applied.
t=$(date +%s)
keys 16 G
keys x x
keys Space a
wait_for 10 'Plan with coder' || failed_at "space a did not list Plan on lines 16-17"
choose 'Plan with coder'
wait_for 20 'tokens, ~$' || failed_at "the plan's progress never named its tokens and dollars"
progress_line=$(screen | grep -oE 'coder: ~[0-9]+ tokens, ~\$[0-9.]+ so far' | head -n1)
keys : l s p - w o r k s p a c e - c o m m a n d Space s w i t c h b o a r d . c a n c e l Enter
wait_for 20 'switchboard: plan by coder: cancelled, nothing applied' ||
  failed_at "switchboard.cancel did not stop the plan"
step "Plan's progress showed '$progress_line'; :lsp-workspace-command switchboard.cancel cancelled it ($(elapsed "$t"))"

keys : q a ! Enter
for _ in $(seq 50); do tmux_ has-session -t hx 2>/dev/null || break; sleep 0.1; done

echo
say "Helix test of editors/helix passed with $hx_version in $(elapsed "$started")"

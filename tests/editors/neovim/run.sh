#!/usr/bin/env bash
# Tests editors/neovim in real Neovims (0.7.2 from Debian bookworm, 0.10.4 from trixie), headless and offline against switchboard's fake provider; installs what it needs.
#
#   tests/editors/neovim/run.sh
#
# The server binary is $SWITCHBOARD_BIN (default target/debug/switchboard, relative to the repo
# root); build it first. Neovim 0.7.2 comes from apt (Debian bookworm), 0.10.4 is unpacked from
# Debian trixie's packages into ${XDG_CACHE_HOME:-$HOME/.cache}/switchboard-test-editors and runs
# through trixie's own loader; the system's apt state is left alone for that. More Neovims can be
# added with SWITCHBOARD_TEST_NVIM="/path/to/nvim ..." (e.g. a 0.11+ for vim.lsp.enable).
# Exit 0 only when every Neovim passed every check.
set -euo pipefail

started=$(date +%s)
repo=$(cd "$(dirname "$0")/../../.." && pwd)
here=$repo/tests/editors/neovim
cache=${XDG_CACHE_HOME:-$HOME/.cache}/switchboard-test-editors
nvim_010_dir=$cache/nvim-0.10-trixie

. "$repo/tests/editors/lib.sh"
mkdir -p "$cache"
exec 9>"$cache/.lock-neovim"
flock 9 # one install at a time, when several runs share the cache

# --- Neovim 0.7.2: Debian bookworm's package --------------------------------------------------
t=$(date +%s)
if ! /usr/bin/nvim --version 2>/dev/null | head -n1 | grep -qx 'NVIM v0.7.2'; then
  say "installing Neovim 0.7.2 (apt-get install neovim)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq neovim >/dev/null
fi
/usr/bin/nvim --version | head -n1 | grep -qx 'NVIM v0.7.2' ||
  die "/usr/bin/nvim is not Neovim 0.7.2 (is this Debian bookworm?): $(/usr/bin/nvim --version | head -n1)"
say "Neovim 0.7.2 ready ($(elapsed "$t"))"

# --- Neovim 0.10.4: Debian trixie's packages, unpacked, run through trixie's loader ---------
t=$(date +%s)
if ! "$nvim_010_dir/bin/nvim" --version 2>/dev/null | head -n1 | grep -q '^NVIM v0\.10\.'; then
  say "unpacking Neovim 0.10 from Debian trixie into $nvim_010_dir"
  unpack_trixie neovim "$nvim_010_dir" usr/bin/nvim VIMRUNTIME usr/share/nvim/runtime
fi
v010=$("$nvim_010_dir/bin/nvim" --version | head -n1)
echo "$v010" | grep -q '^NVIM v0\.10\.' || die "$nvim_010_dir/bin/nvim is not Neovim 0.10: $v010"
[ "$v010" = "NVIM v0.10.4" ] || echo "note: trixie now has $v010 (this test was written against 0.10.4)"
say "$v010 ready ($(elapsed "$t"))"
flock -u 9

# --- The fake provider ------------------------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-nvim-test.XXXXXX")
fake_pid=
cleanup() {
  if [ -n "$fake_pid" ]; then kill "$fake_pid" 2>/dev/null || true; wait "$fake_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_fake_provider "$here/scenario.toml" "$tmp"

# --- One headless Neovim ----------------------------------------------------------------------
run_one() { # NAME NVIM
  local name=$1 nvim=$2 dir=$tmp/$1 rc=0 t
  t=$(date +%s)
  mkdir -p "$dir/ws" "$dir/home" "$dir/config" "$dir/state" "$dir/cache" "$dir/data" "$dir/sb-state"
  cp "$here/fixture/inventory.py" "$dir/ws/"
  write_config "$dir/ws/.switchboard.toml"
  say "$name: $("$nvim" --version | head -n1) ($nvim)"
  (cd "$dir/ws" && env -u ANTHROPIC_API_KEY -u OPENAI_API_KEY -u GEMINI_API_KEY -u SWITCHBOARD_CONFIG \
    HOME="$dir/home" XDG_CONFIG_HOME="$dir/config" XDG_STATE_HOME="$dir/state" XDG_CACHE_HOME="$dir/cache" \
    XDG_DATA_HOME="$dir/data" SWITCHBOARD_STATE_DIR="$dir/sb-state" OLLAMA_HOST=127.0.0.1:9 \
    SB_PLUGIN="$repo/editors/neovim" SB_BIN="$bin" SB_WORKSPACE="$dir/ws" SB_HELP_DIR="$dir/help" \
    timeout -k 5 180 "$nvim" --headless --clean -n -i NONE -u "$here/test.lua" </dev/null 2>"$dir/nvim.messages") || rc=$?
  if [ "$rc" = 0 ]; then
    say "$name: passed ($(elapsed "$t"))"
    results+=("$name: passed in $(elapsed "$t")")
  else
    [ "$rc" = 124 ] && echo "  FAIL: Neovim did not finish within 180 s"
    echo "  --- Neovim's messages ---"
    tr '\r' '\n' <"$dir/nvim.messages" | tail -n 20 || true
    echo "  --- Neovim's LSP log (tail) ---"
    tail -n 40 "$dir"/state/nvim/lsp.log "$dir"/cache/nvim/lsp.log 2>/dev/null || true
    echo "  --- fake provider stderr (tail) ---"
    tail -n 20 "$tmp/fake.err" || true
    say "$name: FAILED (exit $rc, $(elapsed "$t"))"
    results+=("$name: FAILED (exit $rc)")
    failed=1
  fi
}

results=()
failed=0
run_one nvim-0.7 /usr/bin/nvim
run_one nvim-0.10 "$nvim_010_dir/bin/nvim"
i=0
for extra in ${SWITCHBOARD_TEST_NVIM:-}; do
  i=$((i + 1))
  run_one "nvim-extra-$i" "$extra"
done

echo
say "Neovim tests of editors/neovim, $(elapsed "$started") in all:"
printf '    %s\n' "${results[@]}"
[ "$failed" = 0 ] || die "some Neovim tests failed (see above)"
say "all passed"

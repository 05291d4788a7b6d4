# What the terminal-editor suites (Neovim, Helix) share: messages, root installs, the server
# binary, an editor unpacked from Debian trixie's packages, and the fake provider.
# Sourced, not run: `. "$repo/tests/editors/lib.sh"` after setting `repo` and `cache`.

say() { printf '==> %s\n' "$*"; }
die() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
elapsed() { echo "$(( $(date +%s) - $1 ))s"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "installing needs root (or sudo): $*"
  fi
}

for tool in timeout flock dpkg-deb apt-get; do
  command -v "$tool" >/dev/null || die "$tool is missing (coreutils / util-linux / apt)"
done

# The server under test: $SWITCHBOARD_BIN, default target/debug/switchboard, relative to the repo.
bin=${SWITCHBOARD_BIN:-target/debug/switchboard}
case $bin in /*) ;; *) bin=$repo/$bin ;; esac
[ -x "$bin" ] || die "no switchboard binary at $bin: build it (cargo build) or set SWITCHBOARD_BIN"

# unpack_trixie PACKAGE DEST EXE RUNTIME_VAR RUNTIME_DIR
# Unpacks PACKAGE and everything it depends on in Debian trixie (its libc6 and loader included)
# into DEST, without touching the system's apt state, and writes DEST/bin/<name of EXE>: a
# wrapper that runs tree/EXE through trixie's own loader with RUNTIME_VAR=tree/RUNTIME_DIR.
# The wrapper finds its own directory at run time, so the tree can move. Callers hold a lock.
unpack_trixie() {
  local package=$1 dest=$2 exe=$3 runtime_var=$4 runtime_dir=$5 name tmp work mirror lib d
  name=$(basename "$exe")
  rm -rf "$cache/.unpack-$package".* # left by an interrupted run (the caller holds the lock)
  tmp=$(mktemp -d "$cache/.unpack-$package.XXXXXX")
  work=$tmp/.apt
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$tmp/tree" "$tmp/bin"
  # The Debian mirror this machine uses already (deb822 or one-line sources), else the default.
  mirror=$(sed -n 's/^URIs: *\([^ ]*\/debian\)\/*$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1 || true)
  [ -n "$mirror" ] || mirror=$(sed -n 's/^deb  *\(\[[^]]*\]  *\)\{0,1\}\([^ ]*\/debian\)\/* .*/\2/p' /etc/apt/sources.list 2>/dev/null | head -n1 || true)
  [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
  echo "deb $mirror trixie main" > "$work/sources.list"
  local O=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
           -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache" -o APT::Architecture=amd64
           -o APT::Sandbox::User=root)
  apt-get "${O[@]}" update -qq
  local pkgs
  mapfile -t pkgs < <(apt-cache "${O[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances --no-pre-depends "$package" | grep -v '^[ <]' | sort -u)
  [ "${#pkgs[@]}" -gt 1 ] || die "could not resolve $package's packages in trixie from $mirror"
  (cd "$work/debs" && for p in "${pkgs[@]}"; do apt-get "${O[@]}" download "$p" >/dev/null 2>&1 || echo "note: $p not in trixie"; done)
  for d in "$work"/debs/*.deb; do dpkg-deb -x "$d" "$tmp/tree"; done
  lib=tree/usr/lib/x86_64-linux-gnu
  [ -x "$tmp/$lib/ld-linux-x86-64.so.2" ] && [ -x "$tmp/tree/$exe" ] ||
    die "the unpacked trixie packages lack $exe or the loader"
  cat > "$tmp/bin/$name" <<W
#!/bin/sh
d=\$(cd "\$(dirname "\$0")/.." && pwd)
$runtime_var=\$d/tree/$runtime_dir exec "\$d/$lib/ld-linux-x86-64.so.2" --library-path "\$d/$lib" "\$d/tree/$exe" "\$@"
W
  chmod +x "$tmp/bin/$name"
  rm -rf "$work" "$dest"
  mv "$tmp" "$dest"
}

# write_config DEST: the suites' workspace config (tests/editors/switchboard.toml), pointed at
# the fake provider that start_fake_provider started.
write_config() {
  sed "s|@FAKE_URL@|http://$fake|" "$repo/tests/editors/switchboard.toml" > "$1"
}

# start_fake_provider SCENARIO DIR: starts `switchboard fake-provider` with its request log and
# output in DIR; sets fake (host:port) and fake_pid. The caller's cleanup kills fake_pid.
start_fake_provider() {
  local scenario=$1 dir=$2
  "$bin" fake-provider --listen 127.0.0.1:0 --scenario "$scenario" --log "$dir/fake-requests.jsonl" \
    >"$dir/fake.out" 2>"$dir/fake.err" &
  fake_pid=$!
  for _ in $(seq 100); do
    grep -q '^listening on http://' "$dir/fake.out" 2>/dev/null && break
    kill -0 "$fake_pid" 2>/dev/null || die "the fake provider exited: $(cat "$dir/fake.err")"
    sleep 0.1
  done
  fake=$(sed -n 's|^listening on http://\([^ ]*\).*|\1|p' "$dir/fake.out" | head -n1)
  [ -n "$fake" ] || die "the fake provider did not say where it listens: $(cat "$dir/fake.out" "$dir/fake.err")"
  say "fake provider on $fake (pid $fake_pid)"
}

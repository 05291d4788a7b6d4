// Packages the extension with vsce into dist/. Without --target: a universal .vsix without a
// server (it uses switchboard.server.path, SWITCHBOARD_SERVER_PATH or PATH). With --target
// (e.g. linux-x64): a platform .vsix carrying the server binary as server/switchboard, taken from
// --server PATH, else $SWITCHBOARD_BIN, else target/release then target/debug of the repository.
// The copy is stripped of debug info when `strip` is available (--no-strip keeps it).
//
//   node scripts/package.mjs [--target linux-x64] [--server PATH] [--out DIR] [--no-strip]
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(root, '..', '..');
const argv = process.argv.slice(2);
const option = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const target = option('--target');
const outDir = resolve(option('--out') ?? join(root, 'dist'));
const strip = !argv.includes('--no-strip');
const { name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

const serverDir = join(root, 'server');
rmSync(serverDir, { recursive: true, force: true });
let vsix;
if (target) {
  const exe = target.startsWith('win32') ? 'switchboard.exe' : 'switchboard';
  const candidates = [
    option('--server'),
    process.env.SWITCHBOARD_BIN && resolve(repo, process.env.SWITCHBOARD_BIN),
    join(repo, 'target', 'release', exe),
    join(repo, 'target', 'debug', exe),
  ].filter(Boolean);
  const server = candidates.find((p) => existsSync(p) && statSync(p).isFile());
  if (!server) {
    fail(`no server binary for ${target}: looked at ${candidates.join(', ')}; build it (cargo build --release) or pass --server PATH`);
  }
  mkdirSync(serverDir, { recursive: true });
  const copy = join(serverDir, exe);
  const stripped =
    strip && !target.startsWith('win32') && spawnSync('strip', ['--strip-debug', '-o', copy, server], { stdio: 'inherit' }).status === 0;
  if (!stripped) {
    copyFileSync(server, copy);
  }
  chmodSync(copy, 0o755);
  console.log(`package: server ${server} -> server/${exe}${stripped ? ' (debug info stripped)' : ''}`);
  vsix = join(outDir, `${name}-${target}-${version}.vsix`);
} else {
  vsix = join(outDir, `${name}-${version}.vsix`);
}

mkdirSync(outDir, { recursive: true });
const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
if (!existsSync(vsce)) {
  fail('vsce is missing: run `npm ci` first');
}
const args = [vsce, 'package', '--no-dependencies', '--skip-license', '--out', vsix];
if (target) {
  args.push('--target', target);
}
try {
  execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
} finally {
  rmSync(serverDir, { recursive: true, force: true });
}
console.log(`package: ${vsix} (${(statSync(vsix).size / 1e6).toFixed(1)} MB)`);

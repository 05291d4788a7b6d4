// Finds the switchboard server binary: SWITCHBOARD_SERVER_PATH, then the `switchboard.server.path`
// setting, then the binary bundled in a platform .vsix (server/switchboard), then PATH — the
// order rust-analyzer and typos-vscode use. A miss is an error that says what to set.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';

/** Where the server was found, and how (shown in the log and the status bar tooltip). */
export interface ServerLocation {
  path: string;
  source: 'SWITCHBOARD_SERVER_PATH' | 'switchboard.server.path' | 'bundled' | 'PATH';
}

/** A server that cannot be found or run; `message` says what to set. */
export class ServerNotFound extends Error {}

const EXE = process.platform === 'win32' ? 'switchboard.exe' : 'switchboard';

function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) {
      return false;
    }
    fs.accessSync(file, process.platform === 'win32' ? fs.constants.R_OK : fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `~` and `${workspaceFolder}`, and a relative path taken from the first workspace folder. */
function expand(configured: string): string {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  let p = configured.trim();
  if (p === '~' || p.startsWith('~/')) {
    p = path.join(os.homedir(), p.slice(1));
  }
  if (folder) {
    p = p.replace(/\$\{workspaceFolder\}/g, folder);
    if (!path.isAbsolute(p) && p.includes(path.sep)) {
      p = path.join(folder, p);
    }
  }
  return p;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutableFile(path.join(dir, name))) {
      return path.join(dir, name);
    }
  }
  return undefined;
}

/**
 * The server to run. An explicitly configured path that does not work is an error rather than
 * a silent fall-through, so a typo in a setting is noticed.
 */
export function findServer(extensionPath: string): ServerLocation {
  const fromEnv = process.env.SWITCHBOARD_SERVER_PATH;
  if (fromEnv && fromEnv.trim() !== '') {
    const p = expand(fromEnv);
    if (!isExecutableFile(p)) {
      throw new ServerNotFound(
        `switchboard: SWITCHBOARD_SERVER_PATH is ${fromEnv}, which is not an executable file. ` +
          'Point it at the switchboard binary, or unset it.',
      );
    }
    return { path: p, source: 'SWITCHBOARD_SERVER_PATH' };
  }
  const configured = vscode.workspace.getConfiguration('switchboard').get<string>('server.path', '');
  if (configured.trim() !== '') {
    const p = expand(configured);
    const found = path.isAbsolute(p) ? (isExecutableFile(p) ? p : undefined) : onPath(p);
    if (!found) {
      throw new ServerNotFound(
        `switchboard: the setting switchboard.server.path is ${configured}, which is not an executable file. ` +
          'Point it at the switchboard binary, or clear it to use the bundled one or PATH.',
      );
    }
    return { path: found, source: 'switchboard.server.path' };
  }
  const bundled = path.join(extensionPath, 'server', EXE);
  if (isExecutableFile(bundled)) {
    return { path: bundled, source: 'bundled' };
  }
  const found = onPath(EXE);
  if (found) {
    return { path: found, source: 'PATH' };
  }
  throw new ServerNotFound(
    'switchboard: no server found. Set the setting switchboard.server.path (or the environment ' +
      'variable SWITCHBOARD_SERVER_PATH) to the switchboard binary, put switchboard on PATH ' +
      '(cargo install --path server/switchboard), or install the platform build of this extension, which carries it.',
  );
}

// Turns the `switchboard.*` settings into the server's LSP config layer: an object of the config
// TOML's structure, sent as initializationOptions and in workspace/didChangeConfiguration.
// Only values the user set are sent (never package.json defaults), so a setting left alone does
// not override `.switchboard.toml`; extension-only keys (server.path, trace) stay out, because the
// server rejects keys it does not know.

import * as vscode from 'vscode';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const ROLES = ['implement', 'review', 'search', 'plan', 'vision'];

/** Setting keys (under `switchboard.`) that map one to one onto `section.key` of the config. */
const SCALARS: Array<[section: string, key: string]> = [
  ['budget', 'per_day_usd'],
  ['budget', 'per_request_usd'],
  ['budget', 'per_month_usd'],
  ['budget', 'on_exceed'],
  ['privacy', 'exclude'],
  ['privacy', 'redact_secrets'],
  ['edits', 'confirm'],
];

/** The value the user set (folder over workspace over user), or undefined when it is a default. */
function explicit<T>(config: vscode.WorkspaceConfiguration, key: string): T | undefined {
  const seen = config.inspect<T>(key);
  if (!seen) {
    return undefined;
  }
  const value = seen.workspaceFolderValue ?? seen.workspaceValue ?? seen.globalValue;
  return value === null ? undefined : value;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `over` merged onto `base` key by key through objects; arrays and scalars replace. */
function merge(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? merge(current, value) : value;
  }
  return out;
}

/** Drops nulls, which the server refuses ("without nulls"), recursively. */
function withoutNulls(value: Json): Json | undefined {
  if (value === null) {
    return undefined;
  }
  if (Array.isArray(value)) {
    return value.map(withoutNulls).filter((v): v is Json => v !== undefined);
  }
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [key, v] of Object.entries(value)) {
      const kept = withoutNulls(v);
      if (kept !== undefined) {
        out[key] = kept;
      }
    }
    return out;
  }
  return value;
}

/** The LSP config layer from the current settings; `{}` when the user set nothing. */
export function serverSettings(scope?: vscode.ConfigurationScope): JsonObject {
  const config = vscode.workspace.getConfiguration('switchboard', scope);
  const extra = explicit<Json>(config, 'config');
  let out: JsonObject = isObject(extra) ? (withoutNulls(extra) as JsonObject) : {};
  const layer: JsonObject = {};
  const roles: JsonObject = {};
  for (const role of ROLES) {
    const models = explicit<string[]>(config, `roles.${role}`);
    // An empty list means "not set here", as the setting's description says.
    if (Array.isArray(models) && models.length > 0) {
      roles[role] = models.filter((m) => typeof m === 'string' && m.trim() !== '');
    }
  }
  if (Object.keys(roles).length > 0) {
    layer.roles = roles;
  }
  for (const [section, key] of SCALARS) {
    const value = explicit<Json>(config, `${section}.${key}`);
    if (value !== undefined) {
      const table = (layer[section] as JsonObject | undefined) ?? {};
      table[key] = value;
      layer[section] = table;
    }
  }
  out = merge(out, layer);
  return out;
}

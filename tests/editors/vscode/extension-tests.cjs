// The test module VS Code's extension host (code-server) loads through `extensionTestsPath`:
// it runs with the real `vscode` API, the installed .vsix and the real server against the fake
// provider, and checks the extension end to end. run.sh sets SWITCHBOARD_TEST_DIR (log,
// screenshot handshake with drive.cjs) and SWITCHBOARD_TEST_FIXTURE (expected texts).
// run() resolving is a pass, throwing a failure; the exit code reaches drive.cjs through
// codeAutomationExit.
// @ts-check
'use strict';

const assert = require('assert');
const fs = require('fs');
const path = require('path');
const vscode = require('vscode');

const testDir = process.env.SWITCHBOARD_TEST_DIR || '/tmp';
const fixtureDir = process.env.SWITCHBOARD_TEST_FIXTURE || __dirname;
const extensionsDir = process.env.SWITCHBOARD_TEST_EXTENSIONS_DIR;
const logFile = path.join(testDir, 'extension-tests.log');
const EXTENSION_ID = 'switchboard-lsp.switchboard';

function log(line) {
  fs.appendFileSync(logFile, `${line}\n`);
}

/** Runs one named check, logging its time and, on failure, why. */
async function step(name, fn) {
  const started = Date.now();
  log(`- ${name}`);
  try {
    const result = await fn();
    log(`  ok (${Date.now() - started} ms)`);
    return result;
  } catch (err) {
    log(`  FAILED after ${Date.now() - started} ms: ${err && err.stack ? err.stack : err}`);
    throw err;
  }
}

/** Polls `fn` until it returns something truthy. */
async function until(what, fn, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) {
      return last;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Asks drive.cjs (outside, with the browser) for a screenshot and waits until it is taken. */
async function screenshot(name) {
  const request = path.join(testDir, 'screenshot-request');
  const done = path.join(testDir, 'screenshot-done');
  fs.rmSync(done, { force: true });
  fs.writeFileSync(request, name);
  try {
    await until(`the screenshot ${name}`, () => fs.existsSync(done) && fs.readFileSync(done, 'utf8') === name, 30000);
  } finally {
    fs.rmSync(request, { force: true });
  }
}

/** Asks drive.cjs to click the button labelled `label` (a dialog's, a notification's). */
async function click(label) {
  const request = path.join(testDir, 'click-request');
  const done = path.join(testDir, 'click-done');
  fs.rmSync(done, { force: true });
  fs.writeFileSync(request, label);
  try {
    await until(`a click on ${label}`, () => fs.existsSync(done) && fs.readFileSync(done, 'utf8') === label, 30000);
  } finally {
    fs.rmSync(request, { force: true });
  }
}

function switchboardDiagnostics(uri) {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'switchboard');
}

async function main() {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed`);

  const api = await step('the extension activates and finds the bundled server', async () => {
    const exported = await ext.activate();
    assert.ok(exported && typeof exported.ready === 'function', 'activate() returned no API');
    const location = await exported.ready();
    log(`  extension at ${ext.extensionPath}; server ${location.path} (${location.source})`);
    if (extensionsDir) {
      assert.ok(
        path.resolve(ext.extensionPath).startsWith(path.resolve(extensionsDir) + path.sep),
        `the extension runs from ${ext.extensionPath}, not from the installed .vsix in ${extensionsDir}`,
      );
    }
    assert.strictEqual(location.source, 'bundled');
    assert.strictEqual(location.path, path.join(ext.extensionPath, 'server', 'switchboard'));
    const client = exported.client();
    assert.ok(client && client.isRunning(), 'the language client is not running');
    return exported;
  });

  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  assert.ok(folder, 'no workspace folder open');
  const uri = vscode.Uri.joinPath(folder.uri, 'inventory.py');
  const document = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
  const expected = fs.readFileSync(path.join(fixtureDir, 'inventory.implemented.py'), 'utf8');
  const costs = [];
  let implementTrace;

  await step('Implement (the code action) changes the document to the expected text', async () => {
    const range = new vscode.Range(7, 0, 10, 0);
    editor.selection = new vscode.Selection(range.start, range.end);
    const actions = await until('code actions', async () => {
      const found = await vscode.commands.executeCommand('vscode.executeCodeActionProvider', uri, range);
      return Array.isArray(found) && found.some((a) => a.title.startsWith('Implement with coder')) ? found : undefined;
    });
    log(`  code actions: ${actions.map((a) => JSON.stringify(a.title)).join(', ')}`);
    const implement = actions.find((a) => a.title.startsWith('Implement with coder'));
    const command = implement.command;
    assert.ok(command && command.command === 'switchboard.implement', `unexpected command ${JSON.stringify(command)}`);
    const started = await vscode.commands.executeCommand(command.command, ...(command.arguments || []));
    assert.ok(started && typeof started.trace_id === 'string', `no trace id in ${JSON.stringify(started)}`);
    assert.strictEqual(started.model, 'coder');
    // The fake waits a second before answering: the job is still running, and the item spins.
    assert.ok(api.running().includes(started.trace_id), 'the job is not marked running');
    assert.ok(api.statusText().startsWith('$(sync~spin)'), `the status bar does not spin: ${api.statusText()}`);
    const finished = await api.finished(started.trace_id, 60000);
    log(`  finished: ${JSON.stringify({ ...finished, markdown: undefined })}`);
    assert.strictEqual(finished.outcome, 'applied', finished.message);
    costs.push(finished.cost_usd);
    implementTrace = started.trace_id;
    await until('the edit in the document', () => document.getText() === expected, 10000).catch(() => undefined);
    assert.strictEqual(document.getText(), expected);
    assert.ok(!api.statusText().startsWith('$(sync~spin)'), `still spinning after the job: ${api.statusText()}`);
    // How it ended, as a message naming the outcome, model, cost and trace (with Show trace).
    const told = await until('the closing message', () =>
      api.messages().find((m) => m.startsWith('switchboard: implement by coder: applied to inventory.py · $')),
    );
    assert.ok(told.endsWith(`trace ${started.trace_id}`), told);
    log(`  told: ${told}`);
    // Its progress was a notification naming the role and model.
    assert.ok(api.progress().includes('switchboard: Implement with coder'), JSON.stringify(api.progress()));
  });

  await step('Review (the palette command) publishes diagnostics with source switchboard', async () => {
    const end = document.lineAt(document.lineCount - 1).range.end;
    editor.selection = new vscode.Selection(new vscode.Position(0, 0), end);
    const started = await vscode.commands.executeCommand('switchboard.reviewSelection');
    assert.ok(started && typeof started.trace_id === 'string', `no trace id in ${JSON.stringify(started)}`);
    assert.strictEqual(started.role, 'review');
    const finished = await api.finished(started.trace_id, 60000);
    assert.strictEqual(finished.outcome, 'reviewed', finished.message);
    costs.push(finished.cost_usd);
    const diagnostics = await until('review diagnostics', () => {
      const found = switchboardDiagnostics(uri);
      return found.length > 0 ? found : undefined;
    });
    log(`  diagnostics: ${diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`).join(' | ')}`);
    assert.strictEqual(diagnostics.length, 1);
    const [finding] = diagnostics;
    assert.strictEqual(finding.range.start.line, 13);
    assert.strictEqual(finding.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(finding.message, /remove\(\) lets a count go below zero/);
    const fixes = await vscode.commands.executeCommand(
      'vscode.executeCodeActionProvider',
      uri,
      finding.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    log(`  quickfixes: ${(fixes || []).map((a) => JSON.stringify(a.title)).join(', ')}`);
    assert.ok((fixes || []).length > 0, 'the finding offers no quickfix');
  });

  await step('Explain (the palette command) opens its answer in the markdown preview', async () => {
    editor.selection = new vscode.Selection(15, 0, 17, 0);
    const started = await vscode.commands.executeCommand('switchboard.explainSelection');
    assert.ok(started && typeof started.trace_id === 'string', `no trace id in ${JSON.stringify(started)}`);
    const finished = await api.finished(started.trace_id, 60000);
    assert.strictEqual(finished.outcome, 'answered', finished.message);
    costs.push(finished.cost_usd);
    const preview = await until('a markdown preview tab', () =>
      vscode.window.tabGroups.all
        .flatMap((group) => group.tabs)
        .find((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.includes('markdown.preview')),
    );
    log(`  preview tab: ${preview.label}`);
  });

  await step('the status bar shows the spend against the day budget', async () => {
    const answer = await api.refreshCosts();
    log(`  switchboard/costs: ${JSON.stringify(answer)}`);
    assert.ok(answer && typeof answer.spent_today === 'number', 'no spend in switchboard/costs');
    const total = costs.reduce((sum, c) => sum + c, 0);
    assert.ok(total > 0, `the jobs cost nothing: ${costs}`);
    assert.ok(Math.abs(answer.spent_today - total) < 1e-9, `spent ${answer.spent_today}, the jobs cost ${total}`);
    const text = api.statusText();
    log(`  status bar: ${JSON.stringify(text)}; tooltip: ${JSON.stringify(api.statusTooltip())}`);
    const shown = /^\$\(pulse\) \$(\d+\.\d+) \/ \$5\.00$/.exec(text);
    assert.ok(shown, `unexpected status bar text ${JSON.stringify(text)}`);
    assert.ok(Math.abs(Number(shown[1]) - total) < 0.00006, `the status bar shows ${shown[1]}, spent ${total}`);
  });

  await step('a changed setting reaches the server without a restart', async () => {
    const config = vscode.workspace.getConfiguration('switchboard');
    await config.update('budget.per_day_usd', 7, vscode.ConfigurationTarget.Workspace);
    await until('the new day budget in the status bar', async () => {
      await api.refreshCosts();
      return api.statusText().endsWith('/ $7.00');
    });
    await config.update('budget.per_day_usd', undefined, vscode.ConfigurationTarget.Workspace);
    await until('the workspace file budget again', async () => {
      await api.refreshCosts();
      return api.statusText().endsWith('/ $5.00');
    });
  });

  await step('screenshot', async () => {
    // The edited code with the finding's squiggle and hover, the answer's preview beside it and
    // the spend in the status bar.
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    const shown = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
    shown.selection = new vscode.Selection(13, 30, 13, 30);
    await vscode.commands.executeCommand('editor.action.showHover');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await screenshot('vscode');
  });

  await step('a job in progress shows a notification whose Cancel stops it', async () => {
    editor.selection = new vscode.Selection(15, 0, 17, 0);
    const started = await vscode.commands.executeCommand('switchboard.planSelection');
    assert.ok(started && typeof started.trace_id === 'string', `no trace id in ${JSON.stringify(started)}`);
    const shown = await until('a progress report with tokens and dollars', () =>
      api.progress().find((m) => m.startsWith('switchboard: Plan with coder · coder: ~') && m.includes('tokens, ~$')),
    );
    log(`  progress: ${shown}`);
    await screenshot('progress-with-cancel');
    await click('Cancel');
    const finished = await api.finished(started.trace_id, 30000);
    assert.strictEqual(finished.outcome, 'cancelled', JSON.stringify(finished));
    await until('the cancelled message', () =>
      api.messages().find((m) => m.startsWith('switchboard: plan by coder: cancelled, nothing applied')),
    );
  });

  await step('an edit that needs confirming asks first, and Apply applies it', async () => {
    const config = vscode.workspace.getConfiguration('switchboard');
    await config.update('edits.confirm', true, vscode.ConfigurationTarget.Workspace);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const shown = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
    shown.selection = new vscode.Selection(15, 0, 17, 0);
    const before = document.getText();
    const started = await vscode.commands.executeCommand('switchboard.implementSelection', {
      instruction: 'document total',
    });
    assert.ok(started && typeof started.trace_id === 'string', `no trace id in ${JSON.stringify(started)}`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    log(`  messages so far: ${JSON.stringify(api.messages().slice(-3))}`);
    assert.strictEqual(document.getText(), before, 'the edit landed before it was confirmed');
    await screenshot('confirm-edit');
    await click('Apply');
    const finished = await api.finished(started.trace_id, 30000);
    assert.strictEqual(finished.outcome, 'applied', JSON.stringify(finished));
    await until('the confirmed edit in the document', () => document.getText().includes('"""Every count kept, added up."""'));
    await screenshot('result-message');
    await config.update('edits.confirm', undefined, vscode.ConfigurationTarget.Workspace);
  });

  await step('an action that cannot run now stays listed, disabled, with its reason', async () => {
    const config = vscode.workspace.getConfiguration('switchboard');
    await config.update('budget.per_request_usd', 0.000001, vscode.ConfigurationTarget.Workspace);
    const range = new vscode.Range(7, 0, 10, 0);
    // What the server lists (VS Code's executeCodeActionProvider leaves disabled actions out;
    // its Refactor menu shows them, faded, with the reason).
    const client = api.client();
    const c2p = client.code2ProtocolConverter;
    let listed = [];
    const disabled = await until('a disabled Implement', async () => {
      listed = await client.sendRequest('textDocument/codeAction', {
        textDocument: { uri: c2p.asUri(uri) },
        range: c2p.asRange(range),
        context: { diagnostics: [] },
      });
      return (listed || []).find((a) => a.title.startsWith('Implement with') && a.disabled);
    }).catch((err) => {
      throw new Error(`${err.message}; listed: ${JSON.stringify(listed)}`);
    });
    log(`  disabled: ${disabled.title}: ${disabled.disabled.reason}`);
    assert.match(disabled.disabled.reason, /per_request_usd/);
    const shown = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
    shown.selection = new vscode.Selection(range.start, range.end);
    await vscode.commands.executeCommand('editor.action.refactor');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await screenshot('disabled-action');
    await vscode.commands.executeCommand('hideCodeActionWidget');
    await config.update('budget.per_request_usd', undefined, vscode.ConfigurationTarget.Workspace);
  });

  await step('Show spend charts the spend per day and per model', async () => {
    const spend = await api.showSpend();
    assert.ok(spend, 'no spend');
    log(`  by model: ${JSON.stringify(spend.byModel)}`);
    assert.ok(spend.byModel.some((row) => row.key === 'coder' && row.cost_usd > 0), JSON.stringify(spend.byModel));
    assert.strictEqual(spend.byDay.length, 1, JSON.stringify(spend.byDay));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await screenshot('spend-chart');
  });

  await step('Show trace runs `switchboard trace ID` and shows what the job did', async () => {
    await vscode.commands.executeCommand('switchboard.showTrace', implementTrace);
    const shown = await until('the trace document', () => {
      const active = vscode.window.activeTextEditor;
      return active && active.document.isUntitled && active.document.getText().includes(implementTrace)
        ? active.document.getText()
        : undefined;
    });
    log(`  ${shown.split('\n').slice(0, 4).join(' / ')}`);
    assert.match(shown, /implement/);
    assert.match(shown, /coder/);
  });

  await step('Restart server brings up a new server', async () => {
    const before = api.client();
    await vscode.commands.executeCommand('switchboard.restartServer');
    await api.ready();
    const after = api.client();
    assert.ok(after && after !== before && after.isRunning(), 'no new running client after the restart');
    const answer = await api.refreshCosts();
    assert.ok(answer && typeof answer.spent_today === 'number', 'the restarted server does not answer switchboard/costs');
  });

  await step('a server path that does not work is reported with what to set', async () => {
    const config = vscode.workspace.getConfiguration('switchboard');
    await config.update('server.path', '/nonexistent/switchboard', vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('switchboard.restartServer');
    await assert.rejects(api.ready(), /switchboard\.server\.path is \/nonexistent\/switchboard/);
    assert.ok(api.statusText().startsWith('$(error)'), `the status bar shows no error: ${api.statusText()}`);
    assert.match(api.statusTooltip(), /switchboard\.server\.path/);
    await config.update('server.path', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('switchboard.restartServer');
    const location = await api.ready();
    assert.strictEqual(location.source, 'bundled');
  });
}

exports.run = async function run() {
  fs.writeFileSync(logFile, `extension tests in VS Code ${vscode.version}\n`);
  try {
    await main();
    log('PASS');
  } catch (err) {
    log(`FAIL: ${err && err.message ? err.message : err}`);
    try {
      await screenshot('vscode-failure');
    } catch {
      // The failure is what matters.
    }
    throw err;
  }
};

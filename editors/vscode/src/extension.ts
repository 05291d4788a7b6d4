// The Switchboard extension: starts `switchboard serve` through vscode-languageclient for every
// file and untitled buffer, adds palette and context-menu commands on the selection (implement,
// review, explain, plan, ask), costs, a spend page and traces, a status bar item with today's
// spend, progress with a Cancel button, a dialog for edits that need confirming, and opens the
// server's markdown answers in the preview. `activate` returns a small API (used by the tests).

import { execFile } from 'child_process';
import * as vscode from 'vscode';
import {
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  MessageType,
  ResponseError,
  ServerOptions,
  ShowMessageNotification,
  ShowMessageParams,
  State,
} from 'vscode-languageclient/node';

import { serverSettings } from './config';
import { confirmEdits } from './confirm';
import { ProgressLog, showProgressAsNotifications } from './progress';
import { showSpend, Spend } from './spend';
import { findServer, ServerLocation, ServerNotFound } from './server';
import { Costs, money, Status } from './status';

/** What a command answers at once. */
export interface Started {
  trace_id: string;
  role: string;
  model: string;
}

/** The `switchboard/finished` notification: how a job ended, with its payload. */
export interface Finished {
  trace_id: string;
  role?: string;
  model?: string;
  cost_usd?: number;
  /** applied, unchanged, reviewed, answered, refused, failed, cancelled, … */
  outcome?: string;
  message?: string;
  uri?: string;
  path?: string;
  [key: string]: unknown;
}

/** The extension's exports: what a test (or another extension) may ask of it. */
export interface SwitchboardApi {
  /** Resolves with the server's location once the language client runs; rejects if it cannot start. */
  ready(): Promise<ServerLocation>;
  server(): ServerLocation | undefined;
  client(): LanguageClient | undefined;
  /** The status bar item's text and tooltip as shown now. */
  statusText(): string;
  statusTooltip(): string;
  /** Asks the server for `switchboard/costs` and updates the status bar. */
  refreshCosts(): Promise<Costs | undefined>;
  /** Trace ids of this window's jobs that have not finished yet. */
  running(): string[];
  /** The `switchboard/finished` of a trace, when it has arrived (or arrives within `timeoutMs`). */
  finished(traceId: string, timeoutMs?: number): Promise<Finished>;
  readonly onDidFinish: vscode.Event<Finished>;
  /** The server's messages (window/showMessage) shown so far, oldest first. */
  messages(): string[];
  /** The progress titles and messages shown so far, oldest first. */
  progress(): string[];
  /** Opens the spend page; resolves with the figures it shows. */
  showSpend(): Promise<Spend | undefined>;
}

/** Commands of the server, by what the palette calls them. */
const SERVER_COMMANDS = {
  implement: 'switchboard.implement',
  review: 'switchboard.review',
  explain: 'switchboard.search',
  plan: 'switchboard.plan',
  ask: 'switchboard.ask',
} as const;

const COSTS_EVERY_MS = 60_000;
const REMEMBERED_TRACES = 50;

/** Optional argument of the selection commands, for keybindings and tests: skips the input box. */
interface SelectionArgs {
  instruction?: string;
}

class Controller implements vscode.Disposable {
  private languageClient: LanguageClient | undefined;
  private location: ServerLocation | undefined;
  private starting: Promise<ServerLocation> = Promise.reject(new Error('switchboard: not started yet'));
  /** Started jobs of this window: trace id → when it started. */
  private readonly jobs = new Map<string, number>();
  /** Finished jobs, newest last, for Show trace and the API. */
  private readonly done = new Map<string, Finished>();
  /** Answers already opened, so showDocument and finished open each once. */
  private readonly shown = new Set<string>();
  private readonly finishEmitter = new vscode.EventEmitter<Finished>();
  private readonly messages: string[] = [];
  private readonly progressLog: ProgressLog = { shown: [] };
  private spendPanel: vscode.WebviewPanel | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.OutputChannel,
    private readonly status: Status,
  ) {
    this.starting.catch(() => undefined);
    this.timer = setInterval(() => void this.refreshCosts(), COSTS_EVERY_MS);
    this.disposables.push(
      this.finishEmitter,
      vscode.workspace.onDidChangeConfiguration((event) => this.configurationChanged(event)),
    );
  }

  api(): SwitchboardApi {
    return {
      ready: () => this.starting,
      server: () => this.location,
      client: () => this.languageClient,
      statusText: () => this.status.text(),
      statusTooltip: () => this.status.tooltip(),
      refreshCosts: () => this.refreshCosts(),
      running: () => [...this.jobs.keys()],
      finished: (traceId, timeoutMs = 120_000) => this.whenFinished(traceId, timeoutMs),
      onDidFinish: this.finishEmitter.event,
      messages: () => [...this.messages],
      progress: () => [...this.progressLog.shown],
      showSpend: () => this.showSpend(),
    };
  }

  /** Finds the server and starts the language client; a missing server is shown, not thrown. */
  start(): Promise<ServerLocation> {
    this.starting = this.doStart();
    this.starting.catch(() => undefined);
    return this.starting;
  }

  private async doStart(): Promise<ServerLocation> {
    let location: ServerLocation;
    try {
      location = findServer(this.context.extensionPath);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.location = undefined;
      this.output.appendLine(message);
      this.status.setProblem(message);
      if (err instanceof ServerNotFound) {
        void vscode.window.showErrorMessage(message, 'Open Settings', 'Show Log').then((choice) => {
          if (choice === 'Open Settings') {
            void vscode.commands.executeCommand('workbench.action.openSettings', 'switchboard.server.path');
          } else if (choice === 'Show Log') {
            this.output.show(true);
          }
        });
      }
      throw err;
    }
    this.location = location;
    this.output.appendLine(`switchboard: starting ${location.path} serve (found through ${location.source})`);
    this.status.setServer(`${location.path} (${location.source})`);

    const serverOptions: ServerOptions = {
      command: location.path,
      // Stdio without a transport kind: TransportKind.stdio would append `--stdio`, which
      // `switchboard serve` does not take.
      args: ['serve'],
      options: {
        cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
        env: { ...process.env },
      },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
      outputChannel: this.output,
      initializationOptions: serverSettings(),
      middleware: {
        // Code actions and the palette both come through here: a job starts, the spinner turns.
        executeCommand: (command, args) => this.execute(command, args),
        window: {
          showDocument: async (params, next) => {
            if (!params.external && params.uri.endsWith('.md')) {
              await this.preview(params.uri);
              return { success: true };
            }
            const shown = await next(params, new vscode.CancellationTokenSource().token);
            return shown instanceof ResponseError ? { success: false } : shown;
          },
        },
      },
    };
    const client = new LanguageClient('switchboard', 'Switchboard', serverOptions, clientOptions);
    client.onNotification('switchboard/finished', (params: Finished) => this.onFinished(params));
    client.onDidChangeState((event) => {
      if (event.newState === State.Stopped) {
        // Jobs of a stopped server never finish.
        this.jobs.clear();
        this.status.setBusy(0);
        if (this.languageClient === client) {
          this.status.setProblem('The switchboard server stopped. Run "Switchboard: Restart server".');
        }
      } else if (event.newState === State.Running) {
        this.status.setProblem(undefined);
      }
    });
    this.languageClient = client;
    try {
      await client.start();
    } catch (err) {
      const message = `switchboard: the server ${location.path} did not start: ${err instanceof Error ? err.message : String(err)}`;
      this.output.appendLine(message);
      this.status.setProblem(message);
      void vscode.window.showErrorMessage(message, 'Show Log').then((choice) => {
        if (choice) {
          this.output.show(true);
        }
      });
      throw new Error(message);
    }
    this.status.setProblem(undefined);
    // In place of the client's own handling: progress with a Cancel button, edits confirmed
    // by a dialog, and the server's messages with a way to the trace they name.
    showProgressAsNotifications(client, this.progressLog);
    confirmEdits(client, this.output);
    client.onNotification(ShowMessageNotification.type, (params) => this.showServerMessage(params));
    void this.refreshCosts();
    return location;
  }

  /** A message of the server, at its level; one naming a trace offers to show it. */
  private showServerMessage(params: ShowMessageParams): void {
    this.messages.push(params.message);
    this.output.appendLine(params.message);
    const trace = /\btrace ([0-9a-f]{6,})\b/.exec(params.message)?.[1];
    const actions = trace ? ['Show trace'] : [];
    const shown =
      params.type === MessageType.Error
        ? vscode.window.showErrorMessage(params.message, ...actions)
        : params.type === MessageType.Warning
          ? vscode.window.showWarningMessage(params.message, ...actions)
          : vscode.window.showInformationMessage(params.message, ...actions);
    void shown.then((choice) => {
      if (choice === 'Show trace' && trace) {
        void this.showTrace(trace);
      }
    });
  }

  /** The spend page: per day and per model, from `switchboard costs --json`. */
  async showSpend(): Promise<Spend | undefined> {
    const since = new Date(Date.now() - 13 * 24 * 3600 * 1000);
    const day = `${since.getFullYear()}-${String(since.getMonth() + 1).padStart(2, '0')}-${String(since.getDate()).padStart(2, '0')}`;
    const byDay = await this.costsJson(['costs', '--json', '--by', 'day', '--since', day]);
    const byModel = await this.costsJson(['costs', '--json', '--by', 'model']);
    if (!byDay || !byModel) {
      return undefined;
    }
    const spend: Spend = { byDay, byModel };
    this.spendPanel = showSpend(this.spendPanel, spend);
    this.spendPanel.onDidDispose(() => (this.spendPanel = undefined));
    return spend;
  }

  /** The rows of `switchboard ARGS` (a `costs --json`), or undefined with a message. */
  private async costsJson(args: string[]): Promise<Spend['byDay'] | undefined> {
    const location = this.location;
    if (!location) {
      void vscode.window.showErrorMessage('switchboard: no server binary to run; see the Switchboard output.');
      return undefined;
    }
    const stdout = await new Promise<string | undefined>((resolve) => {
      execFile(
        location.path,
        args,
        { cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, env: process.env, maxBuffer: 16 << 20 },
        (err, out, stderr) => {
          if (err) {
            void vscode.window.showErrorMessage(`switchboard ${args.join(' ')} failed: ${String(stderr || err)}`);
            resolve(undefined);
          } else {
            resolve(String(out));
          }
        },
      );
    });
    try {
      return stdout === undefined ? undefined : JSON.parse(stdout).summary.rows;
    } catch (err) {
      void vscode.window.showErrorMessage(`switchboard ${args.join(' ')}: ${String(err)}`);
      return undefined;
    }
  }

  async stop(): Promise<void> {
    const client = this.languageClient;
    this.languageClient = undefined;
    if (client) {
      try {
        await client.dispose(2000);
      } catch (err) {
        this.output.appendLine(`switchboard: stopping the server: ${String(err)}`);
      }
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    this.jobs.clear();
    this.status.setBusy(0);
    try {
      const location = await this.start();
      void vscode.window.setStatusBarMessage(`switchboard: restarted ${location.path}`, 3000);
    } catch {
      // Shown by start.
    }
  }

  /** The running client, or an error message shown to the user. */
  private async runningClient(): Promise<LanguageClient | undefined> {
    try {
      await this.starting;
    } catch (err) {
      void vscode.window.showErrorMessage(err instanceof Error ? err.message : String(err));
      return undefined;
    }
    const client = this.languageClient;
    if (!client || !client.isRunning()) {
      void vscode.window.showErrorMessage('switchboard: the server is not running. Run "Switchboard: Restart server".');
      return undefined;
    }
    return client;
  }

  /** Runs a server command; its immediate answer marks a job as running until it finishes. */
  async execute(command: string, args: unknown[]): Promise<unknown> {
    const client = await this.runningClient();
    if (!client) {
      return undefined;
    }
    try {
      const answer = await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
      const started = answer as Partial<Started> | null;
      if (started && typeof started.trace_id === 'string' && !this.done.has(started.trace_id)) {
        this.jobs.set(started.trace_id, Date.now());
        this.status.setBusy(this.jobs.size);
      }
      return answer;
    } catch (err) {
      const message = err instanceof ResponseError || err instanceof Error ? err.message : String(err);
      this.output.appendLine(`${command}: ${message}`);
      void vscode.window.showErrorMessage(message.startsWith('switchboard') ? message : `switchboard: ${message}`);
      return undefined;
    }
  }

  /** A selection command: the active editor's selection (empty: the enclosing function). */
  async onSelection(
    what: keyof typeof SERVER_COMMANDS,
    args: SelectionArgs | undefined,
    ask?: vscode.InputBoxOptions,
  ): Promise<unknown> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('switchboard: open a file and select what to work on first.');
      return undefined;
    }
    let instruction = typeof args?.instruction === 'string' ? args.instruction : undefined;
    if (instruction === undefined && ask) {
      instruction = await vscode.window.showInputBox({ ignoreFocusOut: true, ...ask });
      if (instruction === undefined) {
        return undefined;
      }
    }
    const client = await this.runningClient();
    if (!client) {
      return undefined;
    }
    const c2p = client.code2ProtocolConverter;
    const argument: Record<string, unknown> = {
      uri: c2p.asUri(editor.document.uri),
      range: c2p.asRange(editor.selection),
    };
    if (instruction && instruction.trim() !== '') {
      argument.instruction = instruction.trim();
    }
    return this.execute(SERVER_COMMANDS[what], [argument]);
  }

  private onFinished(params: Finished): void {
    if (!params || typeof params.trace_id !== 'string') {
      return;
    }
    this.jobs.delete(params.trace_id);
    this.status.setBusy(this.jobs.size);
    this.done.set(params.trace_id, params);
    while (this.done.size > REMEMBERED_TRACES) {
      this.done.delete(this.done.keys().next().value as string);
    }
    const cost = typeof params.cost_usd === 'number' ? ` for ${money(params.cost_usd)}` : '';
    this.output.appendLine(
      `switchboard: ${params.role ?? 'job'} by ${params.model ?? '?'} ${params.outcome ?? 'finished'}${cost} (trace ${params.trace_id})`,
    );
    if (params.outcome === 'answered' && typeof params.uri === 'string') {
      void this.preview(params.uri);
    }
    this.finishEmitter.fire(params);
    void this.refreshCosts();
  }

  private whenFinished(traceId: string, timeoutMs: number): Promise<Finished> {
    const seen = this.done.get(traceId);
    if (seen) {
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        listener.dispose();
        reject(new Error(`switchboard: no switchboard/finished for ${traceId} within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = this.finishEmitter.event((finished) => {
        if (finished.trace_id === traceId) {
          clearTimeout(timer);
          listener.dispose();
          resolve(finished);
        }
      });
    });
  }

  /** Opens a markdown answer in the preview beside the code, once. */
  private async preview(uriString: string): Promise<void> {
    if (this.shown.has(uriString)) {
      return;
    }
    this.shown.add(uriString);
    const uri = vscode.Uri.parse(uriString);
    try {
      await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
    } catch (err) {
      this.output.appendLine(`switchboard: no markdown preview (${String(err)}); opening the answer as text`);
      await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    }
  }

  async refreshCosts(): Promise<Costs | undefined> {
    const client = this.languageClient;
    if (!client || !client.isRunning()) {
      return undefined;
    }
    try {
      const costs = await client.sendRequest<Costs>('switchboard/costs');
      this.status.setCosts(costs);
      // A job whose finished notification was lost (the server never runs one this long idle).
      if (costs.running === 0) {
        const stale = Date.now() - 2 * COSTS_EVERY_MS;
        for (const [trace, started] of this.jobs) {
          if (started < stale) {
            this.jobs.delete(trace);
          }
        }
        this.status.setBusy(this.jobs.size);
      }
      return costs;
    } catch (err) {
      this.output.appendLine(`switchboard/costs: ${String(err)}`);
      return undefined;
    }
  }

  async showCosts(): Promise<void> {
    const costs = await this.refreshCosts();
    if (!costs) {
      void vscode.window.showWarningMessage('switchboard: costs are unavailable while the server is not running.');
      return;
    }
    if (typeof costs.spent_today !== 'number') {
      void vscode.window.showWarningMessage(`switchboard: costs are unavailable: ${costs.error ?? 'unknown error'}`);
      return;
    }
    const parts = [`Today (${costs.day ?? 'UTC'}): ${money(costs.spent_today)} spent`];
    if (typeof costs.per_day_usd === 'number') {
      parts.push(`${money(costs.left_today ?? 0, costs.spent_today)} left of ${money(costs.per_day_usd)}`);
    }
    if (typeof costs.spent_month === 'number') {
      parts.push(`this month ${money(costs.spent_month)}`);
    }
    parts.push(`${costs.running ?? 0} running`);
    const choice = await vscode.window.showInformationMessage(`switchboard: ${parts.join(', ')}.`, 'Ledger by model');
    if (choice) {
      await this.showCli(['costs', '--by', 'model'], 'switchboard costs');
    }
  }

  async showTrace(given?: string): Promise<void> {
    const last = [...this.done.keys()].pop();
    const id =
      given ??
      (await vscode.window.showInputBox({
        title: 'Switchboard: Show trace',
        prompt: 'The trace id a command reported (see the Switchboard output)',
        value: last,
        ignoreFocusOut: true,
        validateInput: (value) => (value.trim() === '' ? 'A trace id, e.g. from the Switchboard output' : undefined),
      }));
    if (!id) {
      return;
    }
    const ok = await this.showCli(['trace', id.trim()], `switchboard trace ${id.trim()}`, true);
    if (!ok) {
      const remembered = this.done.get(id.trim());
      if (remembered) {
        await this.showText(JSON.stringify(remembered, null, 2), 'json');
      }
    }
  }

  async showRoutes(): Promise<void> {
    const client = await this.runningClient();
    if (!client) {
      return;
    }
    try {
      const routes = await client.sendRequest('switchboard/routes');
      await this.showText(JSON.stringify(routes, null, 2), 'json');
    } catch (err) {
      void vscode.window.showErrorMessage(`switchboard/routes: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Runs `switchboard ARGS` and shows its output; false (and a message) when it fails. */
  private async showCli(args: string[], title: string, quiet = false): Promise<boolean> {
    const location = this.location;
    if (!location) {
      void vscode.window.showErrorMessage('switchboard: no server binary to run; see the Switchboard output.');
      return false;
    }
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        location.path,
        args,
        { cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, env: process.env, maxBuffer: 16 << 20 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
    });
    if (result.code !== 0) {
      const why = (result.stderr || result.stdout).trim();
      this.output.appendLine(`${title}: exit ${result.code}: ${why}`);
      if (!quiet) {
        void vscode.window.showErrorMessage(`${title} failed: ${why}`);
      } else {
        void vscode.window.showWarningMessage(`${title}: ${why}`);
      }
      return false;
    }
    await this.showText(result.stdout, 'plaintext');
    return true;
  }

  private async showText(content: string, language: string): Promise<void> {
    const document = await vscode.workspace.openTextDocument({ content, language });
    await vscode.window.showTextDocument(document, { preview: true });
  }

  private configurationChanged(event: vscode.ConfigurationChangeEvent): void {
    if (!event.affectsConfiguration('switchboard')) {
      return;
    }
    if (event.affectsConfiguration('switchboard.server.path')) {
      void vscode.window
        .showInformationMessage('switchboard: the server path changed; restart the server to use it.', 'Restart')
        .then((choice) => {
          if (choice) {
            void this.restart();
          }
        });
    }
    const client = this.languageClient;
    if (client && client.isRunning()) {
      // The whole LSP layer each time: the server replaces it, so a cleared setting goes away.
      void client
        .sendNotification('workspace/didChangeConfiguration', { settings: { switchboard: serverSettings() } })
        .then(() => this.refreshCosts());
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}

let controller: Controller | undefined;

export function activate(context: vscode.ExtensionContext): SwitchboardApi {
  const output = vscode.window.createOutputChannel('Switchboard');
  const status = new Status();
  const c = new Controller(context, output, status);
  controller = c;
  context.subscriptions.push(output, status, c);

  const register = (id: string, run: (...args: any[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, run));
  register('switchboard.implementSelection', (args?: SelectionArgs) =>
    c.onSelection('implement', args, {
      title: 'Switchboard: Implement',
      prompt: 'What to implement (empty: a TODO, FIXME or AI: comment in the selection, else the default)',
      placeHolder: 'e.g. handle the empty list',
    }),
  );
  register('switchboard.reviewSelection', (args?: SelectionArgs) => c.onSelection('review', args));
  register('switchboard.explainSelection', (args?: SelectionArgs) => c.onSelection('explain', args));
  register('switchboard.planSelection', (args?: SelectionArgs) => c.onSelection('plan', args));
  register('switchboard.askSelection', (args?: SelectionArgs) =>
    c.onSelection('ask', args, {
      title: 'Switchboard: Ask',
      prompt: 'Your question or request about the selection; the router picks the role',
      validateInput: (value) => (value.trim() === '' ? 'Type a question or a request' : undefined),
    }),
  );
  register('switchboard.showCosts', () => c.showCosts());
  register('switchboard.showSpend', () => c.showSpend());
  register('switchboard.showTrace', (id?: string) => c.showTrace(typeof id === 'string' ? id : undefined));
  register('switchboard.showRoutes', () => c.showRoutes());
  register('switchboard.restartServer', () => c.restart());
  register('switchboard.showLog', () => output.show(true));

  void c.start().catch(() => undefined);
  return c.api();
}

export async function deactivate(): Promise<void> {
  const c = controller;
  controller = undefined;
  await c?.stop();
}

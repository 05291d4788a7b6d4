// The status bar item: today's spend against the day budget (from `switchboard/costs`), a
// spinner while a job of this window runs, and a warning when the server is missing or down.

import * as vscode from 'vscode';

/** The answer of `switchboard/costs`; money fields are null when the ledger cannot be read. */
export interface Costs {
  day?: string;
  spent_today?: number | null;
  reserved_today?: number | null;
  left_today?: number | null;
  per_day_usd?: number | null;
  spent_month?: number | null;
  left_month?: number | null;
  running?: number;
  error?: string;
}

/**
 * Dollars as a status bar shows them: cents, or four decimals below a cent so a cheap call shows.
 * `precision`: the amount whose size picks the decimals (a budget left after a cheap call).
 */
export function money(usd: number, precision: number = usd): string {
  if (precision !== 0 && Math.abs(precision) < 0.01) {
    return `$${usd.toFixed(4)}`;
  }
  return `$${usd.toFixed(2)}`;
}

export class Status implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private costs: Costs | undefined;
  private busy = 0;
  private problem: string | undefined;
  private server: string | undefined;

  constructor() {
    this.item = vscode.window.createStatusBarItem('switchboard.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Switchboard';
    this.render();
    this.item.show();
  }

  setCosts(costs: Costs | undefined): void {
    this.costs = costs;
    this.render();
  }

  setBusy(running: number): void {
    this.busy = running;
    this.render();
  }

  /** A problem to show instead of the spend (no server, server stopped); undefined clears it. */
  setProblem(problem: string | undefined): void {
    this.problem = problem;
    this.render();
  }

  setServer(description: string | undefined): void {
    this.server = description;
    this.render();
  }

  text(): string {
    return this.item.text;
  }

  tooltip(): string {
    const tooltip = this.item.tooltip;
    return typeof tooltip === 'string' ? tooltip : (tooltip?.value ?? '');
  }

  private spend(): string {
    const costs = this.costs;
    if (!costs || typeof costs.spent_today !== 'number') {
      return 'switchboard';
    }
    const budget = typeof costs.per_day_usd === 'number' ? ` / ${money(costs.per_day_usd)}` : ' today';
    return `${money(costs.spent_today)}${budget}`;
  }

  private render(): void {
    const lines: string[] = [];
    if (this.problem) {
      this.item.text = '$(error) switchboard';
      this.item.command = 'switchboard.showLog';
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      lines.push(this.problem, '', 'Click to show the server log.');
    } else {
      const icon = this.busy > 0 ? '$(sync~spin)' : this.costs?.error ? '$(warning)' : '$(pulse)';
      this.item.text = `${icon} ${this.spend()}`;
      this.item.command = 'switchboard.showCosts';
      this.item.backgroundColor = undefined;
      const c = this.costs;
      if (this.busy > 0) {
        lines.push(`${this.busy} job${this.busy === 1 ? '' : 's'} running in this window`);
      }
      if (c && typeof c.spent_today === 'number') {
        lines.push(`Today (${c.day ?? 'UTC'}): ${money(c.spent_today)} spent`);
        if (typeof c.reserved_today === 'number' && c.reserved_today > 0) {
          lines.push(`Reserved by running calls: ${money(c.reserved_today)}`);
        }
        if (typeof c.per_day_usd === 'number') {
          lines.push(`Day budget: ${money(c.per_day_usd)}, ${money(c.left_today ?? 0, c.spent_today)} left`);
        }
        if (typeof c.spent_month === 'number') {
          const left = typeof c.left_month === 'number' ? `, ${money(c.left_month, c.spent_month)} left` : '';
          lines.push(`This month: ${money(c.spent_month)}${left}`);
        }
      }
      if (c?.error) {
        lines.push(`Costs unavailable: ${c.error}`);
      }
      if (this.server) {
        lines.push('', `Server: ${this.server}`);
      }
      lines.push('', 'Click to show costs.');
    }
    this.item.tooltip = lines.join('\n');
  }

  dispose(): void {
    this.item.dispose();
  }
}

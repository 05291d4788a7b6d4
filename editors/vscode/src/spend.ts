// "Switchboard: Show spend": a webview with the spend per day of the last two weeks and the
// spend per model, as bar charts, read from the ledger through `switchboard costs --json`.

import * as vscode from 'vscode';

/** One row of `switchboard costs --json`'s summary. */
interface Row {
  key: string;
  calls: number;
  cost_usd: number;
}

/** What the charts show: the summary by day and by model. */
export interface Spend {
  byDay: Row[];
  byModel: Row[];
}

/** The days from `first` to `last` (YYYY-MM-DD), each with its spend (0 where none). */
function everyDay(rows: Row[], days: number, today: Date): Row[] {
  const spent = new Map(rows.map((row) => [row.key, row]));
  const out: Row[] = [];
  for (let back = days - 1; back >= 0; back--) {
    const day = new Date(today.getFullYear(), today.getMonth(), today.getDate() - back);
    const key = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
    out.push(spent.get(key) ?? { key, calls: 0, cost_usd: 0 });
  }
  return out;
}

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

function bars(title: string, rows: Row[]): string {
  const most = Math.max(...rows.map((row) => row.cost_usd), 0);
  const lines = rows
    .map((row) => {
      const width = most > 0 ? Math.max((row.cost_usd / most) * 100, row.cost_usd > 0 ? 1 : 0) : 0;
      return `<div class="row"><span class="key">${escape(row.key)}</span><span class="bar"><span style="width:${width.toFixed(1)}%"></span></span><span class="usd">$${row.cost_usd.toFixed(4)}</span><span class="calls">${row.calls} call${row.calls === 1 ? '' : 's'}</span></div>`;
    })
    .join('');
  return `<h2>${escape(title)}</h2>${lines || '<p>Nothing spent yet.</p>'}`;
}

/** The page: two bar charts, in the theme's colours. */
export function spendHtml(spend: Spend, today = new Date()): string {
  const days = everyDay(spend.byDay, 14, today);
  const total = spend.byModel.reduce((sum, row) => sum + row.cost_usd, 0);
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';">
<style>
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 1.5em; }
.row { display: flex; align-items: center; gap: 0.8em; margin: 0.25em 0; }
.key { width: 9em; font-family: var(--vscode-editor-font-family); }
.bar { flex: 1; max-width: 28em; height: 0.9em; background: var(--vscode-editorWidget-background); }
.bar span { display: block; height: 100%; background: var(--vscode-charts-blue, #3794ff); }
.usd { width: 6em; text-align: right; font-family: var(--vscode-editor-font-family); }
.calls { opacity: 0.7; }
</style></head><body>
<h1>switchboard: spend</h1>
<p>$${total.toFixed(4)} in all, from the ledger (<code>switchboard costs</code>).</p>
${bars('Per day, the last 14 days', days)}
${bars('Per model', spend.byModel)}
</body></html>`;
}

/** Opens (or refreshes) the spend page. */
export function showSpend(panel: vscode.WebviewPanel | undefined, spend: Spend): vscode.WebviewPanel {
  const shown =
    panel ??
    vscode.window.createWebviewPanel('switchboard.spend', 'Switchboard: spend', vscode.ViewColumn.Beside, {
      enableScripts: false,
    });
  shown.webview.html = spendHtml(spend);
  shown.reveal(vscode.ViewColumn.Beside);
  return shown;
}

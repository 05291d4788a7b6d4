// `[edits] confirm = true` in VS Code: the server marks its edits as needing confirmation,
// which VS Code's refactor preview shows unticked (so Apply applied nothing). The extension
// asks instead: a notification names the change and its files, with Apply, Show diff and
// Discard; Show diff opens each file's change beside it and asks again.

import * as vscode from 'vscode';
import {
  ApplyWorkspaceEditParams,
  ApplyWorkspaceEditRequest,
  ApplyWorkspaceEditResult,
  LanguageClient,
} from 'vscode-languageclient/node';

/** Takes over `workspace/applyEdit` from the language client (call after it started). */
export function confirmEdits(client: LanguageClient, output: vscode.OutputChannel): void {
  client.onRequest(ApplyWorkspaceEditRequest.type, async (params) => {
    try {
      return await apply(client, output, params);
    } catch (err) {
      // Said to the server, which tells the user why nothing was applied.
      const why = err instanceof Error ? err.message : String(err);
      output.appendLine(`switchboard: applying an edit failed: ${why}`);
      return { applied: false, failureReason: `the extension could not apply it: ${why}` };
    }
  });
}

async function apply(
  client: LanguageClient,
  output: vscode.OutputChannel,
  params: ApplyWorkspaceEditParams,
): Promise<ApplyWorkspaceEditResult> {
  const annotations = params.edit.changeAnnotations ?? {};
  const needsConfirmation = Object.values(annotations).some((a) => a.needsConfirmation);
  if (needsConfirmation) {
    // Confirmed here, once, for the whole edit; VS Code then applies it as it is.
    for (const annotation of Object.values(annotations)) {
      annotation.needsConfirmation = false;
    }
  }
  const edit = await client.protocol2CodeConverter.asWorkspaceEdit(params.edit);
  if (needsConfirmation) {
    const files = edit.entries().map(([uri]) => vscode.workspace.asRelativePath(uri));
    const label = Object.values(annotations)[0]?.label ?? params.label ?? 'an edit';
    let choice: string | undefined;
    for (;;) {
      // A notification, not a modal dialog: the editor stays usable while the user decides.
      choice = await vscode.window.showInformationMessage(
        `switchboard: apply ${label}? It changes ${files.join(', ')}.`,
        'Apply',
        'Show diff',
        'Discard',
      );
      if (choice !== 'Show diff') {
        break;
      }
      await showDiffs(edit);
    }
    if (choice !== 'Apply') {
      output.appendLine(`switchboard: ${label} discarded`);
      return { applied: false, failureReason: 'the user discarded it' };
    }
  }
  const applied = await vscode.workspace.applyEdit(edit);
  return applied ? { applied } : { applied, failureReason: 'VS Code could not apply it' };
}

/** Opens each changed file's diff: the text now beside the text with the change. */
async function showDiffs(edit: vscode.WorkspaceEdit): Promise<void> {
  for (const [uri, edits] of edit.entries()) {
    const now = await vscode.workspace.openTextDocument(uri);
    const after = new vscode.WorkspaceEdit();
    const scratch = await vscode.workspace.openTextDocument({ content: now.getText(), language: now.languageId });
    after.set(scratch.uri, edits);
    await vscode.workspace.applyEdit(after);
    await vscode.commands.executeCommand(
      'vscode.diff',
      uri,
      scratch.uri,
      `${vscode.workspace.asRelativePath(uri)}: switchboard's change`,
    );
  }
}

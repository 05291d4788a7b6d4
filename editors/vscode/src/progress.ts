// The server's progress as VS Code notifications with a Cancel button: each job (a code action
// or a palette command) shows its role and model, then what the model has written and what it
// has cost so far; Cancel asks the server to stop it (window/workDoneProgress/cancel).

import * as vscode from 'vscode';
import {
  LanguageClient,
  WorkDoneProgress,
  WorkDoneProgressBegin,
  WorkDoneProgressCancelNotification,
  WorkDoneProgressCreateRequest,
  WorkDoneProgressEnd,
  WorkDoneProgressReport,
} from 'vscode-languageclient/node';

/** What a test may ask of the progress shown so far. */
export interface ProgressLog {
  /** Every title and message shown, oldest first. */
  readonly shown: string[];
}

/**
 * Shows every progress the server creates as a cancellable notification, in place of the
 * language client's status-bar progress (which has no Cancel button). Call after the client
 * started: the request handler replaces the client's own.
 */
export function showProgressAsNotifications(client: LanguageClient, log: ProgressLog): void {
  client.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
    let title = 'switchboard';
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'switchboard', cancellable: true },
      (progress, cancel) =>
        new Promise<void>((resolve) => {
          const listener = client.onProgress(
            WorkDoneProgress.type,
            token,
            (value: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) => {
              // The notification's own title is "switchboard"; its message the job's.
              if (value.kind === 'begin') {
                title = value.title;
                progress.report({ message: title });
                log.shown.push(`switchboard: ${title}`);
              } else if (value.kind === 'report' && value.message) {
                const message = `${title} · ${value.message}`;
                progress.report({ message });
                log.shown.push(`switchboard: ${message}`);
              } else if (value.kind === 'end') {
                listener.dispose();
                resolve();
              }
            },
          );
          cancel.onCancellationRequested(() => {
            log.shown.push(`switchboard: ${title} · cancelling`);
            void client.sendNotification(WorkDoneProgressCancelNotification.type, { token });
          });
        }),
    );
    return null;
  });
}

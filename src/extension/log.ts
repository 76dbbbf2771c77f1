/** The "Reverie" log (Output view), shared by every part of the extension. */
import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

export function log(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('Reverie', { log: true });
  return channel;
}

export function logAt(level: 'info' | 'warn' | 'error', message: string): void {
  const c = log();
  if (level === 'error') c.error(message);
  else if (level === 'warn') c.warn(message);
  else c.info(message);
}

export function disposeLog(): void {
  channel?.dispose();
  channel = undefined;
}

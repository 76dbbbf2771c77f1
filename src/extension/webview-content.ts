/** The panel's webview set-up: scripts on, resources only from dist/ and media/, the strict-CSP page from panelHtml. */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { makeNonce, panelHtml } from './panel-html';

export const DREAM_VIEW_TYPE = 'reverie.dream';
export const FRONTIER_EDITOR_VIEW_TYPE = 'reverie.frontierEditor';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export function setPanelContent(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, title: string): void {
  const w = panel.webview;
  w.options = webviewOptions(extensionUri);
  const dist = (...p: string[]) => vscode.Uri.joinPath(extensionUri, 'dist', ...p);
  const codicons = dist('codicons', 'codicon.css');
  w.html = panelHtml({
    cspSource: w.cspSource,
    scriptUri: w.asWebviewUri(dist('webview.js')).toString(),
    styleUri: w.asWebviewUri(dist('webview.css')).toString(),
    codiconsUri: existsSync(codicons.fsPath) ? w.asWebviewUri(codicons).toString() : undefined,
    nonce: makeNonce(),
    title,
  });
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A page with no script at all, for a panel that cannot show anything else (a damaged file, a lost run). */
export function setErrorContent(panel: vscode.WebviewPanel, heading: string, message: string): void {
  panel.webview.options = { enableScripts: false, localResourceRoots: [] };
  panel.webview.html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Reverie</title></head>
<body style="font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 1.5em; line-height: 1.5">
<h2 style="font-weight: 600">${escape(heading)}</h2>
<pre style="white-space: pre-wrap; color: var(--vscode-errorForeground)">${escape(message)}</pre>
<p>The Reverie log (command <b>Reverie: Show Log</b>) has the details.</p>
</body></html>`;
}

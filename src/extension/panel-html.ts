/**
 * The Reverie panel's HTML: a pure function (no `vscode` import) so the browser harness and the
 * tests produce exactly the page the extension shows.
 *
 * The CSP allows only the extension's own files (`cspSource`, with `localResourceRoots` limited to
 * dist/ and media/) and the one nonce: no inline code, no eval, nothing remote. Lit's component
 * styles are constructed stylesheets and uPlot sets styles through the CSSOM, neither of which
 * style-src restricts, so no 'unsafe-inline' is needed.
 */

export interface PanelHtmlOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  /** `webview.asWebviewUri(dist/webview.js)`. */
  scriptUri: string;
  /** `webview.asWebviewUri(dist/webview.css)`. */
  styleUri: string;
  nonce: string;
  /** `webview.asWebviewUri(dist/codicons/codicon.css)`: the icons of buttons; without it buttons show labels only. */
  codiconsUri?: string;
  /** Document title (screen readers; VS Code shows the panel's own title). */
  title?: string;
}

const NONCE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 32 characters from a CSPRNG: a CSP nonce must not be guessable. */
export function makeNonce(): string {
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  let out = '';
  for (const b of bytes) out += NONCE_CHARS[b % NONCE_CHARS.length];
  return out;
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function panelHtml(o: PanelHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(o.nonce)) {
    throw new Error(`panelHtml: nonce must be at least 16 base64/alphanumeric characters (use makeNonce()), got ${JSON.stringify(o.nonce)}`);
  }
  // VS Code's webview.cspSource is a list of sources ("'self' https://*.vscode-cdn.net"): only a
  // directive separator could break out of the policy.
  if (/[;\r\n]/.test(o.cspSource) || o.cspSource.trim() === '') {
    throw new Error(`panelHtml: cspSource must be CSP source expressions without ';' (webview.cspSource), got ${JSON.stringify(o.cspSource)}`);
  }
  const csp = [
    "default-src 'none'",
    `img-src ${o.cspSource} data:`,
    `style-src ${o.cspSource} 'nonce-${o.nonce}'`,
    `script-src 'nonce-${o.nonce}'`,
    `font-src ${o.cspSource}`,
  ].join('; ');
  const codicons = o.codiconsUri
    ? `\n  <link id="vscode-codicon-stylesheet" rel="stylesheet" href="${escapeAttr(o.codiconsUri)}" nonce="${o.nonce}">`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <title>${escapeAttr(o.title ?? 'Reverie')}</title>${codicons}
  <link rel="stylesheet" href="${escapeAttr(o.styleUri)}" nonce="${o.nonce}">
</head>
<body>
  <div id="app" class="app" aria-live="off"></div>
  <script type="module" nonce="${o.nonce}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>
`;
}

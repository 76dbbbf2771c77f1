import test from 'node:test';
import assert from 'node:assert/strict';
import { makeNonce, panelHtml } from '../../src/extension/panel-html';

const opts = {
  cspSource: 'https://*.vscode-cdn.net',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.css',
  codiconsUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/codicons/codicon.css',
};

test('the panel HTML carries a strict CSP bound to the nonce', () => {
  const nonce = makeNonce();
  const html = panelHtml({ ...opts, nonce });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
  assert.equal(csp, `default-src 'none'; img-src https://*.vscode-cdn.net data:; style-src https://*.vscode-cdn.net 'nonce-${nonce}'; script-src 'nonce-${nonce}'; font-src https://*.vscode-cdn.net`);
  assert.doesNotMatch(html, /unsafe-(eval|inline)/);
  assert.match(html, new RegExp(`<script type="module" nonce="${nonce}" src="${opts.scriptUri.replace(/[.+*]/g, '\\$&')}"></script>`));
  assert.match(html, /<link id="vscode-codicon-stylesheet" rel="stylesheet" href="[^"]+codicon\.css" nonce=/);
  // Every script on the page carries the nonce; nothing is inline.
  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  assert.equal(scripts.length, 1);
  assert.doesNotMatch(html, /<script[^>]*>[^<]+<\/script>/);
  assert.doesNotMatch(html, /\sstyle="/);
  assert.doesNotMatch(panelHtml({ ...opts, codiconsUri: undefined, nonce }), /codicon/);
});

test('nonces are long, alphanumeric and differ', () => {
  const a = makeNonce(), b = makeNonce();
  assert.match(a, /^[A-Za-z0-9]{32}$/);
  assert.notEqual(a, b);
});

test('bad inputs are refused with a message naming them', () => {
  assert.throws(() => panelHtml({ ...opts, nonce: 'short' }), /nonce must be at least 16/);
  assert.throws(() => panelHtml({ ...opts, nonce: makeNonce(), cspSource: "x; script-src 'unsafe-eval'" }), /cspSource must be CSP source expressions without ';'/);
  // VS Code's real value is a list of sources (the e2e journey found the panel refusing it).
  assert.match(panelHtml({ ...opts, nonce: makeNonce(), cspSource: "'self' https://*.vscode-cdn.net" }), /img-src 'self' https:\/\/\*\.vscode-cdn\.net/);
  const html = panelHtml({ ...opts, nonce: makeNonce(), scriptUri: 'x.js"><script>alert(1)</script>' });
  assert.doesNotMatch(html, /<script>alert/);
});

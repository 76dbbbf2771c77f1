/**
 * The layers import downwards only: the engine imports nothing from the worker layer, the panel
 * protocol, the extension or vscode; the protocol imports nothing from the worker or the extension.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Module specifiers a file imports (static imports, re-exports, require and dynamic import of literals). */
function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)(['"])([^'"]+)\1/g)].map((m) => m[2]);
}

function violations(layer: string, forbidden: string[], packages: string[] = []): string[] {
  const out: string[] = [];
  for (const f of files(layer)) {
    for (const spec of importsOf(f)) {
      if (packages.includes(spec)) out.push(`${relative('.', f)} imports ${spec}`);
      if (!spec.startsWith('.')) continue;
      const target = relative('.', resolve(dirname(f), spec));
      if (forbidden.some((d) => target === d || target.startsWith(`${d}/`))) out.push(`${relative('.', f)} imports ${spec}`);
    }
  }
  return out;
}

test('src/engine imports nothing from the worker layer, the panel protocol, the extension or vscode', () => {
  assert.deepEqual(violations('src/engine', ['src/worker', 'src/protocol', 'src/extension', 'webview'], ['vscode']), []);
});

test('src/protocol imports nothing from the worker layer or the extension', () => {
  assert.deepEqual(violations('src/protocol', ['src/worker', 'src/extension'], ['vscode']), []);
});

test('the check sees a violation when there is one', () => {
  assert.ok(violations('src/worker', ['src/protocol']).length > 0, 'the worker layer does import the panel protocol');
});

test('no source file is over 300 lines without a reason in its header', () => {
  const long = files('src').flatMap((f) => {
    const text = readFileSync(f, 'utf8');
    const lines = text.split('\n').length;
    if (lines <= 300) return [];
    const header = /^\/\*\*[\s\S]*?\*\//.exec(text)?.[0] ?? '';
    return /Long because: \S/.test(header) ? [] : [`${relative('.', f)} (${lines} lines)`];
  });
  assert.deepEqual(long, [], 'say why in the header ("Long because: …"), or split the file');
});

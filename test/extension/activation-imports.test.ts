/**
 * What activation loads: the extension bundle's static imports (what `require('dist/extension.js')`
 * evaluates) must not reach the heavy modules, which load on first use instead — TypeScript's parser
 * (its own bundle, lazy-discover.ts), esbuild (scaffolding a feature workspace), ONNX protobufs and
 * the runtime (the dream worker). `npm run bench:activation` measures the time this keeps down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';

const HEAVY = [/^typescript$|node_modules\/typescript\//, /^esbuild$/, /node_modules\/onnx-proto\//, /node_modules\/protobufjs\//, /^onnxruntime-node$/, /@huggingface\//];

test('activating the extension statically imports none of the heavy modules', async () => {
  const r = await esbuild.build({
    entryPoints: ['src/extension/extension.ts'], bundle: true, platform: 'node', target: 'node20', format: 'cjs', write: false,
    metafile: true, outfile: 'activation-check.js', logLevel: 'silent',
    external: ['vscode', 'onnxruntime-node', 'esbuild', 'typescript'],
    alias: { sharp: './scripts/shims/unavailable.cjs', 'onnxruntime-web': './scripts/shims/unavailable.cjs' },
  });
  const inputs = r.metafile.inputs;
  // Breadth-first over static imports only (a dynamic import() or a computed require loads on use).
  const parent = new Map<string, string>();
  const queue = ['src/extension/extension.ts'];
  const seen = new Set(queue);
  const reached: string[] = [];
  while (queue.length) {
    const file = queue.shift()!;
    for (const i of inputs[file]?.imports ?? []) {
      if (i.kind === 'dynamic-import' || seen.has(i.path)) continue;
      seen.add(i.path);
      parent.set(i.path, file);
      if (HEAVY.some((h) => h.test(i.path))) reached.push(i.path);
      else queue.push(i.path);
    }
  }
  const chain = (f: string) => { const c = [f]; while (parent.has(c[0])) c.unshift(parent.get(c[0])!); return c.join(' → '); };
  assert.deepEqual(reached.map(chain), []);
});

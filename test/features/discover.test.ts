/** Static discovery of exported defineFeature calls: forms, names, models and exact ranges. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { discoverFeatures, Range } from '../../src/engine/features/discover';

/** The 0-based range of the first occurrence of `from` … through the end of `through` after it. */
function span(text: string, from: string, through: string): Range {
  const start = text.indexOf(from);
  const end = text.indexOf(through, start) + through.length;
  const pos = (i: number) => {
    const lines = text.slice(0, i).split('\n');
    return { line: lines.length - 1, character: lines[lines.length - 1].length };
  };
  return { start: pos(start), end: pos(end) };
}

test('finds named, default, aliased, namespaced and re-exported features with their ranges', () => {
  const src = `import { defineFeature, defineFeature as df, neuron } from 'reverie';
import * as r from 'reverie';

export const plain = defineFeature({ model: 'stories260K', objective: neuron(2, 17) });

/** Documented. */
export const named = defineFeature({
  name: 'Neuron 2.17',
  model: \`stories260K\`,
  objective: neuron(2, 17),
});
export const aliased = df({ model: 'x', objective: neuron(0, 0) });
export const viaNamespace = r.defineFeature({ model: 'stories260K', objective: r.neuron(1, 1) }) as r.Feature;
export const computed = defineFeature({ model: MODEL_NAME, objective: neuron(1, 1) });
const later = defineFeature({ model: 'stories260K', objective: neuron(3, 3) });
const notExported = defineFeature({ model: 'stories260K', objective: neuron(3, 4) });
export const notAFeature = neuron(1, 2);
export const other = somethingElse({ model: 'm' });
function inner() { return defineFeature({ model: 'stories260K', objective: neuron(3, 5) }); }
export { later, later as again };
export default defineFeature({ model: 'stories260K', objective: neuron(4, 4) });
`;
  const found = discoverFeatures('features.ts', src);
  assert.deepEqual(found.map((f) => [f.exportName, f.name, f.model]), [
    ['plain', undefined, 'stories260K'],
    ['named', 'Neuron 2.17', 'stories260K'],
    ['aliased', undefined, 'x'],
    ['viaNamespace', undefined, 'stories260K'],
    ['computed', undefined, undefined],
    ['later', undefined, 'stories260K'],
    ['again', undefined, 'stories260K'],
    ['default', undefined, 'stories260K'],
  ]);
  const byName = new Map(found.map((f) => [f.exportName, f]));
  assert.deepEqual(byName.get('plain')!.range, span(src, 'export const plain', 'neuron(2, 17) });'));
  assert.deepEqual(byName.get('plain')!.callRange, span(src, 'defineFeature({ model', 'neuron(2, 17) })'));
  // A multi-line declaration: the range starts at `export` (after the JSDoc) and ends at its `;`.
  assert.deepEqual(byName.get('named')!.range, span(src, 'export const named', '});'));
  assert.equal(byName.get('named')!.range.start.line, 6);
  assert.equal(byName.get('named')!.range.end.line, 10);
  assert.deepEqual(byName.get('viaNamespace')!.callRange, span(src, 'r.defineFeature(', 'neuron(1, 1) })'));
  // Re-exports point at the declaration they export.
  assert.deepEqual(byName.get('again')!.range, span(src, 'const later', '(3, 3) });'));
  assert.deepEqual(byName.get('default')!.range, span(src, 'export default', '(4, 4) });'));
  assert.deepEqual(byName.get('default')!.callRange, span(src, 'defineFeature({ model: \'stories260K\', objective: neuron(4, 4)', '(4, 4) })'));
});

test('ignores defineFeature not imported from reverie, and survives broken code', () => {
  const src = `import { defineFeature } from './my-own';\nexport const a = defineFeature({ model: 'm' });\n`;
  assert.deepEqual(discoverFeatures('f.ts', src), []);
  const broken = `import { defineFeature, neuron } from 'reverie';\nexport const a = defineFeature({ model: 'stories260K', objective: neuron(2, 17) });\nexport const b = defineFeature({ model: 'stories260K', objective: (\n`;
  const found = discoverFeatures('f.ts', broken);
  assert.deepEqual(found.map((f) => f.exportName), ['a', 'b']);
  assert.deepEqual(found[0].range, { start: { line: 1, character: 0 }, end: { line: 1, character: 83 } });
});

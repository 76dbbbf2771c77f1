/** The side bar's rows: feature files grouped and ordered, features named as their frontier files are, results newest first. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featuresIn } from '../../src/extension/feature-ranges';
import { age, featureRow, groupByFile, resultRows } from '../../src/extension/sidebar-model';

const SOURCE = `import { defineFeature, neuron, logit } from 'reverie';
export const a = defineFeature({ model: 'stories260K', objective: neuron(2, 17) });
export const b = defineFeature({ name: 'happy', objective: logit(' happy') });
`;

test('features are grouped by file, files in path order, features in source order', () => {
  const features = featuresIn('x.ts', SOURCE);
  const entries = [
    { path: 'z/features.ts', feature: features[0] },
    { path: 'a.ts', feature: features[1] },
    { path: 'z/features.ts', feature: features[1] },
  ];
  const groups = groupByFile(entries);
  assert.deepEqual(groups.map((g) => g.path), ['a.ts', 'z/features.ts']);
  assert.deepEqual(groups[1].entries.map((e) => e.feature.exportName), ['a', 'b']);
});

test('a feature row is its display name, with the export (when renamed) and model beside it', () => {
  const [a, b] = featuresIn('x.ts', SOURCE);
  assert.deepEqual(featureRow(a), { label: 'a', description: 'stories260K' });
  assert.deepEqual(featureRow(b), { label: 'happy', description: 'b' });
});

test('saved results: newest first, suffix dropped, kind, folder and age said', () => {
  const now = Date.UTC(2026, 11, 7, 12);
  const rows = resultRows([
    { path: 'dreams/neuron2_17.frontier.json', mtime: now - 3 * 3_600_000 },
    { path: 'neuron-2.17.run.json', mtime: now - 5 * 60_000 },
    { path: 'dreams/old.frontier.json', mtime: now - 3 * 86_400_000 },
  ], now);
  assert.deepEqual(rows.map((r) => [r.label, r.description]), [
    ['neuron-2.17', 'run · 5 min ago'],
    ['neuron2_17', 'frontier · dreams · 3 h ago'],
    ['old', 'frontier · dreams · 3 days ago'],
  ]);
});

test('ages', () => {
  assert.equal(age(30_000), 'just now');
  assert.equal(age(59 * 60_000), '59 min ago');
  assert.equal(age(25 * 3_600_000), '1 day ago');
});

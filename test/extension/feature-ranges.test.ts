/**
 * Where CodeLenses go and which definition the cursor is in, from discovery of a real feature file
 * (positions are 0-based lines and UTF-16 columns, as VS Code counts them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codeLensLine, featureAt, featureDisplayName, featuresIn, mayDefineFeatures } from '../../src/extension/feature-ranges';

const SRC = `import { defineFeature, neuron } from 'reverie';

/** A neuron of the bundled model. */
export const storyNeuron = defineFeature({
  model: 'stories260K',
  objective: neuron(2, 17),
});

const helper = 3;

export const nextHappy = defineFeature({ model: 'stories260K', name: 'next happy', objective: (m) => m.logits.at('last').index(7) });
export default defineFeature({
  model: 'stories260K',
  objective: neuron(1, helper),
});
`;

test('a CodeLens goes on the first line of each exported definition', () => {
  const fs = featuresIn('/w/features.ts', SRC);
  assert.deepEqual(fs.map((f) => [f.exportName, codeLensLine(f)]), [['storyNeuron', 3], ['nextHappy', 10], ['default', 11]]);
  assert.deepEqual(fs.map(featureDisplayName), ['storyNeuron', 'next happy', 'default']);
});

test('the cursor is inside a definition from its first character to its last, and nowhere else', () => {
  const fs = featuresIn('/w/features.ts', SRC);
  const at = (line: number, character: number) => featureAt(fs, { line, character })?.exportName;
  assert.equal(at(3, 0), 'storyNeuron');
  assert.equal(at(4, 10), 'storyNeuron');
  assert.equal(at(6, 3), 'storyNeuron', "the closing '});' belongs to it");
  assert.equal(at(6, 4), undefined, 'past the end of the statement');
  assert.equal(at(2, 5), undefined, 'the doc comment is not the definition');
  assert.equal(at(8, 0), undefined, 'a plain constant');
  assert.equal(at(10, 50), 'nextHappy');
  assert.equal(at(13, 2), 'default');
  assert.equal(at(0, 0), undefined);
});

test('only TypeScript sources that use defineFeature from reverie are feature files', () => {
  assert.equal(mayDefineFeatures('/w/a.ts'), true);
  assert.equal(mayDefineFeatures('/w/a.mts'), true);
  assert.equal(mayDefineFeatures('/w/.reverie/reverie.d.ts'), false);
  assert.equal(mayDefineFeatures('/w/a.js'), false);
  assert.deepEqual(featuresIn('/w/types.d.ts', SRC), []);
  assert.deepEqual(featuresIn('/w/other.ts', SRC.replace("from 'reverie'", "from './mine'")), [], 'a defineFeature of another module');
  assert.deepEqual(featuresIn('/w/plain.ts', 'export const x = 1;\n'), []);
  assert.equal(featuresIn('/w/broken.ts', `${SRC}\nexport const = ;;; {{{`).length, 3, 'a syntax error elsewhere keeps the lenses');
});

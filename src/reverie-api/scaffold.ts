/**
 * Makes a folder a feature workspace: a starter `features.ts`, the API's declarations in
 * `.reverie/reverie.d.ts`, and a `tsconfig.json` whose `paths` maps 'reverie' to them, so the
 * editor's own TypeScript server type-checks and completes feature files with no plugin.
 * Existing files are left alone (except the declarations, which follow the installed version).
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reverieDeclarationsPath } from './assets';

export const TYPES_DIR = '.reverie';
export const TYPES_FILE = 'reverie.d.ts';

export const STARTER_FEATURES = `/**
 * Features to dream about. Each export is one feature; run one with
 *   reverie dream features.ts#storyNeuron
 * or from the editor (the "Dream" lens above each export).
 */
import { defineFeature, neuron, logitMargin } from 'reverie';

/** An MLP neuron of the bundled model: find fluent prompts that make it fire. */
export const storyNeuron = defineFeature({
  model: 'stories260K',
  objective: neuron(2, 17),
  description: 'MLP neuron 17 of layer 2, at the last prompt token',
});

/** Prompts after which the model's top prediction is " happy" (the word itself is banned). */
export const nextHappy = defineFeature({
  model: 'stories260K',
  objective: logitMargin(' happy'),
  seqLen: 8,
});

/** Anything differentiable: the neuron, minus a quarter of the residual stream's norm. */
export const custom = defineFeature({
  model: 'stories260K',
  objective: (m) => m.blocks[2].mlp.post.at('last').index(17).sub(m.blocks[2].resid.post.at('last').norm().mul(0.25)),
});
`;

export function workspaceTsconfig(typesDir = TYPES_DIR): object {
  return {
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2022'],
      strict: true,
      noEmit: true,
      // No @types from enclosing folders: feature files see only the reverie API.
      types: [],
      paths: { reverie: [`./${typesDir}/${TYPES_FILE}`] },
    },
    include: ['**/*.ts'],
  };
}

export interface ScaffoldResult {
  written: string[];
  /** Files that existed and were kept. */
  kept: string[];
}

export function scaffoldFeatureWorkspace(dir: string): ScaffoldResult {
  const result: ScaffoldResult = { written: [], kept: [] };
  mkdirSync(join(dir, TYPES_DIR), { recursive: true });
  const dts = join(dir, TYPES_DIR, TYPES_FILE);
  copyFileSync(reverieDeclarationsPath(), dts);
  result.written.push(dts);
  const files: [string, string][] = [
    ['tsconfig.json', `${JSON.stringify(workspaceTsconfig(), null, 2)}\n`],
    ['features.ts', STARTER_FEATURES],
  ];
  for (const [name, text] of files) {
    const path = join(dir, name);
    if (existsSync(path)) result.kept.push(path);
    else {
      writeFileSync(path, text);
      result.written.push(path);
    }
  }
  return result;
}

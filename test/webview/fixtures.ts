/** Well-formed messages for the panel tests. */
import type { Attribution, HostMessage, InitMessage, IterationMessage, PopulationRow } from '../../src/protocol/panel';
import { PANEL_PROTOCOL_VERSION } from '../../src/protocol/panel';

export const initMessage = (runId = 'run-1'): InitMessage => ({
  type: 'init', protocol: PANEL_PROTOCOL_VERSION, runId, mode: 'live',
  feature: { name: 'L3 neuron 117', description: 'fires on French', file: 'features/l3n117.json' },
  model: { id: 'stories260K', layers: 5, dModel: 64, vocab: 512 },
  config: {
    iterations: 300, population: 2, childrenPerMember: 32, topK: 512, seqLen: 3, restartEvery: 30,
    lambdaMin: 0.1, lambdaMax: 10, restartLambdaMin: 0.667, restartLambdaMax: 6, seed: 0,
  },
  lambdas: [0.1, 10],
});

export const row = (slot: number, ids: number[], feature: number, xe: number, historyIndex: number): PopulationRow => ({
  slot, lambda: slot ? 10 : 0.1, ids, tokens: ids.map((i) => ` t${i}`), text: ids.map((i) => ` t${i}`).join(''),
  feature, xe, isNew: true, historyIndex,
});

export function iterationMessage(iteration: number, population: PopulationRow[], points: [number, number, number][], extra: Partial<IterationMessage> = {}): IterationMessage {
  return {
    type: 'iteration', iteration, iterations: 300, restart: null, population,
    points: {
      feature: points.map((p) => p[0]), xe: points.map((p) => p[1]),
      iteration: points.map(() => iteration), historyIndex: points.map((p) => p[2]),
    },
    timings: { gradientMs: 10, scoringMs: 50, selectionMs: 1, totalMs: 61 },
    stats: { evaluations: points.length, cacheHits: 0, rejections: 0, restarts: 0, bestAtXe4: null, bestAtXe6: 1.5 },
    iterationsPerSecond: 2,
    ...extra,
  };
}

export const attribution = (ids: number[]): Attribution => ({
  ids, text: ids.map((i) => ` t${i}`).join(''), baseline: 4, xe: 3.5, relative: true,
  tokens: ids.map((id, k) => ({
    token: ` t${id}`, id, nll: k === 0 ? null : 2 + k, largestDrop: 0.9, smallestDrop: 0.1,
    worst: { token: ' x', id: 5, value: 0.4 }, best: [{ token: ' y', id: 6, value: 3.9 }],
  })),
});

export const everyHostMessage = (): HostMessage[] => [
  initMessage(),
  iterationMessage(0, [row(0, [1, 2, 3], 1, 5, 0), row(1, [1, 2, 4], 0.5, 3, 1)], [[1, 5, 0], [0.5, 3, 1]]),
  { type: 'history', points: { feature: [1], xe: [2], iteration: [-1], historyIndex: [0] }, frontier: [0], iterationsDone: -1 },
  { type: 'point', historyIndex: 3, ids: [1, 2], tokens: ['a', 'b'], text: 'ab', feature: 1, xe: 2, iteration: 4 },
  { type: 'attribution', attribution: attribution([1, 2, 3]) },
  { type: 'runState', state: 'error', message: 'out of memory' },
  { type: 'dataset', source: 'pile', feature: [1, 2], xe: [3, 4], text: ['a', 'b'] },
  { type: 'dataset', source: 'pile', feature: [1, 2], xe: [3, 4], text: ['a b', 'c'], ids: [[5, 6], [7]], tokens: [['a', ' b'], ['c']] },
  { type: 'notice', level: 'info', message: 'Saved frontier.json', about: 'save' },
];

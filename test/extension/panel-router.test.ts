/**
 * The host side of the panel protocol with a fake webview: nothing before `ready`, the replay in
 * order after it (and again after a hide or reload), live messages only once live, malformed
 * messages rejected in both directions, and each request answered (or a notice about it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PanelRouter, PanelActions } from '../../src/extension/panel-router';
import type { HostMessage, PointMessage, Attribution } from '../../src/protocol/panel';
import { PANEL_PROTOCOL_VERSION } from '../../src/protocol/panel';

const init: HostMessage = {
  type: 'init', protocol: PANEL_PROTOCOL_VERSION, runId: 'r1', mode: 'live',
  feature: { name: 'neuron 2.17' }, model: { id: 'stories260K', layers: 5, dModel: 64, vocab: 512 },
  config: {
    iterations: 3, population: 2, childrenPerMember: 8, topK: 64, seqLen: 4, restartEvery: 30,
    lambdaMin: 0.1, lambdaMax: 10, restartLambdaMin: 0.667, restartLambdaMax: 6, seed: 0,
  },
  lambdas: [0.1, 10],
};
const history: HostMessage = { type: 'history', points: { feature: [1, 2], xe: [5, 4], iteration: [-1, -1], historyIndex: [0, 1] }, frontier: [1], iterationsDone: -1 };
const running: HostMessage = { type: 'runState', state: 'running' };
const iteration = (it: number, from: number): HostMessage => ({
  type: 'iteration', iteration: it, iterations: 3, restart: null, population: [],
  points: { feature: [3], xe: [3], iteration: [it], historyIndex: [from] },
  timings: { gradientMs: 1, scoringMs: 1, selectionMs: 1, totalMs: 3 },
  stats: { evaluations: from + 1, cacheHits: 0, rejections: 0, restarts: 0, bestAtXe4: 3, bestAtXe6: 3 },
  iterationsPerSecond: 10,
});
const point: PointMessage = { type: 'point', historyIndex: 1, ids: [5, 6], tokens: ['a', 'b'], text: 'ab', feature: 2, xe: 4, iteration: -1 };
const attribution: Attribution = {
  ids: [5, 6], text: 'ab', baseline: 2, xe: 4, relative: true,
  tokens: [5, 6].map((id) => ({ token: String(id), id, nll: null, largestDrop: 0.5, smallestDrop: 0.1, worst: { token: 'x', id: 9, value: 1 }, best: [] })),
};

function setup(over: Partial<PanelActions> = {}) {
  const posted: HostMessage[] = [];
  const logs: string[] = [];
  const calls: string[] = [];
  let replayMessages: HostMessage[] = [init, history, running];
  const actions: PanelActions = {
    replay: async () => { calls.push('replay'); return replayMessages; },
    point: async (i) => { calls.push(`point ${i}`); return point; },
    inspect: async (ids) => { calls.push(`inspect ${ids}`); return attribution; },
    control: async (a, seed) => { calls.push(`control ${a}${seed === undefined ? '' : ` ${seed}`}`); },
    saveFrontier: async () => { calls.push('save'); return 'Saved 3 points to dreams/x.frontier.json.'; },
    copy: async (t) => { calls.push(`copy ${t}`); },
    log: (level, m) => logs.push(`${level}: ${m}`),
    ...over,
  };
  const router = new PanelRouter((m) => posted.push(m), actions);
  return { router, posted, logs, calls, setReplay: (m: HostMessage[]) => { replayMessages = m; } };
}

const types = (ms: HostMessage[]) => ms.map((m) => m.type);

test('nothing is posted before ready; ready gets the replay in order, then live messages', async () => {
  const { router, posted, calls } = setup();
  router.push(iteration(0, 2));
  router.push(running);
  assert.deepEqual(posted, [], 'live messages before ready are held back (the replay will carry them)');
  await router.receive({ type: 'ready', protocol: PANEL_PROTOCOL_VERSION });
  assert.deepEqual(types(posted), ['init', 'history', 'runState']);
  assert.deepEqual(calls, ['replay']);
  router.push(iteration(1, 3));
  assert.deepEqual(types(posted), ['init', 'history', 'runState', 'iteration']);
});

test('live messages that arrive while the replay is fetched are dropped (the replay has them)', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const { router, posted } = setup({ replay: async () => { await gate; return [init, history]; } });
  const ready = router.receive({ type: 'ready', protocol: PANEL_PROTOCOL_VERSION });
  router.push(iteration(0, 2));
  release();
  await ready;
  assert.deepEqual(types(posted), ['init', 'history']);
  router.push(iteration(1, 3));
  assert.deepEqual(types(posted), ['init', 'history', 'iteration']);
});

test('a hidden (destroyed) webview gets nothing until its next ready, then the whole replay again', async () => {
  const { router, posted, setReplay } = setup();
  await router.receive({ type: 'ready', protocol: PANEL_PROTOCOL_VERSION });
  router.hidden();
  router.push(iteration(0, 2));
  assert.equal(posted.length, 3);
  setReplay([init, { ...history, iterationsDone: 0 }, iteration(0, 2), running]);
  await router.receive({ type: 'ready', protocol: PANEL_PROTOCOL_VERSION });
  assert.deepEqual(types(posted.slice(3)), ['init', 'history', 'iteration', 'runState']);
});

test('when two readies race, only the latest page gets a replay', async () => {
  const gates: (() => void)[] = [];
  let n = 0;
  const { router, posted } = setup({
    replay: () => new Promise((resolve) => {
      const k = ++n;
      gates.push(() => resolve([{ ...init, runId: `page ${k}` } as HostMessage]));
    }),
  });
  const first = router.receive({ type: 'ready', protocol: PANEL_PROTOCOL_VERSION });
  const second = router.receive({ type: 'ready', protocol: PANEL_PROTOCOL_VERSION });
  gates[1]();
  gates[0]();
  await Promise.all([first, second]);
  assert.deepEqual(posted.map((m) => (m as { runId: string }).runId), ['page 2']);
});

test('malformed webview messages are rejected, logged, and never acted on', async () => {
  const { router, posted, calls, logs } = setup();
  await router.receive({ type: 'ready', protocol: PANEL_PROTOCOL_VERSION });
  const before = posted.length;
  const bad: unknown[] = [
    { type: 'requestPoint', historyIndex: '3' },
    { type: 'control', action: 'stop', seed: 4 },
    { type: 'control', action: 'explode' },
    { type: 'inspect', ids: [] },
    { type: 'copy' },
    { type: 'format-disk' },
    'ready',
    null,
  ];
  for (const m of bad) await router.receive(m);
  assert.deepEqual(calls, ['replay'], 'no action ran');
  assert.equal(posted.length, before, 'nothing was answered');
  assert.equal(logs.length, bad.length);
  assert.match(logs[0], /^warn: ignored a malformed message from the panel: requestPoint\.historyIndex: expected an integer ≥ 0, got "3"/);
  assert.match(logs[1], /control\.seed: only 'runAgain' takes a seed, not 'stop'/);
});

test('requests are answered; failures become notices about what failed', async () => {
  const { router, posted, calls } = setup();
  await router.receive({ type: 'ready', protocol: PANEL_PROTOCOL_VERSION });
  posted.length = 0;
  await router.receive({ type: 'requestPoint', historyIndex: 1 });
  await router.receive({ type: 'inspect', ids: [5, 6] });
  await router.receive({ type: 'control', action: 'runAgain', seed: 7 });
  await router.receive({ type: 'control', action: 'pause' });
  await router.receive({ type: 'saveFrontier' });
  await router.receive({ type: 'copy', text: 'a fluent prompt' });
  await router.receive({ type: 'error', message: 'boom', stack: 'at x' });
  assert.deepEqual(calls.slice(1), ['point 1', 'inspect 5,6', 'control runAgain 7', 'control pause', 'save', 'copy a fluent prompt']);
  assert.deepEqual(types(posted), ['point', 'attribution', 'notice', 'notice']);
  assert.deepEqual(posted[2], { type: 'notice', level: 'info', message: 'Saved 3 points to dreams/x.frontier.json.', about: 'save' });
  assert.equal((posted[3] as { about: string }).about, 'copy');

  const failing = setup({
    point: async () => { throw new Error('no point 99 in this panel'); },
    inspect: async () => { throw new Error('the model is not loaded'); },
    control: async () => { throw new Error('no run in progress to pause'); },
  });
  await failing.router.receive({ type: 'ready', protocol: PANEL_PROTOCOL_VERSION });
  failing.posted.length = 0;
  await failing.router.receive({ type: 'requestPoint', historyIndex: 99 });
  await failing.router.receive({ type: 'inspect', ids: [1, 2] });
  await failing.router.receive({ type: 'control', action: 'pause' });
  assert.deepEqual(failing.posted, [
    { type: 'notice', level: 'error', message: 'no point 99 in this panel', about: 'point' },
    { type: 'notice', level: 'error', message: 'the model is not loaded', about: 'attribution' },
    { type: 'notice', level: 'error', message: 'no run in progress to pause', about: 'run' },
  ]);
});

test('a malformed outgoing message is not posted but logged; a failed replay shows an error state', async () => {
  const { router, posted, logs } = setup({
    replay: async () => [init, { ...history, points: { ...(history as { points: object }).points, xe: [5] } } as HostMessage],
  });
  await router.receive({ type: 'ready', protocol: PANEL_PROTOCOL_VERSION });
  assert.deepEqual(types(posted), ['init']);
  assert.match(logs.join('\n'), /not sent to the panel, malformed history message: history\.points: feature has 2 entries but xe has 1/);

  const broken = setup({ replay: async () => { throw new Error("no dream session 'r1'"); } });
  await broken.router.receive({ type: 'ready', protocol: PANEL_PROTOCOL_VERSION });
  assert.deepEqual(broken.posted, [{ type: 'runState', state: 'error', message: "no dream session 'r1'" }]);
});

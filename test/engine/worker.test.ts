/**
 * WorkerSessionHost runs sessions in a worker thread: while a heavy run is in flight the main
 * thread keeps serving timers. The same run through EngineSession on the main thread blocks them
 * (ORT's run is synchronous native code), which is why interactive callers must use the worker.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, matmul, tanh, toOnnx } from '../../src/engine/graph';
import { EngineSession, TensorData } from '../../src/engine/runtime/ort';
import { WorkerSessionHost } from '../../src/engine/runtime/worker-host';
import { mulberry, randn } from '../helpers/fd';

/** A chain of tanh([512,1024]×[1024,1024]) layers sharing one weight: about 1.07 GFLOP per layer. */
function heavyModel(layers: number): Uint8Array {
  const rand = mulberry(3);
  const g = new Graph();
  const w = g.constant(Float32Array.from(randn(rand, 1024 * 1024, 0.03)), [1024, 1024]);
  let h = g.input('x', 'float32', [512, 1024]);
  for (let i = 0; i < layers; i++) h = tanh(matmul(h, w));
  g.output('y', h);
  return toOnnx(g);
}

const feeds: Record<string, TensorData> = { x: { dtype: 'float32', dims: [512, 1024], data: Float32Array.from(randn(mulberry(4), 512 * 1024)) } };

/** A single-threaded session whose run takes about `targetMs` on this machine (machines differ tenfold). */
async function calibratedSession(targetMs: number): Promise<{ model: Uint8Array; session: EngineSession }> {
  let layers = 4;
  for (;;) {
    const model = heavyModel(layers);
    const session = await EngineSession.create(model, { threads: 1 });
    await session.run(feeds); // warm-up: first runs allocate and pack weights
    const t = performance.now();
    await session.run(feeds);
    const ms = performance.now() - t;
    if (ms >= targetMs * 0.7 || layers >= 1024) return { model, session };
    await session.release();
    layers = Math.min(1024, Math.ceil((layers * targetMs) / Math.max(ms, 1)));
  }
}

/** Runs `work` while a 5 ms interval ticks; returns the tick count, the longest gap between ticks and the duration. */
async function whileTicking(work: () => Promise<unknown>): Promise<{ ticks: number; maxGapMs: number; ms: number }> {
  let ticks = 0;
  let last = performance.now();
  let maxGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    ticks++;
  }, 5);
  const start = performance.now();
  await work();
  const ms = performance.now() - start;
  maxGapMs = Math.max(maxGapMs, performance.now() - last);
  clearInterval(timer);
  return { ticks, maxGapMs, ms };
}

test('a heavy run in the worker leaves the main thread responsive; on the main thread it blocks', async () => {
  const { model, session: main } = await calibratedSession(400);
  const host = new WorkerSessionHost();
  try {
    const remote = await host.createSession(model, { threads: 1 });
    await remote.run(feeds); // warm-up: first runs allocate and pack weights
    await main.run(feeds);

    const inWorker = await whileTicking(() => remote.run(feeds));
    const onMain = await whileTicking(() => main.run(feeds));
    const msg = `worker: ${JSON.stringify(inWorker)}; main thread: ${JSON.stringify(onMain)}`;
    if (process.env.FD_VERBOSE) console.log(`# ${msg}`);

    assert.ok(onMain.ms > 150, `the run must be heavy enough to notice (${msg})`);
    // Main thread: the timer cannot fire during the synchronous run.
    assert.ok(onMain.maxGapMs > 0.8 * onMain.ms, `EngineSession.run should block the main thread (${msg})`);
    // Worker: timers keep firing; the longest gap stays a small fraction of the run.
    assert.ok(inWorker.maxGapMs < Math.max(60, 0.3 * inWorker.ms), `the worker run should not block timers (${msg})`);
    assert.ok(inWorker.ticks >= inWorker.ms / 5 / 3, `too few ticks while the worker ran (${msg})`);

    // Same numbers from both places (the worker really ran the model).
    const a = (await remote.run(feeds)).y.data as Float32Array;
    const b = (await main.run(feeds)).y.data as Float32Array;
    assert.deepEqual(a, b);
  } finally {
    await main.release();
    await host.dispose();
  }
});

test('worker errors come back as rejected promises with the message', async () => {
  const host = new WorkerSessionHost();
  try {
    const g = new Graph();
    g.output('y', tanh(g.input('x', 'float32', [2])));
    const s = await host.createSession(toOnnx(g), { threads: 1 });
    await assert.rejects(s.run({ x: { dtype: 'float32', dims: [3], data: new Float32Array(3) } }), /input 'x' is float32\[3\], the graph expects float32\[2\]/);
    await assert.rejects(host.createSession(new Uint8Array([1, 2, 3])), /./);
    await s.release();
    await assert.rejects(s.run({ x: { dtype: 'float32', dims: [2], data: new Float32Array(2) } }), /no session/);
  } finally {
    await host.dispose();
  }
});

/**
 * What checkpointing a run file costs: the default dream (neuron 2.17, 300 iterations) on the
 * bundled model, with the run file rewritten at every checkpoint as `reverie dream --out` does —
 * no checkpoints, every 10 iterations, and every 10 within the 2 % time budget (the default).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../src/engine/models/load';
import { dream, dreamRunFile, neuronFeature } from '../src/engine/dream/dream';
import { writeRunFile } from '../src/engine/epo';
import { SAVED_RUN_CHECKPOINT_BUDGET, SAVED_RUN_CHECKPOINT_EVERY } from '../src/engine/epo/config';

export async function benchCheckpoint(): Promise<void> {
  const model = await loadModel('stories260K');
  const feature = neuronFeature(model, '2.17');
  const dir = mkdtempSync(join(tmpdir(), 'reverie-bench-cp-'));
  const out = join(dir, 'run.json');
  const modes = [
    { name: 'none', every: 0, budget: undefined },
    { name: `every ${SAVED_RUN_CHECKPOINT_EVERY}`, every: SAVED_RUN_CHECKPOINT_EVERY, budget: undefined },
    { name: `every ${SAVED_RUN_CHECKPOINT_EVERY}, ${SAVED_RUN_CHECKPOINT_BUDGET * 100} % budget (default)`, every: SAVED_RUN_CHECKPOINT_EVERY, budget: SAVED_RUN_CHECKPOINT_BUDGET },
  ];
  try {
    for (const round of [1, 2]) {
      for (const m of modes) {
        let writes = 0, writeMs = 0;
        const t0 = performance.now();
        const r = await dream({
          model, feature, config: { checkpointEvery: m.every }, session: { threads: 1 }, checkpointBudget: m.budget,
          onCheckpoint: async (_cp, soFar) => {
            const s = performance.now();
            const res = soFar();
            if (res.iterationsDone >= res.config.iterations) return;
            await writeRunFile(out, dreamRunFile(model, feature, res));
            writes++;
            writeMs += performance.now() - s;
          },
        });
        await writeRunFile(out, r.runFile());
        const wall = performance.now() - t0;
        console.log(`round ${round}, ${m.name}: ${(wall / 1000).toFixed(2)} s wall, ${writes} checkpoint writes taking ${(writeMs / 1000).toFixed(2)} s ` +
          `(${((100 * writeMs) / wall).toFixed(1)} % of the run; EPO loop ${(r.result.timings.totalMs / 1000).toFixed(2)} s)`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a model's forward graph on one sequence with the logits and the named hooks as outputs (`h0`, `h1`, …). */
import { Graph, toOnnx, SymTensor } from '../../src/engine/graph';
import { buildForward } from '../../src/engine/models/forward';
import { EngineSession, TensorData } from '../../src/engine/runtime/ort';
import type { Arch } from '../../src/engine/models/arch';
import type { WeightMap } from '../../src/engine/models/weights';

export async function runForwardWithHooks(arch: Arch, weights: WeightMap, name: string, inputIds: number[], hooks: string[]): Promise<Record<string, TensorData>> {
  const T = inputIds.length;
  const g = new Graph('ref');
  const ids = g.input('ids', 'int64', [1, T]);
  const fwd = buildForward(g, arch, weights, ids, name);
  g.output('logits', fwd.logits);
  hooks.forEach((h, i) => g.output(`h${i}`, fwd.hooks.get(h) as SymTensor));
  const s = await EngineSession.create(toOnnx(g), { threads: 1 });
  try {
    return await s.run({ ids: { dtype: 'int64', dims: [1, T], data: BigInt64Array.from(inputIds.map(BigInt)) } });
  } finally {
    await s.release();
  }
}

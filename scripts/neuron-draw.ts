/** The seeded draw of neurons shared by the dataset comparison and the EPO ablation. */
import type { LoadedModel } from '../src/engine/models/load';
import { Prng } from '../src/engine/epo/prng';

/** Distinct (layer, index) pairs drawn uniformly with a seeded generator, in draw order. */
export function chooseNeurons(model: LoadedModel, count: number, seed: number): string[] {
  const { numLayers, intermediateSize } = model.arch;
  if (count > numLayers * intermediateSize) throw new Error(`${model.name} has only ${numLayers * intermediateSize} neurons`);
  const rng = Prng.fromSeed(seed);
  const out: string[] = [];
  while (out.length < count) {
    const spec = `${rng.int(numLayers)}.${rng.int(intermediateSize)}`;
    if (!out.includes(spec)) out.push(spec);
  }
  return out;
}

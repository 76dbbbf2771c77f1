/**
 * A dream that starts from the corpus (`reverie dream --init-from-dataset <corpus>`): the population
 * starts from the best windows of a dataset scan — the max-activating examples the dream is compared
 * with — instead of random tokens. The paper's comparison starts from random tokens, so a run started
 * this way answers another question ("how far past the dataset can the search go?") and is
 * reported apart (docs/epo-improvements.md).
 */
import { resolveConfig, EpoConfigError } from '../epo/config';
import type { RunEpoOptions } from '../epo/run';
import { promptKey } from '../epo/cache';
import { scanCorpus, type ScanExample } from '../scan';
import type { SessionOptions } from '../runtime/ort';
import type { LoadedModel } from '../models/load';
import { dreamConfig, type PreparedFeature } from './dream';
import type { EpoConfig } from '../epo/config';

/** Windows scanned per population slot: some fail the run's prompt checks (banned text, round trip). */
const WINDOWS_PER_SLOT = 8;

/**
 * The run's initial prompts from scanned windows, best first: the first M distinct windows of the
 * run's length that pass its checks. Fewer than M is an error naming the corpus, never a silent
 * mix with random prompts.
 */
export function initialPromptsFromWindows(windows: readonly Pick<ScanExample, 'ids'>[], corpus: string): NonNullable<RunEpoOptions['initialPrompts']> {
  return async (m, n, accept) => {
    const out: Int32Array[] = [];
    const seen = new Set<string>();
    for (const w of windows) {
      if (w.ids.length !== n) continue;
      const ids = Int32Array.from(w.ids);
      const key = promptKey(ids);
      if (seen.has(key) || !accept(ids)) continue;
      seen.add(key);
      out.push(ids);
      if (out.length === m) return out;
    }
    throw new EpoConfigError(`--init-from-dataset ${corpus}: only ${out.length} of the ${windows.length} best windows of ${n} tokens pass the run's prompt checks (allowed tokens, banned text, round trip); the population needs ${m}`);
  };
}

export interface DatasetStart {
  initialPrompts: NonNullable<RunEpoOptions['initialPrompts']>;
  /** The best window scanned (for the CLI's report). */
  best: Pick<ScanExample, 'text' | 'feature' | 'xe'> | null;
  windowsScored: number;
}

/** Scans `corpus` with the dream's feature at the run's length and returns its initial prompts. */
export async function datasetStart(
  model: LoadedModel, feature: PreparedFeature, user: Partial<EpoConfig>, corpus: string, session?: SessionOptions,
): Promise<DatasetStart> {
  const config = resolveConfig(dreamConfig(feature, user));
  const scan = await scanCorpus({ model, feature, corpus: [corpus], n: config.seqLen, top: WINDOWS_PER_SLOT * config.population, session });
  return {
    initialPrompts: initialPromptsFromWindows(scan.examples, corpus),
    best: scan.examples[0] ?? null,
    windowsScored: scan.counts.scored,
  };
}

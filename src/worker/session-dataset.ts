/**
 * The dataset baseline of a dream session: the corpus in the request scanned in the background
 * (while the run dreams) with windows as long as the dream's prompts, then shown in the panel and
 * kept with the frontier when it is saved. A scan is cached per model, feature, window and corpus,
 * so it runs once. Failures become a notice: the dream itself does not depend on it.
 */
import type { HostMessage } from '../protocol/panel';
import type { PreparedFeature } from '../engine/dream/dream';
import type { LoadedModel } from '../engine/models/load';
import { corpusLabel, datasetBaseline } from '../engine/scan';
import { datasetMessage } from './session-presenter';
import type { SessionState } from './session-state';
import type { DatasetRequest, EngineOptions } from './worker-protocol';

export interface ScanContext {
  /** The model, the feature and the window length (the dream's prompt length); throws when the feature cannot run. */
  prepare(): { model: LoadedModel; prepared: PreparedFeature; n: number };
  engine: EngineOptions;
  /** Aborted when the panel closes; an aborted scan shows nothing. */
  signal: AbortSignal;
  log(level: 'info' | 'warn', message: string): void;
  panel(message: HostMessage): void;
}

export async function scanDatasetInto(s: SessionState, req: DatasetRequest, c: ScanContext): Promise<void> {
  const source = corpusLabel(req.corpus);
  try {
    const { model, prepared, n } = c.prepare();
    c.log('info', `scanning ${req.corpus.join(', ')} for the dataset baseline (windows of ${n} tokens)`);
    const t0 = performance.now();
    const { points, result } = await datasetBaseline({
      model, feature: prepared, corpus: req.corpus, within: req.within, n, cacheDir: req.cacheDir, source, session: c.engine, signal: c.signal,
    });
    if (c.signal.aborted) return;
    s.dataset = [...s.dataset.filter((p) => p.source !== source), ...points];
    c.log('info', `dataset baseline from ${source}: ${points.length} examples of ${result.counts.scored} windows scored in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const msg = datasetMessage(s);
    if (msg) c.panel(msg);
  } catch (e) {
    if (c.signal.aborted) return;
    const message = `The dataset baseline from ${source} is not shown: ${(e as Error).message}`;
    c.log('warn', message);
    c.panel({ type: 'notice', level: 'warning', message, about: 'dataset' });
  }
}

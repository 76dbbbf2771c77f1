/**
 * Save Frontier for a dream session: every run with scored prompts, written as one frontier file
 * (src/engine/frontier-file.ts) into the host's folder, merged with what is already saved there.
 * Without the model (a saved panel opened on another machine) texts come from the saved points.
 */
import { promptKey } from '../engine/epo/cache';
import { buildFrontierFile, FrontierFilePoint, saveFrontierFile, SaveOutcome } from '../engine/frontier-file';
import { tokenStrings } from './dream-worker-messages';
import type { SessionState } from './session-state';
import type { SaveRequest } from './worker-protocol';

export async function saveSession(s: SessionState, req: SaveRequest): Promise<SaveOutcome> {
  const runs = s.runs.filter((r) => r.history && r.sent > 0).map((r) => ({
    id: r.record.id, config: r.config, iterationsDone: r.record.iterationsDone, cancelled: r.record.state !== 'done',
    history: r.history!, count: Math.min(r.sent, r.history!.size),
  }));
  if (!runs.length) throw new Error('nothing to save yet: no prompt has been scored');
  const known = new Map<string, FrontierFilePoint>();
  for (const r of s.runs) for (const p of r.savedPoints) known.set(promptKey(p.ids), p);
  const tok = s.model?.tokenizer;
  const describe = (ids: number[]) => {
    if (tok) return { text: tok.decode(ids), tokens: tokenStrings(tok, ids) };
    const p = known.get(promptKey(ids));
    return { text: p?.text ?? '', tokens: p?.tokens ?? ids.map((id) => `#${id}`) };
  };
  const model = s.model
    ? { id: s.model.id, files: s.model.files, layers: s.model.arch.numLayers, dModel: s.model.arch.hiddenSize, vocab: s.model.arch.vocabSize }
    : s.savedModel!;
  const file = buildFrontierFile({ feature: { ...s.feature.meta }, model, runs, describe, includeHistories: req.includeHistories, dataset: s.dataset });
  return saveFrontierFile(req.folder, file, { onMismatch: req.onMismatch });
}

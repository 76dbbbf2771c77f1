/**
 * One run of a dream session, on the engine's `dream()` as the CLI's runs are: the session's backend
 * (kept between runs), a copy of the run's history for the panel's deltas (`HistoryCopy`), the
 * presenter's messages per iteration, checkpoints into the run's path, and what a pause, a stop or
 * a closed panel leaves behind.
 */
import type { HostMessage, RunStateName } from '../protocol/panel';
import type { EpoConfig } from '../engine/epo/config';
import { SAVED_RUN_CHECKPOINT_BUDGET } from '../engine/epo/config';
import { EvalHistory } from '../engine/epo/history';
import type { Checkpoint } from '../engine/epo/checkpoint';
import type { OrtDreamBackend } from '../engine/dream/backend';
import { dream, PreparedFeature } from '../engine/dream/dream';
import type { LoadedModel } from '../engine/models/load';
import { LARGE_WEIGHTS_FROM, weightBytes } from '../engine/models/weights';
import { snapshotIteration } from './dream-worker-messages';
import { historyMessage, presentInitial, presentIteration, RateMeter } from './session-presenter';
import { ActiveRun, HistoryCopy, RunSlot, SessionState } from './session-state';

export interface RunContext {
  state: SessionState;
  model: LoadedModel;
  prepared: PreparedFeature;
  featureName: string;
  backend: OrtDreamBackend;
  panel(message: HostMessage): void;
  /** A progress stage (a large model's graph and session being made). */
  stage(message: string): void;
  /** A warning about the run (told once per session). */
  warn(message: string): void;
  /** The run records changed (a checkpoint was written). */
  runsChanged(): void;
  setState(state: RunStateName): void;
}

export async function executeRun(slot: RunSlot, resumeFrom: Checkpoint | null, active: ActiveRun, c: RunContext): Promise<void> {
  const { model, prepared, backend } = c;
  const tokenizer = model.tokenizer;
  const allowedCount = backend.allowed.reduce((s, v) => s + v, 0);
  slot.topKUsed = Math.min(slot.config.topK, allowedCount);
  const large = weightBytes(model.weights) >= LARGE_WEIGHTS_FROM;
  if (large) c.stage('reading the weights into the graph and creating its session …');
  if (!slot.history) throw new Error('internal: a live run has no history');
  const rate = new RateMeter();
  const copy = new HistoryCopy(slot.history, resumeFrom ? resumeFrom.nextIteration : -1, () => c.panel(presentInitial(slot, copy.history, tokenizer)));
  // A resumed run takes the checkpoint's config; only the options that do not change its trajectory may differ.
  const config: Partial<EpoConfig> = resumeFrom
    ? { iterations: slot.config.iterations, checkpointEvery: slot.config.checkpointEvery, batchSize: slot.config.batchSize }
    : slot.config;
  const { result } = await dream({
    model, feature: { ...prepared, info: { ...prepared.info, name: c.featureName } }, config, backend, wrapBackend: (b) => copy.wrap(b),
    signal: active.controller.signal,
    resumeFrom: resumeFrom ?? undefined,
    checkpointPath: slot.record.checkpointPath,
    checkpointBudget: SAVED_RUN_CHECKPOINT_BUDGET,
    onReady: ({ warnings, buildMs, provider }) => {
      if (large) c.stage(`graph and session ready in ${(buildMs / 1000).toFixed(1)} s`);
      for (const w of warnings) c.warn(w);
      c.state.device = provider ?? c.state.device;
    },
    onCheckpoint: (cp) => {
      slot.checkpoint = cp;
      c.runsChanged();
    },
    onIteration: (e) => {
      const msg = presentIteration(slot, copy.history, e, tokenizer, rate.tick());
      copy.iteration = e.iteration + 1;
      slot.record.iterationsDone = e.iteration + 1;
      c.panel(msg);
    },
  });
  slot.record.iterationsDone = result.iterationsDone;
  slot.cancelled = result.cancelled;
  slot.checkpoint = result.checkpoint ?? slot.checkpoint;
  if (result.cancelled && (active.reason === 'pause' || active.reason === 'close')) {
    // Paused: keep what completed iterations evaluated; an interrupted iteration is redone on resume.
    slot.history = result.checkpoint ? EvalHistory.deserialize(result.checkpoint.history) : new EvalHistory(slot.config.seqLen);
    slot.size = slot.sent = Math.min(slot.sent, slot.history.size);
    // Closed by the window going away (not by the user), the run stays recorded as running, so a
    // restored panel resumes it from the checkpoint just written.
    if (active.reason !== 'close') c.setState('paused');
    return;
  }
  slot.history = result.history;
  slot.size = result.history.size;
  if (slot.sent < slot.size) {
    // A stop in mid-iteration evaluated prompts no iteration message carried: resend the whole history once.
    slot.sent = slot.size;
    c.panel(historyMessage(c.state));
  }
  if (!slot.last && result.population.length) {
    slot.last = snapshotIteration(result.history, slot.config, result.population, slot.base, tokenizer, result.iterationsDone - 1);
  }
  c.setState(result.cancelled ? 'stopped' : 'done');
}

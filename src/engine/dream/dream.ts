/**
 * A dream end to end: model + feature + EPO config → sessions → runEpo → result and run file.
 * The CLI calls it in-process; the VS Code extension calls it inside a worker thread.
 */
import { checkTokenId, resolveTokenText } from '../features/tokens';
import { checkFitsContext } from '../models/context';
import { createHash } from 'node:crypto';
import type { LoadedModel } from '../models/load';
import type { FeatureFn } from '../features/feature';
import { runEpo, resolveConfig, makeRunFile, EpoBackend, EpoConfig, EpoResult, RunFile, RunFileOptions, RunEpoOptions, RunFeatureInfo } from '../epo';
import type { Precision, Provider, SessionOptions } from '../runtime/ort';
import { OrtDreamBackend, allowedTokens } from './backend';
import { neuron, logitOf } from '../features/builtins';

/** A feature ready to dream: its graph function, identity for run files, and its EPO defaults. */
export interface PreparedFeature {
  fn: FeatureFn;
  info: RunFeatureInfo;
  /** Text the prompt may not contain (e.g. the target of a logit feature). */
  bannedText?: string[];
  /** The feature's own EPO overrides (a feature file's `epo`, `seqLen`); the caller's options win. */
  epo?: Partial<EpoConfig>;
  /** What the model computes in for this feature (a feature file's `dtype`); a caller's dtype other than auto wins. */
  dtype?: Precision;
}

/** The session options for a feature: its own dtype unless the caller asked for one (not `auto`). */
export function sessionFor(session: SessionOptions | undefined, feature: Pick<PreparedFeature, 'dtype'>): SessionOptions {
  const asked = session?.dtype ?? 'auto';
  return { ...session, dtype: asked === 'auto' && feature.dtype ? feature.dtype : asked };
}

const hashOf = (s: string) => createHash('sha256').update(s).digest('hex');

/** `--neuron L.N`: MLP neuron N of layer L at the last token. */
export function neuronFeature(model: LoadedModel, spec: string): PreparedFeature {
  const m = /^(\d+)\.(\d+)$/.exec(spec.trim());
  if (!m) throw new Error(`--neuron expects LAYER.INDEX, e.g. 2.17; got '${spec}'`);
  const [layer, index] = [Number(m[1]), Number(m[2])];
  const { numLayers, intermediateSize } = model.arch;
  if (layer >= numLayers) throw new Error(`layer ${layer} does not exist: ${model.name} has layers 0–${numLayers - 1}`);
  if (index >= intermediateSize) throw new Error(`neuron ${index} does not exist: ${model.name} has ${intermediateSize} MLP neurons per layer (0–${intermediateSize - 1})`);
  const name = `neuron ${layer}.${index}`;
  return {
    fn: neuron(layer, index),
    info: { name, description: `blocks.${layer}.mlp.hook_post[${index}] at the last token`, sourceHash: hashOf(`builtin:${name}`), kind: 'neuron', spec: `${layer}.${index}` },
  };
}

/**
 * `--logit " dog"`: the logit of one token at the last position; the token's text is banned. The
 * text names a token as feature files' `logit(' dog')` does (resolveTokenText: the token displayed
 * exactly so, whatever dummy prefix the tokenizer adds), so both name the same token.
 */
export function logitFeature(model: LoadedModel, text: string): PreparedFeature {
  const id = checkTokenId(model.tokenizer, resolveTokenText(model.tokenizer, text, model.name), model.arch.vocabSize, model.name);
  const shown = model.tokenizer.tokenText(id);
  const name = `logit ${JSON.stringify(shown)}`;
  const banned = shown.trim();
  return {
    fn: logitOf(id),
    info: { name, description: `logit of token ${id} at the last position`, sourceHash: hashOf(`builtin:logit:${id}`), kind: 'logit', spec: text },
    bannedText: banned ? [banned] : [],
  };
}

export interface DreamOptions extends Pick<RunEpoOptions, 'onIteration' | 'signal' | 'resumeFrom' | 'onCheckpoint' | 'checkpointPath' | 'checkpointBudget' | 'initialPrompts'> {
  model: LoadedModel;
  feature: PreparedFeature;
  /** The user's explicit EPO options (only those given: a resume refuses changed trajectory fields). */
  config?: Partial<EpoConfig>;
  session?: SessionOptions;
  /** Called once the graph is built and its session is ready (before iteration 0). */
  onReady?: (info: { warnings: string[]; buildMs: number; config: EpoConfig; provider?: Provider }) => void;
  /** While a large model's weights are read into the graphs: bytes done of about `total`. */
  onWeights?: (done: number, total: number) => void;
  /**
   * A backend the caller owns and keeps after the run (the extension's panel reuses it for the next
   * run and for attributions); it must be for this model, feature and seqLen. Default: one made
   * for this run and disposed after it.
   */
  backend?: OrtDreamBackend;
  /** Wraps the backend the run calls (the extension records every scored prompt as it comes). */
  wrapBackend?: (backend: EpoBackend) => EpoBackend;
}

export interface DreamOutcome {
  result: EpoResult;
  warnings: string[];
  buildMs: number;
  runFile(opts?: RunFileOptions): RunFile;
}

/** Merges feature defaults under the user's options; banned text accumulates. */
export function dreamConfig(feature: PreparedFeature, user: Partial<EpoConfig> = {}): Partial<EpoConfig> {
  const merged: Partial<EpoConfig> = { ...feature.epo, ...user };
  const banned = [...(feature.bannedText ?? []), ...(feature.epo?.bannedText ?? []), ...(user.bannedText ?? [])];
  if (banned.length) merged.bannedText = [...new Set(banned)];
  return merged;
}

/** The ONNX backend for prompts of length n (BOS prefixed when the tokenizer asks for it). */
export function dreamBackend(model: LoadedModel, fn: FeatureFn, n: number, session?: SessionOptions, onWeights?: (done: number, total: number) => void): OrtDreamBackend {
  const t = model.tokenizer;
  checkFitsContext(model, n, 'a prompt (seqLen)');
  return new OrtDreamBackend(
    { model: { name: model.name, arch: model.arch, weights: model.weights }, feature: fn, n, bosId: t.addsBos ? t.bosId : undefined },
    allowedTokens(t, model.arch.vocabSize),
    session,
    { onWeights },
  );
}

/** The run file of a dream's result (final, or so far at a checkpoint). */
export function dreamRunFile(model: LoadedModel, feature: PreparedFeature, result: EpoResult, opts?: RunFileOptions): RunFile {
  return makeRunFile(result, { model: { id: model.id, files: model.files }, feature: feature.info }, opts);
}

export async function dream(o: DreamOptions): Promise<DreamOutcome> {
  const partial = o.resumeFrom ? { ...o.resumeFrom.config, ...(o.config ?? {}) } : dreamConfig(o.feature, o.config);
  const config = resolveConfig(partial);
  const { model } = o;
  const t = model.tokenizer;
  const t0 = performance.now();
  const backend = o.backend ?? dreamBackend(model, o.feature.fn, config.seqLen, sessionFor(o.session, o.feature), o.onWeights);
  if (o.backend && o.backend.seqLen !== config.seqLen) throw new Error(`the backend scores prompts of ${o.backend.seqLen} tokens; the run's seqLen is ${config.seqLen}`);
  try {
    await backend.warmUp();
    const buildMs = performance.now() - t0;
    o.onReady?.({ warnings: backend.warnings, buildMs, config, provider: backend.ranOn });
    const result = await runEpo(o.wrapBackend ? o.wrapBackend(backend) : backend, t, partial, {
      onIteration: o.onIteration, signal: o.signal, resumeFrom: o.resumeFrom, onCheckpoint: o.onCheckpoint, checkpointPath: o.checkpointPath, checkpointBudget: o.checkpointBudget, initialPrompts: o.initialPrompts,
      names: { feature: o.feature.info.name, model: model.id },
    });
    return {
      result, warnings: backend.warnings, buildMs,
      runFile: (opts) => dreamRunFile(model, o.feature, result, opts),
    };
  } finally {
    if (!o.backend) await backend.dispose();
  }
}

/**
 * Stage two: a loaded feature against a model. Traces the objective in the sandbox, resolves its
 * tokens, vectors and SAEs, and trial-traces the result on the model's forward graph, so that a
 * feature that does not fit the model fails here — with the feature, file, line and reason —
 * rather than in the middle of a dream.
 */
import type { DimName } from '../../reverie-api/reverie';
import type { ModelInfo, ObjectiveNode, TokenRef, TraceResult } from '../../reverie-api/protocol';
import type { Tokenizer } from '../tokenizers/tokenizer';
import { explainUnknownHook } from '../models/hooks';
import { DEFAULT_EPO_CONFIG } from '../epo/config';
import type { FeatureFn, FeatureView } from './feature';
import { FeatureError, SourceLocation } from './errors';
import type { LoadedFeature } from './load';
import { SandboxTimeout } from './sandbox';
import { FeatureModelShape, modelInfo, positionAxes, traceForward } from './model-info';
import { FeatureSpec, SpecNode, featureFnFromSpec } from './spec';
import { checkTokenId, resolveTokenText } from './tokens';
import { readVector, splitTensorRef } from './vectors';
import { readSae, latentEncoder, Sae } from './sae';
import { isNamedSae, resolveNamedSae, type SaeHubOptions } from './sae-sources';
import { OutsideWorkspaceError, resolveInWorkspace } from './workspace';
import type { EpoOverrides } from './options';

/** What compiling needs of a model: a LoadedModel (models/load.ts) has all of it. */
export interface FeatureModel extends FeatureModelShape {
  tokenizer: Tokenizer;
}

export interface SaeLatentRead { sae: string; latent: number; hook: string; hookOut?: string }

export interface CompiledFeature {
  /** The feature for the dream graphs (buildScoreGraph & co.). */
  fn: FeatureFn;
  /** The same as JSON: `featureFnFromSpec(spec)` rebuilds `fn` anywhere (e.g. in a worker). */
  spec: FeatureSpec;
  /** Prompt text to reject: the feature's, else the target tokens of logit built-ins (trimmed). */
  bannedText: string[];
  /** Prompt length the feature was checked at. */
  seqLen: number;
  /** The feature's EPO overrides, with seqLen and bannedText filled in. */
  epo: EpoOverrides;
  /** The SAE latents it reads, by the SAE's name as written and the hook it reads (for display). */
  /** The SAE (and transcoder) latents the feature reads; a transcoder's also says where it writes. */
  saeLatents: SaeLatentRead[];
}

export interface CompileOptions {
  /** Prompt length to check at (default: the feature's seqLen, else EPO's default). */
  seqLen?: number;
  /** Where SAEs named by repo or release are found, and whether they may be downloaded. */
  hub?: SaeHubOptions;
}

function shape(dims: readonly DimName[]): string {
  return `[${dims.join(', ')}]`;
}

function notScalarHint(dims: readonly DimName[]): string {
  const positional = dims.some((d) => d === 'pos' || d === 'query' || d === 'key');
  const rest = dims.some((d) => d !== 'pos' && d !== 'query');
  const steps = [positional && 'select a position with .at(...)', rest && 'a component with .index(...)'].filter(Boolean);
  return steps.length ? ` — ${steps.join(' and ')}` : '';
}

export async function compileFeature(feature: LoadedFeature, model: FeatureModel, opts: CompileOptions = {}): Promise<CompiledFeature> {
  const seqLen = opts.seqLen ?? feature.seqLen ?? DEFAULT_EPO_CONFIG.seqLen;
  const fail = (message: string, at: SourceLocation = feature.location, code: FeatureError['code'] = 'objective'): never => {
    throw new FeatureError(message, at.file, at.line, at.column, code, feature.exportName);
  };
  if (!Number.isInteger(seqLen) || seqLen < 2) fail(`seqLen must be an integer ≥ 2, got ${seqLen}`);
  const offset = model.tokenizer.addsBos ? 1 : 0;
  const { forward } = traceForward(model, seqLen, offset);
  const info = modelInfo(model, forward, seqLen);

  let traced: TraceResult;
  try {
    traced = await feature.trace(info);
  } catch (e) {
    if (e instanceof SandboxTimeout) fail(e.message, feature.location, 'timeout');
    return fail(`tracing the objective failed: ${(e as Error).message}`, feature.location, 'runtime');
  }
  if (traced.error) {
    const err = traced.error;
    const at = feature.locate(err.site) ?? feature.location;
    const message = err.code === 'unknownHook' && err.hook !== undefined
      ? explainUnknownHook(err.hook, model.arch.family, model.arch.numLayers, model.name)
      : err.message;
    fail(message, at, err.code === 'unknownHook' || !/^\w*Error: /.test(err.message) ? 'objective' : 'runtime');
  }
  if (!traced.root) return fail(`objective of '${feature.name}' must return a value of the model (from m or a built-in), got ${traced.notATensor ?? 'nothing'}`);
  if (traced.root.dims.length) {
    fail(`objective of '${feature.name}' must return a scalar per prompt; got a value of shape ${shape(traced.root.dims)}${notScalarHint(traced.root.dims)}`);
  }

  const resolver = new Resolver(feature, model, info, fail, opts.hub);
  const root = await resolver.node(traced.root);
  const spec: FeatureSpec = { version: 1, root };
  const fn = featureFnFromSpec(spec);
  // The trial trace: the same graph the dream builds, so shape problems surface now.
  try {
    const view: FeatureView = { hook: (h) => forward.hooks.get(h), n: seqLen, offset, forward };
    const out = fn(view);
    if (out.rank !== 1 || out.shape[0] !== 'B') throw new Error(`the feature has shape [${out.shape.join(', ')}], expected [B]`);
  } catch (e) {
    fail(`the objective does not fit ${model.name}: ${(e as Error).message}`);
  }

  const targets = [...new Set(await Promise.all(traced.targetTokens.map((t) => resolver.tokenId(t, traced.root!.site))))];
  const bannedText = feature.bannedText ?? targets.map((id) => model.tokenizer.tokenText(id).trim()).filter(Boolean);
  return { fn, spec, bannedText, seqLen, epo: { ...feature.epo, seqLen, bannedText }, saeLatents: resolver.saeLatents };
}

/** Resolves the traced tree's references (tokens, vector files, SAE folders) to numbers. */
class Resolver {
  private readonly saes = new Map<string, Promise<Sae>>();
  /** Every SAE latent resolved, in the order the objective reads them. */
  readonly saeLatents: SaeLatentRead[] = [];
  constructor(
    private readonly feature: LoadedFeature,
    private readonly model: FeatureModel,
    private readonly info: ModelInfo,
    private readonly fail: (message: string, at?: SourceLocation, code?: FeatureError['code']) => never,
    private readonly hub?: SaeHubOptions,
  ) {}

  private at(site: string): SourceLocation {
    return this.feature.locate(site) ?? this.feature.location;
  }

  private guard<T>(site: string, work: () => Promise<T> | T): Promise<T> {
    return Promise.resolve().then(work).catch((e: unknown) => {
      if (e instanceof FeatureError) throw e;
      return this.fail((e as Error).message, this.at(site), e instanceof OutsideWorkspaceError ? 'outside-workspace' : 'objective');
    });
  }

  /** Paths are relative to the file where they were written (a helper module may name them). */
  private path(ref: string, site: string, what: string): string {
    const from = this.feature.locate(site)?.file ?? this.feature.file;
    return resolveInWorkspace(this.feature.workspaceRoot, from, ref, what);
  }

  tokenId(t: TokenRef, site: string): Promise<number> {
    const { tokenizer, name, arch } = this.model;
    return this.guard(site, () => (typeof t === 'number'
      ? checkTokenId(tokenizer, t, arch.vocabSize, name)
      : checkTokenId(tokenizer, resolveTokenText(tokenizer, t.token, name), arch.vocabSize, name)));
  }

  private sae(ref: string, site: string, hook: string | undefined): Promise<Sae> {
    return this.guard(site, async () => {
      // A named SAE (Hub repo or release) lives in the Hugging Face cache, like models.
      const dir = isNamedSae(ref) ? await resolveNamedSae(ref, this.hub) : this.path(ref, site, 'SAE');
      const key = `${dir}\0${hook ?? ''}`;
      let p = this.saes.get(key);
      if (!p) this.saes.set(key, (p = readSae(dir, ref, hook)));
      return p;
    });
  }

  async node(n: ObjectiveNode): Promise<SpecNode> {
    switch (n.op) {
      case 'hook': return { op: 'hook', name: n.name, posAxes: positionAxes(n.dims) };
      case 'pick': {
        const x = await this.node(n.x);
        const at = typeof n.at === 'object' ? await this.tokenId(n.at, n.site) : n.at;
        return { op: 'pick', x, axis: n.axis, at };
      }
      case 'binary': {
        const side = (v: ObjectiveNode | number) => (typeof v === 'number' ? v : this.node(v));
        return { op: 'binary', kind: n.kind, a: await side(n.a), b: await side(n.b) };
      }
      case 'unary': return { op: 'unary', kind: n.kind, x: await this.node(n.x) };
      case 'reduce': return { op: 'reduce', kind: n.kind, x: await this.node(n.x) };
      case 'margin': return { op: 'margin', x: await this.node(n.x), token: await this.tokenId(n.token, n.site) };
      case 'dot': {
        const x = await this.node(n.x);
        const d = n.x.shape[n.x.shape.length - 1];
        const axis = n.x.dims[n.x.dims.length - 1];
        const values = 'values' in n.vector ? n.vector.values : await this.vector(n.vector.path, n.vector.site ?? n.site);
        if (values.length !== d) {
          const name = 'path' in n.vector ? `vector '${n.vector.path}'` : 'the vector';
          this.fail(`${name} has ${values.length} entries, but it is dotted with a value whose last axis (${axis}) has ${d} — ${this.model.name}'s ${axis} is ${d}`, this.at(n.site));
        }
        return { op: 'dot', x, values };
      }
      case 'sae': {
        const sae = await this.sae(n.sae, n.site, n.hook);
        return this.guard(n.site, () => {
          if (n.transcoder && !sae.transcoder) {
            throw new Error(`'${n.sae}' is an SAE, not a transcoder (its cfg.json architecture is not one of SAELens's transcoders): read it with saeLatent`);
          }
          const enc = latentEncoder(sae, n.index, n.pre, n.sae);
          const hook = this.info.hooks[enc.hook];
          const { family, numLayers } = this.model.arch;
          if (!hook) throw new Error(`SAE '${n.sae}' reads '${enc.hook}': ${explainUnknownHook(enc.hook, family, numLayers, this.model.name)}`);
          // hook_z [pos, head, d_head] is read flattened head-major, as SAELens's hook_z SAEs read it.
          const perHead = enc.hook.endsWith('hook_z') && hook.dims.length === 3 && hook.dims[0] === 'pos';
          if (!perHead && (hook.dims.length !== 2 || hook.dims[0] !== 'pos')) {
            throw new Error(`SAE '${n.sae}' reads '${enc.hook}' ${shape(hook.dims)}; SAEs on [pos, channels] hooks and on hook_z [pos, head, d_head] are supported`);
          }
          const channels = hook.shape.slice(1).reduce((a, b) => a * b, 1);
          if (channels !== sae.dIn) {
            const of = perHead ? `${hook.shape[1]} heads × ${hook.shape[2]} = ${channels} channels` : `${channels} channels`;
            throw new Error(`SAE '${n.sae}' has d_in ${sae.dIn}, but ${this.model.name}'s '${enc.hook}' has ${of} (is the SAE for another model?)`);
          }
          if (sae.transcoder) {
            // The output hook plays no part in the latent, but a transcoder for another model shows there too.
            const { hookOut, dOut } = sae.transcoder;
            const out = this.info.hooks[hookOut];
            if (!out) throw new Error(`transcoder '${n.sae}' writes '${hookOut}': ${explainUnknownHook(hookOut, family, numLayers, this.model.name)}`);
            if (out.shape[out.shape.length - 1] !== dOut) {
              throw new Error(`transcoder '${n.sae}' has d_out ${dOut}, but ${this.model.name}'s '${hookOut}' has ${out.shape[out.shape.length - 1]} channels (is it for another model?)`);
            }
          }
          this.saeLatents.push({ sae: n.sae.replace(/^(hf|release):/, ''), latent: n.index, hook: enc.hook, ...(sae.transcoder ? { hookOut: sae.transcoder.hookOut } : {}) });
          return { op: 'sae' as const, ...enc, posAxes: [0], pos: n.pos };
        });
      }
    }
  }

  private vector(ref: string, site: string): Promise<number[]> {
    return this.guard(site, async () => {
      const { file, tensor } = splitTensorRef(ref);
      const path = this.path(file, site, 'vector');
      return Array.from(await readVector(path, tensor, ref));
    });
  }
}

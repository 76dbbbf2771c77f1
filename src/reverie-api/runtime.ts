/**
 * The `reverie` module as feature files see it. This file is bundled on its own and evaluated
 * INSIDE the feature sandbox (a node:vm context, see src/engine/features/sandbox.ts), so every
 * object user code touches belongs to the sandbox's realm. It must not import anything at run
 * time; it builds a JSON tree of the objective (protocol.ts) that the host compiles to a graph.
 *
 * The host drives it through `globalThis.__reverie` with scripts that return JSON strings.
 *
 * Long because: it is one bundle evaluated inside the sandbox, which can import nothing at run
 * time.
 */
import type * as Api from './reverie';
import type { DimName, Position, VectorLike } from './reverie';
import type {
  FeatureRecord, ModelInfo, ObjectiveNode, RunResult, SandboxError, Site, TokenRef, TraceResult, VectorSource,
} from './protocol';

const stackHolder = Error as unknown as { stackTraceLimit: number };
stackHolder.stackTraceLimit = 50;

// The host may re-run a file (when its sandbox restarts), so top-level code must give the same
// features every time: Math.random is a fixed-seed generator (mulberry32).
let randomState = 0x9e3779b9;
Math.random = () => {
  randomState = (randomState + 0x6d2b79f5) >>> 0;
  let t = randomState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

// ---- call sites ----------------------------------------------------------------------------

/** Creation sites of the built-ins being traced, innermost last (their own frames have no user code). */
let siteStack: Site[] = [];

function captureSite(): Site {
  return [new Error().stack ?? '', ...[...siteStack].reverse()].join('\n');
}

class FeatureProblem extends Error {
  readonly site: Site;
  constructor(message: string, readonly code?: 'unknownHook', readonly hook?: string) {
    super(message);
    this.site = captureSite();
  }
}

function fail(message: string): never {
  throw new FeatureProblem(message);
}

function safeString(v: unknown): string {
  try {
    if (typeof v === 'string') return JSON.stringify(v);
    if (typeof v === 'function') return 'a function';
    if (Array.isArray(v)) return `[${v.map(safeString).join(', ')}]`;
    if (v instanceof TensorImpl) return v.toString();
    if (typeof v === 'object' && v !== null) return JSON.stringify(v) ?? String(v);
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

function describeError(e: unknown): SandboxError {
  try {
    if (e instanceof FeatureProblem) return { message: e.message, site: e.site, code: e.code, hook: e.hook };
    const message = e instanceof Error ? `${e.name}: ${e.message}` : `threw ${safeString(e)}`;
    const stack = e instanceof Error && typeof e.stack === 'string' ? e.stack : '';
    return { message, site: [stack, ...[...siteStack].reverse()].join('\n') };
  } catch {
    return { message: 'threw a value that cannot be described', site: '' };
  }
}

// ---- logs ----------------------------------------------------------------------------------

const MAX_LOG_LINES = 200;
let logs: string[] = [];
const log = (...args: unknown[]): void => {
  if (logs.length < MAX_LOG_LINES) logs.push(args.map((a) => (typeof a === 'string' ? a : safeString(a))).join(' '));
};
(globalThis as Record<string, unknown>).console = Object.freeze({ log, info: log, warn: log, error: log, debug: log });

// ---- tensors -------------------------------------------------------------------------------

type NodeBody = ObjectiveNode extends infer N ? N extends ObjectiveNode ? Omit<N, 'dims' | 'shape' | 'site'> : never : never;

function showShape(dims: readonly DimName[]): string {
  return `[${dims.join(', ')}]`;
}

function isPosition(p: unknown): p is Position {
  return p === 'last' || p === 'max' || p === 'mean' || (typeof p === 'number' && Number.isInteger(p));
}

const POSITIONAL: readonly DimName[] = ['pos', 'query', 'key'];

class TensorImpl implements Api.Tensor {
  constructor(readonly node: ObjectiveNode) {}

  static make(body: NodeBody, dims: DimName[], shape: number[]): TensorImpl {
    return new TensorImpl({ ...body, dims, shape, site: captureSite() } as ObjectiveNode);
  }

  get dims(): readonly DimName[] { return [...this.node.dims]; }
  get shape(): readonly number[] { return [...this.node.shape]; }
  toString(): string { return `Tensor${showShape(this.node.dims)}`; }

  private axisOf(names: readonly DimName[], what: string): number {
    const axis = this.node.dims.findIndex((d) => names.includes(d));
    if (axis < 0) fail(`${what}: a value of shape ${showShape(this.node.dims)} has no ${names.join(' or ')} axis`);
    return axis;
  }

  private pickAxis(axis: number, at: Position | TokenRef, what: string): TensorImpl {
    const dim = this.node.dims[axis], size = this.node.shape[axis];
    if (POSITIONAL.includes(dim)) {
      if (!isPosition(at)) fail(`${what}: position must be 'last', 'max', 'mean' or an integer, got ${safeString(at)}`);
      if (typeof at === 'number' && (at < -size || at >= size)) {
        fail(`${what}: position ${at} is outside the prompt (positions 0–${size - 1}, or −${size}…−1 from the end)`);
      }
    } else if (typeof at === 'number') {
      if (!Number.isInteger(at) || at < 0 || at >= size) fail(`${what}: index ${at} is out of range: ${dim} has ${size} entries (0–${size - 1})`);
    } else if (typeof at === 'object' && at !== null && typeof at.token === 'string') {
      if (dim !== 'vocab') fail(`${what}: a token (${JSON.stringify(at.token)}) selects from logits, but this axis is ${dim}`);
    } else {
      fail(`${what}: ${dim} index must be an integer${dim === 'vocab' ? ' or a token\'s text' : ''}, got ${safeString(at)}`);
    }
    const dims = this.node.dims.filter((_, i) => i !== axis);
    const shape = this.node.shape.filter((_, i) => i !== axis);
    return TensorImpl.make({ op: 'pick', x: this.node, axis, at }, dims, shape);
  }

  at(position: Position): Api.Tensor {
    return this.pickAxis(this.axisOf(['pos', 'query'], '.at()'), position, '.at()');
  }
  key(position: Position): Api.Tensor {
    return this.pickAxis(this.axisOf(['key'], '.key()'), position, '.key()');
  }
  head(head: number): Api.Tensor {
    return this.pickAxis(this.axisOf(['head', 'kv_head'], '.head()'), head, '.head()');
  }
  index(i: number | string): Api.Tensor {
    if (!this.node.dims.length) fail('.index(): the value is already a scalar per prompt');
    return this.pickAxis(this.node.dims.length - 1, typeof i === 'string' ? { token: i } : i, '.index()');
  }
  neuron(i: number): Api.Tensor {
    return this.index(i);
  }
  select(dim: DimName, i: number | Position): Api.Tensor {
    const axis = this.node.dims.indexOf(dim);
    if (axis < 0) fail(`.select(): a value of shape ${showShape(this.node.dims)} has no ${safeString(dim)} axis`);
    return this.pickAxis(axis, i, '.select()');
  }

  private binary(kind: 'add' | 'sub' | 'mul' | 'div', other: Api.Tensor | number): Api.Tensor {
    if (typeof other === 'number') {
      if (!Number.isFinite(other)) fail(`.${kind}(): the number must be finite, got ${other}`);
      return TensorImpl.make({ op: 'binary', kind, a: this.node, b: other }, [...this.node.dims], [...this.node.shape]);
    }
    if (!(other instanceof TensorImpl)) fail(`.${kind}(): expected a model value or a number, got ${safeString(other)}`);
    const a = this.node, b = other.node;
    const same = a.dims.length === b.dims.length && a.dims.every((d, i) => d === b.dims[i] && a.shape[i] === b.shape[i]);
    if (!same && a.dims.length && b.dims.length) {
      fail(`.${kind}(): shapes ${showShape(a.dims)} and ${showShape(b.dims)} differ; they must match, or one side must be a scalar per prompt`);
    }
    const big = a.dims.length ? a : b;
    return TensorImpl.make({ op: 'binary', kind, a, b }, [...big.dims], [...big.shape]);
  }
  add(x: Api.Tensor | number): Api.Tensor { return this.binary('add', x); }
  sub(x: Api.Tensor | number): Api.Tensor { return this.binary('sub', x); }
  mul(x: Api.Tensor | number): Api.Tensor { return this.binary('mul', x); }
  div(x: Api.Tensor | number): Api.Tensor { return this.binary('div', x); }

  private unary(kind: 'neg' | 'abs' | 'relu' | 'square' | 'standardize'): Api.Tensor {
    if (kind === 'standardize' && !this.node.dims.length) fail('.standardize(): needs an axis to standardise over; this value is a scalar per prompt');
    return TensorImpl.make({ op: 'unary', kind, x: this.node }, [...this.node.dims], [...this.node.shape]);
  }
  neg(): Api.Tensor { return this.unary('neg'); }
  abs(): Api.Tensor { return this.unary('abs'); }
  relu(): Api.Tensor { return this.unary('relu'); }
  square(): Api.Tensor { return this.unary('square'); }
  standardize(): Api.Tensor { return this.unary('standardize'); }

  private reduce(kind: 'sum' | 'mean' | 'max' | 'norm'): Api.Tensor {
    if (!this.node.dims.length) fail(`.${kind}(): the value is already a scalar per prompt`);
    return TensorImpl.make({ op: 'reduce', kind, x: this.node }, this.node.dims.slice(0, -1), this.node.shape.slice(0, -1));
  }
  sum(): Api.Tensor { return this.reduce('sum'); }
  mean(): Api.Tensor { return this.reduce('mean'); }
  max(): Api.Tensor { return this.reduce('max'); }
  norm(): Api.Tensor { return this.reduce('norm'); }

  dot(v: VectorLike): Api.Tensor {
    if (!this.node.dims.length) fail('.dot(): the value is already a scalar per prompt');
    const vector = vectorSource(v, '.dot()');
    const d = this.node.shape[this.node.shape.length - 1];
    if ('values' in vector && vector.values.length !== d) {
      fail(`.dot(): the vector has ${vector.values.length} entries but the value's last axis (${this.node.dims[this.node.dims.length - 1]}) has ${d}`);
    }
    return TensorImpl.make({ op: 'dot', x: this.node, vector }, this.node.dims.slice(0, -1), this.node.shape.slice(0, -1));
  }

  /** x[…, token] − max over the other entries (logitMargin). */
  margin(token: TokenRef): TensorImpl {
    const last = this.node.dims[this.node.dims.length - 1];
    if (last !== 'vocab') fail(`logit margin needs logits (a vocab axis), got ${showShape(this.node.dims)}`);
    if (typeof token === 'number') this.pickAxis(this.node.dims.length - 1, token, 'logitMargin');
    return TensorImpl.make({ op: 'margin', x: this.node, token }, this.node.dims.slice(0, -1), this.node.shape.slice(0, -1));
  }
}

// ---- vectors -------------------------------------------------------------------------------

const VECTOR_SITE = new WeakMap<object, Site>();

function vectorSource(v: VectorLike, what: string): VectorSource {
  if (typeof v === 'string') return { path: v, site: captureSite() };
  if (typeof v === 'object' && v !== null && VECTOR_SITE.has(v)) {
    const path: unknown = (v as Api.Vector).path;
    if (typeof path !== 'string' || !path) fail(`vector(): expected a path such as './v.npy', got ${safeString(path)}`);
    return { path, site: VECTOR_SITE.get(v) };
  }
  if (Array.isArray(v) || v instanceof Float32Array || v instanceof Float64Array) {
    const values = Array.from(v as ArrayLike<number>);
    const bad = values.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
    if (bad >= 0) fail(`${what}: vector entry ${bad} is ${safeString(values[bad])}, not a finite number`);
    return { values };
  }
  return fail(`${what}: expected a vector (vector('./v.npy'), a path, or an array of numbers), got ${safeString(v)}`);
}

function vector(path: string): Api.Vector {
  // Checked when used (tracing), so a mistake here fails one feature rather than the whole file.
  const v = Object.freeze({ path });
  VECTOR_SITE.set(v, captureSite());
  return v;
}

// ---- the model view ------------------------------------------------------------------------

function positiveInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(`${what} must be a non-negative integer, got ${safeString(v)}`);
  return v;
}

function makeModel(info: ModelInfo): Api.Model {
  const hook = (name: string): Api.Tensor => {
    if (typeof name !== 'string') fail(`m.hook(): expected a hook name such as 'blocks.0.mlp.hook_post', got ${safeString(name)}`);
    const h = Object.prototype.hasOwnProperty.call(info.hooks, name) ? info.hooks[name] : undefined;
    if (!h) throw new FeatureProblem(`unknown hook '${name}'`, 'unknownHook', name);
    return TensorImpl.make({ op: 'hook', name }, [...h.dims], [...h.shape]);
  };
  const block = (l: number): Api.Block => {
    const b = `blocks.${l}.`;
    return Object.freeze({
      resid: Object.freeze({
        get pre() { return hook(`${b}hook_resid_pre`); },
        get mid() { return hook(`${b}hook_resid_mid`); },
        get post() { return hook(`${b}hook_resid_post`); },
      }),
      attn: Object.freeze({
        get q() { return hook(`${b}attn.hook_q`); },
        get k() { return hook(`${b}attn.hook_k`); },
        get rotQ() { return hook(`${b}attn.hook_rot_q`); },
        get rotK() { return hook(`${b}attn.hook_rot_k`); },
        get v() { return hook(`${b}attn.hook_v`); },
        get pattern() { return hook(`${b}attn.hook_pattern`); },
        get z() { return hook(`${b}attn.hook_z`); },
        get out() { return hook(`${b}hook_attn_out`); },
      }),
      mlp: Object.freeze({
        get pre() { return hook(`${b}mlp.hook_pre`); },
        get preLinear() { return hook(`${b}mlp.hook_pre_linear`); },
        get post() { return hook(`${b}mlp.hook_post`); },
        get out() { return hook(`${b}hook_mlp_out`); },
      }),
    });
  };
  const blockList = Object.freeze(Array.from({ length: info.nLayers }, (_, l) => block(l)));
  const blocks = new Proxy(blockList, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && /^-?\d+(\.\d+)?$/.test(prop) && !(prop in target)) {
        fail(`layer ${prop} does not exist: ${info.name} has layers 0–${info.nLayers - 1}`);
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return Object.freeze({
    name: info.name, nLayers: info.nLayers, dModel: info.dModel, dMlp: info.dMlp, nHeads: info.nHeads,
    nKvHeads: info.nKvHeads, dHead: info.dHead, vocabSize: info.vocabSize, n: info.n,
    hook: (name: Api.HookName) => hook(name),
    blocks,
    get embed() { return hook('hook_embed'); },
    get posEmbed() { return hook('hook_pos_embed'); },
    lnFinal: Object.freeze({ get normalized() { return hook('ln_final.hook_normalized'); } }),
    get logits() { return hook('logits'); },
  });
}

function layerOf(m: Api.Model, layer: unknown): Api.Block {
  if (typeof layer !== 'number' || !Number.isInteger(layer)) fail(`layer must be an integer, got ${safeString(layer)}`);
  return m.blocks[layer];
}

// ---- built-ins -----------------------------------------------------------------------------

/** Per trace: tokens targeted by logit built-ins (they become the default banned text). */
let targetTokens: TokenRef[] = [];

/**
 * Wraps a built-in's body so that values and errors created while it runs are located at the
 * user's call of the built-in (its own frames are not user code).
 */
function builtin(body: (m: Api.Model) => Api.Tensor): Api.Objective {
  const site = captureSite();
  return (m: Api.Model) => {
    siteStack.push(site);
    const out = body(m);
    siteStack.pop(); // left in place when body throws: the error's location needs it
    return out;
  };
}

function tokenRef(m: Api.Model, token: unknown, what: string): TokenRef {
  if (typeof token === 'string' && token.length) return { token };
  if (typeof token === 'number' && Number.isInteger(token) && token >= 0) {
    if (token >= m.vocabSize) fail(`token id ${token} is outside ${m.name}'s vocabulary (0–${m.vocabSize - 1})`);
    return token;
  }
  return fail(`${what}: expected a token's text (e.g. ' happy') or id, got ${safeString(token)}`);
}

function checkPosition(p: unknown, what: string): Position {
  if (!isPosition(p)) fail(`${what}: position must be 'last', 'max', 'mean' or an integer, got ${safeString(p)}`);
  return p;
}

function neuron(layer: number, index: number, position: Position = 'last'): Api.Objective {
  return builtin((m) => {
    checkPosition(position, 'neuron()');
    positiveInt(index, 'neuron(): the neuron index');
    const post = layerOf(m, layer).mlp.post.at(position);
    if (index >= m.dMlp) fail(`neuron ${index} does not exist: ${m.name} has ${m.dMlp} MLP neurons per layer (0–${m.dMlp - 1})`);
    return post.index(index);
  });
}

function logit(token: string | number, position: Position = 'last'): Api.Objective {
  return builtin((m) => {
    checkPosition(position, 'logit()');
    const ref = tokenRef(m, token, 'logit()');
    targetTokens.push(ref);
    return m.logits.at(position).index(typeof ref === 'number' ? ref : ref.token);
  });
}

function logitMargin(token: string | number, position: Position = 'last'): Api.Objective {
  return builtin((m) => {
    checkPosition(position, 'logitMargin()');
    const ref = tokenRef(m, token, 'logitMargin()');
    targetTokens.push(ref);
    return (m.logits.at(position) as TensorImpl).margin(ref);
  });
}

function direction(hookName: Api.HookName, v: VectorLike, options: { standardize?: boolean; position?: Position } = {}): Api.Objective {
  // A path is resolved relative to the file of this call, so the vector is wrapped here.
  const vec = typeof v === 'string' ? vector(v) : v;
  return builtin((m) => {
    const { standardize = true, position = 'last' } = options ?? {};
    checkPosition(position, 'direction()');
    if (typeof standardize !== 'boolean') fail(`direction(): standardize must be true or false, got ${safeString(standardize)}`);
    let x = m.hook(hookName).at(position);
    if (x.dims.length !== 1) fail(`direction(): '${hookName}' at one position has shape ${showShape(x.dims)}; a direction needs a [d_model] hook such as 'blocks.0.hook_resid_post'`);
    if (standardize) x = x.standardize();
    return x.dot(vec);
  });
}

function attention(layer: number, head: number, fromPos: Position, toPos: Position): Api.Objective {
  return builtin((m) => {
    checkPosition(fromPos, 'attention(): fromPos');
    checkPosition(toPos, 'attention(): toPos');
    positiveInt(head, 'attention(): head');
    const pattern = layerOf(m, layer).attn.pattern;
    if (head >= m.nHeads) fail(`head ${head} does not exist: ${m.name} has heads 0–${m.nHeads - 1}`);
    return pattern.head(head).at(fromPos).key(toPos);
  });
}

/** saeLatent's object forms as the host's SAE names (src/engine/features/sae-sources.ts). */
function saeName(sae: Api.SaeSource): string {
  if (typeof sae === 'string') {
    if (!sae) fail(`saeLatent(): expected the SAE's path or name, got an empty string`);
    return sae;
  }
  const o = (typeof sae === 'object' && sae !== null ? sae : {}) as Record<string, unknown>;
  if (typeof o.release === 'string' && o.release) {
    if (typeof o.id !== 'string' || !o.id) fail(`saeLatent(): { release: '${o.release}' } needs an id (the SAE's id in the release), got ${safeString(o.id)}`);
    return `release:${o.release}/${o.id}`;
  }
  if (typeof o.repo === 'string' && /^[\w.-]+\/[\w.-]+$/.test(o.repo)) {
    for (const k of ['path', 'revision']) if (o[k] !== undefined && typeof o[k] !== 'string') fail(`saeLatent(): ${k} must be a string, got ${safeString(o[k])}`);
    return `hf:${o.repo}${o.revision ? `@${o.revision as string}` : ''}${o.path ? `/${o.path as string}` : ''}`;
  }
  return fail(`saeLatent(): expected a path, { release, id } or { repo: 'org/name', path }, got ${safeString(sae)}`);
}

function latentObjective(what: 'saeLatent' | 'transcoderLatent', source: Api.SaeSource, index: number, options: { preActivation?: boolean; position?: Position; hook?: string }): Api.Objective {
  return builtin(() => {
    const sae = saeName(source);
    positiveInt(index, `${what}(): the latent index`);
    const { preActivation = false, position = 'last', hook } = options ?? {};
    if (typeof preActivation !== 'boolean') fail(`${what}(): preActivation must be true or false, got ${safeString(preActivation)}`);
    if (hook !== undefined && (typeof hook !== 'string' || !hook)) fail(`${what}(): hook must be a hook name such as 'blocks.2.hook_resid_post', got ${safeString(hook)}`);
    checkPosition(position, `${what}()`);
    const transcoder = what === 'transcoderLatent' ? { transcoder: true as const } : {};
    return TensorImpl.make({ op: 'sae', sae, index, pre: preActivation, pos: position, ...(hook ? { hook } : {}), ...transcoder }, [], []);
  });
}

function saeLatent(source: Api.SaeSource, index: number, options: { preActivation?: boolean; position?: Position; hook?: string } = {}): Api.Objective {
  return latentObjective('saeLatent', source, index, options);
}

function transcoderLatent(source: Api.SaeSource, index: number, options: { preActivation?: boolean; position?: Position } = {}): Api.Objective {
  return latentObjective('transcoderLatent', source, index, options);
}

function objectiveOf(term: unknown, what: string): Api.Objective {
  if (typeof term === 'function') return term as Api.Objective;
  const rec = typeof term === 'object' && term !== null ? FEATURES.get(term) : undefined;
  if (rec) return rec.feature.objective;
  return fail(`${what}: expected an objective or a feature, got ${safeString(term)}`);
}

function combine(terms: ReadonlyArray<readonly [Api.Objective | Api.Feature, number] | Api.Objective | Api.Feature>): Api.Objective {
  return builtin((m) => {
    if (!Array.isArray(terms) || !terms.length) fail(`combine(): expected a non-empty array of [objective, weight] pairs, got ${safeString(terms)}`);
    let total: Api.Tensor | undefined;
    terms.forEach((t, i) => {
      const [obj, w] = Array.isArray(t) ? t : [t, 1];
      if (typeof w !== 'number' || !Number.isFinite(w)) fail(`combine(): the weight of term ${i} must be a finite number, got ${safeString(w)}`);
      const v = objectiveOf(obj, `combine(): term ${i}`)(m);
      if (!(v instanceof TensorImpl) || v.dims.length) fail(`combine(): term ${i} must give a scalar per prompt, got ${v instanceof TensorImpl ? `shape ${showShape(v.dims)}` : safeString(v)}`);
      const term = w === 1 ? v : v.mul(w);
      total = total ? total.add(term) : term;
    });
    return total!;
  });
}

// ---- features ------------------------------------------------------------------------------

interface Registered {
  feature: Api.Feature;
  site: Site;
  problems: string[];
  exported: boolean;
}

const FEATURES = new Map<object, Registered>();
const OPTION_KEYS = ['name', 'model', 'objective', 'seqLen', 'bannedText', 'epo', 'dtype', 'description'];

function jsonValue(v: unknown): unknown {
  // Only plain data crosses to the host; anything else is described, and rejected there.
  if (v === undefined) return undefined;
  try {
    return JSON.parse(JSON.stringify(v) ?? 'null');
  } catch {
    return safeString(v);
  }
}

function defineFeature(options: Api.FeatureOptions): Api.Feature {
  const site = captureSite();
  const problems: string[] = [];
  const given: unknown = options;
  const o = (typeof given === 'object' && given !== null ? given : {}) as Record<string, unknown>;
  if (o !== given) problems.push(`defineFeature() expects an options object, got ${safeString(options)}`);
  for (const k of Object.keys(o)) if (!OPTION_KEYS.includes(k)) problems.push(`unknown option '${k}' (options are ${OPTION_KEYS.join(', ')})`);
  // model, seqLen, bannedText, epo, dtype and description are plain data: the host checks them.
  if (typeof o.objective !== 'function') problems.push(`'objective' must be a built-in such as neuron(2, 17) or a function (m) => …, got ${safeString(o.objective)}`);
  if (o.name !== undefined && (typeof o.name !== 'string' || !o.name)) problems.push(`'name' must be a non-empty string, got ${safeString(o.name)}`);
  const feature = Object.freeze({
    name: o.name as string | undefined, model: o.model as string, objective: o.objective as Api.Objective,
    seqLen: o.seqLen as number | undefined, bannedText: o.bannedText as string | string[] | undefined,
    epo: o.epo as Api.EpoOverrides | undefined, dtype: o.dtype as Api.FeatureOptions['dtype'], description: o.description as string | undefined,
  });
  FEATURES.set(feature, { feature, site, problems, exported: false });
  return feature;
}

const api = Object.freeze({ defineFeature, neuron, logit, logitMargin, direction, attention, saeLatent, transcoderLatent, combine, vector });
// Keeps the implementation and the published declarations in step (checked by tsc).
const conforms: typeof Api = api;
void conforms;

// ---- host entry points ---------------------------------------------------------------------

let exportedFeatures = new Map<string, Registered>();

function requireModule(name: string): unknown {
  if (name === 'reverie') return api;
  throw new Error(`cannot require '${name}': feature files may import only 'reverie' and relative files`);
}

function runMain(main: (require: (n: string) => unknown, module: { exports: unknown }, exports: unknown) => void): string {
  logs = [];
  siteStack = [];
  const mod = { exports: {} as unknown };
  let error: SandboxError | undefined;
  try {
    main(requireModule, mod, mod.exports);
  } catch (e) {
    error = describeError(e);
  }
  const features: FeatureRecord[] = [];
  exportedFeatures = new Map();
  const record = (exportName: string, value: unknown): void => {
    const r = typeof value === 'object' && value !== null ? FEATURES.get(value) : undefined;
    if (!r) return;
    r.exported = true;
    exportedFeatures.set(exportName, r);
    const f = r.feature;
    features.push({
      exportName, name: typeof f.name === 'string' && f.name ? f.name : exportName, model: jsonValue(f.model), description: jsonValue(f.description),
      seqLen: jsonValue(f.seqLen), bannedText: jsonValue(f.bannedText), epo: jsonValue(f.epo), dtype: jsonValue(f.dtype), site: r.site, problems: r.problems,
    });
  };
  if (!error) {
    const exp = mod.exports;
    if (typeof exp === 'object' && exp !== null && FEATURES.has(exp)) record('default', exp);
    else if (typeof exp === 'object' && exp !== null) {
      for (const key of Object.keys(exp)) {
        try {
          record(key, (exp as Record<string, unknown>)[key]);
        } catch (e) {
          error = describeError(e);
        }
      }
    }
  }
  const unexported = [...FEATURES.values()].filter((r) => !r.exported).map((r) => r.site);
  const result: RunResult = { features, unexported, error, logs };
  return JSON.stringify(result);
}

function trace(exportName: string, modelJson: string): string {
  logs = [];
  siteStack = [];
  targetTokens = [];
  const result: TraceResult = { targetTokens, logs };
  try {
    const r = exportedFeatures.get(exportName);
    if (!r) throw new Error(`no exported feature '${exportName}'`);
    const m = makeModel(JSON.parse(modelJson) as ModelInfo);
    const out: unknown = r.feature.objective(m);
    if (out instanceof TensorImpl) result.root = out.node;
    else if (out && typeof (out as { then?: unknown }).then === 'function') result.notATensor = 'a Promise (objectives must not be async)';
    else result.notATensor = typeof out === 'number' ? `the number ${out}` : safeString(out);
  } catch (e) {
    result.error = describeError(e);
  }
  return JSON.stringify(result);
}

Object.defineProperty(globalThis, '__reverie', {
  value: Object.freeze({ runMain, trace }),
  writable: false, configurable: false, enumerable: false,
});

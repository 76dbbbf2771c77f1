/**
 * The real EPO backend: ONNX graphs of model + feature run by ONNX Runtime. One session serves
 * scoring, the top-k (any k) and saliency — the dream graph's branches — so the weights are
 * resident once per dream, and it is reused for every batch.
 */
import type { EpoBackend } from '../epo/backend';
import type { Tokenizer } from '../tokenizers/tokenizer';
import { writeFileSync } from 'node:fs';
import { EngineSession, SessionOptions, TensorData, graphDtype, type Provider } from '../runtime/ort';
import { ExternalStore } from '../graph/external-store';
import { LARGE_WEIGHTS_FROM, weightBytes } from '../models/weights';
import { buildDreamGraph, DREAM_BRANCH, DreamGraphSpec } from './graphs';

/** Text made only of control characters (tab and newline excepted), e.g. llama2.c's <0x03> byte token. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_ONLY = /^[\x00-\x08\x0B-\x1F\x7F]+$/;

/**
 * Tokens EPO may propose: inside the tokenizer's vocabulary (padded embedding rows are untrained)
 * and neither special tokens nor tokens that decode to control characters.
 */
export function allowedTokens(tokenizer: Tokenizer, vocabRows: number): Uint8Array {
  const allowed = new Uint8Array(vocabRows);
  const limit = Math.min(vocabRows, tokenizer.vocabSize);
  for (let v = 0; v < limit; v++) allowed[v] = tokenizer.specialIds.has(v) || CONTROL_ONLY.test(tokenizer.decode([v])) ? 0 : 1;
  return allowed;
}

export class OrtDreamBackend implements EpoBackend {
  readonly vocabRows: number;
  private dreamSession?: Promise<EngineSession>;
  /** Providers' fallback warnings, reported once by the caller. */
  readonly warnings: string[] = [];
  /** The provider the session runs on (after warmUp): what `auto` or a fallback settled on. */
  ranOn?: Provider;

  private readonly spec: DreamGraphSpec;
  /** The weights as ONNX external data, shared by every graph of this backend; none for small models. */
  private readonly store?: ExternalStore;
  private weightsRead?: () => void;

  constructor(
    spec: DreamGraphSpec,
    readonly allowed: Uint8Array,
    private readonly sessionOptions: SessionOptions = {},
    opts: {
      external?: boolean;
      /** Reading a large model's weights into the graphs: bytes done of about `total` (its weights in the graph dtype). */
      onWeights?: (done: number, total: number) => void;
    } = {},
  ) {
    this.vocabRows = spec.model.arch.vocabSize;
    const dtype = spec.dtype ?? graphDtype(sessionOptions.dtype, sessionOptions.provider);
    const bytes = weightBytes(spec.model.weights);
    // Inline protobufs copy the weights into every graph and every session; above this size the
    // weights go to one file that each session maps (and past 2 GiB there is no other way).
    if (opts.external ?? bytes >= LARGE_WEIGHTS_FROM) {
      this.store = new ExternalStore();
      const total = dtype === 'float16' ? bytes / 2 : bytes;
      let done = 0;
      const report = opts.onWeights;
      if (report) {
        this.store.onWrite = (n) => report((done = Math.min(total, done + n)), total);
        // Small tensors stay inline, so the file falls a little short of `total`: the end is said once the graphs exist.
        this.weightsRead = () => { if (done < total) report((done = total), total); };
      }
    }
    this.spec = { ...spec, store: this.store, dtype };
  }

  private async session(name: string, build: () => Uint8Array): Promise<EngineSession> {
    const bytes = build();
    this.weightsRead?.();
    let model: Uint8Array | { path: string; bytes: Uint8Array } = bytes;
    if (this.store) {
      const path = this.store.modelPath(name);
      writeFileSync(path, bytes);
      model = { path, bytes };
    }
    // With external weights, a packed copy per session would undo the sharing (measured: 0.55 GiB
    // less at the end of a 1.5 GiB-fp32 dream, and session creation 16 s instead of 27 s).
    const s = await EngineSession.create(model, { ...this.sessionOptions, disablePrepacking: !!this.store });
    if (s.warning && !this.warnings.includes(s.warning)) this.warnings.push(s.warning);
    this.ranOn ??= s.provider;
    return s;
  }

  /** Builds the graph and its session up front, so the first iteration's timing is honest. */
  async warmUp(): Promise<void> {
    await this.sessionOnce();
  }

  private sessionOnce(): Promise<EngineSession> {
    return (this.dreamSession ??= this.session('dream', () => buildDreamGraph(this.spec, this.allowed)));
  }

  /** Runs one branch of the dream graph; the inputs other branches read get placeholders. */
  private async run(branch: keyof typeof DREAM_BRANCH, prompts: Int32Array[], fetches: string[], lambdas?: number[], k = 1, kLm = 1): Promise<Record<string, TensorData>> {
    const s = await this.sessionOnce();
    return s.run({
      ids: this.idsFeed(prompts),
      lambda: { dtype: 'float32', dims: [prompts.length], data: lambdas ? Float32Array.from(lambdas) : new Float32Array(prompts.length) },
      k: { dtype: 'int64', dims: [1], data: BigInt64Array.of(BigInt(k)) },
      kLm: { dtype: 'int64', dims: [1], data: BigInt64Array.of(BigInt(kLm)) },
      branch: { dtype: 'int64', dims: [], data: BigInt64Array.of(BigInt(DREAM_BRANCH[branch])) },
    }, fetches);
  }

  private idsFeed(prompts: Int32Array[]): TensorData {
    const n = this.spec.n;
    const bos = this.spec.bosId;
    const T = n + (bos === undefined ? 0 : 1);
    const data = new BigInt64Array(prompts.length * T);
    prompts.forEach((p, b) => {
      if (p.length !== n) throw new Error(`prompt ${b} has ${p.length} tokens, expected ${n}`);
      let o = b * T;
      if (bos !== undefined) data[o++] = BigInt(bos);
      for (let i = 0; i < n; i++) data[o + i] = BigInt(p[i]);
    });
    return { dtype: 'int64', dims: [prompts.length, T], data };
  }

  async score(prompts: Int32Array[]): Promise<{ feature: Float64Array; xe: Float64Array; nll: Float32Array[] }> {
    const out = await this.run('score', prompts, ['feature', 'nll', 'xe']);
    const m = this.spec.n - 1;
    const nll = out.nll.data as Float32Array;
    return {
      feature: Float64Array.from(out.feature.data as Float32Array),
      xe: Float64Array.from(out.xe.data as Float32Array),
      nll: prompts.map((_, b) => nll.slice(b * m, (b + 1) * m)),
    };
  }

  async topK(prompts: Int32Array[], lambdas: number[], k: number, fromModel = 0): Promise<Int32Array[]> {
    if (!Number.isInteger(k) || k < 1 || k > this.vocabRows) throw new RangeError(`top-k must be an integer from 1 to the vocabulary's ${this.vocabRows}, got ${k}`);
    if (!Number.isInteger(fromModel) || fromModel < 0 || fromModel > k) throw new RangeError(`the model's candidates must be an integer from 0 to k = ${k}, got ${fromModel}`);
    const out = await this.run('topk', prompts, fromModel ? ['topk', 'lmTopk'] : ['topk'], lambdas, k, Math.max(1, fromModel));
    const idx = out.topk.data as BigInt64Array;
    const n = this.spec.n, per = n * k;
    const lists = prompts.map((_, b) => Int32Array.from(idx.subarray(b * per, (b + 1) * per), Number));
    if (!fromModel) return lists;
    // Each predicted position's last `fromModel` candidates become the model's own best tokens there.
    const lm = out.lmTopk.data as BigInt64Array;
    const first = this.spec.bosId === undefined ? 1 : 0, rows = n - first;
    lists.forEach((ids, b) => {
      for (let r = 0; r < rows; r++) {
        const at = (first + r) * k + (k - fromModel);
        for (let c = 0; c < fromModel; c++) ids[at + c] = Number(lm[(b * rows + r) * fromModel + c]);
      }
    });
    return lists;
  }

  async saliency(prompt: Int32Array): Promise<Float64Array> {
    const out = await this.run('saliency', [prompt], ['saliency']);
    return Float64Array.from(out.saliency.data as Float32Array);
  }

  async dispose(): Promise<void> {
    if (this.dreamSession) await (await this.dreamSession).release();
    this.store?.dispose();
  }

  /** The prompt length the graphs are built for. */
  get seqLen(): number {
    return this.spec.n;
  }

  /** Bytes of the external weights file (0 when the weights are inline). */
  get externalBytes(): number {
    return this.store?.bytes ?? 0;
  }
}

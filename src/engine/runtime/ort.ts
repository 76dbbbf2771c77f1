/**
 * ONNX Runtime sessions for graphs built by the engine. `run` blocks the calling thread, so
 * interactive callers go through `WorkerSessionHost` (worker-host.ts); code already inside a
 * worker (a dream, a benchmark) may use `EngineSession` directly.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as OrtTypes from 'onnxruntime-node';
import { DType, TypedArray } from '../graph/dtype';
import { usesFloat64 } from './model-info';
import { createThroughCache } from './graph-cache';

process.env.ORT_DISABLE_TELEMETRY = '1';

/** The execution providers a session can run on. */
export type Provider = 'cpu' | 'cuda' | 'webgpu';
/** What a user may ask for: a provider, or `auto` — WebGPU where an adapter exists, else the CPU. */
export const PROVIDER_CHOICES = ['cpu', 'cuda', 'webgpu', 'auto'] as const;
export type ProviderChoice = (typeof PROVIDER_CHOICES)[number];
export type OptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';
export { PRECISIONS, graphDtype, type Precision } from './precision';
import type { Precision } from './precision';

export interface SessionOptions {
  /**
   * Execution provider; a missing one falls back to CPU with a warning. `auto` tries WebGPU where a
   * Vulkan loader (Linux) or the platform's own GPU API (macOS Metal, Windows D3D12) is there and
   * settles on the CPU without a warning. Default 'cpu'.
   */
  provider?: ProviderChoice;
  /** Intra-op threads for the CPU provider; 0 or absent = one per core. */
  threads?: number;
  /** What graphs built for these sessions compute in (graphDtype); default auto. */
  dtype?: Precision;
  /** ORT graph optimisation; default 'all', or 'basic' for models that compute in float64 (see model-info.ts). */
  optimization?: OptimizationLevel;
  /**
   * Keep constant MatMul weights as they are instead of a packed copy per session (ORT's
   * `session.disable_prepacking`): the weights then stay in the shared, memory-mapped external data.
   */
  disablePrepacking?: boolean;
  /**
   * A folder of ORT-optimised graphs kept between runs (graph-cache.ts): a CPU session for a graph
   * built before loads the optimised graph instead of optimising again. Absent: no cache.
   */
  graphCache?: string;
}

export interface TensorData {
  dtype: DType;
  dims: number[];
  data: TypedArray;
}

export const GPU_HINT =
  'Run `npm run gpu:install` (see README, "GPU") to install the CUDA provider; it needs an NVIDIA driver with CUDA 12 and cuDNN 9.';

let ortModule: typeof OrtTypes | undefined;
export function ort(): typeof OrtTypes {
  // Loaded lazily so that graph building and tests of pure code never need the native binary.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load, on first use
  ortModule ??= require('onnxruntime-node') as typeof OrtTypes;
  return ortModule;
}

/**
 * Where onnxruntime-node looks for its CUDA provider library. Its install script downloads it
 * there (`npm run gpu:install`, scripts/install-gpu.mjs); this project's .npmrc skips that by default.
 */
export function cudaProviderLibrary(): string {
  const root = dirname(require.resolve('onnxruntime-node/package.json'));
  return join(root, 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so');
}

let webgpuFailed = false;

/**
 * Whether trying WebGPU is worth it: Dawn needs a Vulkan loader on Linux (without one it prints
 * its own warning to stderr and fails), and once it has failed in this process it fails again.
 */
function webgpuMayWork(): boolean {
  if (webgpuFailed) return false;
  if (process.platform !== 'linux') return process.platform === 'darwin' || process.platform === 'win32';
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu'];
  return dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')));
}

/** Why `provider` cannot be used before even trying (so ORT does not log its own load error), or null. */
function missingProvider(provider: Provider): string | null {
  if (provider !== 'cuda') return null;
  if (`${process.platform}/${process.arch}` !== 'linux/x64') return `onnxruntime-node ships CUDA only for linux/x64, this is ${process.platform}/${process.arch}`;
  if (!existsSync(cudaProviderLibrary())) return `${cudaProviderLibrary()} is not installed`;
  return null;
}

const ORT_TYPE: Record<DType, OrtTypes.Tensor.Type> = {
  float32: 'float32', float64: 'float64', int64: 'int64', int32: 'int32', bool: 'bool', float16: 'float16',
};

function fromOrt(t: OrtTypes.Tensor): TensorData {
  const dtype = (Object.keys(ORT_TYPE) as DType[]).find((k) => ORT_TYPE[k] === t.type);
  if (!dtype) throw new Error(`unsupported output tensor type ${t.type}`);
  return { dtype, dims: [...t.dims], data: t.data as TypedArray };
}

/**
 * ONNX Runtime's first error line without its source location and failed condition
 * ("/onnxruntime_src/…/webgpu_context.cc:136 … was false. Failed to get a WebGPU adapter: …").
 */
export function ortReason(e: unknown): string {
  const line = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  const stripped = line.replace(/^\S+\.(?:cc|cpp|h):\d+ .*? was false\. /, '');
  return stripped === line ? line.replace(/^\S+\.(?:cc|cpp|h):\d+ /, '') : stripped;
}

export class EngineSession {
  private constructor(
    private readonly session: OrtTypes.InferenceSession,
    readonly provider: Provider,
    readonly warning?: string,
    /** Whether the optimised graph came from the graph cache. */
    readonly fromCache = false,
  ) {}

  get inputNames(): readonly string[] { return this.session.inputNames; }
  get outputNames(): readonly string[] { return this.session.outputNames; }

  /**
   * A session for a serialised model, or for a model file (whose external data is resolved beside
   * it; write one with `writeModelFile`).
   */
  static async create(modelOrPath: Uint8Array | { path: string; bytes: Uint8Array }, options: SessionOptions = {}): Promise<EngineSession> {
    const provider = options.provider ?? 'cpu';
    const bytes = modelOrPath instanceof Uint8Array ? modelOrPath : modelOrPath.bytes;
    const model = modelOrPath instanceof Uint8Array ? modelOrPath : modelOrPath.path;
    const base: OrtTypes.InferenceSession.SessionOptions = {
      graphOptimizationLevel: options.optimization ?? (usesFloat64(bytes) ? 'basic' : 'all'),
      intraOpNumThreads: options.threads || availableParallelism(),
      interOpNumThreads: 1,
      logSeverityLevel: 3,
      ...(options.disablePrepacking ? { extra: { session: { disable_prepacking: '1' } } } : {}),
    };
    const create = (m: Uint8Array | string, opts: OrtTypes.InferenceSession.SessionOptions) =>
      typeof m === 'string' ? ort().InferenceSession.create(m, opts) : ort().InferenceSession.create(m, opts);
    const load = (opts: OrtTypes.InferenceSession.SessionOptions) => create(model, opts);
    const onCpu = async (warning?: string) => {
      const opts = { ...base, executionProviders: ['cpu'] };
      if (!options.graphCache || typeof model === 'string') return new EngineSession(await load(opts), 'cpu', warning);
      const context = { ort: ort().env.versions ?? {}, provider: 'cpu', prepacking: !options.disablePrepacking };
      const { session, hit } = await createThroughCache(options.graphCache, bytes, opts, context, create);
      return new EngineSession(session, 'cpu', warning, hit);
    };
    if (provider === 'cpu') return onCpu();
    if (provider === 'auto') {
      if (!webgpuMayWork()) return onCpu();
      try {
        return new EngineSession(await load({ ...base, executionProviders: ['webgpu', 'cpu'] }), 'webgpu');
      } catch {
        webgpuFailed = true; // once per process: no adapter here
        return onCpu();
      }
    }
    const hint = provider === 'cuda' ? ` ${GPU_HINT}` : '';
    const missing = missingProvider(provider);
    if (missing) return onCpu(`The ${provider} execution provider is not available (${missing}); running on CPU.${hint}`);
    try {
      const s = await load({ ...base, executionProviders: [provider, 'cpu'] });
      return new EngineSession(s, provider);
    } catch (e) {
      const why = ortReason(e);
      return onCpu(`The ${provider} execution provider failed to load (${why}); running on CPU.${hint}`);
    }
  }

  async run(feeds: Record<string, TensorData>, fetches?: string[]): Promise<Record<string, TensorData>> {
    this.checkFeeds(feeds, fetches);
    const O = ort();
    const inputs: Record<string, OrtTypes.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      inputs[name] = new O.Tensor(ORT_TYPE[t.dtype], t.data as never, t.dims);
    }
    const out = fetches ? await this.session.run(inputs, fetches) : await this.session.run(inputs);
    const result: Record<string, TensorData> = {};
    for (const [name, t] of Object.entries(out)) result[name] = fromOrt(t);
    return result;
  }

  /** Reports a wrong feed by name, dtype and shape instead of ORT's less specific message. */
  private checkFeeds(feeds: Record<string, TensorData>, fetches?: string[]): void {
    const symbols = new Map<string, { size: number; input: string }>();
    for (const m of this.session.inputMetadata) {
      const t = feeds[m.name];
      if (!t) throw new Error(`missing input '${m.name}' (the session takes ${this.inputNames.join(', ')})`);
      if (!m.isTensor) continue;
      const want = `${m.type}[${m.shape.join(',')}]`;
      const got = `${ORT_TYPE[t.dtype]}[${t.dims.join(',')}]`;
      if (ORT_TYPE[t.dtype] !== m.type || t.dims.length !== m.shape.length) throw new Error(`input '${m.name}' is ${got}, the graph expects ${want}`);
      m.shape.forEach((d, i) => {
        const size = t.dims[i];
        if (typeof d === 'number' && d >= 0 && d !== size) throw new Error(`input '${m.name}' is ${got}, the graph expects ${want}`);
        if (typeof d === 'string' && d) {
          const seen = symbols.get(d);
          if (seen && seen.size !== size) throw new Error(`dim '${d}' is ${seen.size} in input '${seen.input}' but ${size} in '${m.name}'`);
          symbols.set(d, { size, input: m.name });
        }
      });
      const count = t.dims.reduce((a, b) => a * b, 1);
      if (t.data.length !== count) throw new Error(`input '${m.name}' has ${t.data.length} values for shape [${t.dims.join(',')}] (${count})`);
    }
    for (const name of Object.keys(feeds)) {
      if (!this.inputNames.includes(name)) throw new Error(`unknown input '${name}' (the session takes ${this.inputNames.join(', ')})`);
    }
    for (const name of fetches ?? []) {
      if (!this.outputNames.includes(name)) throw new Error(`unknown output '${name}' (the session produces ${this.outputNames.join(', ')})`);
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/**
 * ONNX Runtime sessions for graphs built by the engine. `run` blocks the calling thread, so
 * interactive callers go through `WorkerSessionHost` (worker-host.ts); code already inside a
 * worker (a dream, a benchmark) may use `EngineSession` directly.
 */
import { availableParallelism } from 'node:os';
import type * as OrtTypes from 'onnxruntime-node';
import { DType, TypedArray } from '../graph/dtype';

process.env.ORT_DISABLE_TELEMETRY = '1';

export type Provider = 'cpu' | 'cuda' | 'webgpu';

export interface SessionOptions {
  /** Execution provider; missing providers fall back to CPU with a warning. Default 'cpu'. */
  provider?: Provider;
  /** Intra-op threads for the CPU provider; 0 or absent = one per core. */
  threads?: number;
}

export interface TensorData {
  dtype: DType;
  dims: number[];
  data: TypedArray;
}

export const GPU_HINT = 'Run `npm run gpu:install` (see README, "GPU") to install the CUDA provider.';

let ortModule: typeof OrtTypes | undefined;
export function ort(): typeof OrtTypes {
  // Loaded lazily so that graph building and tests of pure code never need the native binary.
  ortModule ??= require('onnxruntime-node') as typeof OrtTypes;
  return ortModule;
}

const ORT_TYPE: Record<DType, OrtTypes.Tensor.Type> = {
  float32: 'float32', float64: 'float64', int64: 'int64', int32: 'int32', bool: 'bool', float16: 'float16',
};

function fromOrt(t: OrtTypes.Tensor): TensorData {
  const dtype = (Object.keys(ORT_TYPE) as DType[]).find((k) => ORT_TYPE[k] === t.type);
  if (!dtype) throw new Error(`unsupported output tensor type ${t.type}`);
  return { dtype, dims: [...t.dims], data: t.data as TypedArray };
}

export class EngineSession {
  private constructor(
    private readonly session: OrtTypes.InferenceSession,
    readonly provider: Provider,
    readonly warning?: string,
  ) {}

  get inputNames(): readonly string[] { return this.session.inputNames; }
  get outputNames(): readonly string[] { return this.session.outputNames; }

  static async create(model: Uint8Array, options: SessionOptions = {}): Promise<EngineSession> {
    const provider = options.provider ?? 'cpu';
    const base: OrtTypes.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: options.threads || availableParallelism(),
      interOpNumThreads: 1,
      logSeverityLevel: 3,
    };
    if (provider !== 'cpu') {
      try {
        const s = await ort().InferenceSession.create(model, { ...base, executionProviders: [provider, 'cpu'] });
        return new EngineSession(s, provider);
      } catch (e) {
        const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
        const warning = `The ${provider} execution provider is not available (${why}); running on CPU. ${provider === 'cuda' ? GPU_HINT : ''}`.trim();
        const s = await ort().InferenceSession.create(model, { ...base, executionProviders: ['cpu'] });
        return new EngineSession(s, 'cpu', warning);
      }
    }
    const s = await ort().InferenceSession.create(model, { ...base, executionProviders: ['cpu'] });
    return new EngineSession(s, 'cpu');
  }

  async run(feeds: Record<string, TensorData>, fetches?: string[]): Promise<Record<string, TensorData>> {
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

  async release(): Promise<void> {
    await this.session.release();
  }
}

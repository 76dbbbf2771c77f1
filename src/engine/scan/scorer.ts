/**
 * Scores corpus windows exactly as a dream scores its prompts: the same score graph
 * (buildScoreGraph), the same fixed BOS prefix when the tokenizer asks for one, so a window's
 * feature and XE are directly comparable with the dream frontier's.
 */
import type { LoadedModel } from '../models/load';
import type { FeatureFn } from '../features/feature';
import { buildScoreGraph } from '../dream/graphs';
import { EngineSession, SessionOptions, graphDtype } from '../runtime/ort';

export interface WindowScores {
  feature: ArrayLike<number>;
  xe: ArrayLike<number>;
}

export class WindowScorer {
  private constructor(private readonly session: EngineSession, readonly n: number, private readonly bosId: number | undefined) {}

  get warning(): string | undefined {
    return this.session.warning;
  }

  static async create(model: LoadedModel, feature: FeatureFn, n: number, options: SessionOptions = {}): Promise<WindowScorer> {
    const t = model.tokenizer;
    const bosId = t.addsBos ? t.bosId : undefined;
    const dtype = graphDtype(options.dtype, options.provider);
    const bytes = buildScoreGraph({ model: { name: model.name, arch: model.arch, weights: model.weights }, feature, n, bosId, dtype });
    return new WindowScorer(await EngineSession.create(bytes, options), n, bosId);
  }

  async score(windows: Int32Array[]): Promise<WindowScores> {
    const { n, bosId } = this;
    const T = n + (bosId === undefined ? 0 : 1);
    const data = new BigInt64Array(windows.length * T);
    windows.forEach((w, b) => {
      if (w.length !== n) throw new Error(`window ${b} has ${w.length} tokens, the scorer was built for ${n}`);
      let o = b * T;
      if (bosId !== undefined) data[o++] = BigInt(bosId);
      for (let i = 0; i < n; i++) data[o + i] = BigInt(w[i]);
    });
    const out = await this.session.run({ ids: { dtype: 'int64', dims: [windows.length, T], data } }, ['feature', 'xe']);
    return { feature: out.feature.data as ArrayLike<number>, xe: out.xe.data as ArrayLike<number> };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

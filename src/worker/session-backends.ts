/**
 * A dream session's backends, one per prompt length, kept while its panel is open: the run's and
 * the attributions' (a prompt of another length gets its own). A large model's weights are read
 * into the graph in tenths, each told as a progress stage.
 */
import type { OrtDreamBackend } from '../engine/dream/backend';
import { dreamBackend, PreparedFeature, sessionFor } from '../engine/dream/dream';
import type { LoadedModel } from '../engine/models/load';
import type { EngineOptions } from './worker-protocol';

export class SessionBackends {
  private readonly backends = new Map<number, OrtDreamBackend>();

  constructor(private readonly engine: EngineOptions, private readonly stage: (message: string) => void) {}

  for(model: LoadedModel, prepared: PreparedFeature, n: number): OrtDreamBackend {
    let b = this.backends.get(n);
    if (!b) {
      let told = 0;
      b = dreamBackend(model, prepared.fn, n, sessionFor(this.engine, prepared), (done, total) => {
        const tenth = Math.floor((10 * done) / total);
        if (tenth <= told) return;
        told = tenth;
        this.stage(`reading the weights into the graphs: ${10 * tenth} % of ${(total / 2 ** 30).toFixed(2)} GiB`);
      });
      this.backends.set(n, b);
    }
    return b;
  }

  async dispose(): Promise<void> {
    const all = [...this.backends.values()];
    this.backends.clear();
    await Promise.all(all.map((b) => b.dispose().catch(() => undefined)));
  }
}

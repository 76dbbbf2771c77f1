/**
 * The dream worker: a worker_threads entry that owns models, ONNX backends and EPO runs for the VS
 * Code extension, so that nothing heavy (ORT's `session.run` blocks its thread, feature files are
 * bundled and evaluated, models are read and hashed) happens on the extension host's thread. The
 * RPC is `DreamWorkerApi` (worker-protocol.ts); sessions are in dream-worker-session.ts.
 *
 * `DreamService` is the whole worker minus the port, so tests can also drive it in-process.
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import { serveRpc, type Handlers } from '../engine/runtime/rpc';
import { loadModel, type LoadedModel } from '../engine/models/load';
import { compileFeature, FeatureError, loadFeatureFile } from '../engine/features';
import { readResultsFile } from '../engine/frontier-file';
import { DreamSession } from './dream-worker-session';
import {
  DreamWorkerApi, FeatureDiagnostic, MODEL_MISSING_ERROR, ModelOptions, ModelSummary, WorkerEvent,
} from './worker-protocol';
import { modelInfoOf } from './dream-worker-messages';

/** Messages of the model resolver that mean "not on this machine" (the host then offers to choose a folder or allow downloads). */
const MISSING_MODEL = /is not in the Hugging Face cache|^Model not found:|the bundled model .* is missing/;

const diagnosticOf = (e: FeatureError): FeatureDiagnostic => ({
  file: e.file, line: e.line, column: e.column, message: e.message, severity: e.severity, code: e.code,
  ...(e.featureName ? { exportName: e.featureName } : {}),
});

export class DreamService {
  private readonly sessions = new Map<string, DreamSession>();
  private readonly models = new Map<string, Promise<LoadedModel>>();
  private sink: (e: WorkerEvent) => void;

  constructor(notify: (e: WorkerEvent) => void = () => undefined) {
    this.sink = notify;
  }

  private notify = (e: WorkerEvent) => this.sink(e);

  /** Loads a model once per (reference, cache, base folder); a failed load is not remembered. */
  loadModel(o: ModelOptions & { ref: string }): Promise<LoadedModel> {
    const key = JSON.stringify([o.ref, o.cacheDir ?? '', o.cwd ?? '']);
    let p = this.models.get(key);
    if (!p) {
      p = loadModel(o.ref, {
        allowDownload: o.allowDownload,
        cacheDir: o.cacheDir || undefined,
        cwd: o.cwd,
        offlineHint: 'allow them with the setting reverie.allowDownloads (or the Allow Download button)',
        onProgress: (progress) => this.notify({ kind: 'download', model: o.ref, progress }),
        onStage: (message) => this.notify({ kind: 'stage', model: o.ref, message }),
      }).catch((e: Error) => {
        this.models.delete(key);
        if (MISSING_MODEL.test(e.message)) e.name = MODEL_MISSING_ERROR;
        throw e;
      });
      this.models.set(key, p);
    }
    return p;
  }

  private session(id: string): DreamSession {
    const s = this.sessions.get(id);
    if (!s) throw new Error(`no dream session '${id}' (the panel was closed, or the engine restarted)`);
    return s;
  }

  private async replaceSession(id: string): Promise<void> {
    const old = this.sessions.get(id);
    if (old) {
      this.sessions.delete(id);
      await old.close();
    }
  }

  private deps() {
    return { loadModel: (o: ModelOptions & { ref: string }) => this.loadModel(o), notify: this.notify };
  }

  readonly handlers: Handlers<DreamWorkerApi> = {
    loadModel: async (req): Promise<ModelSummary> => {
      const m = await this.loadModel(req);
      return { ...modelInfoOf(m), name: m.name, files: m.files };
    },

    lintFeatureFile: async (req) => {
      const r = await loadFeatureFile(req.file, { workspaceRoot: req.workspaceRoot, trusted: req.trusted });
      try {
        const diagnostics = r.diagnostics.map(diagnosticOf);
        const features = r.features.map((f) => ({ exportName: f.exportName, name: f.name, model: f.model, description: f.description, line: f.location.line }));
        if (req.compile) {
          for (const f of r.features) {
            let model: LoadedModel;
            try {
              // Never downloads: checking a file on save must not fetch gigabytes.
              model = await this.loadModel({ ...req.model, allowDownload: false, ref: f.model });
            } catch (e) {
              diagnostics.push({
                file: f.location.file, line: f.location.line, column: f.location.column, severity: 'warning', code: 'model', exportName: f.exportName,
                message: `not checked against its model: ${(e as Error).message}`,
              });
              continue;
            }
            try {
              // Named SAEs: the same cache, never downloaded here either (a dream fetches them when downloads are allowed).
              await compileFeature(f, model, { hub: { cacheDir: req.model.cacheDir || undefined, offlineHint: 'dream it with the setting reverie.allowDownloads on to fetch it' } });
            } catch (e) {
              diagnostics.push(e instanceof FeatureError ? diagnosticOf(e) : {
                file: f.location.file, line: f.location.line, column: f.location.column, severity: 'error', code: 'objective', exportName: f.exportName,
                message: (e as Error).message,
              });
            }
          }
        }
        return { features, diagnostics, logs: r.logs };
      } finally {
        r.dispose();
      }
    },

    openSession: async (req) => {
      await this.replaceSession(req.sessionId);
      const s = await DreamSession.open(req, this.deps(), req.config ?? {});
      this.sessions.set(req.sessionId, s);
      if (req.start ?? !req.restore) s.startRun();
      if (req.dataset) void s.scanDataset(req.dataset);
      return s.summary();
    },

    openSaved: async (req) => {
      await this.replaceSession(req.sessionId);
      const file = await readResultsFile(req.path);
      const s = await DreamSession.openSaved(req, this.deps(), file);
      this.sessions.set(req.sessionId, s);
      if (req.dataset) void s.scanDataset(req.dataset);
      return s.summary();
    },

    startRun: async (req) => this.session(req.sessionId).startRun(req.config),

    control: async (req) => {
      const s = this.session(req.sessionId);
      switch (req.action) {
        case 'pause': s.pause(); break;
        case 'resume': s.resume(); break;
        case 'stop': s.stop(); break;
        case 'runAgain': s.runAgain(req.seed); break;
      }
      return { runs: s.records() };
    },

    replay: async (req) => ({ messages: this.session(req.sessionId).replayMessages() }),

    point: async (req) => this.session(req.sessionId).point(req.historyIndex),

    attribute: async (req) => this.session(req.sessionId).attribute(req.ids),

    saveFrontier: async (req) => this.session(req.sessionId).save(req),

    closeSession: async (req) => {
      const s = this.sessions.get(req.sessionId);
      if (!s) return { runs: [] };
      this.sessions.delete(req.sessionId);
      return { runs: await s.close() };
    },

    dispose: async () => {
      const all = [...this.sessions.values()];
      this.sessions.clear();
      await Promise.all(all.map((s) => s.close()));
      return { ok: true };
    },
  };

  /** The handlers with each call's notification channel remembered (runs notify long after the call that started them). */
  served(): Handlers<DreamWorkerApi> {
    const out = {} as Record<string, unknown>;
    for (const [name, fn] of Object.entries(this.handlers)) {
      out[name] = (req: unknown, notify: (e: unknown) => void) => {
        this.sink = notify as (e: WorkerEvent) => void;
        return (fn as (r: unknown) => unknown)(req);
      };
    }
    return out as Handlers<DreamWorkerApi>;
  }

  /** For tests driving the service in-process: wait until the session's current run has ended or paused. */
  settled(sessionId: string): Promise<void> {
    return this.session(sessionId).settled();
  }
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  serveRpc<DreamWorkerApi>(port, new DreamService().served());
}

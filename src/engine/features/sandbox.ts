/**
 * Runs a bundled feature file in a node:vm context (no `process`, no `require` but the `reverie`
 * runtime, no timers, no code generation from strings) inside a worker thread of its own.
 * Synchronous loops are stopped by the context's timeout; anything else that does not finish
 * (a loop in a promise callback, runaway memory) is ended by terminating the worker, so the caller
 * never hangs or crashes. (vm's `microtaskMode: 'afterEvaluate'` would catch promise loops in
 * the same thread, but a timeout inside it aborts Node whenever async hooks are active.)
 * Only JSON strings cross. This isolates mistakes, not attacks: files are evaluated only in
 * trusted workspaces (load.ts checks).
 *
 * The worker stops when idle and is restarted on demand by re-running the file, whose top-level
 * code is deterministic (the runtime seeds Math.random).
 */
import { Worker } from 'node:worker_threads';
import type { ModelInfo, RunResult, TraceResult } from '../../reverie-api/protocol';
import { reverieRuntimeSource } from '../../reverie-api/assets';

export class SandboxTimeout extends Error {
  override name = 'SandboxTimeout';
}

/** The bundle did not compile in the sandbox, or the sandbox itself failed (e.g. out of memory). */
export class SandboxFailure extends Error {
  override name = 'SandboxFailure';
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const vm = require('node:vm');
let context;
function call(script, timeout) {
  return new vm.Script(script, { filename: 'reverie:host' }).runInContext(context, { timeout });
}
parentPort.on('message', (m) => {
  let reply;
  try {
    if (m.kind === 'load') {
      context = vm.createContext({}, { name: 'reverie feature', codeGeneration: { strings: false, wasm: false } });
      new vm.Script(workerData.runtime, { filename: 'reverie:runtime' }).runInContext(context, { timeout: m.timeout });
      const main = vm.compileFunction(m.code, ['require', 'module', 'exports'], { parsingContext: context, filename: m.bundleName });
      Object.defineProperty(context, '__reverieMain', { value: main });
      reply = { json: call('__reverie.runMain(__reverieMain)', m.timeout) };
    } else {
      reply = { json: call('__reverie.trace(' + JSON.stringify(m.exportName) + ', ' + JSON.stringify(m.model) + ')', m.timeout) };
    }
  } catch (e) {
    reply = { error: String(e && e.message), timeout: !!e && e.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT' };
  }
  // Answer only after the promise callbacks the file queued have run: a loop there then shows
  // as a timeout of this call instead of a worker that silently never answers again.
  setImmediate(() => parentPort.postMessage({ id: m.id, ...reply }));
});
`;

/** Extra time the worker gets beyond the script limit (starting up, installing the runtime). */
const STARTUP_MARGIN_MS = 2000;
/** An idle worker is stopped after this long (and restarted if needed). */
const IDLE_MS = 30_000;
const MEMORY_LIMIT_MB = 512;

type Reply = { id: number; json?: string; error?: string; timeout?: boolean };

let sandboxes = 0;

export class FeatureSandbox {
  private worker?: Worker;
  private loaded?: Promise<string>;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private idle?: NodeJS.Timeout;
  private disposed = false;

  private constructor(
    private readonly code: string,
    /** The file name stack traces give the bundle (sites are found by it). */
    readonly bundleName: string,
    private readonly timeoutMs: number,
  ) {}

  /** Starts a sandbox and runs the file's top-level code once. */
  static async create(code: string, timeoutMs: number): Promise<{ sandbox: FeatureSandbox; run: RunResult }> {
    const sandbox = new FeatureSandbox(code, `reverie-feature-${++sandboxes}.js`, timeoutMs);
    try {
      return { sandbox, run: JSON.parse(await sandbox.load()) as RunResult };
    } catch (e) {
      sandbox.dispose();
      throw e;
    }
  }

  /** Traces one exported feature's objective against a model. */
  async trace(exportName: string, model: ModelInfo): Promise<TraceResult> {
    await this.load();
    const reply = await this.request({ kind: 'trace', exportName, model: JSON.stringify(model) }, `tracing the objective of '${exportName}'`);
    return JSON.parse(reply) as TraceResult;
  }

  /** Stops the worker for good. */
  dispose(): void {
    this.disposed = true;
    this.stop(new SandboxFailure('the feature sandbox was disposed'));
  }

  private load(): Promise<string> {
    if (this.disposed) return Promise.reject(new SandboxFailure('the feature sandbox was disposed; load the file again'));
    this.loaded ??= this.request({ kind: 'load', code: this.code, bundleName: this.bundleName }, 'evaluating the file');
    return this.loaded;
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true, workerData: { runtime: reverieRuntimeSource() }, stdout: true, stderr: true, env: {},
      resourceLimits: { maxOldGenerationSizeMb: MEMORY_LIMIT_MB },
    });
    worker.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      p?.resolve(r);
    });
    const fail = (e: Error) => this.stop(new SandboxFailure(`the feature sandbox stopped: ${e.message}`));
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.worker === worker) fail(new Error(`exit code ${code}`));
    });
    // An idle sandbox must not keep the process alive (after the listeners: they re-reference it).
    worker.unref();
    return worker;
  }

  /** Ends the worker and fails what waits on it; the next call starts a fresh one. */
  private stop(reason: Error): void {
    const worker = this.worker;
    this.worker = undefined;
    this.loaded = undefined;
    clearTimeout(this.idle);
    for (const p of this.pending.values()) p.reject(reason);
    this.pending.clear();
    void worker?.terminate();
  }

  private async request(msg: Record<string, unknown>, what: string): Promise<string> {
    clearTimeout(this.idle);
    this.worker ??= this.spawn();
    const id = this.nextId++;
    const limit = this.timeoutMs + STARTUP_MARGIN_MS;
    const reply = await new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.stop(new SandboxTimeout(`${what} did not finish within ${this.timeoutMs} ms (an endless loop, perhaps in a promise callback?)`));
      }, limit);
      this.pending.set(id, {
        resolve: (r) => { clearTimeout(timer); resolve(r); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.worker!.postMessage({ id, timeout: this.timeoutMs, ...msg });
    });
    this.idle = setTimeout(() => this.stop(new SandboxFailure('idle')), IDLE_MS);
    this.idle.unref();
    if (reply.timeout) {
      // The context survives a synchronous timeout, but its state is unknown: start afresh next time.
      this.stop(new SandboxFailure('restarting after a timeout'));
      throw new SandboxTimeout(`${what} did not finish within ${this.timeoutMs} ms (an endless loop?)`);
    }
    if (reply.error !== undefined || reply.json === undefined) throw new SandboxFailure(`${what} failed: ${reply.error ?? 'no answer'}`);
    return reply.json;
  }
}

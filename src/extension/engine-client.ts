/**
 * The extension host's handle on the dream worker (no vscode here): starts the worker thread on
 * first use, forwards its notifications, and starts a fresh one if it died (a crash in native code
 * must not take the extension down with it; the sessions it held are lost and the host says so).
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { RpcClient } from '../engine/runtime/rpc';
import { workerEntry } from '../engine/runtime/worker-host';
import type { DreamWorkerApi, WorkerEvent } from '../worker/worker-protocol';

export class DreamEngine {
  private worker?: Worker;
  private rpc?: RpcClient<DreamWorkerApi>;
  private readonly listeners = new Set<(e: WorkerEvent) => void>();
  private readonly exitListeners = new Set<(code: number) => void>();
  private disposed = false;

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  private client(): RpcClient<DreamWorkerApi> {
    if (this.disposed) throw new Error('the Reverie engine was shut down');
    if (this.rpc) return this.rpc;
    const { file, execArgv } = workerEntry('dream-worker', join(__dirname, '..', 'worker', 'dream-worker.ts'));
    const worker = new Worker(file, { execArgv, env: { ...this.env, ORT_DISABLE_TELEMETRY: '1' } });
    const rpc = new RpcClient<DreamWorkerApi>(worker);
    rpc.onEvent((e) => { for (const l of this.listeners) l(e as WorkerEvent); });
    worker.on('exit', (code) => {
      if (this.worker === worker) {
        this.worker = undefined;
        this.rpc = undefined;
      }
      if (!this.disposed) for (const l of this.exitListeners) l(code);
    });
    // Errors reach the pending calls through RpcClient; an unhandled 'error' event must not crash the host.
    worker.on('error', () => undefined);
    this.worker = worker;
    this.rpc = rpc;
    return rpc;
  }

  call<K extends keyof DreamWorkerApi & string>(method: K, req: DreamWorkerApi[K]['req']): Promise<DreamWorkerApi[K]['res']> {
    try {
      return this.client().call(method, req);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  onEvent(listener: (e: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called when the worker stopped without being asked to (its sessions are gone). */
  onExit(listener: (code: number) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  get running(): boolean {
    return this.worker !== undefined;
  }

  /**
   * Asks the worker to end its sessions (runs pause, checkpoints are written, ORT sessions are
   * released), then stops it. Terminating a worker while ONNX Runtime is inside `run` aborts the
   * whole process (a native exception escapes), so a worker that does not finish in time is only
   * unref'd: it then ends with the process instead of taking it down.
   */
  async dispose(graceMs = 5000): Promise<void> {
    const worker = this.worker, rpc = this.rpc;
    this.disposed = true;
    if (!worker || !rpc) return;
    const closed = await Promise.race([
      rpc.call('dispose', {}).then(() => true, () => false),
      new Promise<boolean>((r) => setTimeout(() => r(false), graceMs).unref()),
    ]);
    if (closed) await worker.terminate();
    else worker.unref();
  }
}

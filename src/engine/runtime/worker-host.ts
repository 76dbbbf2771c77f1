/** Main-thread side of the engine worker: the same session API, without blocking this thread. */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { RpcClient } from './rpc';
import type { SessionApi } from './protocol';
import type { SessionOptions, TensorData, Provider } from './ort';

/**
 * Finds a worker entry: the bundled `<name>.js` beside the running bundle, or, when running from
 * TypeScript sources (tests, tsx), the `.ts` file loaded through tsx. That must be tsx's CommonJS
 * hook: on Node 20 a worker's `--import tsx` registers the ESM hooks too late for its entry file
 * ("Unknown file extension .ts").
 */
export function workerEntry(bundleName: string, sourcePath: string): { file: string; execArgv: string[] } {
  const bundled = join(__dirname, `${bundleName}.js`);
  if (!__filename.endsWith('.ts') && existsSync(bundled)) return { file: bundled, execArgv: [] };
  // Resolved through createRequire so that bundlers leave tsx (a dev dependency) alone.
  return { file: sourcePath, execArgv: ['--require', createRequire(__filename).resolve('tsx/cjs')] };
}

export class WorkerSessionHost {
  private readonly worker: Worker;
  readonly rpc: RpcClient<SessionApi>;

  constructor() {
    const { file, execArgv } = workerEntry('worker', join(__dirname, 'worker.ts'));
    this.worker = new Worker(file, { execArgv, env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' } });
    this.rpc = new RpcClient<SessionApi>(this.worker);
  }

  async createSession(model: Uint8Array, options: SessionOptions = {}): Promise<RemoteSession> {
    const r = await this.rpc.call('create', { model, options });
    return new RemoteSession(this.rpc, r.session, r.provider, r.warning);
  }

  async dispose(): Promise<void> {
    await this.worker.terminate();
  }
}

export class RemoteSession {
  constructor(private readonly rpc: RpcClient<SessionApi>, readonly id: number, readonly provider: Provider, readonly warning?: string) {}
  run(feeds: Record<string, TensorData>, fetches?: string[]): Promise<Record<string, TensorData>> {
    return this.rpc.call('run', { session: this.id, feeds, fetches });
  }
  release(): Promise<void> {
    return this.rpc.call('release', { session: this.id });
  }
}

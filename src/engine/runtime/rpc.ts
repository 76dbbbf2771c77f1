/**
 * A typed request/response channel over a worker_threads port, with one-way notifications.
 * Both sides share one `RpcSpec` type, so a method's request and response types cannot drift.
 */
import type { MessagePort, Worker } from 'node:worker_threads';

export type RpcSpec = Record<string, { req: unknown; res: unknown }>;
export type Handlers<S extends RpcSpec> = { [K in keyof S]: (req: S[K]['req'], notify: (event: unknown) => void) => Promise<S[K]['res']> | S[K]['res'] };

type Port = MessagePort | Worker;
type Wire =
  | { t: 'req'; id: number; method: string; req: unknown }
  | { t: 'res'; id: number; ok: true; res: unknown }
  | { t: 'res'; id: number; ok: false; error: { message: string; name: string; stack?: string } }
  | { t: 'event'; event: unknown };

/** Collects the ArrayBuffers in a value so they can be transferred instead of copied. */
export function transferables(value: unknown, out: ArrayBuffer[] = [], seen = new Set<unknown>()): ArrayBuffer[] {
  if (value === null || typeof value !== 'object' || seen.has(value)) return out;
  seen.add(value);
  if (ArrayBuffer.isView(value)) {
    const b = value.buffer;
    if (b instanceof ArrayBuffer && b.byteLength === value.byteLength && !out.includes(b)) out.push(b);
    return out;
  }
  for (const v of Object.values(value)) transferables(v, out, seen);
  return out;
}

export class RpcClient<S extends RpcSpec> {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Set<(event: unknown) => void>();

  constructor(private readonly port: Port) {
    port.on('message', (m: Wire) => {
      if (m.t === 'event') for (const l of this.listeners) l(m.event);
      if (m.t !== 'res') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.res);
      else p.reject(Object.assign(new Error(m.error.message), { name: m.error.name, stack: m.error.stack }));
    });
    const failAll = (e: Error) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    port.on('error', (e: Error) => failAll(e));
    port.on('exit', (code: number) => failAll(new Error(`engine worker exited with code ${code}`)));
  }

  call<K extends keyof S & string>(method: K, req: S[K]['req'], transfer: ArrayBuffer[] = []): Promise<S[K]['res']> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.port.postMessage({ t: 'req', id, method, req } satisfies Wire, transfer);
    });
  }

  onEvent(listener: (event: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export function serveRpc<S extends RpcSpec>(port: MessagePort, handlers: Handlers<S>): void {
  const notify = (event: unknown) => port.postMessage({ t: 'event', event } satisfies Wire, transferables(event));
  port.on('message', async (m: Wire) => {
    if (m.t !== 'req') return;
    try {
      const handler = handlers[m.method as keyof S];
      if (!handler) throw new Error(`unknown method '${m.method}'`);
      const res = await handler(m.req as never, notify);
      port.postMessage({ t: 'res', id: m.id, ok: true, res } satisfies Wire, transferables(res));
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      port.postMessage({ t: 'res', id: m.id, ok: false, error: { message: err.message, name: err.name, stack: err.stack } } satisfies Wire);
    }
  });
}

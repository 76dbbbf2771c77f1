/** Entry point of the engine worker thread: owns ORT sessions so `run` never blocks the caller. */
import { parentPort } from 'node:worker_threads';
import { EngineSession } from './ort';
import { serveRpc } from './rpc';
import type { SessionApi } from './protocol';

if (!parentPort) throw new Error('worker.ts must run inside a worker thread');

const sessions = new Map<number, EngineSession>();
let nextId = 1;

function get(id: number): EngineSession {
  const s = sessions.get(id);
  if (!s) throw new Error(`no session ${id} (released or never created)`);
  return s;
}

serveRpc<SessionApi>(parentPort, {
  async create({ model, options }) {
    const s = await EngineSession.create(model, options);
    const session = nextId++;
    sessions.set(session, s);
    return { session, provider: s.provider, warning: s.warning, inputNames: [...s.inputNames], outputNames: [...s.outputNames] };
  },
  run: ({ session, feeds, fetches }) => get(session).run(feeds, fetches),
  async release({ session }) {
    await sessions.get(session)?.release();
    sessions.delete(session);
  },
  ping: () => Date.now(),
});

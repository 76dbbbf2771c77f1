/**
 * ONNX Runtime's optimised graphs, kept between runs. Creating a dream's session spends most of its
 * time optimising the graph (docs/performance.md, "Start-up"); a graph built before — the same
 * bytes, on the same ORT build, provider, optimisation level, CPU architecture and model — loads the
 * optimised graph ORT saved then, with optimisation off. The key is a hash of the graph's bytes, so
 * a changed model, feature, prompt length or engine is a different entry, never a stale one.
 * Optimised graphs at level 'all' may hold CPU-specific kernels (ORT says so), hence the CPU in
 * the key. Best effort throughout: an unreadable entry is deleted and rebuilt, an unwritable folder
 * only means no cache; files appear whole (written beside, then renamed).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { cpus, homedir } from 'node:os';
import { join } from 'node:path';
import type * as OrtTypes from 'onnxruntime-node';

/** Graphs larger than this are not cached (a big model's graph would fill the folder). */
export const GRAPH_CACHE_MAX_GRAPH = 64 * 2 ** 20;
/** The folder is pruned, oldest first, to this many bytes. */
export const GRAPH_CACHE_MAX_TOTAL = 512 * 2 ** 20;

/** `$REVERIE_GRAPH_CACHE`, else `$XDG_CACHE_HOME/reverie/graphs` (or `~/.cache/…`); `REVERIE_GRAPH_CACHE=off` turns it off. */
export function defaultGraphCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const set = env.REVERIE_GRAPH_CACHE;
  if (set !== undefined && ['', '0', 'off', 'false', 'no'].includes(set.toLowerCase())) return undefined;
  if (set) return set;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'reverie', 'graphs');
}

/** The entry's file: the graph's hash and everything else an optimised graph depends on. */
export function graphCachePath(dir: string, bytes: Uint8Array, context: Record<string, unknown>): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ ...context, arch: process.arch, cpu: cpus()[0]?.model ?? '' }));
  h.update(bytes);
  return join(dir, `${h.digest('hex').slice(0, 40)}.onnx`);
}

type Create = (model: Uint8Array | string, options: OrtTypes.InferenceSession.SessionOptions) => Promise<OrtTypes.InferenceSession>;

/**
 * A session for `bytes` with `options`, through the cache in `dir`: the optimised graph saved by an
 * earlier identical call is loaded with optimisation off; otherwise ORT optimises as usual and saves
 * its result for the next time. `hit` says which happened.
 */
export async function createThroughCache(
  dir: string, bytes: Uint8Array, options: OrtTypes.InferenceSession.SessionOptions, context: Record<string, unknown>, create: Create,
): Promise<{ session: OrtTypes.InferenceSession; hit: boolean }> {
  if (bytes.length > GRAPH_CACHE_MAX_GRAPH) return { session: await create(bytes, options), hit: false };
  const path = graphCachePath(dir, bytes, { ...context, level: options.graphOptimizationLevel ?? 'all' });
  if (existsSync(path)) {
    try {
      const session = await create(path, { ...options, graphOptimizationLevel: 'disabled' });
      touch(path);
      return { session, hit: true };
    } catch {
      remove(path); // unreadable: rebuilt below
    }
  }
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    const session = await create(bytes, { ...options, optimizedModelFilePath: tmp });
    if (existsSync(tmp)) {
      renameSync(tmp, path);
      prune(dir);
    }
    return { session, hit: false };
  } catch {
    return { session: await create(bytes, options), hit: false }; // no cache here; the graph itself is fine
  } finally {
    remove(tmp);
  }
}

/** rm that never throws (a folder under a file gives ENOTDIR, which `force` does not cover). */
function remove(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch { /* nothing there to remove */ }
}

function touch(path: string): void {
  try {
    const now = new Date();
    utimesSync(path, now, now);
  } catch { /* a read-only cache still serves */ }
}

/** Removes the least recently used entries (and stray temporaries) beyond GRAPH_CACHE_MAX_TOTAL. */
function prune(dir: string): void {
  try {
    const names = readdirSync(dir);
    // Temporaries of a process that died while ORT wrote them, an hour on.
    for (const f of names.filter((n) => n.endsWith('.tmp'))) if (Date.now() - statSync(join(dir, f)).mtimeMs > 3600e3) remove(join(dir, f));
    const files = names.filter((f) => f.endsWith('.onnx')).map((f) => {
      const s = statSync(join(dir, f));
      return { path: join(dir, f), bytes: s.size, used: s.mtimeMs };
    }).sort((a, b) => b.used - a.used);
    let total = 0;
    for (const f of files) {
      total += f.bytes;
      if (total > GRAPH_CACHE_MAX_TOTAL) remove(f.path);
    }
  } catch { /* best effort */ }
}

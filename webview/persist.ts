/**
 * What the panel keeps with `vscode.setState`, so that it comes back as it was after being hidden
 * (without retainContextWhenHidden) or after a window reload: UI choices and the selected prompt,
 * a few kB. Points and texts are not kept; the host resends the run on `ready`.
 *
 * `readPersisted` accepts anything (state written by an older version, or nothing) and returns a
 * valid state, dropping whatever does not check out.
 */
import { validateHostMessage, type Attribution } from '../src/protocol/panel';
import type { SelectedPrompt } from './model';

export const PERSIST_VERSION = 1;

export interface Zoom {
  x: [number, number];
  y: [number, number];
}

export interface PersistedState {
  v: typeof PERSIST_VERSION;
  runId: string | null;
  selection: SelectedPrompt | null;
  attribution: Attribution | null;
  /** Iteration the chart is replaying; null follows the run live. */
  replayIteration: number | null;
  zoom: Zoom | null;
  /** What the user typed as the next seed. */
  runAgainSeed: string | null;
}

export const emptyPersisted = (): PersistedState => ({
  v: PERSIST_VERSION, runId: null, selection: null, attribution: null, replayIteration: null, zoom: null, runAgainSeed: null,
});

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => Number.isInteger(v);

function readSelection(s: unknown): SelectedPrompt | null {
  if (typeof s !== 'object' || s === null) return null;
  const o = s as Record<string, unknown>;
  const ids = o.ids, tokens = o.tokens;
  if (!Array.isArray(ids) || !ids.length || !ids.every((i) => isInt(i) && i >= 0)) return null;
  if (!Array.isArray(tokens) || tokens.length !== ids.length || !tokens.every((t) => typeof t === 'string')) return null;
  if (typeof o.text !== 'string' || typeof o.origin !== 'string' || !isFiniteNumber(o.feature) || !isFiniteNumber(o.xe)) return null;
  const sel: SelectedPrompt = { ids: ids as number[], tokens: tokens as string[], text: o.text, feature: o.feature, xe: o.xe, origin: o.origin };
  if (isInt(o.historyIndex) && o.historyIndex >= 0) sel.historyIndex = o.historyIndex;
  // What the move that made it did (the Tokens view's marks): kept when well formed, else dropped.
  const before = o.before as { ids?: unknown; what?: unknown } | undefined;
  if (before && Array.isArray(before.ids) && before.ids.length === ids.length && before.ids.every((i) => isInt(i) && i >= 0) && typeof before.what === 'string') {
    sel.before = { ids: before.ids as number[], what: before.what };
  }
  return sel;
}

function readPair(v: unknown): [number, number] | null {
  return Array.isArray(v) && v.length === 2 && isFiniteNumber(v[0]) && isFiniteNumber(v[1]) && v[0] < v[1] ? [v[0], v[1]] : null;
}

export function readPersisted(raw: unknown): PersistedState {
  const out = emptyPersisted();
  if (typeof raw !== 'object' || raw === null || (raw as { v?: unknown }).v !== PERSIST_VERSION) return out;
  const o = raw as Record<string, unknown>;
  if (typeof o.runId === 'string') out.runId = o.runId;
  out.selection = readSelection(o.selection);
  if (out.selection && o.attribution && validateHostMessage({ type: 'attribution', attribution: o.attribution }) === null) {
    out.attribution = o.attribution as Attribution;
  }
  if (isInt(o.replayIteration) && o.replayIteration >= -1) out.replayIteration = o.replayIteration;
  if (typeof o.zoom === 'object' && o.zoom !== null) {
    const x = readPair((o.zoom as Record<string, unknown>).x), y = readPair((o.zoom as Record<string, unknown>).y);
    if (x && y) out.zoom = { x, y };
  }
  if (typeof o.runAgainSeed === 'string' && /^\d{0,16}$/.test(o.runAgainSeed)) out.runAgainSeed = o.runAgainSeed;
  return out;
}

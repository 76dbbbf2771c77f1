/** Number and token formatting for the panel (DOM-free). Minus signs are U+2212 so columns of numbers line up. */

const MINUS = '\u2212';
const signed = (s: string) => (s.startsWith('-') ? MINUS + s.slice(1) : s);

/** A feature value: ~3 significant digits, exponent only for very large or tiny magnitudes. */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (v === 0) return '0.00';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return signed(v.toExponential(2));
  if (a >= 100) return signed(v.toFixed(1));
  if (a >= 1) return signed(v.toFixed(2));
  return signed(v.toFixed(3));
}

/** Self cross-entropy in nats: always two decimals (the scale is 2–15). */
export function formatXe(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return signed(v.toFixed(2));
}

/** λ with three significant digits and no trailing zeros: 0.1, 0.193, 0.72, 10. */
export function formatLambda(v: number): string {
  if (!Number.isFinite(v)) return '—';
  return signed(String(Number(v.toPrecision(3))));
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

const grouping = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
export const formatCount = (n: number): string => (Number.isFinite(n) ? grouping.format(n) : '—');

/** Throughput, flipped to seconds per iteration below 1 it/s (a CPU run does ~0.1 it/s). */
export function formatRate(iterationsPerSecond: number): string {
  const r = iterationsPerSecond;
  if (!Number.isFinite(r) || r <= 0) return '—';
  if (r >= 10) return `${r.toFixed(0)} it/s`;
  if (r >= 1) return `${r.toFixed(1)} it/s`;
  return `${(1 / r).toFixed(1)} s/it`;
}

/** A remaining time: "45 s", "3 m 05 s", "1 h 02 m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} m`;
}

export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '—';
  return signed(`${Math.round(fraction * 100)}%`);
}

export interface TokenSegment {
  text: string;
  /** A stand-in for whitespace or a control character, drawn dimmer. */
  ws: boolean;
}

const STAND_INS: Record<string, string> = { ' ': '·', '\n': '↵', '\t': '⇥', '\r': '␍' };

/**
 * A token made readable: whitespace and control characters become visible marks (a leading space
 * is the most common token prefix and must be seen), grouped into runs so the DOM stays small.
 */
export function visibleToken(token: string): TokenSegment[] {
  if (token.length === 0) return [{ text: '∅', ws: true }];
  const out: TokenSegment[] = [];
  for (const ch of token) {
    const code = ch.codePointAt(0)!;
    const standIn = STAND_INS[ch] ?? (code < 0x20 ? String.fromCodePoint(0x2400 + code) : code === 0x7f ? '␡' : undefined);
    const ws = standIn !== undefined;
    const text = standIn ?? ch;
    const last = out[out.length - 1];
    if (last && last.ws === ws) last.text += text;
    else out.push({ text, ws });
  }
  return out;
}

/** The whole prompt on one line, for titles and tooltips. */
export const oneLine = (text: string): string => text.replace(/\r?\n/g, '↵').replace(/\t/g, '⇥');

/**
 * The Reverie panel as the journey sees it. VS Code puts a webview in an iframe (pre/index.html)
 * that hosts another iframe (#active-frame) with the extension's page; Playwright lists both in
 * page.frames(), so the panel is found by looking into every frame for the panel's own DOM
 * (webview/views/*.ts: .run-header, .pop-table, .frontier …) and reading it in one evaluate.
 */
import type { Frame, Page } from 'playwright-core';
import { waitUntil, within } from './wait';

export interface PanelRow {
  lambda: string;
  prompt: string;
  feature: string;
  xe: string;
}

export interface PanelSnapshot {
  featureName: string;
  subtitle: string;
  /** running | paused | stopped | done | error (from the state badge's class), or '' before init. */
  state: string;
  iterLabel: string;
  runError: string;
  notices: string[];
  rows: PanelRow[];
  /** "N prompts · F on the frontier" under the chart. */
  frontierCaption: string;
  /** The header's headline numbers by label ("Best · XE < 6" → "2.07"). */
  stats: Record<string, string>;
  /** The Dataset examples section: its rows shown and its caption ('' when hidden). */
  dataset: { rows: number; caption: string };
  buttons: { label: string; disabled: boolean; hidden: boolean }[];
  /** Canvas pixels of the plot area in the frontier colour (charts-orange) and the cloud colour (charts-blue). */
  pixels: { frontier: number; cloud: number; plotArea: number } | null;
}

/** Runs inside the panel's frame: everything the assertions need, read at one instant. */
function readPanel(): PanelSnapshot | null {
  const header = document.querySelector('.run-header');
  if (!header) return null;
  const text = (sel: string, root: ParentNode = document) => (root.querySelector(sel)?.textContent ?? '').replace(/\s+/g, ' ').trim();
  const hidden = (el: Element | null) => !el || el.classList.contains('hidden') || (el as HTMLElement).offsetParent === null;
  const badge = document.querySelector('.state');
  const state = [...(badge?.classList ?? [])].find((c) => c.startsWith('state-'))?.slice(6) ?? '';
  const table = document.querySelector('.population table.pop-table');
  const rows = hidden(table) ? [] : [...document.querySelectorAll('.population table.pop-table tr.pop-row')].map((tr) => {
    const td = tr.querySelectorAll('td');
    const cell = (i: number) => (td[i]?.textContent ?? '').replace(/\s+/g, ' ').trim();
    return { lambda: cell(0), prompt: cell(1), feature: cell(2), xe: cell(3) };
  });
  const buttons = [...document.querySelectorAll('vscode-button')].map((b) => ({
    label: (b.textContent ?? '').trim(),
    disabled: (b as HTMLElement & { disabled?: boolean }).disabled === true || b.hasAttribute('disabled'),
    hidden: hidden(b),
  }));

  const stats = Object.fromEntries([...document.querySelectorAll('.stats .stat')].map((el) => [text('.stat-label', el), text('.stat-value', el)]));

  let pixels: PanelSnapshot['pixels'] = null;
  const canvas = document.querySelector<HTMLCanvasElement>('.frontier .chart canvas');
  const over = document.querySelector('.frontier .chart .u-over');
  const ctx = canvas?.getContext('2d');
  if (canvas && over && ctx && canvas.width > 0) {
    const rgb = (cssVar: string) => {
      const probe = document.createElement('span');
      probe.style.color = `var(${cssVar})`;
      document.body.append(probe);
      const m = getComputedStyle(probe).color.match(/\d+(\.\d+)?/g)?.map(Number) ?? [];
      probe.remove();
      return m.slice(0, 3);
    };
    const orange = rgb('--vscode-charts-orange'), blue = rgb('--vscode-charts-blue');
    const cr = canvas.getBoundingClientRect(), or = over.getBoundingClientRect();
    const k = canvas.width / Math.max(1, cr.width);
    const x0 = Math.max(0, Math.round((or.left - cr.left) * k)), y0 = Math.max(0, Math.round((or.top - cr.top) * k));
    const w = Math.min(canvas.width - x0, Math.round(or.width * k)), h = Math.min(canvas.height - y0, Math.round(or.height * k));
    const data = w > 0 && h > 0 ? ctx.getImageData(x0, y0, w, h).data : new Uint8ClampedArray();
    const near = (i: number, c: number[]) => c.length === 3 && data[i + 3] > 200 &&
      Math.abs(data[i] - c[0]) + Math.abs(data[i + 1] - c[1]) + Math.abs(data[i + 2] - c[2]) < 60;
    let frontier = 0, cloud = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (near(i, orange)) frontier++;
      else if (near(i, blue)) cloud++;
    }
    pixels = { frontier, cloud, plotArea: w * h };
  }
  return {
    featureName: text('.feature-name'),
    subtitle: text('.subtitle'),
    state,
    iterLabel: text('.iter-label'),
    runError: text('.run-error'),
    notices: [...document.querySelectorAll('.notice .notice-text')].map((n) => (n.textContent ?? '').trim()),
    rows,
    frontierCaption: text('.frontier .section-caption'),
    stats,
    dataset: hidden(document.querySelector('.dataset'))
      ? { rows: 0, caption: '' }
      : { rows: document.querySelectorAll('.dataset tbody tr').length, caption: text('.dataset .section-caption') },
    buttons,
    pixels,
  };
}

export const describePanel = (s: PanelSnapshot) =>
  `panel "${s.featureName}" state=${s.state || '—'} "${s.iterLabel}" rows=${s.rows.length} caption="${s.frontierCaption}"` +
  ` pixels=${JSON.stringify(s.pixels)} stats=${JSON.stringify(s.stats)} dataset=${JSON.stringify(s.dataset)}${s.runError ? ` error="${s.runError}"` : ''}${s.notices.length ? ` notices=${JSON.stringify(s.notices)}` : ''}`;

/** Whether the frame's iframe (and every iframe around it) is displayed. */
async function frameVisible(frame: Frame): Promise<boolean> {
  for (let f: Frame | null = frame; f && f.parentFrame(); f = f.parentFrame()) {
    const el = await within(FRAME_ANSWER_MS, 'frameElement', f.frameElement()).catch(() => null);
    if (!el || !(await within(FRAME_ANSWER_MS, 'isVisible', el.isVisible()).catch(() => false))) return false;
  }
  return true;
}

export interface FoundPanel {
  frame: Frame;
  snapshot: PanelSnapshot;
}

/**
 * tsx compiles this file with esbuild's keepNames, which wraps functions in `__name(...)`; the
 * serialized readPanel then needs that helper in the page. A string is evaluated as is.
 */
const NAME_SHIM = 'globalThis.__name ??= (f) => f; 0';

/** A frame whose document never runs scripts (VS Code's error page, one still loading) never answers: give up on it. */
const FRAME_ANSWER_MS = 5000;

async function evaluateIn(frame: Frame): Promise<PanelSnapshot | null> {
  await within(FRAME_ANSWER_MS, `frame ${frame.url().slice(0, 80)}`, frame.evaluate(NAME_SHIM));
  return within(FRAME_ANSWER_MS, `frame ${frame.url().slice(0, 80)}`, frame.evaluate(readPanel));
}

/** Every Reverie panel document in the page (visible or not), with what it shows. */
export async function allPanels(page: Page): Promise<(FoundPanel & { visible: boolean })[]> {
  // All frames at once: one that never answers costs its timeout once, not once per frame.
  const found = await Promise.all(page.frames().filter((f) => f !== page.mainFrame()).map(async (frame) => {
    // Frames that are not panels (or are navigating) fail or return null: not a panel.
    const snapshot = await evaluateIn(frame).catch(() => null);
    return snapshot ? { frame, snapshot, visible: await frameVisible(frame) } : null;
  }));
  return found.filter((p): p is FoundPanel & { visible: boolean } => p !== null);
}

/**
 * Waits for a visible panel whose snapshot satisfies `ok`; the failure names what every panel
 * showed, plus `alsoSeen()` (e.g. the notifications, where an error opening the panel would be).
 */
export async function waitForPanel(page: Page, expected: string, ok: (s: PanelSnapshot) => boolean, timeoutMs = 60_000,
  alsoSeen?: () => Promise<string>): Promise<FoundPanel> {
  return waitUntil(expected, async () => {
    const panels = await allPanels(page);
    const hit = panels.find((p) => p.visible && ok(p.snapshot));
    const seen = panels.length
      ? panels.map((p) => `${p.visible ? '' : '(hidden) '}${describePanel(p.snapshot)}`).join(' | ')
      : 'no Reverie panel document in any frame';
    return { ok: !!hit, seen: alsoSeen && !hit ? `${seen}; ${await alsoSeen()}` : seen, value: hit };
  }, timeoutMs, 400);
}

export async function snapshotOf(frame: Frame): Promise<PanelSnapshot> {
  const s = await evaluateIn(frame);
  if (!s) throw new Error('the panel frame no longer shows the Reverie panel');
  return s;
}

/** Clicks one of the panel's buttons by label (vscode-button custom elements). */
export async function clickPanelButton(frame: Frame, label: string): Promise<void> {
  const b = frame.locator('vscode-button', { hasText: label }).first();
  if (!(await b.count())) {
    const labels = (await snapshotOf(frame)).buttons.map((x) => x.label);
    throw new Error(`the panel has no "${label}" button (buttons: ${JSON.stringify(labels)})`);
  }
  await b.click();
}

/** "N prompts · F on the frontier" → {prompts, frontier}. */
export function parseCaption(caption: string): { prompts: number; frontier: number } | null {
  const m = caption.replace(/[,\u202f\u00a0 ]/g, '').match(/^(\d+)prompts·(\d+)onthefrontier$/);
  return m ? { prompts: Number(m[1]), frontier: Number(m[2]) } : null;
}

export const iterationOf = (label: string): { done: number; total: number } | null => {
  const m = label.replace(/[,\u202f\u00a0]/g, '').match(/Iteration (\d+) \/ (\d+)/);
  return m ? { done: Number(m[1]), total: Number(m[2]) } : null;
};

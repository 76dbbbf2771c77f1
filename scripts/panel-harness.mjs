#!/usr/bin/env node
// The Reverie panel in a real browser, without VS Code: builds the webview, serves it with the
// extension's own HTML (panelHtml, same CSP) on 127.0.0.1, plays the host (the handshake, a run's
// messages, answers to requestPoint / inspect), takes screenshots in the dark, light and
// high-contrast themes, measures how long message handling and frames take over a full run, and
// fails on CSP violations, page errors, or malformed webview messages.
//
// Usage: node scripts/panel-harness.mjs [out-dir] [--run run.json] [--seed 0] [--screenshots dir] [--no-build]
//   out-dir  where screenshots, the generated run and perf.json go (default test-results/panel)
//   --screenshots  also copy the main screenshots there under stable names (panel-dark-running.png,
//            panel-dark-done.png, panel-light-running.png, panel-light-done.png, panel-hc-done.png)
//   --run    a recorded run: {"messages": HostMessage[], "pointIds": number[][], "vocab": string[],
//            "attributions"?: {"<ids joined by ,>": Attribution}}; default: a seeded synthetic run.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { chromium } from 'playwright-core';
import { THEMES } from './panel-harness/themes.mjs';
import { attributionFor, generateRun } from './panel-harness/synthetic-run.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { panelHtml, makeNonce } = await tsImport('../src/extension/panel-html.ts', import.meta.url);
const { validateWebviewMessage, validateHostMessage } = await tsImport('../src/protocol/panel.ts', import.meta.url);
const { frontierOf } = await tsImport('../webview/frontier.ts', import.meta.url);

// ─── arguments ──────────────────────────────────────────────────────────────────────────────

const argv = process.argv.slice(2);
const flag = (name) => { const i = argv.indexOf(`--${name}`); if (i < 0) return undefined; const v = argv[i + 1]; argv.splice(i, 2); return v; };
const noBuild = argv.includes('--no-build') ? (argv.splice(argv.indexOf('--no-build'), 1), true) : false;
const runFile = flag('run');
const seed = Number(flag('seed') ?? 0);
const screenshotsDir = flag('screenshots');
const outDir = resolve(argv[0] ?? 'test-results/panel');
mkdirSync(outDir, { recursive: true });
if (screenshotsDir) mkdirSync(screenshotsDir, { recursive: true });
/** The screenshots --screenshots publishes, by their name here. */
const STABLE_NAMES = {
  'dark-running-it40.png': 'panel-dark-running.png', 'dark-done.png': 'panel-dark-done.png',
  'light-running-it40.png': 'panel-light-running.png', 'light-done.png': 'panel-light-done.png', 'hc-done.png': 'panel-hc-done.png',
};
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.error(`panel-harness: ${CHROMIUM} not found (apt-get update && apt-get install -y chromium, or set CHROMIUM)`);
  process.exit(2);
}

const failures = [];
const fail = (msg) => { failures.push(msg); console.error(`FAIL ${msg}`); };
const log = (msg) => console.log(msg);

// ─── build ──────────────────────────────────────────────────────────────────────────────────

if (!noBuild) {
  const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (b.status !== 0) { console.error('panel-harness: build failed'); process.exit(1); }
}
for (const f of ['dist/webview.js', 'dist/webview.css']) {
  if (!existsSync(join(ROOT, f))) { console.error(`panel-harness: ${f} missing after the build`); process.exit(1); }
}

// ─── the run ────────────────────────────────────────────────────────────────────────────────

let run;
let world = null;
if (runFile) {
  run = JSON.parse(readFileSync(runFile, 'utf8'));
  log(`run: ${runFile} (${run.messages.length} messages)`);
} else {
  const g = generateRun({ seed });
  world = g.world;
  run = { format: g.format, messages: g.messages, pointIds: g.pointIds, vocab: g.world.vocab };
  writeFileSync(join(outDir, 'synthetic-run.json'), JSON.stringify(run));
  log(`run: synthetic, seed ${seed}: ${run.messages.length} messages, ${run.pointIds.length} points → ${join(outDir, 'synthetic-run.json')}`);
}
for (const [i, m] of run.messages.entries()) {
  const problem = validateHostMessage(m);
  if (problem) { console.error(`panel-harness: run message ${i} is malformed: ${problem}`); process.exit(1); }
}
const init = run.messages.find((m) => m.type === 'init');
const iterations = run.messages.filter((m) => m.type === 'iteration');
const tail = run.messages.filter((m) => m.type !== 'init' && m.type !== 'iteration');
if (!init || !iterations.length) { console.error('panel-harness: the run needs an init and iteration messages'); process.exit(1); }

/** Iteration messages whose points the fake host can describe (a second run's are added when it starts). */
const knownIterations = [...iterations];

function pointMessage(h) {
  const ids = run.pointIds[h];
  let feature, xe, iteration;
  for (const m of knownIterations) {
    const k = m.points.historyIndex.indexOf(h);
    if (k >= 0) { feature = m.points.feature[k]; xe = m.points.xe[k]; iteration = m.points.iteration[k]; break; }
  }
  const tokens = ids.map((i) => run.vocab[i]);
  return { type: 'point', historyIndex: h, ids, tokens, text: tokens.join(''), feature, xe, iteration };
}

function attributionMessage(ids) {
  const recorded = run.attributions?.[ids.join(',')];
  if (recorded) return { type: 'attribution', attribution: recorded };
  if (world) return { type: 'attribution', attribution: attributionFor(world, ids) };
  return { type: 'notice', level: 'error', message: 'this recorded run has no attribution for that prompt', about: 'attribution' };
}

// ─── server ─────────────────────────────────────────────────────────────────────────────────

const MIME = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.ttf': 'font/ttf', '.html': 'text/html' };
let codiconsMissingNoted = false;
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const origin = `http://127.0.0.1:${server.address().port}`;
  if (url.pathname === '/favicon.ico') { res.writeHead(204); res.end(); return; }
  if (url.pathname === '/') {
    const nonce = makeNonce();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(panelHtml({
      cspSource: origin, nonce, title: 'Reverie harness',
      scriptUri: `${origin}/dist/webview.js`, styleUri: `${origin}/dist/webview.css`, codiconsUri: `${origin}/dist/codicons/codicon.css`,
    }));
    return;
  }
  let file = null;
  if (url.pathname.startsWith('/dist/codicons/')) {
    const name = url.pathname.slice('/dist/codicons/'.length);
    file = join(ROOT, 'dist/codicons', name);
    if (!existsSync(file) && !codiconsMissingNoted) {
      fail('dist/codicons/ is missing: scripts/build.mjs copies @vscode/codicons there, and the panel loads its icons from it');
      codiconsMissingNoted = true;
    }
  } else if (url.pathname.startsWith('/dist/')) {
    file = join(ROOT, 'dist', url.pathname.slice('/dist/'.length));
  }
  if (!file || file.includes('..') || !existsSync(file) || !MIME[extname(file)]) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-type': MIME[extname(file)], 'cache-control': 'no-store' });
  res.end(readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const ORIGIN = `http://127.0.0.1:${server.address().port}`;
log(`serving ${ORIGIN}`);

// ─── browser and fake host ──────────────────────────────────────────────────────────────────

const userDataDir = mkdtempSync(join(tmpdir(), 'reverie-harness-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  viewport: { width: 1360, height: 1000 },
  deviceScaleFactor: 1,
});
const page = context.pages()[0] ?? await context.newPage();
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') pageErrors.push(`console.${m.type()}: ${m.text()}`); });

/** What the host does with the webview's messages. `onReady` decides what a (re)loaded webview gets. */
const host = {
  received: [],
  readyCount: 0,
  onReady: async () => {},
  attributionDelayMs: 250,
  /** Set while the harness sends a malformed message on purpose. */
  expectError: false,
  onRunAgain: null,
  async receive(msg) {
    const problem = validateWebviewMessage(msg);
    if (problem) fail(`webview posted a malformed message: ${problem}`);
    if (this.received.length === 0 && msg.type !== 'ready') fail(`first webview message was ${msg.type}, not ready`);
    this.received.push(msg);
    switch (msg.type) {
      case 'ready': this.readyCount++; await this.onReady(); break;
      case 'requestPoint': await send(pointMessage(msg.historyIndex)); break;
      case 'inspect': setTimeout(() => send(attributionMessage(msg.ids)).catch(() => {}), this.attributionDelayMs); break;
      case 'control': if (msg.action === 'runAgain' && this.onRunAgain) await this.onRunAgain(msg.seed); break;
      case 'saveFrontier': await send({ type: 'notice', level: 'info', message: 'Frontier saved to dreams/cooking-1437.frontier.json', about: 'save' }); break;
      case 'error': if (!this.expectError) fail(`webview reported an error: ${msg.message}${msg.stack ? `\n${msg.stack}` : ''}`); break;
      default: break;
    }
  },
};
await page.exposeFunction('__reverieHost', (msg) => host.receive(msg));
await context.addInitScript({ content: `${readFileSync(join(ROOT, 'scripts/panel-harness/page-init.js'), 'utf8')}\nreverieHarnessInit(${JSON.stringify(THEMES)});` });

const send = (msg) => page.evaluate((m) => window.postMessage(m, '*'), msg);
const frames = (n = 2) => page.evaluate((k) => new Promise((r) => { let i = 0; const f = () => (++i >= k ? r() : requestAnimationFrame(f)); requestAnimationFrame(f); }), n);
const shot = async (name) => {
  const p = join(outDir, name);
  await page.screenshot({ path: p, fullPage: true });
  log(`screenshot ${p}`);
  if (screenshotsDir && STABLE_NAMES[name]) copyFileSync(p, join(screenshotsDir, STABLE_NAMES[name]));
};
const setTheme = async (name) => { await page.evaluate((t) => { sessionStorage.setItem('reverie-harness-theme', t); window.__setTheme(t); }, name); await frames(3); };
/**
 * Replays host messages inside the page. They are copied into the page first, in their own step:
 * deserialising a whole run's messages blocks the page for a while and must not count as panel time.
 */
async function replay(messages, mode) {
  await page.evaluate((ms) => { window.__preloaded = ms; }, messages);
  await frames(2);
  return page.evaluate((md) => window.__replay(window.__preloaded, md), mode);
}
/** Like replay, with the frame measurements reset once the messages are in the page. */
async function measuredReplay(messages, mode) {
  await page.evaluate((ms) => { window.__preloaded = ms; }, messages);
  await frames(2);
  await resetPerf();
  await page.evaluate(() => window.__monitor(true));
  const r = await page.evaluate((md) => window.__replay(window.__preloaded, md), mode);
  await page.evaluate(() => window.__monitor(false));
  return r;
}

async function load({ clearState }) {
  const ready = host.readyCount;
  // Clear the saved webview state from a page of the same origin that is not the panel.
  if (clearState) { await page.goto(`${ORIGIN}/dist/webview.css`); await page.evaluate(() => sessionStorage.clear()); }
  await page.goto(`${ORIGIN}/`);
  await page.waitForFunction(() => window.__posted?.some((m) => m.type === 'ready'));
  while (host.readyCount === ready) await new Promise((r) => setTimeout(r, 10));
  await page.waitForSelector('.feature-name:not(:empty)');
  await frames(2);
}

/** Waits until the Tokens view shows the attribution (or its failure, for a recorded run without one) of a prompt other than `previousText`. */
async function waitForAttribution(previousText) {
  await page.waitForFunction((prev) => {
    const text = document.querySelector('.tok-text-block')?.textContent;
    const status = document.querySelector('.tok-status');
    const done = (!!document.querySelector('.tok.has-attr') && status?.classList.contains('hidden')) || status?.classList.contains('error');
    return !!text && text !== prev && done;
  }, previousText ?? null, { timeout: 10_000 });
  await frames(2);
}
const inspectedText = () => page.evaluate(() => document.querySelector('.tok-text-block')?.textContent ?? null);

/**
 * Hovers a frontier dot: finds the frontier colour on the canvas and, top first, hovers each candidate
 * until the tooltip shows a frontier point in the in-distribution region (XE < 6; else the highest
 * frontier point found). The panel's own tooltip says which point is under the pointer, so the choice
 * does not depend on the chart's axis ranges, which differ between runs.
 */
async function hoverFrontierPoint() {
  const candidates = await page.evaluate(() => {
    const canvas = document.querySelector('.chart canvas');
    const over = document.querySelector('.chart .u-over');
    const orange = getComputedStyle(document.body).getPropertyValue('--vscode-charts-orange').trim();
    const probe = document.createElement('canvas').getContext('2d');
    probe.fillStyle = orange;
    probe.fillRect(0, 0, 1, 1);
    const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
    const ctx = canvas.getContext('2d');
    const { width, height } = canvas;
    const img = ctx.getImageData(0, 0, width, height).data;
    const cr = canvas.getBoundingClientRect(), or = over.getBoundingClientRect();
    const sx = width / cr.width;
    const isOrange = (x, y) => { const i = 4 * (y * width + x); return Math.abs(img[i] - r) < 8 && Math.abs(img[i + 1] - g) < 8 && Math.abs(img[i + 2] - b) < 8; };
    // Frontier dots are filled discs of the frontier colour (the pixels below are that colour too,
    // which a horizontal stretch of the staircase is not); one candidate per 8-pixel cell, top first.
    const seen = new Set();
    const out = [];
    for (let y = Math.floor((or.top - cr.top) * sx); y < (or.bottom - cr.top) * sx - 2; y++) {
      for (let x = Math.floor((or.left - cr.left) * sx); x < (or.right - cr.left) * sx; x++) {
        if (!isOrange(x, y) || !isOrange(x, y + 2)) continue;
        const cell = `${Math.floor(x / 8)},${Math.floor(y / 8)}`;
        if (seen.has(cell)) continue;
        seen.add(cell);
        out.push({ x: cr.left + x / sx, y: cr.top + (y + 2) / sx });
      }
    }
    return out;
  });
  if (!candidates.length) { fail('could not find a frontier point on the chart canvas'); return false; }
  const hovered = async (pos) => {
    await page.mouse.move(pos.x, pos.y);
    try {
      await page.waitForSelector('.tooltip:not(.hidden) .tt-values', { timeout: 1000 });
    } catch {
      return null;
    }
    return page.evaluate(() => {
      const tip = document.querySelector('.tooltip:not(.hidden)');
      const nums = [...tip.querySelectorAll('.tt-values .tt-num')].map((e) => Number(e.textContent));
      return { xe: nums[1], onFrontier: tip.textContent.includes('on the frontier') };
    });
  };
  let pos = null;
  for (const c of candidates.slice(0, 80)) {
    const p = await hovered(c);
    if (!p?.onFrontier) continue;
    pos ??= c;
    if (p.xe < 6) { pos = c; break; }
  }
  if (!pos) { fail('hovering the frontier-coloured dots on the chart found no frontier point'); return false; }
  await page.mouse.move(pos.x - 30, pos.y + 30);
  await page.mouse.move(pos.x, pos.y, { steps: 4 });
  try {
    await page.waitForSelector('.tooltip:not(.hidden) .tt-chips', { timeout: 5000 });
  } catch {
    fail('hovering a frontier point did not show its text');
    return false;
  }
  await frames(2);
  return pos;
}

function stats(xs) {
  if (!xs.length) return { n: 0 };
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const r = (v) => Number(v.toFixed(2));
  return { n: s.length, mean: r(s.reduce((a, b) => a + b, 0) / s.length), p50: r(q(0.5)), p95: r(q(0.95)), p99: r(q(0.99)), max: r(s[s.length - 1]) };
}

const resetPerf = () => page.evaluate(() => { window.__perf.raf = []; window.__perf.intervals = []; window.__perf.loaf = []; window.__perf.longtask = []; window.__perf.loafDetail = []; });
const readPerf = () => page.evaluate(() => window.__perf);

try {
  // ── 1. a live run, replayed one message per frame, screenshots at iteration 40 in all themes ──
  host.onReady = async () => { await send(init); await send({ type: 'runState', state: 'running' }); };
  await load({ clearState: true });
  const upTo40 = iterations.filter((m) => m.iteration <= 40);
  await replay(upTo40, 'frame');
  await page.click('tr.pop-row:nth-of-type(4)');
  await waitForAttribution();
  // Tokens says what the move that made a selected row's prompt did, and only for a row the latest iteration changed.
  const moveShown = () => page.evaluate(() => ({
    line: !document.querySelector('.tok-move-line').classList.contains('hidden'),
    marked: document.querySelectorAll('.tok:not([data-mark="same"]) .tok-mark').length,
  }));
  const fourthIsNew = await page.evaluate(() => document.querySelector('tr.pop-row:nth-of-type(4)').classList.contains('is-new'));
  const fourth = await moveShown();
  if (fourthIsNew !== fourth.line || fourthIsNew !== fourth.marked > 0) fail(`row 4 (${fourthIsNew ? 'changed' : 'unchanged'}) selected: the Tokens view shows ${JSON.stringify(fourth)}`);
  if (await page.$('tr.pop-row.is-new')) {
    await page.click('tr.pop-row.is-new');
    await frames(2);
    await waitForAttribution();
    const changed = await moveShown();
    if (!(changed.line && changed.marked > 0)) fail(`a changed row selected: the Tokens view shows no move (${JSON.stringify(changed)})`);
    await page.locator('.tokens').screenshot({ path: join(outDir, 'detail-tokens-move-dark.png') });
    await page.click('tr.pop-row:nth-of-type(4)');
    await frames(2);
    await waitForAttribution();
  }
  await page.hover('.tok.has-attr:nth-of-type(5) .tok-chip');
  await page.waitForSelector('.tooltip:not(.hidden)');
  await shot('dark-running-it40.png');
  await page.locator('.population').screenshot({ path: join(outDir, 'detail-population-dark.png') });
  await page.locator('.tokens').screenshot({ path: join(outDir, 'detail-tokens-dark.png') });
  await page.evaluate(() => { document.querySelector('.settings vscode-collapsible').open = true; });
  await frames(2);
  await page.locator('.settings').screenshot({ path: join(outDir, 'detail-settings-dark.png') });
  await page.evaluate(() => { document.querySelector('.settings vscode-collapsible').open = false; });
  await page.mouse.move(5, 5);
  for (const t of ['light', 'hc']) { await setTheme(t); await shot(`${t}-running-it40.png`); }
  await setTheme('dark');

  // ── 2. the rest of the run as fast as messages can be dispatched, then done + dataset ──
  const rest = iterations.filter((m) => m.iteration > 40);
  await replay([...rest, ...tail], 'burst');
  await frames(3);
  // A malformed message: the webview must ignore it and tell the host.
  host.expectError = true;
  await send({ type: 'iteration', iteration: 'x' });
  await frames(2);
  host.expectError = false;
  if (!host.received.some((m) => m.type === 'error' && /malformed host message: iteration\.iteration/.test(m.message))) {
    fail('the webview did not report the malformed host message');
  }

  const hovered = await hoverFrontierPoint();
  if (hovered) {
    const before = await inspectedText();
    await page.mouse.click(hovered.x, hovered.y);
    await waitForAttribution(before);
    await page.mouse.move(hovered.x, hovered.y + 1);
    await page.waitForSelector('.tooltip:not(.hidden) .tt-chips');
  }
  for (const t of ['dark', 'light', 'hc']) { await setTheme(t); await shot(`${t}-done.png`); }
  await setTheme('dark');
  await page.mouse.move(5, 5);

  // ── 3. narrow panel, replay slider, save notice ──
  await page.click('vscode-button:has-text("Save frontier")');
  await page.waitForSelector('.notice');
  await page.setViewportSize({ width: 760, height: 1000 });
  await frames(4);
  await shot('dark-narrow.png');
  await page.setViewportSize({ width: 1360, height: 1000 });
  // Drag-zoom into the in-distribution corner, then double-click back out.
  const over = await page.$eval('.chart .u-over', (o) => { const r = o.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width, h: r.height }; });
  await page.mouse.move(over.x + over.w * 0.02, over.y + over.h * 0.1);
  await page.mouse.down();
  await page.mouse.move(over.x + over.w * 0.45, over.y + over.h * 0.7, { steps: 8 });
  await page.mouse.up();
  await frames(3);
  if (!(await page.isVisible('.frontier .section-actions vscode-button'))) fail('drag-zoom did not zoom (no Reset zoom button)');
  await page.locator('.frontier').screenshot({ path: join(outDir, 'detail-frontier-zoomed-dark.png') });
  await page.mouse.dblclick(over.x + over.w * 0.5, over.y + over.h * 0.5);
  await frames(3);
  if (await page.isVisible('.frontier .section-actions vscode-button')) fail('double-click did not reset the zoom');
  await page.mouse.move(5, 5);
  await page.evaluate(() => {
    const s = document.querySelector('.slider');
    s.value = '45';
    s.dispatchEvent(new Event('input'));
  });
  await frames(3);
  await shot('dark-replay-it45.png');
  const tokensBefore = await page.textContent('.tok-text-block');

  // ── 4. reload: the host replays the run; the webview restores its selection and view from setState ──
  const finalIteration = iterations[iterations.length - 1];
  const allPoints = { feature: [], xe: [], iteration: [], historyIndex: [] };
  for (const m of iterations) for (const k of Object.keys(allPoints)) allPoints[k].push(...m.points[k]);
  const frontierIdx = frontierOf(allPoints.xe, allPoints.feature);
  host.onReady = async (initSent = false) => {
    if (!initSent) await send(init);
    await send({ type: 'history', points: allPoints, frontier: [...frontierIdx].map((i) => allPoints.historyIndex[i]), iterationsDone: finalIteration.iteration });
    await send({ ...finalIteration, points: { feature: [], xe: [], iteration: [], historyIndex: [] } });
    for (const m of tail) await send(m);
  };
  await load({ clearState: false });
  await frames(3);
  const tokensAfter = await page.textContent('.tok-text-block').catch(() => null);
  if (tokensAfter !== tokensBefore) fail(`after a reload the inspected prompt was not restored (${JSON.stringify(tokensBefore)} → ${JSON.stringify(tokensAfter)})`);
  const sliderAfter = await page.$eval('.slider', (s) => s.value);
  if (sliderAfter !== '45') log(`debug: saved state ${(await page.evaluate(() => sessionStorage.getItem('reverie-harness-state')))?.slice(0, 400)}`);
  if (sliderAfter !== '45') fail(`after a reload the replay slider was at ${sliderAfter}, not 45`);
  await shot('dark-restored.png');
  const warnings = pageErrors.filter((e) => e.includes('frontier'));
  if (warnings.length) fail(`frontier cross-check: ${warnings.join('; ')}`);

  // ── 5. a saved frontier: a history and the final population, no live controls ──
  const replayMessages = host.onReady;
  host.onReady = async () => {
    await send({ ...init, runId: `${init.runId}-saved`, mode: 'saved' });
    await replayMessages.call(host, true);
  };
  await load({ clearState: true });
  await setTheme('light');
  await page.waitForSelector('.live-controls.hidden', { state: 'attached' });
  await shot('light-saved.png');
  await setTheme('dark');

  // ── 6. run again with another seed: the host re-initialises the panel with every earlier point
  //       (history), then streams the new run, whose iterations start again at -1 ──
  if (world) {
    host.onReady = replayMessages;
    await load({ clearState: true });
    let secondDone;
    const finished = new Promise((r) => { secondDone = r; });
    host.onRunAgain = async (seedValue) => {
      const second = generateRun({ seed: seedValue ?? 1, iterations: 60, historyBase: run.pointIds.length });
      run.pointIds.push(...second.pointIds);
      const secondIterations = second.messages.filter((m) => m.type === 'iteration');
      knownIterations.push(...secondIterations);
      await send({ ...init, config: { ...init.config, seed: seedValue ?? 1 } });
      await replayMessages.call(host, true);
      await send({ type: 'runState', state: 'running' });
      replay(secondIterations, 'frame').then(() => secondDone(), (e) => secondDone(e));
    };
    await page.evaluate(() => {
      const f = document.querySelector('vscode-textfield.seed');
      f.value = '7';
      f.dispatchEvent(new Event('input'));
    });
    await page.click('vscode-button:has-text("Run again")');
    await page.waitForFunction(() => document.querySelector('vscode-textfield.seed')?.value === '8');
    const err = await finished;
    if (err) fail(`run again: ${err}`);
    host.onRunAgain = null;
    const again = host.received.filter((m) => m.type === 'control' && m.action === 'runAgain');
    if (again.length !== 1 || again[0].seed !== 7) fail(`Run again posted ${JSON.stringify(again)}, expected one control runAgain with seed 7`);
    await frames(3);
    const caption = await page.textContent('.frontier .section-caption');
    const expected = `${(run.pointIds.length).toLocaleString('en-US')} prompts`;
    if (!caption.startsWith(expected)) fail(`after run again the chart caption is "${caption}", expected it to start with "${expected}"`);
    await shot('dark-run-again.png');
  }

  // ── 7. performance: a full run from scratch, twice ──
  const perf = {};
  for (const mode of ['burst', 'frame']) {
    host.onReady = async () => { await send(init); await send({ type: 'runState', state: 'running' }); };
    await load({ clearState: true });
    const r = await measuredReplay(iterations, mode);
    const p = await readPerf();
    if (process.env.HARNESS_DEBUG) log(`${mode} replay start ${Math.round(await page.evaluate(() => performance.now()) - r.totalMs)}: ${JSON.stringify(p.loafDetail ?? [], null, 1)}\nslowest rAF: ${JSON.stringify(p.raf.map((v, i) => [i, Math.round(v)]).sort((a, b) => b[1] - a[1]).slice(0, 8))}`);
    perf[mode] = {
      iterations: iterations.length, totalMs: Number(r.totalMs.toFixed(0)),
      handleMs: stats(r.handle), renderMs: stats(p.raf), frameIntervalMs: stats(p.intervals),
      longAnimationFramesMs: stats(p.loaf), longTasksMs: stats(p.longtask),
    };
    if (mode === 'frame') {
      // The cost at the end of the run, when the chart holds every point.
      const last = r.handle.slice(-50);
      perf.frame.lastFiftyHandleMs = stats(last);
      perf.frame.lastFiftyRenderMs = stats(p.raf.slice(-100));
    }
  }
  // Hovering over the full cloud: nearest-point search over every point per pointer move.
  await resetPerf();
  const box = await page.$eval('.chart .u-over', (o) => { const r = o.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width, h: r.height }; });
  for (let i = 0; i < 60; i++) {
    await page.mouse.move(box.x + box.w * (0.05 + 0.9 * (i / 60)), box.y + box.h * (0.3 + 0.4 * Math.sin(i / 6)));
    await frames(1);
  }
  perf.hover = { renderMs: stats((await readPerf()).raf), points: allPoints.xe.length };
  writeFileSync(join(outDir, 'perf.json'), JSON.stringify(perf, null, 2));
  log('\nframe-time measurements (ms), full run from an empty panel:');
  for (const mode of ['burst', 'frame']) {
    const p = perf[mode];
    log(`  ${mode === 'burst' ? 'as fast as possible (setTimeout 0 between messages)' : 'one iteration message per frame'}: ${p.iterations} messages in ${p.totalMs} ms`);
    log(`    message handling  mean ${p.handleMs.mean}  p95 ${p.handleMs.p95}  max ${p.handleMs.max}`);
    log(`    render (rAF)      mean ${p.renderMs.mean}  p95 ${p.renderMs.p95}  max ${p.renderMs.max}  (${p.renderMs.n} frames)`);
    log(`    frame interval    p50 ${p.frameIntervalMs.p50}  p95 ${p.frameIntervalMs.p95}  max ${p.frameIntervalMs.max}`);
    log(`    long animation frames (>50 ms): ${p.longAnimationFramesMs.n}${p.longAnimationFramesMs.n ? `, max ${p.longAnimationFramesMs.max}` : ''}`);
    if (p.lastFiftyHandleMs) log(`    last 50 messages: handling p95 ${p.lastFiftyHandleMs.p95}, render p95 ${p.lastFiftyRenderMs.p95} max ${p.lastFiftyRenderMs.max}`);
  }
  log(`  hover over ${perf.hover.points} points: render mean ${perf.hover.renderMs.mean}  max ${perf.hover.renderMs.max}`);

  const csp = await page.evaluate(() => window.__csp);
  for (const v of csp) fail(`CSP violation: ${v}`);
  for (const e of pageErrors) if (!e.includes('frontier')) fail(e);
} catch (e) {
  fail(`harness: ${e.stack ?? e}`);
  await page.screenshot({ path: join(outDir, 'failure.png'), fullPage: true }).catch(() => {});
} finally {
  await context.close();
  server.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

log(`\nwebview → host messages: ${host.received.length} (${[...new Set(host.received.map((m) => m.type))].join(', ')}), all validated`);
if (failures.length) {
  console.error(`\n${failures.length} failure(s)`);
  process.exit(1);
}
log('panel harness: ok');

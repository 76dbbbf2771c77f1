/**
 * The Reverie panel's entry point: wires host messages into the model and the model into the
 * views. Host messages only update the model and mark what changed; the views redraw once per
 * animation frame, so a burst of iterations costs one render, not one per message.
 */
import 'uplot/dist/uPlot.min.css';
import './panel.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-icon/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { PANEL_PROTOCOL_VERSION, validateHostMessage, type HostMessage, type WebviewMessage } from '../src/protocol/panel';
import { h } from './dom';
import { Dirty, PanelModel } from './model';
import { PERSIST_VERSION, readPersisted, type PersistedState } from './persist';
import { watchTheme } from './theme';
import { connectHost } from './vscode-api';
import { FrontierView } from './views/frontier-chart';
import { HeaderView } from './views/header';
import { PopulationView } from './views/population';
import { SettingsView } from './views/settings';
import { DatasetView } from './views/dataset-list';
import { TokensView } from './views/tokens';
import { Tooltip } from './views/tooltip';

const host = connectHost();
const model = new PanelModel();
const saved = readPersisted(host.getState());
model.restore(saved.runId, saved.selection, saved.attribution);

const post = (messages: WebviewMessage[]) => { for (const m of messages) host.post(m); };

let dirty = 0;
let frameQueued = false;
function invalidate(bits: number): void {
  dirty |= bits;
  if (!frameQueued) {
    frameQueued = true;
    requestAnimationFrame(render);
  }
}

/**
 * Saves the UI state at the end of the current task: a hidden webview is destroyed without notice,
 * so a timer could lose the last change; changes within one task are coalesced into one write.
 */
let persistQueued = false;
function persistSoon(): void {
  if (persistQueued) return;
  persistQueued = true;
  queueMicrotask(() => {
    persistQueued = false;
    const state: PersistedState = {
      v: PERSIST_VERSION,
      runId: model.init?.runId ?? saved.runId,
      selection: model.selection,
      attribution: model.attribution.state === 'ready' ? model.attribution.data : null,
      replayIteration: frontier.replay,
      zoom: frontier.zoom,
      runAgainSeed: header.seedText || null,
    };
    host.setState(state);
  });
}

const tooltip = new Tooltip();
const header = new HeaderView({
  control: (action, seed) => post([action === 'runAgain' && seed !== undefined ? { type: 'control', action, seed } : { type: 'control', action }]),
  saveFrontier: () => post([{ type: 'saveFrontier' }]),
  seedEdited: () => persistSoon(),
  dismissNotice: (i) => { model.dismissNotice(i); invalidate(Dirty.notice); },
});
const population = new PopulationView((slot) => { post(model.selectRow(slot)); invalidate(Dirty.selection | Dirty.attribution); persistSoon(); });
const frontier = new FrontierView({
  selectPoint: (i) => { post(model.selectPoint(i)); invalidate(Dirty.selection | Dirty.attribution); persistSoon(); },
  selectDataset: (i) => selectDataset(i),
  wantPoint: (hi) => post(model.wantPoint(hi)),
  viewChanged: () => persistSoon(),
}, tooltip);
const tokens = new TokensView({
  copy: (text) => post([{ type: 'copy', text }]),
  retry: () => { post(model.retryAttribution()); invalidate(Dirty.attribution); },
}, tooltip, () => model);
const settings = new SettingsView();
const datasetList = new DatasetView((i) => selectDataset(i));

function selectDataset(index: number): void {
  post(model.selectDataset(index));
  invalidate(Dirty.selection | Dirty.attribution);
  persistSoon();
}

if (saved.runAgainSeed) header.setSeedText(saved.runAgainSeed);
frontier.replay = saved.replayIteration;
frontier.zoom = saved.zoom;

const app = document.getElementById('app') ?? document.body.appendChild(h('div', { class: 'app' }));
app.append(header.el, population.el, h('div', { class: 'lower' }, frontier.el, h('div', { class: 'side' }, tokens.el, datasetList.el, settings.el)));

function render(): void {
  frameQueued = false;
  const d = dirty;
  dirty = 0;
  header.update(model, d);
  population.update(model, d);
  frontier.update(model, d);
  tokens.update(model, d);
  datasetList.update(model, d);
  settings.update(model, d);
  app.classList.toggle('empty-run', model.init === null);
}

window.addEventListener('message', (e: MessageEvent) => {
  const problem = validateHostMessage(e.data);
  if (problem) {
    report(`webview ignored a malformed host message: ${problem}`);
    return;
  }
  const msg = e.data as HostMessage;
  if (msg.type === 'init' && msg.protocol !== PANEL_PROTOCOL_VERSION) {
    report(`protocol mismatch: host speaks ${msg.protocol}, webview ${PANEL_PROTOCOL_VERSION}`);
  }
  const bits = model.apply(msg);
  invalidate(bits);
  if (model.pendingOut.length) post(model.pendingOut.splice(0));
  if (bits & (Dirty.run | Dirty.selection | Dirty.attribution)) persistSoon();
  if (msg.type === 'history' && model.frontierMismatch) console.warn(`Reverie: ${model.frontierMismatch}`);
});

// Uncaught errors go to the host's log, each distinct one once (a bug in a render would repeat every frame).
const reported = new Set<string>();
function report(message: string, stack?: string): void {
  if (reported.has(message) || reported.size >= 20) return;
  reported.add(message);
  post([stack ? { type: 'error', message, stack } : { type: 'error', message }]);
}
window.addEventListener('error', (e) => report(String(e.message), e.error?.stack));
window.addEventListener('unhandledrejection', (e) => report(String(e.reason?.message ?? e.reason), e.reason?.stack));

watchTheme(() => { frontier.onThemeChange(); invalidate(Dirty.points); });

invalidate(Dirty.all);
host.post({ type: 'ready', protocol: PANEL_PROTOCOL_VERSION });

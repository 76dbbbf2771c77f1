/**
 * The top of the panel: what is being dreamed (feature, model), the run's state and controls,
 * progress, the headline numbers and where the time goes.
 */
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import type { VscodeProgressBar } from '@vscode-elements/elements/dist/vscode-progress-bar/vscode-progress-bar.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import type { ControlAction } from '../../src/protocol/panel';
import { h, setText, toggle } from '../dom';
import { button } from './button';
import { formatCount, formatDuration, formatMs, formatRate, formatValue, formatLambda } from '../format';
import { Dirty, type PanelModel } from '../model';

export interface HeaderActions {
  control(action: ControlAction, seed?: number): void;
  saveFrontier(): void;
  seedEdited(text: string): void;
  dismissNotice(index: number): void;
}

const STATE_LABEL = { running: 'Running', paused: 'Paused', stopped: 'Stopped', done: 'Done', error: 'Error' } as const;
const STATE_ICON = { running: 'loading', paused: 'debug-pause', stopped: 'debug-stop', done: 'pass', error: 'error' } as const;

function stat(label: string, hint: string): { el: HTMLElement; value: HTMLElement; sub: HTMLElement } {
  const value = h('div', { class: 'stat-value' });
  const sub = h('div', { class: 'stat-sub' });
  return { el: h('div', { class: 'stat', title: hint }, h('div', { class: 'stat-label', text: label }), value, sub), value, sub };
}

const TIME_PARTS = [
  { key: 'gradientMs', label: 'gradients', cls: 't-gradient' },
  { key: 'proposalMs', label: 'proposals', cls: 't-proposal' },
  { key: 'scoringMs', label: 'scoring', cls: 't-scoring' },
  { key: 'selectionMs', label: 'selection', cls: 't-selection' },
] as const;

/** Highest feature among the points held with XE below `cut`; null when there is none. */
function bestBelow(m: PanelModel, cut: number): number | null {
  const { xe, feature, length } = m.points;
  let best: number | null = null;
  for (let i = 0; i < length; i++) if (xe[i] < cut && (best === null || feature[i] > best)) best = feature[i];
  return best;
}

export class HeaderView {
  readonly el: HTMLElement;
  private name = h('h1', { class: 'feature-name' });
  private stateBadge = h('span', { class: 'state' });
  private stateIcon = h('span', { class: 'codicon' });
  private stateText = h('span');
  private subtitle = h('div', { class: 'subtitle' });
  private pause: VscodeButton;
  private stop: VscodeButton;
  private again: VscodeButton;
  private save: VscodeButton;
  private seed: VscodeTextfield;
  private liveControls: HTMLElement;
  private iterLabel = h('span', { class: 'iter-label' });
  private progress: VscodeProgressBar;
  private progressBox: HTMLElement;
  private rate = h('span', { class: 'rate' });
  private restart = h('span', { class: 'restart' });
  private best4 = stat('Best · XE < 4', 'Highest feature value among all prompts evaluated so far with self cross-entropy below 4 nats (typical of real text)');
  private best6 = stat('Best · XE < 6', 'Highest feature value among all prompts evaluated so far with XE below 6 nats (in-distribution)');
  private frontierStat = stat('Frontier', 'Prompts no other prompt beats on both feature and fluency');
  private evals = stat('Evaluated', 'Prompts scored so far (each at most once)');
  private cache = stat('Skipped', 'Proposals not evaluated: already seen (cache hits) or rejected (banned text, no round trip through the tokenizer)');
  private timeTotal = stat('Per iteration', 'Wall time of the latest iteration, by phase');
  private timeBar = h('div', { class: 'time-bar' });
  private timeLegend = h('div', { class: 'time-legend' });
  private notices = h('div', { class: 'notices' });
  private runError = h('div', { class: 'run-error' });

  constructor(private actions: HeaderActions) {
    this.pause = button('Pause', 'debug-pause', () => this.onPause());
    this.stop = button('Stop', 'debug-stop', () => actions.control('stop'));
    this.again = button('Run again', 'debug-restart', () => this.onRunAgain(), true);
    this.save = button('Save frontier', 'save', () => actions.saveFrontier());
    this.seed = document.createElement('vscode-textfield');
    this.seed.type = 'number';
    this.seed.min = 0;
    this.seed.placeholder = 'seed';
    this.seed.className = 'seed';
    this.seed.title = 'Seed for the next run';
    this.seed.addEventListener('input', () => actions.seedEdited(this.seed.value));
    this.seed.addEventListener('keydown', (e) => { if (e.key === 'Enter') this.onRunAgain(); });
    this.progress = document.createElement('vscode-progress-bar');
    this.progress.max = 1;
    this.progress.value = 0;
    this.progressBox = h('div', { class: 'progress' }, this.progress);
    this.stateBadge.append(this.stateIcon, this.stateText);
    this.liveControls = h('div', { class: 'live-controls' }, this.pause, this.stop);
    const seedLabel = h('label', { class: 'seed-label', text: 'seed' });
    this.timeTotal.el.append(this.timeBar, this.timeLegend);
    this.timeTotal.el.classList.add('time');
    this.el = h('header', { class: 'run-header' },
      h('div', { class: 'title-row' },
        h('div', { class: 'title' }, h('div', { class: 'title-line' }, this.name, this.stateBadge), this.subtitle),
        h('div', { class: 'actions' }, this.liveControls, h('div', { class: 'run-again' }, seedLabel, this.seed, this.again), this.save)),
      this.runError,
      h('div', { class: 'progress-row' }, this.iterLabel, this.progressBox, this.rate),
      this.restart,
      h('div', { class: 'stats' }, this.best4.el, this.best6.el, this.frontierStat.el, this.evals.el, this.cache.el, this.timeTotal.el),
      this.notices);
    for (const p of TIME_PARTS) {
      this.timeBar.append(h('span', { class: `seg ${p.cls}` }));
      this.timeLegend.append(h('span', { class: 'legend-item' }, h('span', { class: `swatch ${p.cls}` }), h('span', { class: 'legend-text' })));
    }
  }

  private onPause(): void {
    this.actions.control(this.pause.textContent === 'Resume' ? 'resume' : 'pause');
  }

  private onRunAgain(): void {
    if (this.again.disabled) return;
    const text = this.seed.value.trim();
    const seed = /^\d{1,15}$/.test(text) ? Number(text) : undefined;
    this.seed.invalid = text !== '' && seed === undefined;
    if (this.seed.invalid) return;
    this.actions.control('runAgain', seed);
  }

  /** Seeds the next-run field (from saved state, or the current seed + 1). */
  setSeedText(text: string): void {
    this.seed.value = text;
  }

  get seedText(): string {
    return this.seed.value;
  }

  update(m: PanelModel, dirty: number): void {
    if (dirty & Dirty.run && m.init) {
      const { feature, model, config, mode, device } = m.init;
      setText(this.name, feature.name);
      this.name.title = feature.file ? `${feature.name} — ${feature.file}` : feature.name;
      const parts = [
        feature.description,
        `${model.id} · ${model.layers} layers · d ${model.dModel} · vocab ${formatCount(model.vocab)}`,
        device,
        `seed ${config.seed}`,
        mode === 'saved' ? 'saved run' : undefined,
      ].filter(Boolean);
      setText(this.subtitle, parts.join('  ·  '));
      // Offer the next seed, unless the user typed one that has not been used yet.
      if (!this.seed.value || Number(this.seed.value) === config.seed) this.seed.value = String(config.seed + 1);
      toggle(this.liveControls, 'hidden', mode === 'saved');
    }
    if (dirty & (Dirty.runState | Dirty.run)) {
      const s = m.runState;
      this.stateBadge.className = `state state-${s}`;
      this.stateIcon.className = `codicon codicon-${STATE_ICON[s]}${s === 'running' ? ' codicon-modifier-spin' : ''}`;
      setText(this.stateText, STATE_LABEL[s]);
      const active = s === 'running' || s === 'paused';
      this.pause.disabled = !active;
      this.stop.disabled = !active;
      this.again.disabled = active;
      this.pause.textContent = s === 'paused' ? 'Resume' : 'Pause';
      this.pause.icon = s === 'paused' ? 'debug-continue' : 'debug-pause';
      setText(this.runError, s === 'error' || (s === 'stopped' && m.runMessage) ? m.runMessage ?? 'The run failed.' : '');
      toggle(this.runError, 'hidden', !this.runError.textContent);
    }
    if (dirty & (Dirty.stats | Dirty.runState | Dirty.run | Dirty.points)) this.updateProgress(m);
    if (dirty & Dirty.notice) this.updateNotices(m);
  }

  private updateProgress(m: PanelModel): void {
    const done = m.done(), total = Math.max(m.iterations, 1);
    setText(this.iterLabel, m.iteration === null ? 'Scoring the initial population…' : `Iteration ${formatCount(done)} / ${formatCount(m.iterations)}`);
    this.progress.value = Math.min(1, done / total);
    // Only a run under way has progress; the box goes with it (in high contrast it is outlined).
    toggle(this.progressBox, 'visibility-hidden', m.runState !== 'running' && m.runState !== 'paused');
    const eta = m.eta();
    setText(this.rate, [m.iterationsPerSecond > 0 && m.runState === 'running' ? formatRate(m.iterationsPerSecond) : '', eta !== null ? `${formatDuration(eta)} left` : '']
      .filter(Boolean).join('  ·  '));
    const r = m.lastRestartIteration;
    const lam = m.restart?.lambda ?? null;
    const every = m.init?.config.restartEvery ?? 0;
    const next = r !== null ? r + every : every;
    setText(this.restart, r !== null && every > 0
      ? `Last restart: iteration ${r + 1}${lam !== null && m.iteration === r ? ` (λr ${formatLambda(lam)})` : ''}${next < m.iterations && (m.runState === 'running' || m.runState === 'paused') ? `, next at ${next + 1}` : ''}`
      : '');

    const st = m.stats;
    // A saved frontier has no live statistics: its points are all there is (the best below an XE
    // cut is always a frontier point, so it is exact even when the file holds only the frontier).
    setText(this.best4.value, formatValue(st ? st.bestAtXe4 : bestBelow(m, 4)));
    setText(this.best6.value, formatValue(st ? st.bestAtXe6 : bestBelow(m, 6)));
    setText(this.frontierStat.value, formatCount(m.points.frontier.size));
    setText(this.frontierStat.sub, m.points.length ? `of ${formatCount(m.points.length)} points` : '');
    setText(this.evals.value, st ? formatCount(st.evaluations) : m.points.length ? formatCount(m.points.length) : '—');
    setText(this.evals.sub, st ? (st.restarts ? `${st.restarts} restart${st.restarts === 1 ? '' : 's'}` : '') : m.points.length ? 'points in the saved file' : '');
    setText(this.cache.value, st ? formatCount(st.cacheHits + st.rejections) : '—');
    setText(this.cache.sub, st ? `${formatCount(st.cacheHits)} seen · ${formatCount(st.rejections)} rejected` : '');

    const t = m.timings;
    setText(this.timeTotal.value, t ? formatMs(t.totalMs) : '—');
    const segs = this.timeBar.children, legend = this.timeLegend.children;
    TIME_PARTS.forEach((p, k) => {
      const ms = t ? (t[p.key] ?? 0) : 0;
      const frac = t && t.totalMs > 0 ? ms / t.totalMs : 0;
      (segs[k] as HTMLElement).style.flexGrow = String(frac);
      toggle(legend[k], 'hidden', !t || t[p.key] === undefined);
      setText(legend[k].lastElementChild!, `${p.label} ${formatMs(ms)}`);
    });
  }

  private updateNotices(m: PanelModel): void {
    this.notices.replaceChildren(...m.notices.map((n, i) => {
      const close = document.createElement('vscode-icon');
      close.name = 'close';
      close.actionIcon = true;
      close.label = 'Dismiss';
      close.addEventListener('click', () => this.actions.dismissNotice(i));
      return h('div', { class: `notice notice-${n.level}` },
        h('span', { class: `codicon codicon-${n.level === 'info' ? 'info' : n.level}` }), h('span', { class: 'notice-text', text: n.message }), close);
    }));
  }
}

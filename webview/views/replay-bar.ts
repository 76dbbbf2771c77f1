/** The iteration slider under the chart: scrub or play back how the frontier grew, or follow the run live. */
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import { h, setText, toggle } from '../dom';
import { formatCount } from '../format';
import { button } from './button';

/** A whole run plays back in about ten seconds, whatever its length. */
const PLAY_TICK_MS = 50;
const PLAY_TICKS = 200;

export class ReplayBar {
  readonly el: HTMLElement;
  private slider = h('input', { class: 'slider', attrs: { type: 'range', min: -1, max: 0, step: 1, value: 0, 'aria-label': 'Iteration shown' } });
  private label = h('span', { class: 'slider-label' });
  private play: VscodeButton;
  private live: VscodeButton;
  private timer: ReturnType<typeof setInterval> | null = null;
  private first = -1;
  private last = -1;
  private shown = -1;

  /** `onChange(null)` returns to following the run. */
  constructor(private onChange: (iteration: number | null) => void) {
    this.play = button('Replay', 'play', () => this.togglePlay());
    this.live = button('Live', 'debug-continue', () => { this.stop(); onChange(null); });
    this.slider.addEventListener('input', () => { this.stop(); this.pick(Number(this.slider.value)); });
    this.el = h('div', { class: 'replay' }, this.play, this.slider, this.label, this.live);
  }

  /** Iterations available (`first` is -1 when the initial population is included) and the one shown. */
  update(first: number, last: number, shown: number, following: boolean): void {
    this.first = first;
    this.last = Math.max(first, last);
    this.shown = shown;
    this.slider.min = String(first);
    this.slider.max = String(this.last);
    this.slider.value = String(shown);
    this.slider.disabled = this.last <= first;
    this.play.disabled = this.last <= first;
    this.slider.style.setProperty('--fill', `${this.last > first ? (100 * (shown - first)) / (this.last - first) : 100}%`);
    setText(this.label, shown < 0 ? 'initial population' : `iteration ${formatCount(shown + 1)} / ${formatCount(this.last + 1)}`);
    toggle(this.live, 'hidden', following);
  }

  private pick(iteration: number): void {
    this.onChange(iteration >= this.last ? null : iteration);
  }

  private togglePlay(): void {
    if (this.timer) { this.stop(); return; }
    if (this.last <= this.first) return;
    let it = this.shown >= this.last ? this.first : this.shown;
    const step = Math.max(1, Math.ceil((this.last - this.first) / PLAY_TICKS));
    this.play.icon = 'debug-pause';
    this.play.textContent = 'Pause';
    this.pick(it);
    this.timer = setInterval(() => {
      it += step;
      if (it >= this.last) this.stop();
      this.pick(it);
    }, PLAY_TICK_MS);
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    this.play.icon = 'play';
    this.play.textContent = 'Replay';
  }
}

/**
 * The selected prompt, token by token: colour = largest drop (some substitute kills the feature),
 * bar = smallest drop (no substitute preserves it: this exact token matters), the token's NLL under
 * the model, and on hover the worst and best substitutes with their values. Where the prompt was
 * made by a move from a known prompt (its parent), a mark under each token says what the move did.
 */
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import type { Attribution, TokenAttribution } from '../../src/protocol/panel';
import { dropIntensity, largestDrop } from '../attribution-scale';
import { h, setText, toggle } from '../dom';
import { formatPercent, formatValue, formatXe } from '../format';
import { Dirty, type PanelModel, type SelectedPrompt } from '../model';
import { describeMove, idsKey, TokenMark, tokenMarks } from '../token-diff';
import { button } from './button';
import { tokenChip } from './chips';
import type { Tooltip } from './tooltip';

/** What a move did to a token, drawn under it (the Population view fills and outlines chips instead: here colour is the attribution's). */
const MARK_SIGNS: Record<Exclude<TokenMark, 'same'>, string> = { changed: '●', inserted: '+', moved: '↔' };
const MARK_TITLES: Record<Exclude<TokenMark, 'same'>, string> = {
  changed: 'replaced by the move that made this prompt',
  inserted: 'inserted by a shift (one token deleted, this one inserted)',
  moved: 'moved one place by a shift',
};

export interface TokensActions {
  copy(text: string): void;
  retry(): void;
}

export class TokensView {
  readonly el: HTMLElement;
  private origin = h('span', { class: 'section-caption' });
  private metrics = h('div', { class: 'tok-metrics' });
  private grid = h('div', { class: 'tok-grid' });
  private text = h('div', { class: 'tok-text-block' });
  private move = h('div', { class: 'tok-move-line' });
  private status = h('div', { class: 'tok-status' });
  private statusText = h('span');
  private retry: VscodeButton;
  private ring = document.createElement('vscode-progress-ring');
  private empty = h('div', { class: 'empty', text: 'Click a prompt in Population, or a point of the Frontier, to see which of its tokens matter.' });
  private body: HTMLElement;
  private legend: HTMLElement;
  private shownKey = '';
  private attribution: Attribution | null = null;

  constructor(private actions: TokensActions, private tooltip: Tooltip, private getModel: () => PanelModel) {
    const copyText = button('Copy text', 'copy', () => { const s = this.getModel().selection; if (s) actions.copy(s.text); });
    const copyIds = button('Copy ids', 'symbol-number', () => { const s = this.getModel().selection; if (s) actions.copy(JSON.stringify(s.ids)); });
    this.retry = button('Retry', 'refresh', () => actions.retry());
    this.status.append(this.ring, this.statusText, this.retry);
    this.legend = h('div', { class: 'tok-legend' },
      h('span', { class: 'legend-item' }, h('span', { class: 'swatch drop-scale' }), 'colour: largest drop — some substitute kills the feature'),
      h('span', { class: 'legend-item' }, h('span', { class: 'swatch bar-swatch' }), 'bar: smallest drop — no substitute keeps it'),
      h('span', { class: 'legend-item' }, h('span', { class: 'nll-swatch', text: '2.3' }), 'NLL of the token, nats'));
    this.body = h('div', { class: 'tok-body hidden' }, this.metrics, this.move, this.grid, this.status, this.legend, this.text);
    this.el = h('section', { class: 'panel-section tokens' },
      h('div', { class: 'section-head' }, h('h2', { text: 'Tokens' }), this.origin, h('div', { class: 'section-actions' }, copyText, copyIds)),
      this.empty, this.body);
    this.grid.addEventListener('mouseover', (e) => this.hover(e));
    this.grid.addEventListener('mousemove', (e) => { if (this.tooltip.visible) this.tooltip.place(e.clientX, e.clientY); });
    this.grid.addEventListener('mouseleave', () => this.tooltip.hide());
  }

  update(m: PanelModel, dirty: number): void {
    if (!(dirty & (Dirty.selection | Dirty.attribution | Dirty.run))) return;
    const s = m.selection;
    toggle(this.empty, 'hidden', !!s);
    toggle(this.body, 'hidden', !s);
    toggle(this.el.querySelector('.section-actions')!, 'hidden', !s);
    if (!s) { setText(this.origin, ''); return; }
    setText(this.origin, s.origin);
    const a = m.attribution.state === 'ready' ? m.attribution.data : null;
    const key = `${idsKey(s.ids)}|${a ? 'a' : ''}|${s.before ? idsKey(s.before.ids) : ''}`;
    if (key !== this.shownKey) {
      this.shownKey = key;
      this.attribution = a;
      const marks = s.before ? tokenMarks(s.before.ids, s.ids) : null;
      this.render(s.tokens, a, marks);
      this.showMove(s, marks);
      this.metrics.replaceChildren(
        h('span', { class: 'metric' }, h('span', { class: 'metric-label', text: 'feature' }), h('span', { class: 'metric-value', text: formatValue(a?.baseline ?? s.feature) })),
        h('span', { class: 'metric' }, h('span', { class: 'metric-label', text: 'XE' }), h('span', { class: 'metric-value', text: formatXe(a?.xe ?? s.xe) })),
        h('span', { class: 'metric' }, h('span', { class: 'metric-label', text: 'tokens' }), h('span', { class: 'metric-value', text: String(s.ids.length) })),
        ...(a ? [h('span', { class: 'metric muted', text: a.relative ? 'drops relative to the feature value' : 'drops in feature units (feature ≤ 0)' })] : []),
      );
      setText(this.text, s.text);
    }
    const st = m.attribution.state;
    toggle(this.status, 'hidden', st === 'ready' || st === 'none');
    toggle(this.ring, 'hidden', st !== 'pending');
    toggle(this.retry, 'hidden', st !== 'error');
    setText(this.statusText, st === 'pending' ? 'Computing attribution: trying substitutes at every position…' : st === 'error' ? `Attribution failed: ${m.attribution.message}` : '');
    toggle(this.status, 'error', st === 'error');
    toggle(this.legend, 'hidden', !a);
  }

  private showMove(s: SelectedPrompt, marks: TokenMark[] | null): void {
    toggle(this.move, 'hidden', !marks);
    if (!s.before || !marks) return;
    this.move.replaceChildren(
      h('span', { class: 'metric-label', text: `from ${s.before.what}:` }), ` ${describeMove(marks)}`,
      h('span', { class: 'tok-move-legend' },
        h('span', { class: 'tok-mark changed', text: MARK_SIGNS.changed }), 'replaced',
        h('span', { class: 'tok-mark inserted', text: MARK_SIGNS.inserted }), 'inserted',
        h('span', { class: 'tok-mark moved', text: MARK_SIGNS.moved }), 'moved'),
    );
  }

  private render(tokens: string[], a: Attribution | null, marks: TokenMark[] | null): void {
    const scale = a ? largestDrop(a) : 0;
    this.grid.replaceChildren(...tokens.map((t, i) => {
      const ta = a?.tokens[i];
      const chip = tokenChip(ta?.token ?? t, 'chip tok-chip');
      const fill = h('span', { class: 'tok-fill' });
      const nll = h('span', { class: 'tok-nll', text: ta ? (ta.nll === null ? '—' : ta.nll.toFixed(2)) : '' });
      if (ta && a) {
        chip.style.setProperty('--drop', dropIntensity(ta.largestDrop, a.relative, scale).toFixed(3));
        fill.style.width = `${(100 * dropIntensity(ta.smallestDrop, a.relative, scale)).toFixed(1)}%`;
      }
      const mark = marks?.[i] ?? 'same';
      const sign = h('span', { class: `tok-mark ${mark}`, text: mark === 'same' ? '' : MARK_SIGNS[mark] });
      if (mark !== 'same') sign.title = MARK_TITLES[mark];
      return h('div', { class: `tok${ta ? ' has-attr' : ''}`, attrs: { 'data-pos': i, 'data-mark': mark } }, chip, h('span', { class: 'tok-bar' }, fill), nll, ...(marks ? [sign] : []));
    }));
  }

  private hover(e: MouseEvent): void {
    const tok = (e.target as Element).closest('.tok') as HTMLElement | null;
    const a = this.attribution;
    if (!tok || !a) { this.tooltip.hide(); return; }
    const ta = a.tokens[Number(tok.dataset.pos)];
    if (!ta) return;
    this.tooltip.show(this.describe(ta, a), e.clientX, e.clientY);
  }

  private describe(t: TokenAttribution, a: Attribution): Node[] {
    const drop = (d: number) => (a.relative ? formatPercent(d) : formatValue(d));
    const sub = (s: { token: string; value: number }) =>
      h('div', { class: 'tt-sub' }, tokenChip(s.token, 'chip small'), h('span', { class: 'tt-num', text: `→ ${formatValue(s.value)}` }));
    return [
      h('div', { class: 'tt-title' }, tokenChip(t.token, 'chip'), h('span', { class: 'tt-muted', text: `id ${t.id}` }),
        h('span', { class: 'tt-muted', text: t.nll === null ? 'first token: not scored' : `NLL ${t.nll.toFixed(2)}` })),
      h('div', { class: 'tt-row' }, h('span', { class: 'tt-label', text: `largest drop ${drop(t.largestDrop)}` }), h('span', { class: 'tt-muted', text: 'worst substitute' })),
      sub(t.worst),
      h('div', { class: 'tt-row' }, h('span', { class: 'tt-label', text: `smallest drop ${drop(t.smallestDrop)}` }), h('span', { class: 'tt-muted', text: 'best substitutes' })),
      ...t.best.map(sub),
      ...(t.saliency !== undefined ? [h('div', { class: 'tt-row tt-muted', text: `saliency |∂f/∂e| ${formatValue(t.saliency)}` })] : []),
      h('div', { class: 'tt-row tt-muted', text: `feature of this prompt ${formatValue(a.baseline)}` }),
    ];
  }
}

/**
 * The population: one row per λ slot, updated in place every iteration. Only rows whose prompt
 * changed rebuild their chips; the positions that changed since the previous iteration are marked.
 */
import { h, setText, toggle } from '../dom';
import { formatLambda, formatValue, formatXe, oneLine } from '../format';
import { Dirty, runCaps, type PanelModel } from '../model';
import { idsKey, TokenMark } from '../token-diff';

const MARKS = ['changed', 'inserted', 'moved'] as const;
const MARK_TITLES: Record<Exclude<TokenMark, 'same'>, string> = {
  changed: 'replaced in the latest iteration',
  inserted: 'inserted in the latest iteration (a shift: one token deleted, this one inserted)',
  moved: 'moved one place by a shift in the latest iteration',
};
import { tokenChip } from './chips';

interface RowEls {
  row: HTMLElement;
  lambda: HTMLElement;
  chips: HTMLElement;
  feature: HTMLElement;
  xe: HTMLElement;
  key: string;
  slot: number;
}

/**
 * A native table rather than vscode-table: vscode-table lays out its header and body separately and
 * did not realign rows added after it rendered (its column widths only applied to the header), and
 * rows here are created as the run starts and must be clickable and keyboard-focusable.
 */
export class PopulationView {
  readonly el: HTMLElement;
  private body = h('tbody');
  private rows: RowEls[] = [];
  private caption = h('span', { class: 'section-caption' });
  private empty = h('div', { class: 'empty', text: 'Waiting for the initial population…' });
  private table: HTMLTableElement;

  constructor(private onSelect: (slot: number) => void) {
    const th = (label: string, cls: string, title: string) => h('th', { class: cls, text: label, title, attrs: { scope: 'col' } });
    this.table = h('table', { class: 'pop-table hidden' },
      h('thead', {}, h('tr', {},
        th('λ', 'col-lambda', 'Fluency weight of the slot: it minimises −feature + λ·XE'),
        th('Prompt', 'col-prompt', 'Highlighted tokens changed in the latest iteration: replaced (filled), inserted by a shift (filled, marked +) or moved one place by it (outlined)'),
        th('Feature', 'col-num', 'Feature value (higher is the goal)'),
        th('XE', 'col-num', 'Self cross-entropy in nats (lower is more fluent)'))),
      this.body);
    this.el = h('section', { class: 'panel-section population' },
      h('div', { class: 'section-head' }, h('h2', { text: 'Population' }), this.caption),
      this.empty, this.table);
  }

  private makeRow(slot: number): RowEls {
    const lambda = h('span'), chips = h('div', { class: 'chips' }), feature = h('span'), xe = h('span');
    const row = h('tr', { class: 'pop-row', attrs: { tabindex: 0 } },
      h('td', { class: 'col-lambda' }, h('span', { class: 'new-dot', title: 'changed this iteration' }), lambda),
      h('td', { class: 'col-prompt' }, chips),
      h('td', { class: 'col-num' }, feature),
      h('td', { class: 'col-num' }, xe));
    const els: RowEls = { row, lambda, chips, feature, xe, key: '', slot };
    row.addEventListener('click', () => this.onSelect(els.slot));
    row.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); this.onSelect(els.slot); } });
    return els;
  }

  update(m: PanelModel, dirty: number): void {
    if (!(dirty & (Dirty.population | Dirty.selection | Dirty.run))) return;
    const pop = m.population;
    const caps = m.init ? runCaps(m.init.config) : [];
    setText(this.empty, m.init?.mode === 'saved'
      ? 'A saved frontier has no live population: its prompts are the points of the frontier chart. Click one to inspect it, or Run again to dream from here.'
      : 'Waiting for the initial population…');
    toggle(this.empty, 'hidden', pop.length > 0);
    toggle(this.table, 'hidden', pop.length === 0);
    while (this.rows.length < pop.length) {
      const r = this.makeRow(this.rows.length);
      this.rows.push(r);
      this.body.append(r.row);
    }
    while (this.rows.length > pop.length) this.rows.pop()!.row.remove();
    const selectedKey = m.selection ? idsKey(m.selection.ids) : null;
    let best = -1;
    pop.forEach((p, k) => { if (best < 0 || p.feature > pop[best].feature) best = k; });
    pop.forEach((p, k) => {
      const r = this.rows[k];
      r.slot = p.slot;
      const cap = caps[p.slot] ?? Infinity;
      setText(r.lambda, Number.isFinite(cap) ? `${formatLambda(p.lambda)} · XE≤${cap.toFixed(2)}` : formatLambda(p.lambda));
      if (Number.isFinite(cap)) r.lambda.title = `takes the best feature with XE ≤ ${cap.toFixed(2)} (λ ${formatLambda(p.lambda)} guides its candidates); not restarted`;
      else r.lambda.removeAttribute('title');
      setText(r.feature, formatValue(p.feature));
      setText(r.xe, formatXe(p.xe));
      toggle(r.feature, 'best', k === best);
      const key = idsKey(p.ids);
      const marks = m.marks[k] ?? [];
      if (key !== r.key) {
        r.key = key;
        r.chips.replaceChildren(...p.tokens.map((t) => tokenChip(t, 'chip')));
        r.row.title = oneLine(p.text);
      }
      // The marks follow the latest iteration's diff (all clear once the prompt stops changing).
      Array.from(r.chips.children).forEach((c, i) => {
        const mark = marks[i] ?? 'same';
        for (const kind of MARKS) toggle(c, kind, mark === kind);
        if (mark === 'same') c.removeAttribute('title'); else c.setAttribute('title', MARK_TITLES[mark]);
      });
      toggle(r.row, 'is-new', p.isNew);
      toggle(r.row, 'selected', key === selectedKey);
    });
    const lam = m.init?.lambdas;
    const islands = m.init?.config.islands ?? 1;
    setText(this.caption, pop.length ? `${pop.length} slots${islands > 1 ? ` in ${islands} islands (slot j in island j mod ${islands})` : ''} · λ ${lam && lam.length ? `${formatLambda(Math.min(...lam))}–${formatLambda(Math.max(...lam))}` : ''} · click a row to inspect` : '');
  }
}

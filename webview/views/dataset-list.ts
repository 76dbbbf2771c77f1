/**
 * The dataset baseline as a list: the corpus windows that activate the feature most (from
 * `reverie scan` or the `reverie.datasetCorpus` setting), best first, beside the dreams they are
 * compared with. A row (like a diamond on the chart) opens the window in Tokens when the host sent
 * its ids.
 */
import { h, setText, toggle } from '../dom';
import { formatValue, formatXe, oneLine } from '../format';
import type { DatasetMessage } from '../../src/protocol/panel';
import { median } from '../../src/engine/util/stats';
import { Dirty, type PanelModel } from '../model';
import { idsKey } from '../token-diff';
import { tokenChip } from './chips';

/** Enough to read the top of the list; the chart shows every example. */
const MAX_ROWS = 12;

export class DatasetView {
  readonly el: HTMLElement;
  private caption = h('span', { class: 'section-caption' });
  private body = h('tbody');
  /** The message the rows were built from (each dataset message is a new object). */
  private shown: DatasetMessage | null = null;

  constructor(private onSelect: (index: number) => void) {
    const th = (label: string, cls: string, title: string) => h('th', { class: cls, text: label, title, attrs: { scope: 'col' } });
    const table = h('table', { class: 'pop-table dataset-table' },
      h('thead', {}, h('tr', {},
        th('Window', 'col-prompt', 'A window of the corpus, as long as the dream prompts'),
        th('Feature', 'col-num', 'Feature value, computed exactly as for a dream prompt'),
        th('XE', 'col-num', 'Self cross-entropy of the window in nats'))),
      this.body);
    this.el = h('section', { class: 'panel-section dataset hidden' },
      h('div', { class: 'section-head' }, h('h2', { text: 'Dataset examples' }), this.caption), table);
  }

  update(m: PanelModel, dirty: number): void {
    if (!(dirty & (Dirty.dataset | Dirty.selection | Dirty.run))) return;
    const d = m.dataset;
    toggle(this.el, 'hidden', !d || d.feature.length === 0);
    if (!d || d.feature.length === 0) { this.shown = null; return; }
    if (d !== this.shown) {
      this.shown = d;
      const order = [...d.feature.keys()].sort((a, b) => d.feature[b] - d.feature[a]).slice(0, MAX_ROWS);
      const inspectable = !!d.ids && !!d.tokens;
      this.body.replaceChildren(...order.map((i) => {
        const chips = h('div', { class: 'chips' }, ...(d.tokens ? d.tokens[i].map((t) => tokenChip(t)) : [h('span', { text: oneLine(d.text[i]) })]));
        const row = h('tr', { class: inspectable ? 'pop-row' : '', attrs: inspectable ? { tabindex: 0, 'data-index': i } : { 'data-index': i } },
          h('td', { class: 'col-prompt' }, chips),
          h('td', { class: 'col-num', text: formatValue(d.feature[i]) }),
          h('td', { class: 'col-num', text: formatXe(d.xe[i]) }));
        row.title = oneLine(d.text[i]);
        if (inspectable) {
          row.addEventListener('click', () => this.onSelect(i));
          row.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); this.onSelect(i); } });
        }
        return row;
      }));
      setText(this.caption, `${d.source ? `${d.source} · ` : ''}top ${d.feature.length} windows · median XE ${formatXe(median(d.xe))}${d.feature.length > MAX_ROWS ? ` · best ${MAX_ROWS} listed` : ''}`);
    }
    const selected = m.selection ? idsKey(m.selection.ids) : null;
    for (const row of this.body.children) {
      const i = Number((row as HTMLElement).dataset.index);
      toggle(row, 'selected', !!d.ids && selected !== null && idsKey(d.ids[i]) === selected);
    }
  }
}

/** Token chips: one inline box per token, whitespace made visible. */
import { h } from '../dom';
import { visibleToken } from '../format';

export function tokenChip(token: string, cls = 'chip'): HTMLSpanElement {
  const el = h('span', { class: cls });
  for (const seg of visibleToken(token)) el.append(seg.ws ? h('span', { class: 'ws', text: seg.text }) : seg.text);
  return el;
}

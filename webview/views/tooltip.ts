/** A floating tooltip in viewport coordinates, kept inside the window (flips left/up at the edges). */
import { h } from '../dom';

export class Tooltip {
  readonly el = h('div', { class: 'tooltip hidden', attrs: { role: 'tooltip' } });

  constructor() {
    document.body.append(this.el);
  }

  /** Shows `content` next to (clientX, clientY). */
  show(content: Node[], clientX: number, clientY: number): void {
    this.el.replaceChildren(...content);
    this.el.classList.remove('hidden');
    this.place(clientX, clientY);
  }

  place(clientX: number, clientY: number): void {
    const pad = 14;
    const w = this.el.offsetWidth, hgt = this.el.offsetHeight;
    let left = clientX + pad, top = clientY + pad;
    if (left + w > window.innerWidth - 4) left = Math.max(4, clientX - pad - w);
    if (top + hgt > window.innerHeight - 4) top = Math.max(4, clientY - pad - hgt);
    this.el.style.transform = `translate(${Math.round(left)}px, ${Math.round(top)}px)`;
  }

  hide(): void {
    this.el.classList.add('hidden');
  }

  get visible(): boolean {
    return !this.el.classList.contains('hidden');
  }
}

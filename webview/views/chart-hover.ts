/**
 * Pointing at the frontier chart: the nearest point (or dataset example) within a few pixels gets a
 * ring and a tooltip with its text. A point's text is fetched from the host after a short dwell (so
 * sweeping across the cloud does not send hundreds of requests) and cached by the model.
 */
import type uPlot from 'uplot';
import { h } from '../dom';
import { formatValue, formatXe } from '../format';
import type { PanelModel } from '../model';
import { nearestPoint } from '../nearest';
import { tokenChip } from './chips';
import type { Tooltip } from './tooltip';

const HOVER_RADIUS_PX = 10;
const HOVER_DWELL_MS = 90;

export type Hovered = { kind: 'point'; index: number } | { kind: 'dataset'; index: number };

export interface HoverContext {
  plot(): uPlot | null;
  model(): PanelModel | null;
  /** The iteration the chart shows and how many points that covers. */
  shown(): { iteration: number; visible: number };
  wantPoint(historyIndex: number): void;
  select(index: number): void;
  /** A dataset example (its index in the dataset message). */
  selectDataset(index: number): void;
}

export class ChartHover {
  hovered: Hovered | null = null;
  private ring = h('div', { class: 'hover-ring hidden' });
  private dwell: ReturnType<typeof setTimeout> | null = null;
  private pointer: { x: number; y: number; cx: number; cy: number } | null = null;
  private queued = false;
  private downAt: { x: number; y: number } | null = null;

  constructor(private ctx: HoverContext, private tooltip: Tooltip) {}

  /** Wires the plot's overlay (called once the plot exists). */
  attach(u: uPlot): void {
    u.over.append(this.ring);
    u.over.addEventListener('mousemove', (e) => this.onMove(e));
    u.over.addEventListener('mouseleave', () => this.clear());
    u.over.addEventListener('mousedown', (e) => { this.downAt = { x: e.clientX, y: e.clientY }; });
    u.over.addEventListener('click', (e) => this.onClick(e));
  }

  private onMove(e: MouseEvent): void {
    this.pointer = { x: e.offsetX, y: e.offsetY, cx: e.clientX, cy: e.clientY };
    if (this.queued) return;
    this.queued = true;
    // At most one nearest-point search per frame, however fast the pointer moves.
    requestAnimationFrame(() => { this.queued = false; this.find(); });
  }

  private find(): void {
    const u = this.ctx.plot(), m = this.ctx.model(), ptr = this.pointer;
    if (!u || !m || !ptr) return;
    const x0 = u.scales.x.min, x1 = u.scales.x.max, y0 = u.scales.y.min, y1 = u.scales.y.max;
    if (x0 == null || x1 == null || y0 == null || y1 == null) return;
    const hgt = u.over.clientHeight;
    const view = { x0, y0, sx: u.over.clientWidth / (x1 - x0), sy: hgt / (y1 - y0) };
    const px = ptr.x, py = hgt - ptr.y;
    const dist = (x: number, y: number) => Math.hypot((x - x0) * view.sx - px, (y - y0) * view.sy - py);
    const p = m.points;
    let found: Hovered | null = null, best = Infinity;
    const i = nearestPoint(p.xe, p.feature, 0, this.ctx.shown().visible, px, py, view, HOVER_RADIUS_PX);
    if (i >= 0) { found = { kind: 'point', index: i }; best = dist(p.xe[i], p.feature[i]); }
    const d = m.dataset;
    if (d) {
      const j = nearestPoint(d.xe, d.feature, 0, d.xe.length, px, py, view, HOVER_RADIUS_PX);
      if (j >= 0 && dist(d.xe[j], d.feature[j]) < best) found = { kind: 'dataset', index: j };
    }
    if (!found) { this.clear(); return; }
    const same = this.hovered && found.kind === this.hovered.kind && found.index === this.hovered.index;
    this.hovered = found;
    if (same) this.tooltip.place(ptr.cx, ptr.cy);
    else this.show(true);
  }

  /** Shows (or refreshes, when a point's text arrived) the tooltip of the hovered point. */
  show(fresh = false): void {
    const u = this.ctx.plot(), m = this.ctx.model(), hv = this.hovered, ptr = this.pointer;
    if (!u || !m || !hv || !ptr) return;
    let xe: number, feature: number, body: Node, footer: Node;
    if (hv.kind === 'dataset') {
      const d = m.dataset!;
      xe = d.xe[hv.index]; feature = d.feature[hv.index];
      body = h('div', { class: 'tt-text', text: d.text[hv.index] });
      footer = h('div', { class: 'tt-row tt-muted', text: `dataset example${d.source ? ` · ${d.source}` : ''}` });
    } else {
      const p = m.points;
      xe = p.xe[hv.index]; feature = p.feature[hv.index];
      const hi = p.historyIndex[hv.index];
      const known = m.pointCache.get(hi);
      body = known
        ? h('div', { class: 'tt-chips' }, ...known.tokens.map((t) => tokenChip(t, 'chip small')))
        : h('div', { class: 'tt-muted', text: 'loading text…' });
      if (!known && fresh) this.requestAfterDwell(hv.index, hi);
      const it = p.iteration[hv.index];
      const onFrontier = p.frontierThrough(this.ctx.shown().iteration).includes(hv.index);
      footer = h('div', { class: 'tt-row tt-muted', text: `${it < 0 ? 'initial population' : `iteration ${it + 1}`} · #${hi}${onFrontier ? ' · on the frontier' : ''}` });
    }
    const values = h('div', { class: 'tt-values' },
      h('span', { class: 'tt-label', text: 'feature' }), h('span', { class: 'tt-num', text: formatValue(feature) }),
      h('span', { class: 'tt-label', text: 'XE' }), h('span', { class: 'tt-num', text: formatXe(xe) }));
    this.tooltip.show([body, values, footer], ptr.cx, ptr.cy);
    this.ring.style.transform = `translate(${u.valToPos(xe, 'x')}px, ${u.valToPos(feature, 'y')}px)`;
    this.ring.classList.remove('hidden');
    u.over.style.cursor = hv.kind === 'point' || m.dataset?.ids ? 'pointer' : 'default';
  }

  private requestAfterDwell(index: number, historyIndex: number): void {
    if (this.dwell) clearTimeout(this.dwell);
    this.dwell = setTimeout(() => {
      const cur = this.hovered;
      if (cur && cur.kind === 'point' && cur.index === index) this.ctx.wantPoint(historyIndex);
    }, HOVER_DWELL_MS);
  }

  clear(): void {
    this.hovered = null;
    this.tooltip.hide();
    this.ring.classList.add('hidden');
    const u = this.ctx.plot();
    if (u) u.over.style.cursor = '';
    if (this.dwell) { clearTimeout(this.dwell); this.dwell = null; }
  }

  private onClick(e: MouseEvent): void {
    const down = this.downAt;
    this.downAt = null;
    if (down && Math.hypot(e.clientX - down.x, e.clientY - down.y) > 4) return; // the end of a drag-zoom
    if (this.hovered?.kind === 'point') this.ctx.select(this.hovered.index);
    else if (this.hovered?.kind === 'dataset') this.ctx.selectDataset(this.hovered.index);
  }
}

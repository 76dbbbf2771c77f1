/**
 * The Frontier view: every evaluated prompt (XE → x, feature → y), the non-dominated set as a
 * staircase, the population, the in-distribution region (XE < 6), dataset examples when the host
 * sends them, zoom, hover, and an iteration slider that replays how it all grew.
 *
 * uPlot draws the axes and grid, handles sizing and the zoom rectangle; this view picks the scales
 * and draws the data in uPlot's hooks: the cloud from a cached layer (cloud-layer.ts), the rest
 * directly (chart-draw.ts). An iteration therefore costs O(new points) plus one redraw of axes and
 * a few hundred shapes; all of it happens inside the caller's animation frame.
 */
import uPlot from 'uplot';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import { h, setText, toggle } from '../dom';
import { formatCount } from '../format';
import { Dirty, type PanelModel } from '../model';
import type { Zoom } from '../persist';
import { grownRange, type Range } from '../ranges';
import { readPalette, type Palette } from '../theme';
import { IN_DISTRIBUTION_XE, drawOverlays, drawRegion, plotFrame } from './chart-draw';
import { button } from './button';
import { ChartHover } from './chart-hover';
import { CloudLayer } from './cloud-layer';
import { ReplayBar } from './replay-bar';
import type { Tooltip } from './tooltip';

export interface ChartActions {
  selectPoint(index: number): void;
  selectDataset(index: number): void;
  wantPoint(historyIndex: number): void;
  /** Zoom or replay position changed (to persist). */
  viewChanged(): void;
}

const noExtent = () => ({ xMin: Infinity, xMax: -Infinity, yMin: Infinity, yMax: -Infinity });

export class FrontierView {
  readonly el: HTMLElement;
  zoom: Zoom | null = null;
  /** Iteration shown; null follows the run. */
  replay: number | null = null;
  private wrap = h('div', { class: 'chart', attrs: { role: 'img', 'aria-label': 'Frontier chart' } });
  private u: uPlot | null = null;
  private model: PanelModel | null = null;
  private pal: Palette = readPalette();
  private themeVersion = 0;
  private cloud = new CloudLayer();
  private hover: ChartHover;
  private bar: ReplayBar;
  private extCount = 0;
  private ext = noExtent();
  private auto: { x: Range | null; y: Range | null } = { x: null, y: null };
  private resetZoom: VscodeButton;
  private caption = h('span', { class: 'section-caption' });
  private datasetLegend: HTMLElement;
  private resizeQueued = false;

  constructor(private actions: ChartActions, tooltip: Tooltip) {
    this.hover = new ChartHover({
      plot: () => this.u,
      model: () => this.model,
      shown: () => this.shown(),
      wantPoint: (hi) => actions.wantPoint(hi),
      select: (i) => actions.selectPoint(i),
      selectDataset: (i) => actions.selectDataset(i),
    }, tooltip);
    this.bar = new ReplayBar((it) => this.setReplay(it));
    this.resetZoom = button('Reset zoom', 'zoom-out', () => this.setZoom(null));
    const item = (cls: string, text: string) => h('span', { class: 'legend-item' }, h('span', { class: `swatch ${cls}` }), text);
    this.datasetLegend = item('sw-dataset', 'dataset examples');
    this.el = h('section', { class: 'panel-section frontier' },
      h('div', { class: 'section-head' }, h('h2', { text: 'Frontier' }), this.caption, h('div', { class: 'section-actions' }, this.resetZoom)),
      h('div', { class: 'chart-legend' },
        item('sw-cloud', 'evaluated'), item('sw-latest', 'this iteration'), item('sw-frontier', 'frontier'),
        item('sw-population', 'population'), item('sw-selected', 'inspected'), this.datasetLegend,
        item('sw-region', `XE < ${IN_DISTRIBUTION_XE}: in-distribution`)),
      this.wrap,
      this.bar.el,
      h('div', { class: 'hint', text: 'Drag to zoom, double-click to reset. Hover a point to read it, click it to inspect its tokens.' }));
    new ResizeObserver(() => this.resize()).observe(this.wrap);
  }

  // ─── the plot ───────────────────────────────────────────────────────────────────────────────

  private size(): { width: number; height: number } {
    const width = Math.max(240, Math.floor(this.wrap.clientWidth));
    return { width, height: Math.round(Math.min(480, Math.max(260, width * 0.56))) };
  }

  private create(): uPlot {
    const font = `12px ${this.pal.font}`;
    const axis = (label: string, size: number): uPlot.Axis => ({
      label, size, gap: 4, labelSize: 18, font, labelFont: font,
      stroke: () => this.pal.muted,
      grid: { stroke: () => this.pal.grid, width: 1 },
      ticks: { stroke: () => this.pal.grid, width: 1, size: 4 },
    });
    const u = new uPlot({
      ...this.size(),
      // This view picks the ranges (nice, growing in steps); uPlot's own ranging would pad them again.
      scales: {
        x: { time: false, auto: false, range: (_u, min, max) => [min, max] },
        y: { auto: false, range: (_u, min, max) => [min, max] },
      },
      axes: [{ ...axis('XE (nats) — lower is more fluent', 40), scale: 'x' }, { ...axis('feature', 56), scale: 'y' }],
      series: [{}, { scale: 'y', points: { show: false }, paths: () => null }],
      legend: { show: false },
      cursor: {
        x: false, y: false, points: { show: false },
        // Zoom is applied by the setSelect hook, so that it is told apart from the scales this view sets itself.
        drag: { x: true, y: true, setScale: false },
        bind: { dblclick: () => () => { this.setZoom(null); return null; } },
      },
      hooks: {
        drawClear: [(pl) => { const f = plotFrame(pl); if (f) drawRegion(f, this.pal); }],
        draw: [(pl) => this.draw(pl)],
        setSelect: [(pl) => this.onSelect(pl)],
      },
    }, [[], []], this.wrap);
    this.hover.attach(u);
    return u;
  }

  private draw(u: uPlot): void {
    const f = plotFrame(u), m = this.model;
    if (!f || !m) return;
    const { iteration, visible } = this.shown();
    this.cloud.sync(f, m.points, visible, this.pal, this.themeVersion);
    f.ctx.save();
    f.ctx.beginPath();
    f.ctx.rect(f.left, f.top, f.width, f.height);
    f.ctx.clip();
    f.ctx.drawImage(this.cloud.canvas, 0, 0);
    f.ctx.restore();
    drawOverlays(f, m, iteration, visible, this.pal);
  }

  /** Follows the container's width (the height derives from it) in the next frame: resizing inside the observer's callback would resize what it observes. */
  private resize(): void {
    if (this.resizeQueued) return;
    this.resizeQueued = true;
    requestAnimationFrame(() => {
      this.resizeQueued = false;
      // A panel created hidden has no width: the plot is made once it has one.
      if (!this.u) { if (this.model) this.update(this.model, Dirty.all); return; }
      const s = this.size();
      if (s.width !== this.u.width || s.height !== this.u.height) this.u.setSize(s);
    });
  }

  // ─── updates ────────────────────────────────────────────────────────────────────────────────

  update(m: PanelModel, dirty: number): void {
    this.model = m;
    if (!(dirty & (Dirty.points | Dirty.population | Dirty.dataset | Dirty.selection | Dirty.run | Dirty.point))) return;
    if (!this.u) {
      if (!this.wrap.isConnected || this.wrap.clientWidth === 0) return;
      this.u = this.create();
    }
    if (dirty & Dirty.run) {
      this.extCount = 0;
      this.ext = noExtent();
      this.auto = { x: null, y: null };
      this.cloud.reset();
      this.hover.clear();
    }
    this.growExtents(m);
    const first = m.points.firstIteration ?? -1;
    this.bar.update(first, m.iteration ?? first, this.shown().iteration, this.replay === null);
    toggle(this.datasetLegend, 'hidden', !m.dataset);
    toggle(this.resetZoom, 'hidden', !this.zoom);
    setText(this.caption, m.points.length ? `${formatCount(m.points.length)} prompts · ${formatCount(m.points.frontier.size)} on the frontier` : '');
    this.wrap.setAttribute('aria-label', `Frontier chart: feature against XE, ${this.caption.textContent || 'no prompts yet'}`);
    if (dirty & Dirty.point && this.hover.hovered) this.hover.show();
    this.redraw();
  }

  /** The iteration shown and how many points it covers. */
  private shown(): { iteration: number; visible: number } {
    const m = this.model;
    if (!m) return { iteration: -1, visible: 0 };
    const last = m.iteration ?? m.points.firstIteration ?? -1;
    if (this.replay === null || this.replay >= last) return { iteration: last, visible: m.points.length };
    return { iteration: this.replay, visible: m.points.countThrough(this.replay) };
  }

  /** Extends the data extents with the points not seen yet (O(new points)) and grows the axis ranges if needed. */
  private growExtents(m: PanelModel): void {
    const p = m.points, e = this.ext;
    if (this.extCount > p.length) { this.extCount = 0; this.ext = noExtent(); }
    for (let i = this.extCount; i < p.length; i++) {
      const x = p.xe[i], y = p.feature[i];
      if (x < e.xMin) e.xMin = x;
      if (x > e.xMax) e.xMax = x;
      if (y < e.yMin) e.yMin = y;
      if (y > e.yMax) e.yMax = y;
    }
    this.extCount = p.length;
    let { xMin, xMax, yMin, yMax } = this.ext;
    const d = m.dataset;
    if (d) for (let i = 0; i < d.xe.length; i++) {
      xMin = Math.min(xMin, d.xe[i]); xMax = Math.max(xMax, d.xe[i]);
      yMin = Math.min(yMin, d.feature[i]); yMax = Math.max(yMax, d.feature[i]);
    }
    if (xMin > xMax) return;
    // Keep the in-distribution boundary in view even when every point is far from it.
    this.auto.x = grownRange(this.auto.x, Math.min(xMin, IN_DISTRIBUTION_XE - 1), Math.max(xMax, IN_DISTRIBUTION_XE + 1));
    this.auto.y = grownRange(this.auto.y, yMin, yMax);
  }

  /** Sets the scales when they differ from those shown; returns whether it did (which redraws). */
  private applyScales(u: uPlot): boolean {
    const x = this.zoom ? { min: this.zoom.x[0], max: this.zoom.x[1] } : this.auto.x;
    const y = this.zoom ? { min: this.zoom.y[0], max: this.zoom.y[1] } : this.auto.y;
    if (!x || !y) return false;
    const sx = u.scales.x, sy = u.scales.y;
    if (sx.min === x.min && sx.max === x.max && sy.min === y.min && sy.max === y.max) return false;
    u.setScale('x', { min: x.min, max: x.max });
    u.setScale('y', { min: y.min, max: y.max });
    return true;
  }

  /** Redraws now, inside the caller's frame (uPlot would otherwise defer to a microtask). */
  private redraw(recalcAxes = false): void {
    const u = this.u;
    if (!u) return;
    u.batch(() => {
      // Before the first point there are no scales, and uPlot cannot lay out axes without them.
      if (!this.applyScales(u) && u.scales.x.min != null && u.scales.y.min != null) u.redraw(false, recalcAxes);
    });
  }

  // ─── zoom, replay, theme ────────────────────────────────────────────────────────────────────

  /** The end of a drag on the plot: zoom to the rectangle (a click selects nothing). */
  private onSelect(u: uPlot): void {
    const { left, top, width, height } = u.select;
    if (width < 4 || height < 4) return;
    this.setZoom({
      x: [u.posToVal(left, 'x'), u.posToVal(left + width, 'x')],
      y: [u.posToVal(top + height, 'y'), u.posToVal(top, 'y')],
    });
  }

  setZoom(z: Zoom | null): void {
    this.zoom = z;
    toggle(this.resetZoom, 'hidden', !z);
    if (this.u) {
      this.u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
      this.redraw();
    }
    this.actions.viewChanged();
  }

  setReplay(iteration: number | null): void {
    if (iteration === this.replay) return;
    this.replay = iteration;
    if (this.model) this.update(this.model, Dirty.points);
    this.actions.viewChanged();
  }

  onThemeChange(): void {
    this.pal = readPalette();
    this.themeVersion++;
    this.redraw(true);
  }
}

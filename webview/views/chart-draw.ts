/**
 * What the frontier chart draws over uPlot's axes, straight onto its canvas (a few hundred shapes
 * per frame; the ~80k-point cloud is a separate cached layer, see cloud-layer.ts).
 */
import type uPlot from 'uplot';
import type { PanelModel } from '../model';
import type { Palette } from '../theme';

/** XE below which a prompt reads like real text (epo.md: 12-token web text has XE ≈ 3.7 ± 1.1). */
export const IN_DISTRIBUTION_XE = 6;

/** The plotting area in canvas pixels and the data → canvas transform of the current scales. */
export interface PlotFrame {
  ctx: CanvasRenderingContext2D;
  left: number; top: number; width: number; height: number;
  x0: number; x1: number; y0: number; y1: number;
  /** Canvas pixels per CSS pixel. */
  dpr: number;
  X(v: number): number;
  Y(v: number): number;
}

export function plotFrame(u: uPlot): PlotFrame | null {
  const x0 = u.scales.x.min, x1 = u.scales.x.max, y0 = u.scales.y.min, y1 = u.scales.y.max;
  if (x0 == null || x1 == null || y0 == null || y1 == null || x1 <= x0 || y1 <= y0) return null;
  const { left, top, width, height } = u.bbox;
  const kx = width / (x1 - x0), ky = height / (y1 - y0);
  return {
    ctx: u.ctx, left, top, width, height, x0, x1, y0, y1,
    dpr: u.ctx.canvas.width / Math.max(1, u.width),
    X: (v) => left + (v - x0) * kx,
    Y: (v) => top + height - (v - y0) * ky,
  };
}

/** The in-distribution band, under the grid (drawn when uPlot clears the canvas). */
export function drawRegion(f: PlotFrame, pal: Palette): void {
  const edge = f.X(Math.min(IN_DISTRIBUTION_XE, f.x1));
  if (edge <= f.left) return;
  f.ctx.fillStyle = pal.region;
  f.ctx.fillRect(f.left, f.top, edge - f.left, f.height);
}

function disc(ctx: CanvasRenderingContext2D, cx: number, cy: number, r: number): void {
  ctx.moveTo(cx + r, cy);
  ctx.arc(cx, cy, r, 0, 2 * Math.PI);
}

/**
 * Everything above the cloud, clipped to the plot: the in-distribution boundary, dataset examples,
 * the shown iteration's children, the frontier staircase, the population and the inspected prompt.
 * `visible` is how many points the shown iteration covers.
 */
export function drawOverlays(f: PlotFrame, m: PanelModel, shown: number, visible: number, pal: Palette): void {
  const { ctx, X, Y, dpr } = f;
  const p = m.points;
  ctx.save();
  ctx.beginPath();
  ctx.rect(f.left, f.top, f.width, f.height);
  ctx.clip();

  if (IN_DISTRIBUTION_XE > f.x0 && IN_DISTRIBUTION_XE < f.x1) {
    const x = Math.round(X(IN_DISTRIBUTION_XE)) + 0.5;
    ctx.strokeStyle = pal.regionEdge;
    ctx.lineWidth = dpr;
    ctx.setLineDash([4 * dpr, 4 * dpr]);
    ctx.beginPath();
    ctx.moveTo(x, f.top);
    ctx.lineTo(x, f.top + f.height);
    ctx.stroke();
    ctx.setLineDash([]);
  }

  const d = m.dataset;
  if (d) {
    ctx.strokeStyle = pal.dataset;
    ctx.lineWidth = 1.5 * dpr;
    const r = 3.5 * dpr;
    ctx.beginPath();
    for (let i = 0; i < d.xe.length; i++) {
      const cx = X(d.xe[i]), cy = Y(d.feature[i]);
      ctx.moveTo(cx, cy - r); ctx.lineTo(cx + r, cy); ctx.lineTo(cx, cy + r); ctx.lineTo(cx - r, cy); ctx.closePath();
    }
    ctx.stroke();
  }

  ctx.fillStyle = pal.cloud;
  const s = 2.5 * dpr;
  for (let i = p.startOf(shown); i < visible; i++) ctx.fillRect(X(p.xe[i]) - s / 2, Y(p.feature[i]) - s / 2, s, s);

  // The frontier as the best feature reachable at each XE: a rising staircase, flat to the right edge.
  const fr = p.frontierThrough(shown);
  if (fr.length) {
    ctx.strokeStyle = pal.frontier;
    ctx.lineWidth = 2 * dpr;
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(X(p.xe[fr[0]]), Y(p.feature[fr[0]]));
    for (let k = 1; k < fr.length; k++) {
      ctx.lineTo(X(p.xe[fr[k]]), Y(p.feature[fr[k - 1]]));
      ctx.lineTo(X(p.xe[fr[k]]), Y(p.feature[fr[k]]));
    }
    ctx.lineTo(f.left + f.width, Y(p.feature[fr[fr.length - 1]]));
    ctx.stroke();
    ctx.fillStyle = pal.frontier;
    ctx.beginPath();
    for (let k = 0; k < fr.length; k++) disc(ctx, X(p.xe[fr[k]]), Y(p.feature[fr[k]]), 2.6 * dpr);
    ctx.fill();
  }

  const trail = m.trail.get(shown);
  if (trail) {
    ctx.strokeStyle = pal.population;
    ctx.lineWidth = 1.5 * dpr;
    ctx.beginPath();
    for (let k = 0; k < trail.xe.length; k++) disc(ctx, X(trail.xe[k]), Y(trail.feature[k]), 5 * dpr);
    ctx.stroke();
  }

  const sel = m.selection;
  if (sel) {
    const cx = X(sel.xe), cy = Y(sel.feature), r = 8 * dpr;
    ctx.strokeStyle = pal.selected;
    ctx.lineWidth = 2 * dpr;
    ctx.beginPath();
    disc(ctx, cx, cy, r);
    ctx.moveTo(cx - r - 4 * dpr, cy); ctx.lineTo(cx - r + 2 * dpr, cy);
    ctx.moveTo(cx + r - 2 * dpr, cy); ctx.lineTo(cx + r + 4 * dpr, cy);
    ctx.stroke();
  }
  ctx.restore();

  if (IN_DISTRIBUTION_XE > f.x0) {
    ctx.save();
    ctx.font = `${11 * dpr}px ${pal.font}`;
    ctx.fillStyle = pal.muted;
    ctx.textBaseline = 'top';
    ctx.textAlign = 'right';
    const label = 'in-distribution';
    const at = Math.min(X(IN_DISTRIBUTION_XE), f.left + f.width) - 6 * dpr;
    if (at - ctx.measureText(label).width > f.left) ctx.fillText(label, at, f.top + 6 * dpr);
    ctx.restore();
  }
}

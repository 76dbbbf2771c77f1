/**
 * The cloud of every evaluated prompt, cached in an offscreen canvas: each frame adds only the
 * points not drawn yet (an iteration's 256), and the whole layer is recounted only when the plot's
 * size or scales change or the replay goes backwards — one pass over typed arrays, see density.ts.
 */
import { parseColor } from '../color';
import { DensityLayer } from '../density';
import type { PointStore } from '../points';
import type { Palette } from '../theme';
import type { PlotFrame } from './chart-draw';

/**
 * Opacity of one point of the cloud: lower as the cloud grows, so that 80k points show their density
 * instead of a solid block. Stepped, so the look does not shift with every iteration.
 */
export function cloudAlpha(points: number, kind: Palette['kind']): number {
  const base = points < 4000 ? 0.45 : points < 16000 ? 0.28 : points < 40000 ? 0.18 : 0.12;
  return kind.startsWith('high-contrast') ? Math.min(1, base * 2) : kind === 'light' ? base * 0.8 : base;
}

export class CloudLayer {
  readonly canvas = document.createElement('canvas');
  private pixels: ImageData | null = null;
  private density = new DensityLayer();
  private geometry = '';
  private style = '';
  private count = 0;

  /** Forgets what was drawn (a new run). */
  reset(): void {
    this.geometry = '';
  }

  /** Brings the layer up to the first `visible` points, for the plot `f` (whose canvas it matches in size). */
  sync(f: PlotFrame, points: PointStore, visible: number, pal: Palette, themeVersion: number): void {
    const target = f.ctx.canvas;
    if (this.canvas.width !== target.width || this.canvas.height !== target.height || !this.pixels) {
      this.canvas.width = target.width;
      this.canvas.height = target.height;
      this.pixels = this.canvas.getContext('2d')!.createImageData(target.width, target.height);
      this.density.resize(target.width, target.height);
      this.geometry = '';
      this.style = '';
    }
    const geometry = `${f.x0},${f.x1},${f.y0},${f.y1}|${f.left},${f.top},${f.width},${f.height}`;
    if (geometry !== this.geometry || visible < this.count) {
      this.density.clear();
      this.geometry = geometry;
      this.count = 0;
    }
    const alpha = cloudAlpha(points.length, pal.kind);
    const style = `${themeVersion}|${alpha}`;
    if (style !== this.style) {
      // Palette colours are canvas-normalised, so this parses; the foreground is a last resort.
      const rgb = parseColor(pal.cloud) ?? parseColor(pal.foreground) ?? { r: 0, g: 0, b: 0 };
      this.density.setStyle([rgb.r, rgb.g, rgb.b], alpha);
      this.style = style;
    }
    const size = Math.max(2, Math.round(2 * f.dpr));
    for (let i = this.count; i < visible; i++) this.density.add(f.X(points.xe[i]), f.Y(points.feature[i]), size);
    this.count = visible;
    const r = this.density.paint(this.pixels);
    if (r) this.canvas.getContext('2d')!.putImageData(this.pixels, 0, 0, r.x, r.y, r.w, r.h);
  }
}

/**
 * Hit-testing the frontier scatter: the point nearest the pointer, in screen distance. A linear
 * scan of typed arrays (80k points ≈ 0.3 ms) beats maintaining a spatial index that every zoom and
 * every iteration would invalidate.
 */
export interface Viewport {
  /** Data value at the plot's left / bottom edge and CSS pixels per data unit. */
  x0: number; y0: number; sx: number; sy: number;
}

/** Index in [from, to) of the point nearest (px, py) (CSS pixels from the plot's bottom-left), or -1 if none within `radius`. */
export function nearestPoint(
  xs: ArrayLike<number>, ys: ArrayLike<number>, from: number, to: number,
  px: number, py: number, view: Viewport, radius: number,
): number {
  let best = -1, bestD = radius * radius;
  // Compare in data units scaled per axis: one multiply-add per coordinate, no function calls.
  const cx = view.x0 + px / view.sx, cy = view.y0 + py / view.sy;
  const kx = view.sx * view.sx, ky = view.sy * view.sy;
  for (let i = from; i < to; i++) {
    const dx = xs[i] - cx, dy = ys[i] - cy;
    const d = dx * dx * kx + dy * dy * ky;
    if (d <= bestD) { bestD = d; best = i; }
  }
  return best;
}

import test from 'node:test';
import assert from 'node:assert/strict';
import { nearestPoint, type Viewport } from '../../webview/nearest';
import { mulberry } from '../helpers/fd';

test('nearest point in screen distance matches a direct pixel computation', () => {
  const rand = mulberry(3);
  const n = 2000;
  const xs = Float64Array.from({ length: n }, () => 2 + 8 * rand());
  const ys = Float64Array.from({ length: n }, () => -1 + 6 * rand());
  // Anisotropic: 80 px per XE unit, 40 px per feature unit.
  const view: Viewport = { x0: 2, y0: -1, sx: 80, sy: 40 };
  for (let t = 0; t < 200; t++) {
    const px = rand() * 640, py = rand() * 240;
    let best = -1, bestD = 12 * 12;
    for (let i = 0; i < n; i++) {
      const d = ((xs[i] - 2) * 80 - px) ** 2 + ((ys[i] + 1) * 40 - py) ** 2;
      if (d <= bestD) { bestD = d; best = i; }
    }
    assert.equal(nearestPoint(xs, ys, 0, n, px, py, view, 12), best, `probe ${t}`);
  }
});

test('nearest point respects the index window and the radius', () => {
  const xs = [0, 1, 2], ys = [0, 0, 0];
  const view: Viewport = { x0: 0, y0: 0, sx: 10, sy: 10 };
  assert.equal(nearestPoint(xs, ys, 0, 3, 10, 0, view, 5), 1);
  assert.equal(nearestPoint(xs, ys, 2, 3, 10, 0, view, 5), -1); // point 1 outside the window, point 2 too far
  assert.equal(nearestPoint(xs, ys, 2, 3, 10, 0, view, 10), 2);
});

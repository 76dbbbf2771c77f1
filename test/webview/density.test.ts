import test from 'node:test';
import assert from 'node:assert/strict';
import { DensityLayer } from '../../webview/density';

const buffer = (w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(4 * w * h) });

test('a pixel covered n times has the opacity of n stacked translucent points', () => {
  const d = new DensityLayer(8, 6);
  d.setStyle([10, 20, 30], 0.25);
  for (let k = 0; k < 3; k++) d.add(3, 3, 2); // covers x 2..3, y 2..3
  d.add(4, 3, 2); // covers x 3..4, y 2..3
  const out = buffer(8, 6);
  const rect = d.paint(out);
  assert.deepEqual(rect, { x: 0, y: 0, w: 8, h: 6 }, 'first paint after setStyle repaints everything');
  const alphaAt = (x: number, y: number) => out.data[4 * (y * 8 + x) + 3];
  assert.equal(d.count(2, 2), 3);
  assert.equal(d.count(3, 2), 4);
  assert.equal(d.count(4, 3), 1);
  assert.equal(d.count(5, 3), 0);
  assert.equal(alphaAt(3, 2), Math.round(255 * (1 - 0.75 ** 4)));
  assert.equal(alphaAt(2, 3), Math.round(255 * (1 - 0.75 ** 3)));
  assert.equal(alphaAt(0, 0), 0);
  assert.deepEqual([...out.data.slice(4 * (2 * 8 + 3), 4 * (2 * 8 + 3) + 3)], [10, 20, 30]);
});

test('only the pixels touched since the last paint are repainted; points off the layer are clipped', () => {
  const d = new DensityLayer(10, 10);
  d.setStyle([0, 0, 0], 0.5);
  const out = buffer(10, 10);
  d.paint(out);
  assert.equal(d.paint(out), null);
  d.add(7, 2, 2);
  d.add(8, 4, 2);
  assert.deepEqual(d.paint(out), { x: 6, y: 1, w: 3, h: 4 });
  d.add(-5, -5, 2);
  d.add(10.6, 3, 2);
  assert.equal(d.paint(out), null);
  d.add(0, 0, 2); // partly off the edge: the one pixel that is on it counts
  assert.deepEqual(d.paint(out), { x: 0, y: 0, w: 1, h: 1 });
  assert.equal(d.count(0, 0), 1);
  assert.throws(() => d.paint(buffer(3, 3)), /buffer is 3×3, layer is 10×10/);
});

test('counts saturate instead of wrapping around', () => {
  const d = new DensityLayer(2, 2);
  d.setStyle([0, 0, 0], 0.01);
  for (let k = 0; k < 300; k++) d.add(1, 1, 2);
  assert.equal(d.count(0, 0), 255);
});

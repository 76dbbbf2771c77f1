// Draws media/icon.png (128×128), the extension's icon: a crescent moon over a night-blue disc
// with a few stars — Reverie dreams. Run: node scripts/make-icon.mjs. Pure Node (zlib), no canvas.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const N = 128, SS = 4; // size, supersampling per axis
const px = new Uint8Array(N * N * 4);
const stars = [[30, 34, 3.2], [44, 86, 2.2], [94, 30, 2.6], [22, 62, 1.8], [66, 22, 1.6]];

/** Colour and coverage of one sample point (x, y in pixels). */
function sample(x, y) {
  const cx = 64, cy = 64;
  const r = Math.hypot(x - cx, y - cy);
  if (r > 60) return null; // outside the disc
  // Background: night blue, lighter towards the top left.
  const t = Math.min(1, Math.hypot(x - 40, y - 36) / 90);
  let c = [32 + 20 * (1 - t), 40 + 30 * (1 - t), 92 + 60 * (1 - t)];
  // Crescent: a disc minus a shifted disc.
  const inMoon = Math.hypot(x - 72, y - 66) < 34 && Math.hypot(x - 88, y - 54) >= 30;
  if (inMoon) c = [250, 226, 150];
  for (const [sx, sy, sr] of stars) {
    const d = Math.abs(x - sx) + Math.abs(y - sy); // a small diamond
    if (d < sr) c = [255, 250, 235];
  }
  return c;
}

for (let j = 0; j < N; j++) {
  for (let i = 0; i < N; i++) {
    let r = 0, g = 0, b = 0, a = 0;
    for (let sj = 0; sj < SS; sj++) {
      for (let si = 0; si < SS; si++) {
        const c = sample(i + (si + 0.5) / SS, j + (sj + 0.5) / SS);
        if (!c) continue;
        r += c[0]; g += c[1]; b += c[2]; a++;
      }
    }
    const o = 4 * (j * N + i);
    if (a) { px[o] = Math.round(r / a); px[o + 1] = Math.round(g / a); px[o + 2] = Math.round(b / a); }
    px[o + 3] = Math.round((255 * a) / (SS * SS));
  }
}

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => { let c = 0xffffffff; for (const v of buf) c = CRC[(c ^ v) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(N, 0); ihdr.writeUInt32BE(N, 4); ihdr[8] = 8; ihdr[9] = 6; // 8-bit RGBA
const raw = Buffer.alloc(N * (1 + 4 * N));
for (let j = 0; j < N; j++) { raw[j * (1 + 4 * N)] = 0; Buffer.from(px.buffer, 4 * N * j, 4 * N).copy(raw, j * (1 + 4 * N) + 1); }
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
writeFileSync('media/icon.png', png);
console.log(`media/icon.png: ${png.length} bytes`);

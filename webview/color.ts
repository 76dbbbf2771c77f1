/**
 * Canvas drawing needs concrete colours, but the panel's colours come from VS Code's theme as CSS
 * variables; this turns a variable's value (as VS Code writes them: #rgb, #rrggbb, #rrggbbaa,
 * rgb()/rgba()) into an rgba() string with a given opacity.
 */

export interface Rgba { r: number; g: number; b: number; a: number }

export function parseColor(css: string): Rgba | null {
  const s = css.trim().toLowerCase();
  let m = /^#([0-9a-f]{3,8})$/.exec(s);
  if (m) {
    const h = m[1];
    if (h.length === 3 || h.length === 4) {
      const [r, g, b, a] = [...h].map((c) => parseInt(c + c, 16));
      return { r, g, b, a: h.length === 4 ? a / 255 : 1 };
    }
    if (h.length === 6 || h.length === 8) {
      const byte = (k: number) => parseInt(h.slice(k, k + 2), 16);
      return { r: byte(0), g: byte(2), b: byte(4), a: h.length === 8 ? byte(6) / 255 : 1 };
    }
    return null;
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/.exec(s);
  if (m) {
    const alpha = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    return { r: +m[1], g: +m[2], b: +m[3], a: alpha };
  }
  return null;
}

/** `css` with its opacity multiplied by `alpha`; unparseable input (a named colour) is returned as is. */
export function withAlpha(css: string, alpha: number): string {
  const c = parseColor(css);
  if (!c) return css;
  const a = Math.max(0, Math.min(1, c.a * alpha));
  return `rgba(${c.r}, ${c.g}, ${c.b}, ${Number(a.toFixed(3))})`;
}

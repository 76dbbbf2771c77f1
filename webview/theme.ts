/**
 * Colours for the canvas, read from VS Code's theme variables at draw time. VS Code changes the
 * body class (vscode-light / vscode-dark / vscode-high-contrast[-light]) on a theme-kind change and
 * rewrites the variables on <html> for every theme change, so both are watched.
 */
import { withAlpha } from './color';

export interface Palette {
  kind: 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';
  foreground: string;
  muted: string;
  grid: string;
  cloud: string;
  frontier: string;
  population: string;
  selected: string;
  dataset: string;
  region: string;
  regionEdge: string;
  font: string;
}

let probe: CanvasRenderingContext2D | null = null;

/**
 * The first of `names` that the theme defines, as the canvas spells colours (#rrggbb or rgba()),
 * whatever form the theme used: canvas code can then parse it and change its opacity.
 */
function cssVar(style: CSSStyleDeclaration, names: string[], fallback: string): string {
  let v = fallback;
  for (const n of names) {
    const value = style.getPropertyValue(n).trim();
    if (value) { v = value; break; }
  }
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe) return v;
  probe.fillStyle = '#000000';
  probe.fillStyle = v;
  return String(probe.fillStyle);
}

export function themeKind(body: HTMLElement = document.body): Palette['kind'] {
  const c = body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  return c.contains('vscode-light') ? 'light' : 'dark';
}

export function readPalette(): Palette {
  const s = getComputedStyle(document.body);
  const kind = themeKind();
  const hc = kind.startsWith('high-contrast');
  const foreground = cssVar(s, ['--vscode-editor-foreground', '--vscode-foreground'], 'CanvasText');
  const green = cssVar(s, ['--vscode-charts-green'], foreground);
  const blue = cssVar(s, ['--vscode-charts-blue'], foreground);
  return {
    kind,
    foreground,
    muted: cssVar(s, ['--vscode-descriptionForeground', '--vscode-foreground'], foreground),
    // Grid lines recede; in high contrast they must still be visible.
    grid: withAlpha(cssVar(s, ['--vscode-charts-lines', '--vscode-foreground'], foreground), hc ? 0.6 : 0.35),
    cloud: blue,
    frontier: cssVar(s, ['--vscode-charts-orange'], foreground),
    population: foreground,
    selected: cssVar(s, ['--vscode-charts-red', '--vscode-focusBorder'], foreground),
    dataset: green,
    region: withAlpha(green, hc ? 0.14 : 0.07),
    regionEdge: withAlpha(green, hc ? 0.9 : 0.55),
    font: s.getPropertyValue('--vscode-font-family').trim() || 'sans-serif',
  };
}

/** Calls `onChange` (at most once per frame) whenever the theme may have changed. */
export function watchTheme(onChange: () => void): () => void {
  let queued = false;
  const fire = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; onChange(); });
  };
  const obs = new MutationObserver(fire);
  obs.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind', 'data-vscode-theme-id'] });
  obs.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return () => obs.disconnect();
}

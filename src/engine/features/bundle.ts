/**
 * Bundles a feature file: each file transpiled by TypeScript (types stripped, nothing checked),
 * relative imports followed and inlined, `reverie` left to the sandbox. Nothing else may be
 * imported: no packages, no Node built-ins, no file outside the workspace. An index source map
 * lets errors point at the user's lines.
 *
 * Layout: line 1 holds the loader (and the call that runs the entry file), unmapped; then each
 * module as a hoisted function whose body is its transpiled code, line for line. A stack frame on
 * line 1 maps to nothing, so the first mapped frame is always the user's.
 */
import { SourceMap } from 'node:module';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import { FeatureError, SourceLocation } from './errors';
import { isInside } from './workspace';
import { typescriptTools } from './typescript-tools';

export interface FeatureBundle {
  /** CommonJS code expecting `require`, `module` and `exports`. */
  code: string;
  /** Maps bundle positions (0-based) back to the sources. */
  map: SourceMap;
  /** Folder the map's source paths are relative to. */
  mapDir: string;
  /** Absolute paths of every file bundled. */
  inputs: string[];
  /** Each bundled file's text, by absolute path. */
  sources: Map<string, string>;
}

/** What an extension-less import may name, in the order tried (as TypeScript's and esbuild's resolvers do). */
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json'];

function isRelative(spec: string): boolean {
  return spec === '.' || spec === '..' || spec.startsWith('./') || spec.startsWith('../') || isAbsolute(spec);
}

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

/** The file a relative import names: as written, with an extension, a .js written for its .ts, or an index file. */
function resolveImport(spec: string, fromDir: string): string | undefined {
  const base = resolve(fromDir, spec);
  const candidates = [base, ...EXTENSIONS.map((e) => base + e)];
  const ext = extname(base);
  if (['.js', '.mjs', '.cjs'].includes(ext)) candidates.push(...['.ts', '.mts', '.cts'].map((e) => base.slice(0, -ext.length) + e));
  candidates.push(...EXTENSIONS.map((e) => resolve(base, `index${e}`)));
  return candidates.find(isFile);
}

interface Module {
  path: string;
  code: string;
  map: object;
  /** Specifier → module index, for the relative imports of this module. */
  deps: Record<string, number>;
}

export async function bundleFeatureFile(entry: string, root: string): Promise<{ bundle?: FeatureBundle; errors: FeatureError[] }> {
  const modules: Module[] = [];
  const sources = new Map<string, string>();
  const index = new Map<string, number>();
  const errors: FeatureError[] = [];
  const add = (path: string): number => {
    const known = index.get(path);
    if (known !== undefined) return known;
    const id = modules.length;
    index.set(path, id);
    const mod: Module = { path, code: '', map: { version: 3, sources: [], names: [], mappings: '' }, deps: {} };
    modules.push(mod);
    const text = readFileSync(path, 'utf8');
    sources.set(path, text);
    if (path.endsWith('.json')) {
      try {
        mod.code = `module.exports = ${JSON.stringify(JSON.parse(text))};\n`;
      } catch (e) {
        errors.push(new FeatureError(`invalid JSON: ${(e as Error).message}`, path, 1, 1, 'syntax'));
      }
      return id;
    }
    const out = typescriptTools().transpileFeatureModule(path, text);
    // The first syntax error only: after it the parser's recovery mostly reports its own confusion.
    for (const e of out.errors.slice(0, 1)) errors.push(new FeatureError(e.message, path, e.line, e.column, 'syntax'));
    mod.code = out.code;
    mod.map = { ...JSON.parse(out.map), sources: [path] };
    for (const r of out.requires) {
      if (r.spec === 'reverie') continue;
      const at = (message: string, code: 'import' | 'outside-workspace') => errors.push(new FeatureError(message, path, r.line, r.column, code));
      if (!isRelative(r.spec)) {
        at(`cannot import '${r.spec}': feature files may import only 'reverie' and relative files inside the workspace (no packages, no Node built-ins)`, 'import');
        continue;
      }
      const file = resolveImport(r.spec, dirname(path));
      if (!file) at(`cannot import '${r.spec}': no such file (tried ${basename(r.spec)} with ${EXTENSIONS.join(', ')} and as a folder's index)`, 'import');
      else if (!isInside(root, file)) at(`cannot import '${r.spec}': ${file} is outside the workspace ${root}`, 'outside-workspace');
      else mod.deps[r.spec] = add(file);
    }
    return id;
  };
  try {
    add(resolve(entry));
  } catch (e) {
    return { errors: [new FeatureError(`could not bundle the file: ${(e as Error).message}`, entry, 1, 1, 'syntax')] };
  }
  if (errors.length) return { errors };

  // Line 1: the loader. A module's `require` knows its own relative imports; anything else goes to the sandbox's.
  const loader =
    `var __rv_deps = ${JSON.stringify(modules.map((m) => m.deps))}, __rv_cache = []; ` +
    'function __rv_load(i, outer, module) { if (__rv_cache[i]) return __rv_cache[i].exports; module = module || { exports: {} }; __rv_cache[i] = module; ' +
    'var req = function (s) { return Object.prototype.hasOwnProperty.call(__rv_deps[i], s) ? __rv_load(__rv_deps[i][s], outer) : outer(s); }; ' +
    '__rv_modules[i](req, module, module.exports); return module.exports; } ' +
    `var __rv_modules = [${modules.map((_, i) => `__rv_m${i}`).join(', ')}]; __rv_load(0, require, module);\n`;
  let code = loader;
  let line = 1; // lines before the next module body (0-based offset of its first line)
  const sections: { offset: { line: number; column: number }; map: object }[] = [];
  modules.forEach((m, i) => {
    code += `function __rv_m${i}(require, module, exports) {\n`;
    line += 1;
    sections.push({ offset: { line, column: 0 }, map: m.map });
    const body = m.code.endsWith('\n') ? m.code : `${m.code}\n`;
    code += `${body}}\n`;
    line += body.split('\n').length - 1 + 1;
  });
  return {
    bundle: {
      code,
      map: new SourceMap({ version: 3, sections } as never),
      mapDir: dirname(resolve(entry)),
      inputs: modules.map((m) => m.path),
      sources,
    },
    errors: [],
  };
}

/**
 * The source position of a (1-based) position in the bundle, if the map covers it. V8 places a call
 * like `(0, reverie_1.neuron)(7, 0)` at its arguments' parenthesis; the user reads a call by its
 * callee, so a position on a call's `(` moves back to the start of the name before it.
 */
export function mapToSource(bundle: FeatureBundle, line: number, column: number): SourceLocation | undefined {
  const e = bundle.map.findEntry(line - 1, column - 1) as Partial<{ originalSource: string; originalLine: number; originalColumn: number; generatedLine: number }>;
  if (e.originalSource === undefined || e.originalLine === undefined || e.originalColumn === undefined) return undefined;
  const file = resolve(bundle.mapDir, e.originalSource);
  const text = bundle.sources.get(file)?.split('\n')[e.originalLine] ?? '';
  let col = e.originalColumn;
  if (text[col] === '(') {
    let j = col - 1;
    while (j >= 0 && /\s/.test(text[j])) j--;
    const end = j;
    while (j >= 0 && /[\w$.]/.test(text[j])) j--;
    if (j < end) col = j + 1;
  }
  return { file, line: e.originalLine + 1, column: col + 1 };
}

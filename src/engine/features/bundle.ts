/**
 * Bundles a feature file with esbuild: TypeScript stripped, relative imports inlined, `reverie`
 * left external (the sandbox supplies it). Nothing else may be imported: no packages, no Node
 * built-ins, no file outside the workspace. The source map lets errors point at the user's lines.
 */
import * as esbuild from 'esbuild';
import { SourceMap } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { FeatureError, FeatureErrorCode, SourceLocation } from './errors';
import { isInside } from './workspace';

export interface FeatureBundle {
  /** CommonJS code expecting `require`, `module` and `exports`. */
  code: string;
  /** Maps bundle positions (0-based) back to the sources. */
  map: SourceMap;
  /** Folder the map's source paths are relative to. */
  mapDir: string;
  /** Absolute paths of every file bundled. */
  inputs: string[];
}

const OUTFILE = '__reverie_feature_bundle__.js';

function isRelative(spec: string): boolean {
  return spec === '.' || spec === '..' || spec.startsWith('./') || spec.startsWith('../') || isAbsolute(spec);
}

function guard(root: string): esbuild.Plugin {
  return {
    name: 'reverie-guard',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData?.guarded) return undefined;
        if (args.path === 'reverie') return { path: 'reverie', external: true };
        if (args.kind === 'entry-point') return undefined;
        if (!isRelative(args.path)) {
          return { errors: [{ text: `cannot import '${args.path}': feature files may import only 'reverie' and relative files inside the workspace (no packages, no Node built-ins)`, detail: 'import' }] };
        }
        const r = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: { guarded: true } });
        if (r.errors.length) return { errors: r.errors };
        if (!isInside(root, r.path)) {
          return { errors: [{ text: `cannot import '${args.path}': ${r.path} is outside the workspace ${root}`, detail: 'outside-workspace' }] };
        }
        return { path: r.path, namespace: r.namespace, sideEffects: r.sideEffects };
      });
    },
  };
}

function toFeatureError(m: esbuild.Message, root: string, entry: string): FeatureError {
  const loc: SourceLocation = m.location
    ? { file: resolve(root, m.location.file), line: m.location.line, column: m.location.column + 1 }
    : { file: entry, line: 1, column: 1 };
  const code: FeatureErrorCode = m.detail === 'import' || m.detail === 'outside-workspace' ? m.detail : 'syntax';
  return new FeatureError(m.text, loc.file, loc.line, loc.column, code);
}

export async function bundleFeatureFile(entry: string, root: string): Promise<{ bundle?: FeatureBundle; errors: FeatureError[] }> {
  const outfile = join(root, OUTFILE);
  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      entryPoints: [entry], bundle: true, write: false, metafile: true, outfile, absWorkingDir: root,
      format: 'cjs', platform: 'neutral', target: 'es2022', sourcemap: 'external', logLevel: 'silent',
      // The workspace's tsconfig.json maps 'reverie' to its .d.ts for the editor; the bundler must not.
      tsconfigRaw: {}, mainFields: [], plugins: [guard(root)],
    });
  } catch (e) {
    const failure = e as esbuild.BuildFailure;
    if (Array.isArray(failure.errors) && failure.errors.length) return { errors: failure.errors.map((m) => toFeatureError(m, root, entry)) };
    return { errors: [new FeatureError(`could not bundle the file: ${(e as Error).message}`, entry, 1, 1, 'syntax')] };
  }
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const map = result.outputFiles.find((f) => f.path.endsWith('.js.map'));
  if (!js || !map) return { errors: [new FeatureError('the bundler produced no output', entry, 1, 1, 'syntax')] };
  return {
    bundle: {
      code: js.text,
      map: new SourceMap(JSON.parse(map.text)),
      mapDir: dirname(outfile),
      inputs: Object.keys(result.metafile.inputs).map((p) => resolve(root, p)),
    },
    errors: [],
  };
}

/** The source position of a (1-based) position in the bundle, if the map covers it. */
export function mapToSource(bundle: FeatureBundle, line: number, column: number): SourceLocation | undefined {
  const e = bundle.map.findEntry(line - 1, column - 1) as Partial<{ originalSource: string; originalLine: number; originalColumn: number; generatedLine: number }>;
  if (e.originalSource === undefined || e.originalLine === undefined || e.originalColumn === undefined) return undefined;
  return { file: resolve(bundle.mapDir, e.originalSource), line: e.originalLine + 1, column: e.originalColumn + 1 };
}

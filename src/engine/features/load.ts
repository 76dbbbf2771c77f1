/**
 * Stage one of using a feature file: bundle it, run it in a sandbox, and describe the features it
 * exports — or say, at the right line, why not. Never throws for anything the file does.
 */
import { statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { ModelInfo, RunResult, Site, TraceResult } from '../../reverie-api/protocol';
import { bundleFeatureFile, FeatureBundle, mapToSource } from './bundle';
import { FeatureError, SourceLocation } from './errors';
import { FeatureSandbox, SandboxTimeout } from './sandbox';
import { isInside } from './workspace';
import { validateOptions, EpoOverrides } from './options';
import type { Precision } from '../runtime/precision';

export interface LoadOptions {
  /** Files outside this folder are never read (imports, vectors, SAEs). */
  workspaceRoot: string;
  /** Feature files are code: they are evaluated only when the workspace is trusted. */
  trusted: boolean;
  /** Limit for the file's top-level code, and for each objective trace. Default 2000 ms. */
  timeoutMs?: number;
}

export interface LoadedFeature {
  /** Absolute path of the feature file. */
  readonly file: string;
  readonly workspaceRoot: string;
  /** The export holding it ('default' for `export default`). */
  readonly exportName: string;
  /** `name` from the options, else the export name. */
  readonly name: string;
  /** The model reference as written. */
  readonly model: string;
  /** What to pass to loadModel: `model`, with a './' or '../' path made absolute (relative to the file). */
  readonly modelRef: string;
  readonly description?: string;
  readonly seqLen?: number;
  /** Undefined when not given: compileFeature then bans the target tokens of logit built-ins. */
  readonly bannedText?: string[];
  readonly epo: EpoOverrides;
  /** What the model computes in for this feature, when the file says. */
  readonly dtype?: Precision;
  /** The defineFeature call (1-based). */
  readonly location: SourceLocation;
  /** Traces the objective in the file's sandbox (compileFeature calls this). Rejects with SandboxTimeout. */
  trace(model: ModelInfo): Promise<TraceResult>;
  /** Where a sandbox call site is in the sources, if it is in user code. */
  locate(site: Site): SourceLocation | undefined;
}

export interface FeatureFileResult {
  file: string;
  features: LoadedFeature[];
  /** Errors (and warnings) in the file, located; empty when all is well. */
  diagnostics: FeatureError[];
  /** What the file printed with console.log while it ran. */
  logs: string[];
  /** Stops the file's sandbox (a worker thread; it also stops by itself when idle). */
  dispose(): void;
}

export const DEFAULT_TIMEOUT_MS = 2000;

/** The first frame of `site` inside the bundle, mapped to the source. */
export function locateSite(site: Site, bundle: FeatureBundle, bundleName: string): SourceLocation | undefined {
  const escaped = bundleName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // The first frame in the user's code: frames in the bundle's loader (its first line) map to nothing.
  for (const frame of site.matchAll(new RegExp(`${escaped}:(\\d+):(\\d+)`, 'g'))) {
    const at = mapToSource(bundle, Number(frame[1]), Number(frame[2]));
    if (at) return at;
  }
  return undefined;
}

export async function loadFeatureFile(path: string, opts: LoadOptions): Promise<FeatureFileResult> {
  const file = resolve(path);
  const root = resolve(opts.workspaceRoot);
  const result: FeatureFileResult = { file, features: [], diagnostics: [], logs: [], dispose: () => undefined };
  const refuse = (message: string, code: FeatureError['code']) => {
    result.diagnostics.push(new FeatureError(message, file, 1, 1, code));
    return result;
  };
  if (!opts.trusted) {
    return refuse('feature files are code, and Reverie runs them only in trusted workspaces: trust this workspace (Workspaces: Manage Workspace Trust) to load its features', 'untrusted');
  }
  if (!isInside(root, file)) return refuse(`${file} is outside the workspace ${root}`, 'outside-workspace');
  try {
    if (!statSync(file).isFile()) return refuse(`${file} is not a file`, 'syntax');
  } catch {
    return refuse(`${file} does not exist`, 'syntax');
  }
  try {
    return await evaluate(file, root, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, result);
  } catch (e) {
    // Anything unforeseen is still the file's diagnostic, never the caller's crash.
    return refuse(`could not load the file: ${(e as Error).message}`, 'runtime');
  }
}

async function evaluate(file: string, root: string, timeoutMs: number, result: FeatureFileResult): Promise<FeatureFileResult> {
  const { bundle, errors } = await bundleFeatureFile(file, root);
  if (!bundle) {
    result.diagnostics.push(...errors);
    return result;
  }
  const fallback: SourceLocation = { file, line: 1, column: 1 };
  let sandbox: FeatureSandbox, run: RunResult;
  try {
    ({ sandbox, run } = await FeatureSandbox.create(bundle.code, timeoutMs));
  } catch (e) {
    const timeout = e instanceof SandboxTimeout;
    result.diagnostics.push(new FeatureError(timeout ? e.message : `evaluating the file failed: ${(e as Error).message}`, file, 1, 1, timeout ? 'timeout' : 'runtime'));
    return result;
  }
  result.dispose = () => sandbox.dispose();
  const locate = (site: Site) => locateSite(site, bundle, sandbox.bundleName);
  result.logs = run.logs;
  if (run.error) {
    const at = locate(run.error.site) ?? fallback;
    result.diagnostics.push(new FeatureError(run.error.message, at.file, at.line, at.column, 'runtime'));
    sandbox.dispose();
    return result;
  }
  for (const site of run.unexported) {
    const at = locate(site) ?? fallback;
    result.diagnostics.push(new FeatureError('this feature is not exported, so Reverie cannot find it: add `export const name = defineFeature(…)`', at.file, at.line, at.column, 'unexported', undefined, 'warning'));
  }
  for (const rec of run.features) {
    const location = locate(rec.site) ?? fallback;
    const { values, problems } = validateOptions(rec);
    const all = [...rec.problems, ...problems];
    if (!values || all.length) {
      for (const p of all) result.diagnostics.push(new FeatureError(p, location.file, location.line, location.column, 'options', rec.exportName));
      continue;
    }
    const isPath = /^\.\.?[\\/]/.test(values.model) || isAbsolute(values.model);
    result.features.push({
      file, workspaceRoot: root, exportName: rec.exportName, name: rec.name, ...values, location,
      modelRef: isPath ? resolve(dirname(location.file), values.model) : values.model,
      trace: (model) => sandbox.trace(rec.exportName, model),
      locate,
    });
  }
  // Exports arrive in the bundler's order; the file's order reads better.
  const order = (a: SourceLocation, b: SourceLocation) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column;
  result.features.sort((a, b) => order(a.location, b.location));
  result.diagnostics.sort(order);
  if (!result.features.length) sandbox.dispose();
  return result;
}

/**
 * `reverie list <file>`: the features a feature file exports. By default the file is evaluated
 * (the CLI runs what its user points it at), which gives exact names and reports errors at their
 * lines; `--no-eval` only parses it.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { loadFeatureFile } from '../../engine/features/load';
import { discoverFeatures } from '../../engine/features/discover';
import { isInside } from '../../engine/features/workspace';

interface ListedFeature {
  exportName: string;
  name?: string;
  model?: string;
  /** 1-based line of the defineFeature call (or declaration, with --no-eval). */
  line: number;
  description?: string;
}

export interface ListOptions {
  json?: boolean;
  /** false with --no-eval. */
  eval: boolean;
  root?: string;
  /** Milliseconds, as typed. */
  timeout: string;
}

/** Where `list` writes (process streams from the CLI; strings in tests). */
export interface ListOutput {
  out(text: string): void;
  err(text: string): void;
}

function table(rows: ListedFeature[]): string {
  const cells = [['EXPORT', 'NAME', 'MODEL', 'LINE'], ...rows.map((r) => [r.exportName, r.name ?? '?', r.model ?? '?', String(r.line)])];
  const widths = cells[0].map((_, c) => Math.max(...cells.map((row) => row[c].length)));
  return cells.map((row) => row.map((v, c) => v.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}

/** Prints the features of `file`; returns the exit code (1 when the file has errors). */
export async function listFeatures(file: string, opts: ListOptions, io: ListOutput): Promise<number> {
  const path = resolve(file);
  const root = resolve(opts.root ?? (isInside(process.cwd(), path) ? process.cwd() : dirname(path)));
  let features: ListedFeature[];
  const problems: { file: string; line: number; column: number; severity: string; message: string; feature?: string }[] = [];
  if (!opts.eval) {
    features = discoverFeatures(path, readFileSync(path, 'utf8')).map((f) => ({ exportName: f.exportName, name: f.name, model: f.model, line: f.range.start.line + 1 }));
  } else {
    const timeoutMs = Number(opts.timeout);
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error(`--timeout must be a positive number of milliseconds, got ${opts.timeout}`);
    const r = await loadFeatureFile(path, { workspaceRoot: root, trusted: true, timeoutMs });
    features = r.features.map((f) => ({ exportName: f.exportName, name: f.name, model: f.model, line: f.location.line, description: f.description }));
    for (const d of r.diagnostics) problems.push({ file: d.file, line: d.line, column: d.column, severity: d.severity, message: d.message, feature: d.featureName });
  }
  if (opts.json) {
    io.out(`${JSON.stringify({ file: path, features, diagnostics: problems }, null, 2)}\n`);
  } else {
    if (features.length) io.out(`${table(features)}\n`);
    else io.out(`no features exported by ${relative(process.cwd(), path) || path}\n`);
    for (const p of problems) {
      io.err(`${relative(process.cwd(), p.file) || p.file}:${p.line}:${p.column}: ${p.severity}: ${p.feature ? `feature '${p.feature}': ` : ''}${p.message}\n`);
    }
  }
  return problems.some((p) => p.severity === 'error') ? 1 : 0;
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('List the features a TypeScript feature file exports (export name, name, model, line).')
    .argument('<file>', 'feature file, e.g. features.ts')
    .option('--json', 'print JSON: { file, features, diagnostics }')
    .option('--no-eval', 'only parse the file (names and models given as literals; no errors checked)')
    .option('--root <dir>', 'workspace root the file may read inside (default: the current folder, or the file\'s folder)')
    .option('--timeout <ms>', 'time limit for the file\'s top-level code', '2000')
    .action(async (file: string, opts: ListOptions) => {
      const code = await listFeatures(file, opts, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
      if (code) process.exitCode = code;
    });
}

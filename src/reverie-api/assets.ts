/**
 * Files the `reverie` module ships: the sandbox runtime (JavaScript, evaluated inside each
 * feature sandbox) and the type declarations copied into workspaces. In a build both lie beside
 * the bundle (dist/reverie-runtime.js, dist/reverie.d.ts); from the sources (tests, tsx) the
 * runtime is bundled on first use, with esbuild (a development dependency: no package ships it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const BUILT_RUNTIME = 'reverie-runtime.js';
const RUNTIME_SOURCE = 'runtime.ts';
const DECLARATIONS = 'reverie.d.ts';

let runtime: string | undefined;

export function reverieRuntimeSource(): string {
  if (runtime !== undefined) return runtime;
  const built = join(__dirname, BUILT_RUNTIME);
  const source = join(__dirname, RUNTIME_SOURCE);
  if (existsSync(built)) runtime = readFileSync(built, 'utf8');
  else if (existsSync(source)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- only from the sources, where esbuild is installed
    const esbuild = require('esbuild') as typeof import('esbuild');
    runtime = esbuild.buildSync({
      entryPoints: [source], bundle: true, write: false, format: 'iife', platform: 'neutral', target: 'es2022', logLevel: 'silent',
    }).outputFiles[0].text;
  } else {
    throw new Error(`the reverie runtime is missing: neither ${built} nor ${source} exists (was the build's reverie-runtime.js target run?)`);
  }
  return runtime;
}

/** Path of reverie.d.ts, the declarations feature files are type-checked against. */
export function reverieDeclarationsPath(): string {
  const path = join(__dirname, DECLARATIONS);
  if (!existsSync(path)) throw new Error(`${path} is missing (the build copies src/reverie-api/reverie.d.ts beside the bundle)`);
  return path;
}

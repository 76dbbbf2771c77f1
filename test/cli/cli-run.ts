/** Spawns the `reverie` CLI from source (tsx), as a user runs it, with an optional fault to inject. */
import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const MAIN = resolve('src/cli/main.ts');

export function runCli(args: string[], opts: { fault?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return startCli(args, opts).done;
}

/** The running CLI and its outcome (to signal it while it runs). */
export function startCli(args: string[], opts: { fault?: string; timeoutMs?: number } = {}): { child: ChildProcess; done: Promise<CliRun> } {
  const env: NodeJS.ProcessEnv = { ...process.env, ORT_DISABLE_TELEMETRY: '1' };
  if (opts.fault) env.REVERIE_FAULT = opts.fault; else delete env.REVERIE_FAULT;
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const done = new Promise<CliRun>((done, fail) => {
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

/**
 * Fault injection for the kill tests: with `REVERIE_FAULT=<point>:<n>` in the environment, the
 * n-th time this process reaches `faultPoint(<point>)` it kills itself with SIGKILL, as a crash,
 * an OOM kill or a pulled plug would, at a moment a test chose. Without the variable (always,
 * outside tests) a fault point is a counter increment.
 */
const spec = /^([\w:.-]+):(\d+)$/.exec(process.env.REVERIE_FAULT ?? '');
const counts = new Map<string, number>();

export function faultPoint(point: string): void {
  if (!spec || spec[1] !== point) return;
  const n = (counts.get(point) ?? 0) + 1;
  counts.set(point, n);
  if (n === Number(spec[2])) process.kill(process.pid, 'SIGKILL');
}

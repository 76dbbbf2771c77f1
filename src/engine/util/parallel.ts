/**
 * Runs `jobs` with at most `width` of them at a time, in order of start; the results in the jobs'
 * order (e.g. child processes on a small machine, one per core).
 */
export async function inParallel<T>(jobs: (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]();
    }
  }));
  return out;
}

/**
 * A run's whole history in a frontier file: the columns of EvalHistory packed one after another as
 * little-endian bytes — ids Int32[count·seqLen], feature Float64[count], xe Float64[count],
 * iteration Int32[count], parent Int32[count] — deflated with zlib and base64-encoded. A default run
 * (~77k prompts of 12 tokens) is ~5 MB raw; token ids compress well.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { EvalHistory, SerializedHistory } from '../epo/history';
import { toBase64 } from '../epo/base64';
import { CompressedHistory, FrontierFileError } from './format';

const bytesOf = (a: Int32Array | Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

export function compressHistory(history: EvalHistory, count = history.size): CompressedHistory {
  const c = history.columns();
  const n = history.seqLen;
  const raw = Buffer.concat([
    bytesOf(c.ids.subarray(0, count * n)), bytesOf(c.feature.subarray(0, count)), bytesOf(c.xe.subarray(0, count)),
    bytesOf(c.iteration.subarray(0, count)), bytesOf(c.parent.subarray(0, count)),
  ]);
  return { encoding: 'zlib-base64', count, seqLen: n, data: deflateSync(raw).toString('base64') };
}

/** Rebuilds the history; `what` names the field in errors (e.g. "dreams/x.frontier.json: runs[1].history"). */
export function decompressHistory(h: CompressedHistory, what: string): EvalHistory {
  if (h.encoding !== 'zlib-base64') throw new FrontierFileError(`${what}.encoding must be "zlib-base64", got ${JSON.stringify(h.encoding)}`);
  const { count, seqLen } = h;
  if (!Number.isInteger(count) || count < 0) throw new FrontierFileError(`${what}.count must be an integer ≥ 0, got ${JSON.stringify(count)}`);
  if (!Number.isInteger(seqLen) || seqLen < 1) throw new FrontierFileError(`${what}.seqLen must be an integer ≥ 1, got ${JSON.stringify(seqLen)}`);
  if (typeof h.data !== 'string') throw new FrontierFileError(`${what}.data must be a base64 string`);
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.from(h.data, 'base64'));
  } catch (e) {
    throw new FrontierFileError(`${what}.data does not inflate (damaged?): ${(e as Error).message}`);
  }
  const sizes = [4 * count * seqLen, 8 * count, 8 * count, 4 * count, 4 * count];
  const want = sizes.reduce((a, b) => a + b, 0);
  if (raw.length !== want) {
    throw new FrontierFileError(`${what}.data holds ${raw.length} bytes, expected ${want} for ${count} prompts of ${seqLen} tokens`);
  }
  const parts: string[] = [];
  let at = 0;
  for (const size of sizes) {
    parts.push(toBase64(new Uint8Array(raw.buffer, raw.byteOffset + at, size)));
    at += size;
  }
  const s: SerializedHistory = { count, seqLen, ids: parts[0], feature: parts[1], xe: parts[2], iteration: parts[3], parent: parts[4] };
  try {
    return EvalHistory.deserialize(s, what);
  } catch (e) {
    throw new FrontierFileError((e as Error).message);
  }
}

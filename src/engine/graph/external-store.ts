/**
 * ONNX external data: large initializers live in one file beside the model files instead of inside
 * each protobuf, so a model has no 2 GiB cap and every graph of a dream points at the same bytes.
 * Each distinct array is written once (the graphs share the weights' typed arrays), at an offset
 * aligned to 64 KiB so ONNX Runtime can memory-map it: mapped pages are shared by all sessions and
 * backed by the file, not copied per session.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TypedArray } from './dtype';

/** ONNX Runtime maps external data when the offset is a multiple of the allocation granularity (64 KiB on Windows, a page elsewhere). */
export const EXTERNAL_ALIGNMENT = 64 * 1024;
/** Smaller initializers (biases, masks, scalars) stay inline. */
export const EXTERNAL_MIN_BYTES = 4096;
export const EXTERNAL_FILE = 'weights.bin';
const WRITE_CHUNK = 1 << 30;

export class ExternalStore {
  private readonly fd: number;
  private readonly offsets = new WeakMap<ArrayBuffer | SharedArrayBuffer, Map<string, number>>();
  private size = 0;
  private models = 0;
  private closed = false;
  /** Told the bytes of each array written (load progress for large models). */
  onWrite?: (bytes: number) => void;

  /** A store in `dir` (default: a new temporary folder, removed by dispose). */
  constructor(readonly dir: string = mkdtempSync(join(tmpdir(), 'reverie-weights-')), private readonly owned = true) {
    this.fd = openSync(join(dir, EXTERNAL_FILE), 'w');
  }

  /** Where `data` is in the file, writing it first if it is new. */
  place(data: TypedArray): { offset: number; length: number } {
    if (this.closed) throw new Error('the weight store was disposed');
    let byView = this.offsets.get(data.buffer);
    if (!byView) this.offsets.set(data.buffer, (byView = new Map()));
    const key = `${data.byteOffset}:${data.byteLength}`;
    let offset = byView.get(key);
    if (offset === undefined) {
      offset = Math.ceil(this.size / EXTERNAL_ALIGNMENT) * EXTERNAL_ALIGNMENT;
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      let written = 0;
      // One write is limited to 2 GiB (a Gemma-2-2B embedding is 2.4 GB as fp32).
      while (written < bytes.length) written += writeSync(this.fd, bytes, written, Math.min(WRITE_CHUNK, bytes.length - written), offset + written);
      this.size = offset + bytes.length;
      byView.set(key, offset);
      this.onWrite?.(bytes.length);
    }
    return { offset, length: data.byteLength };
  }

  /** Bytes in the file (with alignment padding). */
  get bytes(): number {
    return this.size;
  }

  /** A fresh path for a model file whose external data is this store's file. */
  modelPath(name: string): string {
    return join(this.dir, `${name.replace(/[^\w.-]/g, '_')}-${++this.models}.onnx`);
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    if (this.owned) rmSync(this.dir, { recursive: true, force: true });
  }
}

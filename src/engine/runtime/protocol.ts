/** The engine worker's methods: sessions created from serialised graphs, run by id. */
import type { SessionOptions, TensorData, Provider } from './ort';

export type SessionApi = {
  create: { req: { model: Uint8Array; options: SessionOptions }; res: { session: number; provider: Provider; warning?: string; inputNames: string[]; outputNames: string[] } };
  run: { req: { session: number; feeds: Record<string, TensorData>; fetches?: string[] }; res: Record<string, TensorData> };
  release: { req: { session: number }; res: void };
  ping: { req: void; res: number };
};

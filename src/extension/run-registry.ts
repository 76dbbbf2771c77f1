/**
 * What the host remembers about open dream panels (in workspace state), so that after a window
 * reload the panel serializer can bring each back: the feature and model it dreamed, and its runs
 * with their checkpoint files. No vscode here: the store is anything Memento-shaped.
 */
import type { EpoConfig } from '../engine/epo/config';
import type { FeatureSource, RunRecord } from '../worker/worker-protocol';

export interface Store {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

/** A feature as recorded: a file feature's trust is decided again when it is restored. */
export type RecordedFeature =
  | { kind: 'file'; file: string; exportName: string; workspaceRoot: string }
  | { kind: 'neuron'; spec: string }
  | { kind: 'logit'; text: string };

export interface PanelRecord {
  sessionId: string;
  title: string;
  feature: RecordedFeature;
  /** A model chosen instead of the feature's own (Choose Folder…). */
  modelRef?: string;
  config: Partial<EpoConfig>;
  runs: RunRecord[];
  /** The frontier file last saved from this panel (shown when no run can be restored). */
  frontierPath?: string;
  updatedAt: string;
}

const KEY = 'reverie.panels';

export function recordFeature(f: FeatureSource): RecordedFeature {
  return f.kind === 'file' ? { kind: 'file', file: f.file, exportName: f.exportName, workspaceRoot: f.workspaceRoot } : f;
}

export function featureSource(f: RecordedFeature, trusted: boolean): FeatureSource {
  return f.kind === 'file' ? { ...f, trusted } : f;
}

export class RunRegistry {
  constructor(private readonly store: Store, private readonly now: () => Date = () => new Date()) {}

  private all(): Record<string, PanelRecord> {
    const v = this.store.get<Record<string, PanelRecord>>(KEY);
    return v && typeof v === 'object' ? v : {};
  }

  get(sessionId: string): PanelRecord | undefined {
    return this.all()[sessionId];
  }

  list(): PanelRecord[] {
    return Object.values(this.all());
  }

  async put(record: Omit<PanelRecord, 'updatedAt'>): Promise<void> {
    await this.store.update(KEY, { ...this.all(), [record.sessionId]: { ...record, updatedAt: this.now().toISOString() } });
  }

  /** Merges `patch` into a known record (ignored for an unknown one: the panel was closed meanwhile). */
  async update(sessionId: string, patch: Partial<Omit<PanelRecord, 'sessionId' | 'updatedAt'>>): Promise<void> {
    const all = this.all();
    if (!all[sessionId]) return;
    await this.store.update(KEY, { ...all, [sessionId]: { ...all[sessionId], ...patch, updatedAt: this.now().toISOString() } });
  }

  async remove(sessionId: string): Promise<void> {
    const all = this.all();
    if (!all[sessionId]) return;
    delete all[sessionId];
    await this.store.update(KEY, all);
  }

  /** Forgets records not touched for `days` (panels whose webview never came back). */
  async prune(days: number): Promise<void> {
    const all = this.all();
    const limit = this.now().getTime() - days * 86_400_000;
    const keep = Object.fromEntries(Object.entries(all).filter(([, r]) => !(Date.parse(r.updatedAt) < limit)));
    if (Object.keys(keep).length !== Object.keys(all).length) await this.store.update(KEY, keep);
  }

  /** Checkpoint files some record still needs (others in workspace storage can be deleted). */
  checkpointsInUse(): Set<string> {
    return new Set(this.list().flatMap((r) => r.runs.map((x) => x.checkpointPath).filter((p): p is string => !!p)));
  }
}

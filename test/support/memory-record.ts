import type {
  RecordedKind,
  RecordSummary,
  SentEntity,
  SyncRecord,
  UploadedMedia,
} from '../../src/state/record';

/**
 * An in-memory SyncRecord with the PostgreSQL record's semantics, for unit tests: entities keyed
 * by source, key and language (insert or replace), media by unique identifier. `calls` counts
 * each method's calls, so a test can check "one round trip per page".
 */
export class MemoryRecord implements SyncRecord {
  readonly entities = new Map<string, SentEntity>();
  readonly uploads = new Map<string, UploadedMedia>();
  readonly completeRuns: { runId: string; completedAt: number }[] = [];
  readonly calls: Record<string, number> = {};

  private count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
  }

  private static id(source: string, key: string, language: string): string {
    return JSON.stringify([source, key, language]);
  }

  /** The recorded entity, for assertions. */
  get(source: string, key: string, language: string): SentEntity | undefined {
    return this.entities.get(MemoryRecord.id(source, key, language));
  }

  async lastSent(source: string, language: string, keys: string[]): Promise<Map<string, SentEntity>> {
    this.count('lastSent');
    const out = new Map<string, SentEntity>();
    for (const key of keys) {
      const found = this.get(source, key, language);
      if (found) out.set(key, structuredClone(found));
    }
    return out;
  }

  async recordSent(entities: SentEntity[]): Promise<SentEntity[]> {
    this.count('recordSent');
    const now = Date.now();
    const superseded: SentEntity[] = [];
    for (const e of entities) {
      const held = this.get(e.source, e.key, e.language);
      const newer =
        held &&
        (held.lastUpdate !== undefined && e.lastUpdate !== undefined
          ? held.lastUpdate > e.lastUpdate
          : held.readAt > e.readAt);
      if (newer) {
        superseded.push(e);
        continue;
      }
      this.entities.set(MemoryRecord.id(e.source, e.key, e.language), {
        ...structuredClone(e),
        fullSyncRunId: e.fullSyncRunId ?? held?.fullSyncRunId,
        recordedAt: now,
      });
    }
    return superseded;
  }

  async recordSeen(source: string, language: string, keys: string[], fullSyncRunId: string): Promise<void> {
    this.count('recordSeen');
    for (const key of keys) {
      const found = this.get(source, key, language);
      if (found) found.fullSyncRunId = fullSyncRunId;
    }
  }

  async entitiesOf(bluestoneId: string): Promise<SentEntity[]> {
    this.count('entitiesOf');
    return [...this.entities.values()].filter((e) => e.bluestoneId === bluestoneId);
  }

  async uploadedMedia(uniqueIdentifiers: string[]): Promise<Map<string, UploadedMedia>> {
    this.count('uploadedMedia');
    const out = new Map<string, UploadedMedia>();
    for (const uid of uniqueIdentifiers) {
      const found = this.uploads.get(uid);
      if (found) out.set(uid, { ...found });
    }
    return out;
  }

  async recordUploads(media: UploadedMedia[]): Promise<void> {
    this.count('recordUploads');
    for (const m of media) this.uploads.set(m.uniqueIdentifier, { ...m });
  }

  async isEmpty(source: string): Promise<boolean> {
    this.count('isEmpty');
    return ![...this.entities.values()].some((e) => e.source === source);
  }

  async recordFullSyncComplete(runId: string): Promise<void> {
    this.count('recordFullSyncComplete');
    this.completeRuns.push({ runId, completedAt: Date.now() });
  }

  async summary(): Promise<RecordSummary> {
    this.count('summary');
    const counts = new Map<
      string,
      { source: string; language: string; kind: RecordedKind; entities: number }
    >();
    for (const e of this.entities.values()) {
      const id = JSON.stringify([e.source, e.language, e.kind]);
      const row = counts.get(id) ?? { source: e.source, language: e.language, kind: e.kind, entities: 0 };
      row.entities++;
      counts.set(id, row);
    }
    return {
      sources: [...counts.values()],
      uploadedMedia: this.uploads.size,
      lastCompleteFullSync: this.completeRuns.at(-1),
    };
  }

  async forget(source: string, keys: string[]): Promise<void> {
    this.count('forget');
    const gone = new Set(keys);
    for (const [id, e] of this.entities) if (e.source === source && gone.has(e.key)) this.entities.delete(id);
  }

  async forgetUploads(uniqueIdentifiers: string[]): Promise<void> {
    this.count('forgetUploads');
    for (const uid of uniqueIdentifiers) this.uploads.delete(uid);
  }
}

import type {
  DryRunNote,
  DryRunSends,
  RecordedKind,
  RecordSummary,
  SentEntity,
  SightingQuery,
  SyncRecord,
  UnseenKey,
  UnseenTally,
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
  /** Dry runs' scratch notes, by run id, then source, language and key. */
  readonly dryRuns = new Map<string, Map<string, DryRunNote>>();
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
        held.bluestoneId === e.bluestoneId &&
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

  async sentOfIds(source: string, bluestoneIds: string[]): Promise<SentEntity[]> {
    this.count('sentOfIds');
    const ids = new Set(bluestoneIds);
    return [...this.entities.values()]
      .filter((e) => e.source === source && ids.has(e.bluestoneId))
      .map((e) => structuredClone(e));
  }

  async mediaShownByOthers(mediaKeys: string[], exceptIds: string[]): Promise<Set<string>> {
    this.count('mediaShownByOthers');
    const wanted = new Set(mediaKeys);
    const except = new Set(exceptIds);
    const shown = new Set<string>();
    for (const e of this.entities.values()) {
      if (except.has(e.bluestoneId)) continue;
      for (const key of e.mediaKeys ?? []) if (wanted.has(key)) shown.add(key);
    }
    return shown;
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

  async recordSeenIds(
    source: string,
    language: string,
    bluestoneIds: string[],
    fullSyncRunId: string,
  ): Promise<void> {
    this.count('recordSeenIds');
    const ids = new Set(bluestoneIds);
    for (const e of this.entities.values())
      if (e.source === source && e.language === language && ids.has(e.bluestoneId))
        e.fullSyncRunId = fullSyncRunId;
  }

  /** The source's rows in the languages read, by key in key order, each with whether it counts as seen. */
  private sightings(query: SightingQuery): Map<string, { row: SentEntity; kept: boolean }[]> {
    const notes = this.dryRuns.get(query.runId);
    const byKey = new Map<string, { row: SentEntity; kept: boolean }[]>();
    const rows = [...this.entities.values()]
      .filter((e) => e.source === query.source && query.languages.includes(e.language))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const row of rows) {
      const seen = query.dryRun
        ? notes?.has(MemoryRecord.id(row.source, row.key, row.language)) === true
        : row.fullSyncRunId === query.runId;
      const kept = seen || (row.recordedAt ?? 0) >= query.startedAt;
      byKey.set(row.key, [...(byKey.get(row.key) ?? []), { row, kept }]);
    }
    return byKey;
  }

  async unseenTally(query: SightingQuery, sampleSize: number): Promise<UnseenTally> {
    this.count('unseenTally');
    const keys = this.sightings(query);
    const gone = [...keys].filter(([, rows]) => rows.every((r) => !r.kept)).map(([key]) => key);
    return {
      recorded: keys.size,
      gone: { count: gone.length, samples: gone.slice(0, sampleSize) },
      languages: query.languages.map((language) => {
        const rows = [...keys.values()].flatMap((all) =>
          all
            .filter((r) => r.row.language === language)
            .map((r) => ({ ...r, keyKept: all.some((a) => a.kept) })),
        );
        const cleared = rows.filter((r) => r.keyKept && !r.kept).map((r) => r.row.key);
        return {
          language,
          recorded: rows.length,
          count: cleared.length,
          samples: cleared.slice(0, sampleSize),
        };
      }),
    };
  }

  async unseenKeys(query: SightingQuery, after: string | undefined, limit: number): Promise<UnseenKey[]> {
    this.count('unseenKeys');
    return [...this.sightings(query)]
      .filter(([key, rows]) => (after === undefined || key > after) && rows.some((r) => !r.kept))
      .slice(0, limit)
      .map(([key, rows]) => ({
        key,
        bluestoneId: rows[0].row.bluestoneId,
        gone: rows.every((r) => !r.kept),
        unseen: rows
          .filter((r) => !r.kept)
          .map((r) => ({ language: r.row.language, properties: [...r.row.properties] })),
      }));
  }

  async forgetLanguage(source: string, language: string, keys: string[]): Promise<void> {
    this.count('forgetLanguage');
    for (const key of keys) this.entities.delete(MemoryRecord.id(source, key, language));
  }

  async uploadsOfAssets(assetIds: string[]): Promise<UploadedMedia[]> {
    this.count('uploadsOfAssets');
    const ids = new Set(assetIds);
    return [...this.uploads.values()].filter((u) => ids.has(u.assetId)).map((u) => ({ ...u }));
  }

  async noteDryRun(runId: string, notes: DryRunNote[]): Promise<void> {
    this.count('noteDryRun');
    const run = this.dryRuns.get(runId) ?? new Map<string, DryRunNote>();
    this.dryRuns.set(runId, run);
    const keyed = notes.flatMap((n) =>
      n.key !== undefined
        ? [n]
        : [...this.entities.values()]
            .filter(
              (e) => e.source === n.source && e.language === n.language && e.bluestoneId === n.bluestoneId,
            )
            .map((e) => ({ ...n, key: e.key })),
    );
    for (const n of keyed) {
      const id = MemoryRecord.id(n.source, n.key!, n.language);
      const held = run.get(id);
      run.set(id, {
        source: n.source,
        language: n.language,
        key: n.key,
        action: held?.action === 'send' ? 'send' : n.action,
        clearing: Math.max(held?.clearing ?? 0, n.clearing ?? 0),
      });
    }
  }

  async dryRunSends(runId: string, sampleSize: number): Promise<DryRunSends[]> {
    this.count('dryRunSends');
    const groups = new Map<string, DryRunSends>();
    const sends = [...(this.dryRuns.get(runId)?.values() ?? [])]
      .filter((n) => n.action === 'send')
      .sort((a, b) => (a.key! < b.key! ? -1 : a.key! > b.key! ? 1 : 0));
    for (const n of sends) {
      const id = JSON.stringify([n.source, n.language]);
      const group = groups.get(id) ?? {
        source: n.source,
        language: n.language,
        count: 0,
        clearing: 0,
        samples: [],
      };
      group.count++;
      if ((n.clearing ?? 0) > 0) group.clearing++;
      if (group.samples.length < sampleSize) group.samples.push(n.key!);
      groups.set(id, group);
    }
    return [...groups.values()].sort((a, b) =>
      a.source === b.source ? (a.language < b.language ? -1 : 1) : a.source < b.source ? -1 : 1,
    );
  }

  async forgetDryRun(runId: string): Promise<void> {
    this.count('forgetDryRun');
    this.dryRuns.delete(runId);
  }
}

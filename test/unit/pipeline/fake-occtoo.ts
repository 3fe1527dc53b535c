import type { OcctooClient } from '../../../src/occtoo/client';
import type { LinkUpload, MediaFileDto, OcctooEntity } from '../../../src/occtoo/types';

/**
 * A stand-in for Occtoo's ingest and media API in unit tests: it merges imports the way Occtoo
 * does (per property id and language; a null value removes the property), refuses the keys a
 * test names, and counts imports, lookups and uploads.
 */
export class FakeOcctoo {
  /** Stored entities per source, then key. */
  readonly sources = new Map<string, Map<string, OcctooEntity>>();
  /** Every import call: source and the entities it carried. */
  readonly imports: { source: string; entities: OcctooEntity[] }[] = [];
  readonly lookups: string[][] = [];
  readonly uploads: string[] = [];
  private readonly files = new Map<string, MediaFileDto>();
  /** Keys Occtoo refuses (as it would an invalid entity). */
  readonly refuse = new Set<string>();

  /** The entity as Occtoo holds it, with its properties sorted, or undefined. */
  entity(source: string, key: string): OcctooEntity | undefined {
    const e = this.sources.get(source)?.get(key);
    if (!e) return undefined;
    const sortKey = (p: { id: string; language?: string }) => `${p.id}@${p.language ?? ''}`;
    const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return { key, properties: [...e.properties].sort((a, b) => order(sortKey(a), sortKey(b))) };
  }

  /** Entities imported into a source, over every call. */
  imported(source: string): OcctooEntity[] {
    return this.imports.filter((i) => i.source === source).flatMap((i) => i.entities);
  }

  client(): OcctooClient {
    const fake: Pick<OcctooClient, 'importEntities' | 'findFilesByUniqueIds' | 'uploadFromLink'> = {
      importEntities: async (source, entities) => {
        const accepted = entities.filter((e) => !this.refuse.has(e.key));
        this.imports.push({ source, entities: structuredClone(accepted) });
        const store = this.sources.get(source) ?? new Map<string, OcctooEntity>();
        this.sources.set(source, store);
        for (const e of accepted) merge(store, e);
        return {
          accepted: accepted.length,
          batches: 1,
          rejected: entities
            .filter((e) => this.refuse.has(e.key))
            .map((e) => ({ key: e.key, reasons: ['refused by the test'] })),
          importIds: [],
        };
      },
      findFilesByUniqueIds: async (uids) => {
        this.lookups.push([...uids]);
        return new Map(uids.flatMap((uid) => (this.files.has(uid) ? [[uid, this.files.get(uid)!]] : [])));
      },
      uploadFromLink: async (upload: LinkUpload) => {
        this.uploads.push(upload.uniqueIdentifier);
        const file = {
          id: `file-${upload.uniqueIdentifier}`,
          publicUrl: `https://cdn.example.com/${upload.uniqueIdentifier}`,
          uniqueIdentifier: upload.uniqueIdentifier,
        };
        this.files.set(upload.uniqueIdentifier, file);
        return file;
      },
    };
    return fake as OcctooClient;
  }
}

function merge(store: Map<string, OcctooEntity>, incoming: OcctooEntity): void {
  if (incoming.delete) {
    store.delete(incoming.key);
    return;
  }
  const slot = (p: { id: string; language?: string }) => `${p.id}\u0000${p.language ?? ''}`;
  const props = new Map((store.get(incoming.key)?.properties ?? []).map((p) => [slot(p), p]));
  for (const p of incoming.properties) {
    if (p.value === null) props.delete(slot(p));
    else props.set(slot(p), p);
  }
  store.set(incoming.key, { key: incoming.key, properties: [...props.values()] });
}

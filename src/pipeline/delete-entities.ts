import { deleteEntity } from '../mapping';
import type { OcctooClient } from '../occtoo/client';
import { pushEntities } from '../occtoo/push';
import type { SyncRecord } from '../state/record';

export interface DeleteDeps {
  occtoo: OcctooClient;
  record?: SyncRecord;
  batchSize: number;
  importConcurrency?: number;
  /** The run's id on the delete imports (pushEntities falls back to the activity's run). */
  correlationId?: string;
}

export interface DeleteOutcome {
  /** Keys Occtoo accepted the delete of (and the record forgot). */
  deleted: string[];
  /** Keys Occtoo refused to delete, and why: they stay in the record, so a later run tries again. */
  refused: { key: string; reason: string }[];
}

/**
 * Deletes entities from one Occtoo data source by key and forgets them in the record, so that an
 * entity that comes back is sent in full (otherwise "unchanged" would skip it for good).
 */
export async function deleteEntities(
  deps: DeleteDeps,
  source: string,
  keys: string[],
  signal?: AbortSignal,
): Promise<DeleteOutcome> {
  const unique = [...new Set(keys)];
  if (unique.length === 0) return { deleted: [], refused: [] };
  const pushed = await pushEntities(deps.occtoo, source, unique.map(deleteEntity), {
    concurrency: deps.importConcurrency ?? 4,
    batchSize: deps.batchSize,
    correlationId: deps.correlationId,
    signal,
  });
  const refused = new Set(pushed.setAside.map((s) => s.key));
  const deleted = unique.filter((k) => !refused.has(k));
  await deps.record?.forget(source, deleted);
  return { deleted, refused: pushed.setAside.map((s) => ({ key: s.key, reason: s.reason })) };
}

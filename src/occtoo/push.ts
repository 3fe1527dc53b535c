import { ApiError, FailureType } from '../http/api-error';
import { mapWithConcurrency } from '../http/concurrency';
import { prepareImport } from './batching';
import { recordImportLatency } from '../telemetry';
import type { OcctooClient } from './client';
import type { OcctooEntity } from './types';

export interface PushOptions {
  /** Import calls in flight at once. */
  concurrency: number;
  /** Entities per import call. */
  batchSize: number;
  correlationId?: string;
  signal?: AbortSignal;
}

export interface PushResult {
  sent: number;
  /** Entities Occtoo would not take, by key, with the reason. */
  setAside: { key: string; reason: string }[];
}

/**
 * Pushes entities to one Occtoo source in batches, several calls at once. Entities that fail
 * Occtoo's rules are set aside before sending; if Occtoo still rejects a batch (it rejects a
 * payload whole), the batch is split until the bad entities are isolated and the rest goes through.
 */
export async function pushEntities(
  occtoo: OcctooClient,
  source: string,
  entities: OcctooEntity[],
  options: PushOptions,
): Promise<PushResult> {
  if (entities.length === 0) return { sent: 0, setAside: [] };
  const { batches, rejected } = prepareImport(entities, { maxBatchEntities: options.batchSize });
  const result: PushResult = {
    sent: 0,
    setAside: rejected.map((r) => ({ key: r.key, reason: r.reasons.join('; ') })),
  };
  const outcomes = await mapWithConcurrency(batches, options.concurrency, (batch) =>
    importIsolating(occtoo, source, batch, options),
  );
  for (const outcome of outcomes) {
    result.sent += outcome.sent;
    result.setAside.push(...outcome.setAside);
  }
  return result;
}

async function importIsolating(
  occtoo: OcctooClient,
  source: string,
  batch: OcctooEntity[],
  options: PushOptions,
): Promise<PushResult> {
  try {
    const started = performance.now();
    const imported = await occtoo.importEntities(source, batch, {
      correlationId: options.correlationId,
      signal: options.signal,
    });
    recordImportLatency(source, performance.now() - started);
    return {
      sent: imported.accepted,
      setAside: imported.rejected.map((r) => ({ key: r.key, reason: r.reasons.join('; ') })),
    };
  } catch (err) {
    if (!(err instanceof ApiError && err.type === FailureType.OcctooBadRequest)) throw err;
    if (batch.length === 1)
      return { sent: 0, setAside: [{ key: batch[0].key, reason: `Occtoo rejected it: ${err.message}` }] };
    const half = Math.ceil(batch.length / 2);
    const first = await importIsolating(occtoo, source, batch.slice(0, half), options);
    const second = await importIsolating(occtoo, source, batch.slice(half), options);
    return { sent: first.sent + second.sent, setAside: [...first.setAside, ...second.setAside] };
  }
}

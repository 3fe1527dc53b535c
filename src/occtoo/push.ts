import { ApiError, FailureType } from '../http/api-error';
import { mapWithConcurrency } from '../http/concurrency';
import { prepareImport } from './batching';
import { currentActivity, recordImportLatency } from '../telemetry';
import type { OcctooClient } from './client';
import type { OcctooEntity } from './types';

export interface PushOptions {
  /** Import calls in flight at once. */
  concurrency: number;
  /** Entities per import call. */
  batchSize: number;
  /**
   * Occtoo's `correlationId` on every import call: the sync run's id. Left out, the running
   * activity's workflow run id, so that no import of a run goes without one.
   */
  correlationId?: string;
  signal?: AbortSignal;
}

export interface PushResult {
  sent: number;
  /** Entities Occtoo would not take, by key, with the reason. */
  setAside: { key: string; reason: string }[];
}

/**
 * Entities rejected one by one, with none of the push accepted, after which a rejected batch is
 * set aside whole rather than split further: Occtoo then rejects everything (a schema change,
 * say), and isolating each entity would cost two requests per entity for nothing.
 */
export const SYSTEMIC_REJECTION_SAMPLE = 5;

/** The reason of entities set aside with their batch: one text, so that they count as one reason. */
export const REJECTED_WITH_BATCH =
  'not sent alone: Occtoo rejected its batch, and every entity of the same push that was sent alone (see their reason)';

/** How the batches of one push fared so far (shared by the batches in flight). */
interface Isolation {
  accepted: number;
  rejectedAlone: number;
}

/**
 * Pushes entities to one Occtoo source in batches, several calls at once. Entities that fail
 * Occtoo's rules are set aside before sending; if Occtoo still rejects a batch (it rejects a
 * payload whole), the batch is split until the bad entities are isolated and the rest goes through:
 * one bad entity in a batch of n costs about 2·log2(n) more requests, a batch of bad ones at most
 * 2n − 1. When Occtoo accepted nothing of the push and rejected SYSTEMIC_REJECTION_SAMPLE entities
 * alone, the batches it still rejects are set aside whole (one request each): nothing set aside is
 * recorded as sent, so the next sync tries those entities again.
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
  const isolation: Isolation = { accepted: 0, rejectedAlone: 0 };
  const importing = { ...options, correlationId: options.correlationId ?? activityRunId() };
  const outcomes = await mapWithConcurrency(batches, options.concurrency, (batch) =>
    importIsolating(occtoo, source, batch, importing, isolation),
  );
  for (const outcome of outcomes) {
    result.sent += outcome.sent;
    result.setAside.push(...outcome.setAside);
  }
  return result;
}

/** The workflow run of the activity pushing, if any (Temporal's run ids are the GUIDs Occtoo expects). */
function activityRunId(): string | undefined {
  return currentActivity()?.info.workflowExecution?.runId;
}

async function importIsolating(
  occtoo: OcctooClient,
  source: string,
  batch: OcctooEntity[],
  options: PushOptions,
  isolation: Isolation,
): Promise<PushResult> {
  try {
    const started = performance.now();
    const imported = await occtoo.importEntities(source, batch, {
      correlationId: options.correlationId,
      signal: options.signal,
    });
    recordImportLatency(source, performance.now() - started);
    isolation.accepted += imported.accepted;
    return {
      sent: imported.accepted,
      setAside: imported.rejected.map((r) => ({ key: r.key, reason: r.reasons.join('; ') })),
    };
  } catch (err) {
    if (!(err instanceof ApiError && err.type === FailureType.OcctooBadRequest)) throw err;
    if (batch.length === 1) {
      isolation.rejectedAlone++;
      return { sent: 0, setAside: [{ key: batch[0].key, reason: `Occtoo rejected it: ${err.message}` }] };
    }
    if (isolation.accepted === 0 && isolation.rejectedAlone >= SYSTEMIC_REJECTION_SAMPLE) {
      return { sent: 0, setAside: batch.map((e) => ({ key: e.key, reason: REJECTED_WITH_BATCH })) };
    }
    const half = Math.ceil(batch.length / 2);
    const first = await importIsolating(occtoo, source, batch.slice(0, half), options, isolation);
    const second = await importIsolating(occtoo, source, batch.slice(half), options, isolation);
    return { sent: first.sent + second.sent, setAside: [...first.setAside, ...second.setAside] };
  }
}

import { ApiError, FailureType } from '../http/api-error';
import { BluestoneClient } from '../bluestone/client';
import { DIFFERENCES_PAGE_SIZE } from '../bluestone/client';
import { workflowUiUrl } from '../client/syncs';
import type { Config } from '../config';
import type { FullSyncResult, IncrementalSyncResult, SetAsideEntity } from '../shared/sync-types';
import type { Client } from '@temporalio/client';
import type { Command } from './command';
import { UsageError } from '../command-line';
import { EXIT } from './errors';
import { time } from './format';
import { incrementalSync, fullSync } from '../workflows';
import { byType, deploymentQuery, listRuns, type SyncRun } from './visibility';
import { mappingNow, mappingNowLines } from './why-now';
import { openRecord, recordReadError, type OpenedRecord } from './record';
import { compareWithRecord, comparisonLines } from './why-record';

/** The product's last sync: which workflow, where the product was in it, and what became of it. */
export interface ProductSync {
  kind: 'incremental' | 'full';
  workflowId: string;
  runId: string;
  uiUrl: string;
  closeTime?: string;
  /** Incremental: the Bluestone sync and its context. */
  syncId?: string;
  context?: string;
  /** Full: the contexts it read. */
  contexts?: string[];
  /** Incremental: the product's difference and where it was in the sync's list. */
  difference?: { type: string; position: number; of: number; page: number; pageSize: number };
  outcome: 'sent' | 'set aside' | 'delete' | 'unknown';
  /** Why it was set aside, per context. */
  setAside: SetAsideEntity[];
  note?: string;
}

const DEFAULT_SYNCS_SEARCHED = 50;
/** Bluestone reads in flight while searching the syncs' differences. */
const SEARCH_CONCURRENCY = 5;

function syncIdOf(run: SyncRun): string | undefined {
  return run.syncId ?? run.workflowId.match(/\/incremental-(.+)$/)?.[1];
}

function setAsideOf(entries: readonly SetAsideEntity[], productId: string): SetAsideEntity[] {
  return entries.filter((s) => s.source === 'products' && s.id === productId);
}

/**
 * The newest applied incremental sync whose product differences name the product: this
 * deployment's completed incremental syncs, newest first, each sync's differences read from
 * Bluestone (a sync Bluestone no longer knows is passed over).
 */
async function lastIncrementalSync(
  client: Client,
  config: Config,
  bluestone: BluestoneClient,
  productId: string,
  limit: number,
): Promise<{ sync?: ProductSync; searched: number; unreadable: string[] }> {
  const runs = await listRuns(
    client,
    deploymentQuery(config, byType(incrementalSync.name), `ExecutionStatus = 'Completed'`),
    limit,
  );
  const unreadable: string[] = [];
  for (let i = 0; i < runs.length; i += SEARCH_CONCURRENCY) {
    const batch = runs.slice(i, i + SEARCH_CONCURRENCY);
    const differences = await Promise.all(
      batch.map(async (run) => {
        const syncId = syncIdOf(run);
        if (!syncId) return undefined;
        try {
          return await bluestone.allDifferences(syncId, 'products');
        } catch (err) {
          if (!(err instanceof ApiError && err.type === FailureType.BluestoneNotFound)) throw err;
          unreadable.push(syncId);
          return undefined;
        }
      }),
    );
    for (const [j, run] of batch.entries()) {
      const list = differences[j] ?? [];
      const position = list.findIndex((d) => d.id === productId);
      if (position < 0) continue;
      const result = (await client.workflow
        .getHandle(run.workflowId, run.runId)
        .result()) as IncrementalSyncResult;
      if (result.status !== 'applied') continue; // skipped: it sent nothing
      const type = list[position].diffType;
      const setAside = setAsideOf(result.setAside, productId);
      return {
        searched: i + j + 1,
        unreadable,
        sync: {
          kind: 'incremental',
          workflowId: run.workflowId,
          runId: run.runId,
          uiUrl: workflowUiUrl(config, run.workflowId, run.runId),
          closeTime: run.closeTime,
          syncId: result.syncId,
          context: result.context,
          difference: {
            type,
            position: position + 1,
            of: list.length,
            page: Math.floor(position / DIFFERENCES_PAGE_SIZE) + 1,
            pageSize: DIFFERENCES_PAGE_SIZE,
          },
          outcome: setAside.length ? 'set aside' : type === 'DELETE' ? 'delete' : 'sent',
          setAside,
          ...(type === 'DELETE' && !setAside.length
            ? {
                note: `a DELETE removes the product only when Bluestone no longer serves it: deleted from Occtoo in the default context, that language's values cleared in an additional one; with DELETE_ON_UNPUBLISH=false nothing is removed (now ${config.sync.deleteOnUnpublish})`,
              }
            : {}),
        },
      };
    }
  }
  return { searched: runs.length, unreadable };
}

/** The newest completed full sync that read products: it read every product published then. */
async function lastFullSync(
  client: Client,
  config: Config,
  productId: string,
): Promise<ProductSync | undefined> {
  const runs = await listRuns(
    client,
    deploymentQuery(config, byType(fullSync.name), `ExecutionStatus = 'Completed'`),
    20,
  );
  for (const run of runs) {
    const result = (await client.workflow.getHandle(run.workflowId, run.runId).result()) as FullSyncResult;
    if (!result.scope.products) continue;
    const setAside = setAsideOf(result.progress.setAside, productId);
    const unlisted = result.progress.setAsideCount - result.progress.setAside.length;
    return {
      kind: 'full',
      workflowId: run.workflowId,
      runId: run.runId,
      uiUrl: workflowUiUrl(config, run.workflowId, run.runId),
      closeTime: run.closeTime,
      contexts: result.scope.contexts,
      outcome: setAside.length ? 'set aside' : unlisted > 0 ? 'unknown' : 'sent',
      setAside,
      ...(!setAside.length && unlisted > 0
        ? {
            note: `${result.progress.setAsideCount} products were set aside and only the first ${result.progress.setAside.length} are listed: this one may be among the others`,
          }
        : {}),
    };
  }
  return undefined;
}

function syncLines(sync: ProductSync): string[] {
  const lines =
    sync.kind === 'incremental'
      ? [
          `incremental sync ${sync.workflowId} (closed ${time(sync.closeTime)})`,
          `  Temporal UI: ${sync.uiUrl}`,
          `  Bluestone sync ${sync.syncId}, context ${sync.context}`,
          `  Difference: ${sync.difference!.type}, item ${sync.difference!.position} of ${sync.difference!.of}, ` +
            `differences page ${sync.difference!.page} (${sync.difference!.pageSize} per page)`,
        ]
      : [
          `full sync ${sync.workflowId} (closed ${time(sync.closeTime)}), contexts ${sync.contexts!.join(', ')}`,
          `  Temporal UI: ${sync.uiUrl}`,
          '  A full sync reads every product Bluestone published when it ran.',
        ];
  if (sync.outcome === 'set aside') {
    for (const s of sync.setAside)
      lines.push(`  Set aside${s.context ? ` in ${s.context}` : ''}: ${s.reason}`);
  } else if (sync.outcome === 'sent') {
    lines.push('  Sent to Occtoo (unless a sync filter kept it out; see below)');
  } else if (sync.outcome === 'delete') {
    lines.push('  Outcome: DELETE difference');
  }
  if (sync.note) lines.push(`  Note: ${sync.note}`);
  return lines;
}

export const whyCommand: Command = {
  name: 'why',
  synopsis: '<productId> [--syncs N]',
  summary:
    "a product's last sync (workflow, difference, sent or set aside and why), what was last sent per language and what the mapping sends now",
  details: [
    'productId   the Bluestone product id',
    `--syncs N   how many recent incremental syncs to search (default ${DEFAULT_SYNCS_SEARCHED})`,
    'What was last sent comes from the record (DATABASE_URL, or the embedded database of npm start);',
    'when it cannot be reached, the rest is still shown.',
  ],
  options: { syncs: { type: 'string' } },
  positionals: { names: ['productId'], required: 1 },

  async run({ values, positionals, out, session }) {
    const productId = positionals[0].trim();
    if (!productId)
      throw new UsageError('why needs a Bluestone product id, e.g. why 65a1b2c3d4e5f6a7b8c9d0e1');
    const rawSyncs = values.syncs as string | undefined;
    const limit = rawSyncs === undefined ? DEFAULT_SYNCS_SEARCHED : Number(rawSyncs);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new UsageError(`--syncs must be a whole number from 1 to 1000 (got "${rawSyncs}")`);
    }
    const { client, config } = await session();
    const bluestone = new BluestoneClient({
      baseUrl: config.bluestone.apiUrl,
      apiKey: config.bluestone.apiKey,
      timeoutMs: 15_000,
      retry: { maxAttempts: 3 },
    });
    // The record is optional here: without it, `why` still says what Temporal and Bluestone know.
    let opened: OpenedRecord | undefined;
    let recordProblem: string | undefined;
    try {
      opened = await openRecord(config);
    } catch (err) {
      recordProblem = err instanceof Error ? err.message : String(err);
    }
    try {
      const uploads =
        opened && config.mapping.handleMedia === 'occtoo'
          ? // An unreadable record is reported below; the mapping then goes without the uploads.
            (ids: string[]) => opened.record.uploadedMedia(ids).catch(() => new Map())
          : undefined;
      const [incremental, full, now, recorded] = await Promise.all([
        lastIncrementalSync(client, config, bluestone, productId, limit),
        lastFullSync(client, config, productId),
        mappingNow(bluestone, config, productId, uploads),
        opened?.record.entitiesOf(productId).catch((err: unknown) => {
          recordProblem = recordReadError(err, opened!.where).message;
          return undefined;
        }),
      ]);
      const comparisons = recorded ? compareWithRecord(now, recorded, config) : undefined;
      // A full sync read the product only if Bluestone published it: it still does, or the sync
      // set it aside. Otherwise (an archived product, a mistyped id) it says nothing about it.
      const served = now.some((n) => n.served);
      const fullRead = full && (served || full.outcome === 'set aside') ? full : undefined;
      // The later of the two is the product's last sync; the other is shown as the one before.
      const candidates = [incremental.sync, fullRead].filter((s): s is ProductSync => s !== undefined);
      candidates.sort((a, b) => Date.parse(b.closeTime ?? '') - Date.parse(a.closeTime ?? ''));
      const [last, before] = candidates;

      out.line(`Product ${productId}`);
      out.line();
      if (last) {
        out.lines(syncLines(last).map((l, i) => (i === 0 ? `Last sync: ${l}` : l)));
        if (before) out.line(`Before that: ${syncLines(before)[0]}`);
      } else {
        out.line(
          `No sync of this deployment mentions it: not the last complete full sync, nor the last ${incremental.searched} incremental sync(s)`,
        );
      }
      if (incremental.unreadable.length) {
        out.line(
          `(${incremental.unreadable.length} incremental sync(s) no longer known to Bluestone were not searched)`,
        );
      }
      out.line();
      out.line('What was last sent, per language, and what a sync would change (the record):');
      if (comparisons) {
        out.lines(
          comparisons.length
            ? comparisonLines(comparisons)
            : ['  nothing recorded and nothing to send in any language'],
        );
      } else {
        out.line(`  not available: ${recordProblem}`);
      }
      out.line();
      out.line('What the mapping sends now:');
      out.lines(mappingNowLines(now, config, uploads !== undefined));
      out.document({
        productId,
        lastSync: last ?? null,
        before: before ?? null,
        searched: { incrementalSyncs: incremental.searched, unreadable: incremental.unreadable },
        record: comparisons ? { languages: comparisons } : { error: recordProblem },
        now,
      });
      const recordedAny = comparisons?.some((c) => c.lastSent) ?? false;
      return last || served || recordedAny ? EXIT.ok : EXIT.failed;
    } finally {
      bluestone.close();
      await opened?.close();
    }
  },
};

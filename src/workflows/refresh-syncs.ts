import { proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { SyncKind } from '../shared/search-attributes';
import type { RefreshSyncsInput, RefreshSyncsResult } from '../shared/sync-types';
import { awaitSyncOutcomesOptions, refreshStepOptions } from './activity-options';

const DEFAULT_LOOKBACK_DAYS = 5;

const SKIP_REASONS: Record<string, string> = {
  running: 'being applied now',
  applied: 'already applied',
  'covered-by-full-sync':
    'older than the last complete full sync, which read its data and removed what Bluestone no longer publishes',
};

/**
 * Missed-webhook recovery (Optimizely's "Refresh published products" with lookback days): lists
 * Bluestone's recent syncs and runs every one this deployment has not applied through the
 * coordinator — the webhook's own ordered path with the same per-sync workflow ids — so a sync
 * that its webhook already applied is never applied twice.
 */
export async function refreshSyncs(input: RefreshSyncsInput = {}): Promise<RefreshSyncsResult> {
  const quick = proxyActivities<Activities>(refreshStepOptions);
  const { awaitSyncOutcomes } = proxyActivities<Activities>(awaitSyncOutcomesOptions);
  upsertSearchAttributes([{ key: SyncKind, value: 'refresh' }]);

  const days = input.days ?? DEFAULT_LOOKBACK_DAYS;
  const found = await quick.listRecentSyncs({ days, contexts: input.contexts });
  const result: RefreshSyncsResult = {
    found: found.map(({ syncId, context, createdAt }) => ({ syncId, context, createdAt })),
    applied: [],
    skipped: [],
    failed: [],
  };
  const closed = found.filter((s) => !s.state || s.state === 'CLOSED');
  for (const s of found.filter((x) => !closed.includes(x))) {
    result.skipped.push({
      syncId: s.syncId,
      reason: `sync is ${s.state}, not CLOSED yet; a later refresh takes it`,
    });
  }
  const status = await quick.syncApplicationStatus({
    syncs: closed.map(({ syncId, createdAt }) => ({ syncId, createdAt })),
  });
  const toApply = closed.filter((s) => status[s.syncId] === 'not-applied' || status[s.syncId] === 'failed');
  for (const s of closed.filter((x) => !toApply.includes(x))) {
    result.skipped.push({ syncId: s.syncId, reason: SKIP_REASONS[status[s.syncId]] ?? status[s.syncId] });
  }
  setCurrentDetails(`**Refresh** (${days} days): ${found.length} syncs found, ${toApply.length} to apply`);

  if (toApply.length > 0) {
    // Runs that ended before this (failed ones, handed over again) are not the outcome awaited.
    const handedOverAt = Date.now();
    await quick.handSyncsToCoordinator({
      notices: toApply.map((s) => ({ syncId: s.syncId, context: s.context, via: 'refresh' })),
    });
    for (const outcome of await awaitSyncOutcomes({
      syncs: toApply.map(({ syncId, context }) => ({ syncId, context })),
      handedOverAt,
    })) {
      if (outcome.outcome === 'applied') result.applied.push(outcome.syncId);
      else if (outcome.outcome === 'skipped')
        result.skipped.push({ syncId: outcome.syncId, reason: outcome.detail ?? 'skipped' });
      else result.failed.push({ syncId: outcome.syncId, reason: outcome.detail ?? 'failed' });
    }
  }
  setCurrentDetails(
    `**Refresh** (${days} days): ${found.length} found, ${result.applied.length} applied, ` +
      `${result.skipped.length} skipped, ${result.failed.length} failed`,
  );
  return result;
}

import { allContexts, type Config } from '../config';
import type { FullSyncInput, ResyncInput } from '../shared/sync-types';

/**
 * The static summaries of the workflows the service starts: one line each in the Temporal UI's
 * list, naming what the run is ("Full sync · products · en, sv, de"). Parts are joined with " · ";
 * the workflows' children and activities use the same style (src/workflows).
 */

const SEPARATOR = ' · ';

/** "Full sync · categories and products · en, sv, de", with a dry run, force or mass delete named. */
export function fullSyncSummary(config: Pick<Config, 'bluestone'>, input: FullSyncInput): string {
  const categories = input.categories ?? true;
  const products = input.products ?? true;
  const scope = categories && products ? 'categories and products' : categories ? 'categories' : 'products';
  const contexts = allContexts(config).filter((c) => !input.contexts || input.contexts.includes(c.context));
  return [
    input.dryRun ? 'Dry run of a full sync' : 'Full sync',
    scope,
    contexts.map(shownContext).join(', ') || (input.contexts ?? []).join(', '),
    ...(input.force ? ['forced (every entity re-sent)'] : []),
    ...(input.allowMassDelete ? ['mass delete allowed'] : []),
  ].join(SEPARATOR);
}

/** "Sync coordinator · bluestone-occtoo": one per deployment (task queue). */
export function coordinatorSummary(taskQueue: string): string {
  return ['Sync coordinator', taskQueue].join(SEPARATOR);
}

/** "Refresh · syncs of the last 5 days · every 15m" (scheduled) or "· manual". */
export function refreshSummary(days: number, schedule?: string): string {
  return [
    'Refresh',
    `syncs of the last ${days} day${days === 1 ? '' : 's'}`,
    schedule ? `every ${schedule}` : 'manual',
  ].join(SEPARATOR);
}

/** "Setup data · manual", "Setup data · demo". */
export function setupSummary(startedBy: string): string {
  return ['Setup data', startedBy].join(SEPARATOR);
}

/** "Resync · product p-12 · en, l3471" or "Resync · 3 products". */
export function resyncSummary(input: ResyncInput): string {
  const [only] = input.productIds;
  return [
    'Resync',
    input.productIds.length === 1 ? `product ${only}` : `${input.productIds.length} products`,
    ...(input.contexts?.length ? [input.contexts.join(', ')] : []),
  ].join(SEPARATOR);
}

/** "Health check · deep readiness". */
export const HEALTH_CHECK_SUMMARY = ['Health check', 'deep readiness'].join(SEPARATOR);

/** A context by its Occtoo language, with the Bluestone context when they differ: "sv (l3471)". */
function shownContext(c: { context: string; language: string }): string {
  return c.context === c.language ? c.language : `${c.language} (${c.context})`;
}

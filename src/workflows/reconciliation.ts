import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { chunkActivityOptions, planOptions } from './activity-options';
import { FailureType } from '../shared/failures';
import type { DryRunReport, Reconciliation } from '../shared/reconciliation';
import type { FullSyncInput, FullSyncProgress } from '../shared/sync-types';

export interface ReconcileStep {
  /** The full sync's first run id. */
  runId: string;
  scope: { categories: boolean; products: boolean; contexts: string[] };
  input: Pick<FullSyncInput, 'dryRun' | 'allowMassDelete' | 'options'>;
  progress: FullSyncProgress;
  /** Shows the progress in the Temporal UI. */
  report(progress: FullSyncProgress): void;
}

/**
 * The end of a full sync whose streams all finished (issue #13): removes from Occtoo what this
 * service sent and Bluestone no longer publishes. Counted first; over PRUNE_MAX_PERCENT the run
 * fails (typed, non-retryable: MassDeleteRefused) having removed nothing, unless
 * `allowMassDelete`. A dry run only counts, and returns its report.
 */
export async function reconcileFullSync(step: ReconcileStep): Promise<DryRunReport | undefined> {
  const { runId, scope, input, progress, report } = step;
  const dryRun = input.dryRun === true;
  const { planReconciliation, dryRunReport, forgetDryRun } = proxyActivities<Activities>(planOptions);
  const { reconcile } = proxyActivities<Activities>(
    chunkActivityOptions(input.options?.heartbeatTimeoutSeconds),
  );
  const reconcileInput = {
    runId,
    startedAt: Date.parse(progress.startedAt),
    scope,
    ...(dryRun ? { dryRun } : {}),
  };
  progress.phase = 'reconciling';
  report(progress);
  const plan = await planReconciliation({
    ...reconcileInput,
    ...(input.allowMassDelete ? { allowMassDelete: true } : {}),
  });
  progress.reconciliation = plan;
  report(progress);

  if (dryRun) {
    const { sends } = await dryRunReport({ runId });
    await forgetDryRun({ runId });
    const mediaUploads = progress.contexts.reduce(
      (n, c) => n + c.categories.mediaUploaded + c.products.mediaUploaded,
      0,
    );
    return { sends, mediaUploads, reconciliation: plan };
  }
  if (plan.refusal && !input.allowMassDelete) {
    const refused: Reconciliation = { ...plan, state: 'refused' };
    progress.reconciliation = refused;
    report(progress);
    throw ApplicationFailure.create({
      type: FailureType.MassDeleteRefused,
      nonRetryable: true,
      message: plan.refusal,
      details: [refused],
    });
  }
  const work = plan.sources.some((s) => s.deleted.count > 0 || s.cleared.some((c) => c.count > 0));
  progress.reconciliation = work ? await reconcile({ ...reconcileInput, plan }) : { ...plan, state: 'done' };
  report(progress);
  return undefined;
}

/** Empties a dry run's scratch notes when it failed: they are of no use to anyone. */
export async function forgetFailedDryRun(runId: string): Promise<void> {
  const { forgetDryRun } = proxyActivities<Activities>(planOptions);
  await forgetDryRun({ runId });
}

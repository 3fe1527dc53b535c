// The workflow bundle's entry: every workflow type the worker serves (workflow functions only;
// their inputs, results, signals and queries are in src/shared).
import type { VersioningBehavior } from '@temporalio/common';
import { setWorkflowOptions, workflowInfo, type Workflow } from '@temporalio/workflow';
import { healthCheck } from './health-check';
import { fullSync } from './full-sync';
import { incrementalSync } from './incremental-sync';
import { syncCoordinator } from './sync-coordinator';
import { archiveProducts } from './archive-products';
import { refreshSyncs } from './refresh-syncs';
import { setupSync } from './setup-sync';
import { resyncProducts } from './resync-products';

export {
  healthCheck,
  fullSync,
  incrementalSync,
  syncCoordinator,
  archiveProducts,
  refreshSyncs,
  setupSync,
  resyncProducts,
};

/*
 * Worker Deployment Versioning (only when the worker runs versioned: WORKER_DEPLOYMENT_NAME and
 * WORKER_BUILD_ID). A run with an end finishes on the version that started it (PINNED): a full
 * sync's cursors and counts are read by the code that wrote them, and no patch is needed for
 * it. The workflows that run for months, the coordinator and the refresh, move to the current
 * version at their next task (AUTO_UPGRADE, the worker's default): their changes need patched().
 * An unversioned worker must not name a behavior (the SDK refuses the task), hence the getter.
 */
function versioning(behavior: VersioningBehavior, workflows: Workflow[]): void {
  for (const workflow of workflows) {
    setWorkflowOptions(
      // An unversioned worker reports a build id (its bundle's) but no deployment name.
      () => (workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior: behavior } : {}),
      workflow,
    );
  }
}
versioning('PINNED', [fullSync, setupSync, incrementalSync, archiveProducts, resyncProducts]);
versioning('AUTO_UPGRADE', [syncCoordinator, refreshSyncs, healthCheck]);

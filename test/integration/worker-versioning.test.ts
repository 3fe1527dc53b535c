/**
 * Worker Deployment Versioning (WORKER_DEPLOYMENT_NAME, WORKER_BUILD_ID): two versions of one
 * deployment poll one task queue. A full sync started on the current version A finishes there
 * (PINNED) although B became current meanwhile; a run started after that goes to B, and the
 * coordinator (AUTO_UPGRADE), started on A, applies its next sync on B.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { startFullSync } from '../../src/client/syncs';
import { startOnce } from '../../src/cli/start';
import type { Config } from '../../src/config';
import type { RunningService } from '../../src/service';
import { signalSyncDone } from '../../src/client/webhooks';
import {
  incrementalSyncWorkflowId,
  syncCoordinatorWorkflowId,
  type FullSyncResult,
  type SyncDoneNotice,
} from '../../src/shared/sync-types';
import { setupSync } from '../../src/workflows/setup-sync';
import { testConfig } from '../support/config';
import { waitFor } from '../support/processes';
import { startTestService, withOwnDatabase } from '../support/service';
import { startSims, type Sims } from '../support/sims';
import { bundleWorkflows, connectTestEnv, uniqueTaskQueue } from '../support/temporal';

const { VersioningBehavior } = temporal.api.enums.v1;

describe('worker versioning', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundle;
  let sims: Sims | undefined;
  const services: RunningService[] = [];
  let taskQueue: string | undefined;

  /** A change published in Bluestone whose webhook is left to the test: the coordinator's notice. */
  function publishSync(): SyncDoneNotice {
    const context = sims!.catalog.contexts[0].context;
    const product = sims!.catalog.productsIn(context)[0];
    const [sync] = sims!.bluestone.publish({
      contexts: [context],
      change: [product.id],
      deliver: false,
    }).syncs;
    return { syncId: sync.id, context, via: 'webhook' };
  }

  async function waitForResult(workflowId: string): Promise<void> {
    const handle = env.client.workflow.getHandle(workflowId);
    await waitFor(`${workflowId} to start`, () => handle.describe().then(() => true));
    await handle.result();
  }

  beforeAll(async () => {
    env = await connectTestEnv();
    workflowBundle = await bundleWorkflows();
  });
  afterAll(async () => {
    if (taskQueue)
      await env.client.workflow
        .getHandle(syncCoordinatorWorkflowId(taskQueue))
        .terminate()
        .catch(() => undefined);
    for (const service of services) await service.stop();
    await sims?.close();
    await env?.teardown();
  });

  /** Makes a version current as an operator would (the CLI's set-current-version), once its worker polls. */
  async function makeCurrent(client: Client, config: Config): Promise<void> {
    const { namespace } = config.temporal;
    const { deploymentName, buildId } = config.temporal.deployment!;
    // The server knows a version once its worker has polled.
    await waitFor(`version ${buildId} to be known`, async () => {
      await client.workflowService.setWorkerDeploymentCurrentVersion({
        namespace,
        deploymentName,
        buildId,
        identity: 'worker-versioning test',
      });
      return true;
    });
    // Routing reaches the task queue asynchronously: new runs follow it once it has.
    await waitFor(`version ${buildId} to be current`, async () => {
      const { workerDeploymentInfo: info } = await client.workflowService.describeWorkerDeployment({
        namespace,
        deploymentName,
      });
      const routed =
        info?.routingConfig?.currentDeploymentVersion?.buildId === buildId &&
        info.routingConfigUpdateState !==
          temporal.api.enums.v1.RoutingConfigUpdateState.ROUTING_CONFIG_UPDATE_STATE_IN_PROGRESS;
      return routed ? true : undefined;
    });
  }

  /** The build ids of the workers that completed the run's workflow tasks, and its versioning behavior. */
  async function versionsOf(
    workflowId: string,
  ): Promise<{ buildIds: string[]; behavior: string; lastTaskAt: number }> {
    const handle = env.client.workflow.getHandle(workflowId);
    const history = await handle.fetchHistory();
    const buildIds = new Set<string>();
    let lastTaskAt = 0;
    for (const event of history.events ?? []) {
      const done = event.workflowTaskCompletedEventAttributes;
      if (!done) continue;
      buildIds.add(done.deploymentVersion?.buildId ?? 'unversioned');
      lastTaskAt =
        Number(event.eventTime?.seconds ?? 0) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);
    }
    const info = (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo;
    return { buildIds: [...buildIds], behavior: VersioningBehavior[info?.behavior ?? 0], lastTaskAt };
  }

  it('finishes a pinned full sync on the version that started it; new runs and the coordinator move to the current one', async () => {
    sims = await startSims({ catalog: { products: 20 } });
    const deployment = `bos-test-${randomUUID().slice(0, 8)}`;
    const base = await withOwnDatabase(
      testConfig({
        ...sims.env,
        TEMPORAL_TASK_QUEUE: uniqueTaskQueue('versioning'),
        WORKER_DEPLOYMENT_NAME: deployment,
        WORKER_BUILD_ID: 'a',
        WORKER_METRICS_ADDRESS: 'off',
      }),
    );
    // Version B: the same deployment, task queue and record.
    taskQueue = base.temporal.taskQueue;
    const configB: Config = {
      ...base,
      temporal: { ...base.temporal, deployment: { deploymentName: deployment, buildId: 'b' } },
    };

    services.push(await startTestService(env, workflowBundle, base));
    await makeCurrent(env.client, base);
    // The coordinator starts on A with a first sync (the gateway's signal-with-start).
    const [first, second] = [publishSync(), publishSync()];
    await signalSyncDone(env.client, base.temporal, first);
    await waitForResult(incrementalSyncWorkflowId(base.temporal.taskQueue, first.syncId));
    // Bluestone answers slowly until B is current: the full sync is still running then.
    sims.bluestone.faults.set({ latencyMs: 1_000 });
    const full = await startFullSync(env.client, base, { products: true, categories: true });
    // Its first task was taken by A: from here on it is pinned there.
    await waitFor('the full sync to run on A', async () =>
      (await versionsOf(full.workflowId)).behavior === 'VERSIONING_BEHAVIOR_PINNED' ? true : undefined,
    );

    services.push(await startTestService(env, workflowBundle, configB));
    await makeCurrent(env.client, configB);
    const bCurrentAt = Date.now();
    expect((await env.client.workflow.getHandle(full.workflowId).describe()).status.name).toBe('RUNNING');
    sims.bluestone.faults.set({});

    const setup = await startOnce(env.client, configB, {
      workflow: setupSync,
      idPrefix: 'setup',
      kind: 'setup',
      args: [],
      summary: 'Setup data (test)',
    });
    await env.client.workflow.getHandle(setup.workflowId).result();
    // The coordinator moves to B at its next task: the second sync is applied there.
    await signalSyncDone(env.client, base.temporal, second);
    await waitForResult(incrementalSyncWorkflowId(base.temporal.taskQueue, second.syncId));
    const result = (await env.client.workflow.getHandle(full.workflowId).result()) as FullSyncResult;

    expect(result.status).toBe('completed');
    // The full sync went on after B became current, on A only.
    const fullVersions = await versionsOf(full.workflowId);
    expect(fullVersions).toMatchObject({ buildIds: ['a'], behavior: 'VERSIONING_BEHAVIOR_PINNED' });
    expect(fullVersions.lastTaskAt).toBeGreaterThan(bCurrentAt);
    expect(await versionsOf(setup.workflowId)).toMatchObject({
      buildIds: ['b'],
      behavior: 'VERSIONING_BEHAVIOR_PINNED',
    });
    expect(await versionsOf(syncCoordinatorWorkflowId(base.temporal.taskQueue))).toMatchObject({
      buildIds: ['a', 'b'],
      behavior: 'VERSIONING_BEHAVIOR_AUTO_UPGRADE',
    });
    expect(await versionsOf(incrementalSyncWorkflowId(base.temporal.taskQueue, first.syncId))).toMatchObject({
      buildIds: ['a'],
    });
    expect(await versionsOf(incrementalSyncWorkflowId(base.temporal.taskQueue, second.syncId))).toMatchObject(
      {
        buildIds: ['b'],
      },
    );
  }, 60_000);
});

/**
 * The Temporal UI tells the story: after a demo-sized run (a setup sync, a full sync, one change
 * published through the gateway) every workflow on the task queue carries a summary that names
 * what it is, the full sync's chunks name their source, context and pages, and its current
 * details show its progress. The refresh schedule's runs carry one too.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { defaultPayloadConverter } from '@temporalio/common';
import { workflowMetadataQuery } from '@temporalio/workflow';
import { startOnce } from '../../src/cli/start';
import { setupSummary } from '../../src/client/summaries';
import { startFullSync } from '../../src/client/syncs';
import { allContexts } from '../../src/config';
import { createLogger } from '../../src/logger';
import { syncCoordinatorWorkflowId } from '../../src/shared/sync-types';
import { ensureRefreshSchedule, refreshScheduleId } from '../../src/worker/schedules';
import { setupSync } from '../../src/workflows/setup-sync';
import { publishAndApply } from '../support/clearing';
import { waitFor } from '../support/processes';
import { startSyncFixture, type SyncFixture } from '../support/service';
import { bundleWorkflows, connectTestEnv } from '../support/temporal';

const SECRET = 'summaries-webhook-secret';

describe('workflow summaries', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundle;
  let fixture: SyncFixture | undefined;

  beforeAll(async () => {
    env = await connectTestEnv();
    workflowBundle = await bundleWorkflows();
  });
  afterAll(async () => {
    if (fixture) {
      await env.client.workflow
        .getHandle(syncCoordinatorWorkflowId(fixture.config.temporal.taskQueue))
        .terminate()
        .catch(() => undefined);
      await fixture.close();
    }
    await env?.teardown();
  });

  it('names every workflow of a demo-sized run, the full sync chunks, and the refresh schedule', async () => {
    fixture = await startSyncFixture(env, workflowBundle, {
      name: 'summaries',
      roles: 'all',
      config: { WEBHOOK_SECRET: SECRET, WORKER_METRICS_ADDRESS: 'off' },
    });
    const { sims, config, gateway } = fixture;
    const taskQueue = config.temporal.taskQueue;
    sims.bluestone.webhooks.configure({ url: gateway!.webhookUrl, secret: SECRET, secretMode: 'header' });

    // What the demo does: setup data, a full sync, one change published with its webhook.
    const setup = await startOnce(env.client, config, {
      workflow: setupSync,
      idPrefix: 'setup-sync',
      kind: 'setup',
      args: [],
      summary: setupSummary('manual'),
    });
    await env.client.workflow.getHandle(setup.workflowId).result();
    const full = await startFullSync(env.client, config, {});
    await env.client.workflow.getHandle(full.workflowId).result();
    const [en, sv] = allContexts(config);
    const product = sims.catalog.productsIn(sv.context)[0];
    const published = await publishAndApply(env, fixture, { contexts: [sv.context], change: [product.id] });
    const [sync] = published.syncs;

    const languages = allContexts(config)
      .map((c) => (c.context === c.language ? c.language : `${c.language} (${c.context})`))
      .join(', ');
    const expected = new Map([
      [setup.workflowId, 'Setup data · manual'],
      [full.workflowId, `Full sync · categories and products · ${languages}`],
      [`${full.workflowId}/setup`, 'Setup data · first step of a full sync'],
      [syncCoordinatorWorkflowId(taskQueue), `Sync coordinator · ${taskQueue}`],
      [`${taskQueue}/incremental-${sync.id}`, `Sync ${sync.id} · ${sv.context}`],
    ]);
    expect(languages).toContain(`${sv.language} (${sv.context})`);

    // Every workflow on the task queue, as the UI lists them (visibility catches up shortly).
    const listed = await waitFor('every workflow to be listed', async () => {
      const ids: string[] = [];
      for await (const w of env.client.workflow.list({ query: `TaskQueue = "${taskQueue}"` }))
        ids.push(w.workflowId);
      return ids.length >= expected.size ? ids : undefined;
    });
    const summaries = new Map<string, string | undefined>();
    for (const id of listed)
      summaries.set(id, await (await env.client.workflow.getHandle(id).describe()).staticSummary());
    expect(summaries).toEqual(expected);

    // The full sync's chunks: source, context and pages, one summary each.
    const history = await env.client.workflow.getHandle(full.workflowId).fetchHistory();
    const chunkSummaries = (history.events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name?.endsWith('Chunk'))
      .map((e) => defaultPayloadConverter.fromPayload<string>(e.userMetadata!.summary!));
    expect(chunkSummaries).toEqual(
      expect.arrayContaining([
        `Categories · ${en.context} (${en.language}) · pages 1–20`,
        `Products · ${en.context} (${en.language}) · pages 1–20`,
        `Products · ${sv.context} (${sv.language}) · pages 1–20`,
      ]),
    );
    expect(chunkSummaries).toHaveLength(2 * allContexts(config).length);

    // Its current details: the progress table, every context done.
    const { currentDetails } = await env.client.workflow
      .getHandle(full.workflowId)
      .query(workflowMetadataQuery);
    expect(currentDetails).toContain('**Full sync** — phase done');
    for (const c of allContexts(config))
      expect(currentDetails).toMatch(
        new RegExp(`\\| ${c.context} \\(${c.language}\\) \\| products \\| \\d+ \\| [^|]+\\|.*\\| done \\|`),
      );

    // The refresh schedule names the runs it starts.
    const scheduled = { ...config, sync: { ...config.sync, refreshSchedule: '15m', lookbackDays: 5 } };
    await ensureRefreshSchedule(env.client, scheduled, createLogger({ level: 'WARN' }));
    const schedule = env.client.schedule.getHandle(refreshScheduleId(config));
    try {
      const { action } = await schedule.describe();
      expect(action.type === 'startWorkflow' && action.staticSummary).toBe(
        'Refresh · syncs of the last 5 days · every 15m',
      );
    } finally {
      await schedule.delete();
    }
  }, 60_000);
});

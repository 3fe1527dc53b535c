/**
 * Records the workflow histories that the replay tests check the current workflow code
 * against (test/histories/*.json). Run it when a workflow changes in a way that is meant to be
 * incompatible (and version the change with `patched()` instead when old runs may still exist):
 *
 *   npx tsx scripts/record-histories.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { createClients } from '../src/service';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { startBluestoneSim } from '../src/sim/bluestone-sim';
import { generateCatalog } from '../src/sim/catalog';
import { startOcctooSim } from '../src/sim/occtoo-sim';
import { SEARCH_ATTRIBUTES } from '../src/shared/search-attributes';
import { TRACING_WORKFLOW_MODULES, workflowTracingSinks } from '../src/tracing';
import { requireTemporalCli } from '../src/worker/temporal-cli';
import { fullSync } from '../src/workflows';
import { signalSyncDone } from '../src/client/webhooks';
import { incrementalSyncWorkflowId, syncCoordinatorWorkflowId } from '../src/shared/sync-types';

const OUT = path.resolve(__dirname, '../test/histories');

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const cli = requireTemporalCli();
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: cli }, searchAttributes: SEARCH_ATTRIBUTES },
  });
  const bluestone = await startBluestoneSim({ catalog: generateCatalog({ seed: 1, products: 25 }) });
  const occtoo = await startOcctooSim({
    providers: [{ id: 'p', secret: 'record-secret', allowedSources: ['*'] }],
    mediaProcessingDelayMs: 10,
  });
  try {
    const config = loadConfig({
      BLUESTONE_API_URL: bluestone.url,
      BLUESTONE_API_KEY: bluestone.apiKey,
      BLUESTONE_ADDITIONAL_CONTEXTS: 'l3471:sv',
      OCCTOO_INGEST_URL: occtoo.url,
      OCCTOO_DATA_PROVIDER_ID: 'p',
      OCCTOO_DATA_PROVIDER_SECRET: 'record-secret',
      OCCTOO_PRODUCTS_SOURCE: 'products',
      OCCTOO_CATEGORIES_SOURCE: 'categories',
      OCCTOO_MEDIA_SOURCE: 'media',
      ALLOW_INSECURE_WEBHOOKS: 'true',
      REFRESH_SCHEDULE: 'off',
      TEMPORAL_TASK_QUEUE: 'record-histories',
    });
    const logger = createLogger({ level: 'WARN' });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: config.temporal.taskQueue,
      workflowsPath: require.resolve('../src/workflows'),
      // As production bundles them (src/tracing.ts): histories as a worker records them.
      interceptors: { workflowModules: TRACING_WORKFLOW_MODULES },
      sinks: workflowTracingSinks(),
      activities: createActivities({
        config,
        logger,
        temporal: env.client,
        ...createClients(config, logger),
      }),
    });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(fullSync, {
        taskQueue: config.temporal.taskQueue,
        workflowId: 'recorded-full-sync',
        // One page per chunk and a tiny history budget: the recording covers continue-as-new.
        args: [{ options: { pagesPerChunk: 1, maxHistoryEvents: 25 } }],
      });
      await handle.result();
      const lastRunId = (await handle.describe()).runId;

      // An incremental sync through the coordinator (signal-with-start, as the gateway does it).
      const [id] = bluestone.catalog.productIds();
      const published = bluestone.publish({ contexts: ['en', 'l3471'], change: [id], deliver: false });
      const coordinator = syncCoordinatorWorkflowId(config.temporal.taskQueue);
      for (const sync of published.syncs) {
        await signalSyncDone(env.client, config.temporal, {
          syncId: sync.id,
          context: sync.contextId!,
          via: 'webhook',
        });
      }
      const incremental = incrementalSyncWorkflowId(config.temporal.taskQueue, published.syncs[1].id);
      for (;;) {
        const done = await env.client.workflow
          .getHandle(incremental)
          .describe()
          .then((d) => d.status.name === 'COMPLETED')
          .catch(() => false);
        if (done) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      await env.client.workflow.getHandle(coordinator).terminate('recording done');

      // The CLI's JSON format, which the replay tests and the Temporal UI read.
      const recordings: { file: string; workflowId: string; runId?: string }[] = [
        // The first run (setup child, chunks, the continue-as-new decision) and the last one.
        { file: 'full-sync.json', workflowId: 'recorded-full-sync', runId: handle.firstExecutionRunId },
        { file: 'full-sync-final-run.json', workflowId: 'recorded-full-sync', runId: lastRunId },
        { file: 'sync-coordinator.json', workflowId: coordinator },
        { file: 'incremental-sync.json', workflowId: incremental },
      ];
      for (const { file, workflowId, runId } of recordings) {
        const json = execFileSync(
          cli,
          [
            'workflow',
            'show',
            '--address',
            env.address,
            '-w',
            workflowId,
            ...(runId ? ['-r', runId] : []),
            '-o',
            'json',
          ],
          { encoding: 'utf8' },
        );
        writeFileSync(path.join(OUT, file), json);
      }
      // Replay needs each history's workflow id (child ids are derived from it).
      const index = Object.fromEntries(recordings.map((r) => [r.file, r.workflowId]));
      writeFileSync(path.join(OUT, 'index.json'), JSON.stringify(index, null, 2) + '\n');
    });
    console.log(`Recorded histories in ${OUT}`);
  } finally {
    await bluestone.close();
    await occtoo.close();
    await env.teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

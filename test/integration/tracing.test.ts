/**
 * Traces: a publish's webhook, through the gateway's signal-with-start to the coordinator, the
 * incremental sync it starts and that sync's activities, is one trace. The service runs with an
 * in-memory exporter in place of OTLP (the same path: startService's tracing option).
 */
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { incrementalSyncWorkflowId, syncCoordinatorWorkflowId } from '../../src/shared/sync-types';
import type { IncrementalSyncResult } from '../../src/shared/sync-types';
import { waitFor } from '../support/processes';
import { startSyncFixture, type SyncFixture } from '../support/service';
import { bundleWorkflows, connectTestEnv } from '../support/temporal';

const SECRET = 'tracing-webhook-secret-0123';

/** Keeps its spans when the service's stop shuts it down (InMemorySpanExporter's shutdown empties it). */
class KeptSpans extends InMemorySpanExporter {
  override shutdown(): Promise<void> {
    return this.forceFlush();
  }
}

describe('traces', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundle;
  let fixture: SyncFixture | undefined;

  beforeAll(async () => {
    env = await connectTestEnv();
    workflowBundle = await bundleWorkflows();
  });

  afterEach(async () => {
    if (!fixture) return;
    await env.client.workflow
      .getHandle(syncCoordinatorWorkflowId(fixture.config.temporal.taskQueue))
      .terminate()
      .catch(() => undefined);
    await fixture.close();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('follows each webhook through the coordinator and its incremental sync to the activities, in a trace of its own', async () => {
    const exporter = new KeptSpans();
    fixture = await startSyncFixture(env, workflowBundle, {
      name: 'tracing',
      roles: 'all',
      sims: { catalog: { products: 6 } },
      config: { WEBHOOK_SECRET: SECRET },
      tracing: { exporter },
    });
    const { sims, config, service } = fixture;
    sims.bluestone.webhooks.configure({
      url: fixture.gateway!.webhookUrl,
      secret: SECRET,
      secretMode: 'header',
    });

    /** Publishes a change of one product and waits for its incremental sync; its workflow id. */
    const publishAndApply = async (product: string): Promise<string> => {
      const published = sims.bluestone.publish({ contexts: ['en'], change: [product] });
      expect((await published.deliveries).map((d) => d.outcome)).toEqual(['delivered']);
      const [sync] = published.syncs;
      const workflowId = incrementalSyncWorkflowId(config.temporal.taskQueue, sync.id);
      const handle = env.client.workflow.getHandle(workflowId);
      await waitFor(`workflow ${workflowId} to exist`, () => handle.describe().then(() => true));
      expect((await handle.result()) as IncrementalSyncResult).toMatchObject({
        status: 'applied',
        syncId: sync.id,
      });
      expect(sims.occtoo.entities('products').get(product)!.properties).toContainEqual({
        id: 'Name',
        value: sims.catalog.product(product, 'en')!.name,
        language: 'en',
      });
      return workflowId;
    };
    // The first webhook starts the coordinator; the second finds it running.
    const [first, second] = sims.catalog.productIds();
    const syncs = [await publishAndApply(first), await publishAndApply(second)];

    // Stopping exports what is left (the worker drains first, then tracing flushes).
    await service.stop();
    const spans = exporter.getFinishedSpans();
    const traceOf = (span: ReadableSpan) => span.spanContext().traceId;
    const webhooks = spans
      .filter((s) => s.name === 'POST /webhooks/bluestone')
      .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
    expect(webhooks.map((w) => w.attributes['http.response.status_code'])).toEqual([200, 200]);
    expect(new Set(webhooks.map(traceOf)).size).toBe(2);

    // Each webhook's signal-with-start is its child; the coordinator handles each signal in that trace.
    const signalWithStart = spans.filter((s) => s.name === 'SignalWithStartWorkflow:syncCoordinator');
    expect(signalWithStart.map((s) => s.parentSpanId).sort()).toEqual(
      webhooks.map((w) => w.spanContext().spanId).sort(),
    );
    for (const step of ['HandleSignal:syncDone', 'StartChildWorkflow:incrementalSync']) {
      const found = spans.filter((s) => s.name === step);
      expect({ step, traces: found.map(traceOf).sort() }).toEqual({
        step,
        traces: webhooks.map(traceOf).sort(),
      });
    }

    // Each incremental sync (the workflow, its activities) is in the trace of the webhook that caused it.
    syncs.forEach((workflowId, i) => {
      const ofSync = spans.filter(
        (s) => s.attributes.workflowId === workflowId || s.attributes.temporalWorkflowId === workflowId,
      );
      const names = new Set(ofSync.map((s) => s.name));
      expect({
        workflowId,
        names: [...names].filter((n) => /^(RunWorkflow|RunActivity):/.test(n)).sort(),
      }).toEqual({
        workflowId,
        names: ['RunActivity:applyDifferencesChunk', 'RunWorkflow:incrementalSync'],
      });
      expect({ workflowId, traces: [...new Set(ofSync.map(traceOf))] }).toEqual({
        workflowId,
        traces: [traceOf(webhooks[i])],
      });
    });
  });
});

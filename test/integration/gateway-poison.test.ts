/**
 * Poison notices, end to end: correctly signed deliveries that Bluestone would never send (the
 * ones of issue 14) are refused by the gateway before they reach Temporal, so the sync queue
 * never sees them, and the next real publish reaches Occtoo as usual.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import type { WebhookEnvelope } from '../../src/bluestone/types';
import { incrementalSyncWorkflowId, syncCoordinatorWorkflowId } from '../../src/shared/sync-types';
import { waitFor } from '../support/processes';
import { startSyncFixture, type SyncFixture } from '../support/service';
import { bundleWorkflows, connectTestEnv } from '../support/temporal';

const SECRET = 'poison-webhook-secret';

function syncDone(value: string, entityIds: string[] = []): WebhookEnvelope {
  return {
    timestamp: Date.now(),
    events: [
      {
        changes: {
          eventType: 'PRODUCT_SYNC_DONE',
          entityIds,
          syncDoneData: { field: 'PAPI_SYNC_ID', value, context: 'en' },
        },
      },
    ],
  };
}

describe('poison notices at the gateway', () => {
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
        .terminate('test finished')
        .catch(() => undefined);
      await fixture.close();
    }
    await env?.teardown();
  });

  it('answers each with 400 and starts nothing; the publish after them is applied', async () => {
    fixture = await startSyncFixture(env, workflowBundle, {
      name: 'poison',
      roles: 'all',
      sims: { catalog: { products: 10, seed: 41 } },
      config: { WEBHOOK_SECRET: SECRET },
    });
    const { sims, config } = fixture;
    const gateway = fixture.gateway!;
    const deliver = (body: WebhookEnvelope) =>
      fetch(gateway.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-bluestone-secret': SECRET },
        body: JSON.stringify(body),
      });

    const poison: [string, WebhookEnvelope][] = [
      ['a lone UTF-16 surrogate', syncDone('\ud800')],
      ['a 5,000-character id', syncDone('a'.repeat(5000))],
      ['an id with /, spaces and ?', syncDone('656f3ef6/e2f4 d700?12a166ba')],
      [
        '20,000 entity ids',
        syncDone(
          '656f3ef6e2f4d70012a166ba',
          Array.from({ length: 20_000 }, (_, i) => `p${i}`),
        ),
      ],
    ];
    for (const [what, body] of poison) {
      const res = await deliver(body);
      const answer = (await res.json()) as { error: string };
      expect({ what, status: res.status }).toEqual({ what, status: 400 });
      expect(answer.error).toMatch(/^Invalid webhook envelope: events\[0\]\.changes\./);
    }
    const coordinator = env.client.workflow.getHandle(syncCoordinatorWorkflowId(config.temporal.taskQueue));
    await expect(coordinator.describe()).rejects.toThrow(/not found/i);

    sims.bluestone.webhooks.configure({ url: gateway.webhookUrl, secret: SECRET, secretMode: 'header' });
    const [id] = sims.catalog.productIds();
    const published = sims.bluestone.publish({
      contexts: ['en'],
      change: [{ id, name: 'After the poison' }],
    });
    expect((await published.deliveries).map((d) => d.outcome)).toEqual(['delivered']);
    await waitFor('the publish to reach Occtoo', async () =>
      sims.occtoo
        .entity('products', id)
        ?.properties.some((p) => p.id === 'Name' && p.value === 'After the poison')
        ? true
        : undefined,
    );
    const applied = env.client.workflow.getHandle(
      incrementalSyncWorkflowId(config.temporal.taskQueue, published.syncs[0].id),
    );
    expect(await applied.result()).toMatchObject({ status: 'applied' });
  });
});

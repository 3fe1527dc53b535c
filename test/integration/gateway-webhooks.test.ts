/**
 * Bluestone's webhooks on our gateway, against a real Temporal server and no worker: what
 * Temporal accepted (workflow running, its start input, the signals in its history) is what the
 * gateway promised by answering 2xx. Every workflow a test starts is terminated after it.
 */
import { createHmac } from 'node:crypto';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import request from 'supertest';
import type { WebhookEnvelope } from '../../src/bluestone/types';
import { createApp } from '../../src/api/app';
import { archiveWorkflowId } from '../../src/client/webhooks';
import type { Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { SyncKind } from '../../src/shared/search-attributes';
import { syncCoordinatorWorkflowId } from '../../src/shared/sync-types';
import { WebhookEmitter } from '../../src/sim/webhook-emitter';
import { gatewayConnection } from '../../src/worker/temporal-connection';
import { testConfig } from '../support/config';
import { startTestService } from '../support/service';
import { connectTestEnv, uniqueTaskQueue } from '../support/temporal';

const SECRET = 'test-webhook-secret';
const TIMESTAMP = 1701789437382;

function syncDone(...syncs: [syncId: string, context: string][]): WebhookEnvelope {
  return {
    timestamp: TIMESTAMP,
    events: syncs.map(([value, context]) => ({
      changes: {
        eventType: 'PRODUCT_SYNC_DONE',
        entityIds: [],
        syncDoneData: { field: 'PAPI_SYNC_ID', value, context },
      },
    })),
  };
}

function stateChange(entityIds: string[], newValue: string, timestamp = TIMESTAMP): WebhookEnvelope {
  return {
    timestamp,
    events: [
      {
        changes: {
          eventType: 'PRODUCT_WATCH_STATE',
          entityIds,
          stateChange: { changeType: 'UPDATE', oldValue: 'CONNECTED', newValue, context: 'en' },
        },
      },
    ],
  };
}

/** The value of one series in Prometheus text, e.g. ('webhook_deliveries_total', {outcome: 'accepted'}). */
function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const series = pairs.length ? `${name}{${pairs.join(',')}}` : name;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`No series ${series} in /metrics`);
  return Number(line.slice(series.length + 1));
}

describe('webhook gateway', () => {
  let env: TestWorkflowEnvironment;
  const toTerminate = new Set<string>();

  beforeAll(async () => {
    env = await connectTestEnv();
  });
  afterEach(async () => {
    for (const workflowId of toTerminate) {
      await env.client.workflow
        .getHandle(workflowId)
        .terminate('test finished')
        .catch((err: unknown) => {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        });
    }
    toTerminate.clear();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  function gateway(overrides: Record<string, string> = {}, temporal?: Client) {
    const config: Config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueTaskQueue('webhooks'), ...overrides });
    const logs: string[] = [];
    const logger = createLogger({ level: 'INFO', format: 'json', write: (line) => logs.push(line) });
    const app = createApp({ temporal: temporal ?? env.client, config, logger });
    const coordinatorId = syncCoordinatorWorkflowId(config.temporal.taskQueue);
    toTerminate.add(coordinatorId);
    const post = (body: unknown, path = '/webhooks/bluestone') =>
      request(app)
        .post(path)
        .set('x-bluestone-secret', SECRET)
        .set('Content-Type', 'application/json')
        .send(typeof body === 'string' ? body : JSON.stringify(body));
    const metrics = async () => (await request(app).get('/metrics').expect(200)).text;
    return { app, config, logs, coordinatorId, post, metrics };
  }

  async function expectNotStarted(workflowId: string): Promise<void> {
    await expect(env.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
  }

  /** A running workflow's type, search attribute, start arguments and received signals. */
  async function inspect(workflowId: string) {
    const handle = env.client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    const history = await handle.fetchHistory();
    const decode = (payloads?: Payload[] | null) =>
      (payloads ?? []).map((p) => defaultPayloadConverter.fromPayload(p));
    const events = history.events ?? [];
    return {
      status: description.status.name,
      type: description.type,
      taskQueue: description.taskQueue,
      runId: description.runId,
      kind: description.typedSearchAttributes.get(SyncKind),
      runsStarted: events.filter((e) => e.workflowExecutionStartedEventAttributes).length,
      args: decode(events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads as Payload[]),
      signals: events
        .filter((e) => e.workflowExecutionSignaledEventAttributes)
        .map((e) => ({
          name: e.workflowExecutionSignaledEventAttributes!.signalName,
          args: decode(e.workflowExecutionSignaledEventAttributes!.input?.payloads as Payload[]),
        })),
    };
  }

  it('hands every sync of a delivery to the coordinator, started and signalled', async () => {
    const gw = gateway();
    const res = await gw.post(
      syncDone(['656f3ef6e2f4d70012a166ba', 'en'], ['656f3ef6e2f4d70012a166bb', 'sv']),
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: 2, started: [gw.coordinatorId], duplicates: [], ignored: [] });

    const coordinator = await inspect(gw.coordinatorId);
    expect(coordinator).toMatchObject({
      status: 'RUNNING',
      type: 'syncCoordinator',
      taskQueue: gw.config.temporal.taskQueue,
      kind: 'coordinator',
      runsStarted: 1,
      args: [{}],
    });
    expect(coordinator.signals).toEqual([
      { name: 'syncDone', args: [{ syncId: '656f3ef6e2f4d70012a166ba', context: 'en', via: 'webhook' }] },
      { name: 'syncDone', args: [{ syncId: '656f3ef6e2f4d70012a166bb', context: 'sv', via: 'webhook' }] },
    ]);
    expect(gw.logs.some((l) => l.includes('Webhook delivery accepted'))).toBe(true);
    expect(gw.logs.join('\n')).not.toContain(SECRET);
  });

  it('hands an archive notice to the coordinator with the products, state, context, time and its run id', async () => {
    const gw = gateway();
    const archiveId = archiveWorkflowId(gw.config.temporal.taskQueue, ['p1', 'p2'], 'ARCHIVED', TIMESTAMP);
    const res = await gw.post(stateChange(['p2', 'p1'], 'ARCHIVED'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: 1, started: [gw.coordinatorId], duplicates: [], ignored: [] });
    // Applied by the coordinator in time order with the syncs, as a child run with that id.
    expect(await inspect(gw.coordinatorId)).toMatchObject({
      status: 'RUNNING',
      type: 'syncCoordinator',
      kind: 'coordinator',
      signals: [
        {
          name: 'archiveNotice',
          args: [
            {
              workflowId: archiveId,
              productIds: ['p1', 'p2'],
              state: 'ARCHIVED',
              context: 'en',
              timestamp: TIMESTAMP,
            },
          ],
        },
      ],
    });
    await expectNotStarted(archiveId);
  });

  it('names the same archive run for every delivery of one notice, and a new one for a later archive', async () => {
    const gw = gateway({ ARCHIVE_STATES: 'ARCHIVED,TO_BE_ARCHIVED' });
    const delivery = stateChange(['p9'], 'TO_BE_ARCHIVED');
    const archiveId = archiveWorkflowId(gw.config.temporal.taskQueue, ['p9'], 'TO_BE_ARCHIVED', TIMESTAMP);
    for (let i = 0; i < 3; i++) {
      const again = await gw.post(delivery);
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ received: 1, started: [gw.coordinatorId], duplicates: [], ignored: [] });
    }
    // The same product archived again later (a new envelope) is a new notice.
    const laterId = archiveWorkflowId(gw.config.temporal.taskQueue, ['p9'], 'TO_BE_ARCHIVED', TIMESTAMP + 1);
    expect(laterId).not.toBe(archiveId);
    expect((await gw.post(stateChange(['p9'], 'TO_BE_ARCHIVED', TIMESTAMP + 1))).status).toBe(200);

    // The coordinator counts the redeliveries as duplicates by that id (workflows-coordinator.test.ts).
    const { signals, runsStarted } = await inspect(gw.coordinatorId);
    expect(runsStarted).toBe(1);
    expect(signals.map((s) => (s.args[0] as { workflowId: string }).workflowId)).toEqual([
      archiveId,
      archiveId,
      archiveId,
      laterId,
    ]);
    const text = await gw.metrics();
    expect(metric(text, 'webhook_workflow_starts_total', { kind: 'archive' })).toBe(4);
    expect(metric(text, 'webhook_deliveries_total', { outcome: 'accepted' })).toBe(4);
  });

  it('gives two gateways racing with the same sync one coordinator run holding both signals', async () => {
    const taskQueue = uniqueTaskQueue('webhooks-race');
    const a = gateway({ TEMPORAL_TASK_QUEUE: taskQueue });
    const b = gateway({ TEMPORAL_TASK_QUEUE: taskQueue });
    const delivery = syncDone(['656f3ef6e2f4d70012a166ba', 'en']);
    const [ra, rb] = await Promise.all([a.post(delivery), b.post(delivery)]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    expect(ra.body.started).toEqual([a.coordinatorId]);
    expect(rb.body.started).toEqual([a.coordinatorId]);
    const coordinator = await inspect(a.coordinatorId);
    expect(coordinator.status).toBe('RUNNING');
    expect(coordinator.runsStarted).toBe(1);
    const notice = { syncId: '656f3ef6e2f4d70012a166ba', context: 'en', via: 'webhook' };
    expect(coordinator.signals).toEqual([
      { name: 'syncDone', args: [notice] },
      { name: 'syncDone', args: [notice] },
    ]);
  });

  it('serves the original provider routes /DataSync and /ProductDelete', async () => {
    const gw = gateway();
    const done = await gw.post(syncDone(['s-alias', 'en']), '/DataSync');
    expect(done.status).toBe(200);
    expect(done.body.started).toEqual([gw.coordinatorId]);
    expect((await inspect(gw.coordinatorId)).signals).toEqual([
      { name: 'syncDone', args: [{ syncId: 's-alias', context: 'en', via: 'webhook' }] },
    ]);

    const archiveId = archiveWorkflowId(gw.config.temporal.taskQueue, ['p-alias'], 'ARCHIVED', TIMESTAMP);
    const deleted = await gw.post(stateChange(['p-alias'], 'ARCHIVED'), '/ProductDelete');
    expect(deleted.status).toBe(200);
    expect(deleted.body.started).toEqual([gw.coordinatorId]);
    expect((await inspect(gw.coordinatorId)).signals[1]).toMatchObject({
      name: 'archiveNotice',
      args: [{ workflowId: archiveId, productIds: ['p-alias'] }],
    });
  });

  it('refuses a missing or wrong secret, accepts it as ?code=, and starts nothing when refused', async () => {
    const gw = gateway();
    const body = JSON.stringify(syncDone(['s-auth', 'en']));
    const send = (path: string, headers: Record<string, string> = {}) =>
      request(gw.app)
        .post(path)
        .set({ 'Content-Type': 'application/json', ...headers })
        .send(body);

    const missing = await send('/webhooks/bluestone');
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatch(
      /Missing webhook secret: send it in the x-bluestone-secret header or as \?code=/,
    );
    const wrong = await send('/webhooks/bluestone', { 'x-bluestone-secret': 'not-the-secret' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatch(/Wrong webhook secret/);
    const wrongCode = await send('/DataSync?code=not-the-secret');
    expect(wrongCode.status).toBe(401);
    await expectNotStarted(gw.coordinatorId);

    const viaCode = await send(`/DataSync?code=${SECRET}`);
    expect(viaCode.status).toBe(200);
    expect(viaCode.body.started).toEqual([gw.coordinatorId]);

    const text = await gw.metrics();
    expect(metric(text, 'webhook_deliveries_total', { outcome: 'rejected_auth' })).toBe(3);
    expect(metric(text, 'webhook_rejections_total', { reason: 'secret_missing' })).toBe(1);
    expect(metric(text, 'webhook_rejections_total', { reason: 'secret_wrong' })).toBe(2);
    expect(gw.logs.join('\n')).not.toContain(SECRET);
  });

  it('checks an HMAC-SHA256 signature of the raw body in HMAC mode', async () => {
    const gw = gateway({ WEBHOOK_SIGNATURE: 'hmac-sha256' });
    // Formatting that a re-serialization would change: the signature covers these exact bytes.
    const body = JSON.stringify(syncDone(['s-hmac', 'en']), null, 3);
    const sign = (bytes: string) => createHmac('sha256', SECRET).update(bytes).digest('hex');
    const send = (signature?: string, path = '/webhooks/bluestone') => {
      const req = request(gw.app).post(path).set('Content-Type', 'application/json');
      return (signature === undefined ? req : req.set('x-bluestone-secret', signature)).send(body);
    };

    const wrong = await send(sign(body + ' '));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatch(/Wrong signature in x-bluestone-secret/);
    // The plain secret is not a signature, in the header or in the URL.
    expect((await send(SECRET)).status).toBe(401);
    expect((await send(undefined, `/webhooks/bluestone?code=${SECRET}`)).status).toBe(401);
    await expectNotStarted(gw.coordinatorId);

    const right = await send(sign(body));
    expect(right.status).toBe(200);
    expect(right.body.started).toEqual([gw.coordinatorId]);
    expect((await send(`sha256=${sign(body).toUpperCase()}`)).status).toBe(200);
    expect((await inspect(gw.coordinatorId)).signals).toHaveLength(2);

    const text = await gw.metrics();
    expect(metric(text, 'webhook_rejections_total', { reason: 'signature_wrong' })).toBe(2);
    expect(metric(text, 'webhook_rejections_total', { reason: 'signature_missing' })).toBe(1);
  });

  it('takes deliveries from the Bluestone simulator in header, query and HMAC modes', async () => {
    for (const [mode, overrides] of [
      ['header', {}],
      ['query', {}],
      ['hmac', { WEBHOOK_SIGNATURE: 'hmac-sha256' }],
    ] as const) {
      const gw = gateway(overrides);
      // Over HTTP: the gateway as the service runs it, on the same configuration.
      const service = await startTestService(env, undefined, gw.config, { roles: 'gateway' });
      const emitter = new WebhookEmitter({
        url: service.gateway!.webhookUrl,
        secret: SECRET,
        secretMode: mode,
      });
      try {
        const record = await emitter.deliver(syncDone([`s-${mode}`, 'en']));
        expect({ mode, outcome: record.outcome, status: record.attempts[0]?.status }).toEqual({
          mode,
          outcome: 'delivered',
          status: 200,
        });
        expect((await inspect(gw.coordinatorId)).signals[0].args).toEqual([
          { syncId: `s-${mode}`, context: 'en', via: 'webhook' },
        ]);
      } finally {
        await emitter.close();
        await service.stop();
      }
    }
  });

  it('accepts unauthenticated deliveries only with ALLOW_INSECURE_WEBHOOKS and no secret, warning once', async () => {
    const gw = gateway({ WEBHOOK_SECRET: '', ALLOW_INSECURE_WEBHOOKS: 'true' });
    for (const syncId of ['s-open-1', 's-open-2']) {
      const res = await request(gw.app)
        .post('/webhooks/bluestone')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(syncDone([syncId, 'en'])));
      expect(res.status).toBe(200);
    }
    expect((await inspect(gw.coordinatorId)).signals).toHaveLength(2);
    expect(gw.logs.filter((l) => l.includes('WITHOUT authentication'))).toHaveLength(1);
  });

  it('answers malformed deliveries with 400/413/415 saying what is wrong, starting nothing', async () => {
    const gw = gateway({ WEBHOOK_MAX_BODY_BYTES: '2048' });

    const badJson = await gw.post('{"timestamp": 1, "events": [');
    expect(badJson.status).toBe(400);
    expect(badJson.body.error).toMatch(/^The body is not valid JSON/);

    const shape = await gw.post({ events: [{ changes: { eventType: 'PRODUCT_SYNC_DONE' } }] });
    expect(shape.status).toBe(400);
    expect(shape.body.problems).toEqual([
      'timestamp is required: epoch milliseconds, a number such as 1701789437382',
      expect.stringMatching(
        /^events\[0\]\.changes\.syncDoneData is required: an object for PRODUCT_SYNC_DONE/,
      ),
    ]);

    // The first event is fine, the second lacks its syncDoneData: the whole delivery is refused.
    const partly = syncDone(['s-first', 'en']);
    partly.events.push({ changes: { eventType: 'PRODUCT_SYNC_DONE', entityIds: [] } });
    const missing = await gw.post(partly);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatch(
      /^Invalid webhook envelope: events\[1\]\.changes\.syncDoneData is required/,
    );

    const noIds = await gw.post(stateChange([], 'ARCHIVED'));
    expect(noIds.status).toBe(400);
    expect(noIds.body.error).toContain('events[0].changes.entityIds is empty');

    const huge = syncDone(['s-huge', 'en']);
    huge.events[0].changes.padding = 'x'.repeat(4096);
    const tooLarge = await gw.post(huge);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error).toMatch(/larger than 2048 bytes \(WEBHOOK_MAX_BODY_BYTES\)/);
    // The size limit comes before authentication.
    const tooLargeAnonymous = await request(gw.app)
      .post('/webhooks/bluestone')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(huge));
    expect(tooLargeAnonymous.status).toBe(413);

    const notJson = await request(gw.app)
      .post('/webhooks/bluestone')
      .set('x-bluestone-secret', SECRET)
      .set('Content-Type', 'text/plain')
      .send(JSON.stringify(syncDone(['s-text', 'en'])));
    expect(notJson.status).toBe(415);
    expect(notJson.body.error).toMatch(/Content-Type: application\/json \(got "text\/plain"\)/);

    await expectNotStarted(gw.coordinatorId);
    const text = await gw.metrics();
    expect(metric(text, 'webhook_deliveries_total', { outcome: 'rejected_malformed' })).toBe(5);
    expect(metric(text, 'webhook_deliveries_total', { outcome: 'too_large' })).toBe(2);
    expect(metric(text, 'webhook_deliveries_total', { outcome: 'accepted' })).toBe(0);
    expect(metric(text, 'webhook_rejections_total', { reason: 'malformed_json' })).toBe(1);
    expect(metric(text, 'webhook_rejections_total', { reason: 'invalid_envelope' })).toBe(3);
    expect(metric(text, 'webhook_rejections_total', { reason: 'unsupported_media_type' })).toBe(1);
    expect(metric(text, 'webhook_rejections_total', { reason: 'too_large' })).toBe(2);
    expect(metric(text, 'webhook_workflow_starts_total', { kind: 'coordinator_signal' })).toBe(0);
  });

  it("refuses notices that are not Bluestone's with 400, starting nothing, and takes a good one after them", async () => {
    const gw = gateway();
    const poison: [what: string, body: WebhookEnvelope, problem: RegExp][] = [
      ['a lone surrogate', syncDone(['\ud800', 'en']), /syncDoneData\.value must be a Bluestone sync id/],
      ['5,000 characters', syncDone(['a'.repeat(5000), 'en']), /\(5000 characters\)/],
      ['/, spaces and ?', syncDone(['656f/3ef6 e2f4?d7', 'en']), /got "656f\/3ef6 e2f4\?d7"/],
      ['a bad context', syncDone(['656f3ef6e2f4d70012a166ba', 'en/../x']), /syncDoneData\.context must be/],
      [
        '20,000 entity ids',
        { ...syncDone(['656f3ef6e2f4d70012a166ba', 'en']) },
        /has 20000 ids: at most 10000/,
      ],
      [
        'an archive of a bad id',
        stateChange(['p1', 'p 2?'], 'ARCHIVED'),
        /entityIds\[1\] must be a Bluestone product id/,
      ],
    ];
    poison[4][1].events[0].changes.entityIds = Array.from({ length: 20_000 }, (_, i) => `p${i}`);
    for (const [what, body, problem] of poison) {
      const res = await gw.post(body);
      expect({ what, status: res.status }).toEqual({ what, status: 400 });
      expect(res.body.error).toMatch(problem);
    }
    await expectNotStarted(gw.coordinatorId);
    await expectNotStarted(
      archiveWorkflowId(gw.config.temporal.taskQueue, ['p1', 'p 2?'], 'ARCHIVED', TIMESTAMP),
    );

    const good = await gw.post(syncDone(['656f3ef6e2f4d70012a166ba', 'en']));
    expect(good.status).toBe(200);
    expect((await inspect(gw.coordinatorId)).signals).toEqual([
      { name: 'syncDone', args: [{ syncId: '656f3ef6e2f4d70012a166ba', context: 'en', via: 'webhook' }] },
    ]);
    const text = await gw.metrics();
    expect(metric(text, 'webhook_rejections_total', { reason: 'invalid_envelope' })).toBe(poison.length);
  });

  it("reads /syncs/:id of this deployment only: another deployment's workflow is not found", async () => {
    const taskQueue = uniqueTaskQueue('webhooks-deployments');
    const alpha = gateway({ TEMPORAL_TASK_QUEUE: taskQueue, SYNC_ENVIRONMENT: 'alpha' });
    const otherQueue = gateway();
    const otherEnvironment = gateway({ TEMPORAL_TASK_QUEUE: taskQueue, SYNC_ENVIRONMENT: 'beta' });
    expect((await alpha.post(syncDone(['656f3ef6e2f4d70012a166ba', 'en']))).status).toBe(200);
    const status = (app: typeof alpha.app) =>
      request(app)
        .get(`/syncs/${encodeURIComponent(alpha.coordinatorId)}`)
        .set('Authorization', `Bearer ${alpha.config.gateway.adminToken}`);

    const own = await status(alpha.app);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({
      workflowId: alpha.coordinatorId,
      type: 'syncCoordinator',
      status: 'RUNNING',
    });
    for (const other of [otherQueue, otherEnvironment]) {
      const res = await status(other.app);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({
        error: `No sync workflow with id ${alpha.coordinatorId} on this deployment (task queue ${other.config.temporal.taskQueue})`,
      });
    }
  });

  it('accepts unknown events and other state changes, ignoring and counting them', async () => {
    const gw = gateway();
    const delivery: WebhookEnvelope = {
      timestamp: TIMESTAMP,
      events: [
        { changes: { eventType: 'SOMETHING_NEW', entityIds: ['x'], surprise: { nested: true } } },
        ...stateChange(['p1'], 'CONNECTED').events,
        { changes: { eventType: 'PRODUCT_WATCH_ASSET', entityIds: ['p1'], assetChange: { assetId: 'a1' } } },
        ...syncDone(['s-mixed', 'en']).events,
      ],
    };
    const res = await gw.post(delivery);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      received: 4,
      started: [gw.coordinatorId],
      duplicates: [],
      ignored: [
        { index: 0, eventType: 'SOMETHING_NEW', reason: 'unknown event type SOMETHING_NEW' },
        {
          index: 1,
          eventType: 'PRODUCT_WATCH_STATE',
          reason: 'state CONNECTED is not an archive state (ARCHIVE_STATES: ARCHIVED)',
        },
        {
          index: 2,
          eventType: 'PRODUCT_WATCH_ASSET',
          reason: 'PRODUCT_WATCH_ASSET is not acted on: changes reach Occtoo with the next PRODUCT_SYNC_DONE',
        },
      ],
    });
    const text = await gw.metrics();
    expect(metric(text, 'webhook_events_total', { type: 'other' })).toBe(1);
    expect(metric(text, 'webhook_events_total', { type: 'PRODUCT_WATCH_STATE' })).toBe(1);
    expect(metric(text, 'webhook_events_total', { type: 'PRODUCT_WATCH_ASSET' })).toBe(1);
    expect(metric(text, 'webhook_events_total', { type: 'PRODUCT_SYNC_DONE' })).toBe(1);
    expect(metric(text, 'webhook_events_ignored_total', { reason: 'unknown_type' })).toBe(1);
    expect(metric(text, 'webhook_events_ignored_total', { reason: 'not_archive_state' })).toBe(1);
    expect(metric(text, 'webhook_events_ignored_total', { reason: 'not_acted_on' })).toBe(1);
    expect(metric(text, 'webhook_workflow_starts_total', { kind: 'coordinator_signal' })).toBe(1);
    expect(text).not.toContain('SOMETHING_NEW');
  });

  it('answers 503 with Retry-After when Temporal is unreachable, so Bluestone redelivers', async () => {
    // The gateway's own connection, as the service makes it.
    const connection = gatewayConnection({ address: '127.0.0.1:1' });
    try {
      const gw = gateway({}, new Client({ connection }));
      // Both at once: each waits out the 5 s hand-off deadline (gRPC retries UNAVAILABLE until then).
      const startedAt = Date.now();
      const [res, archive] = await Promise.all([
        gw.post(syncDone(['s-down', 'en'])),
        gw.post(stateChange(['p-down'], 'ARCHIVED')),
      ]);
      expect(Date.now() - startedAt).toBeLessThan(9000);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('60');
      expect(res.body.error).toMatch(/Temporal is unreachable/);
      expect(archive.status).toBe(503);
      expect(archive.headers['retry-after']).toBe('60');

      const text = await gw.metrics();
      expect(metric(text, 'webhook_deliveries_total', { outcome: 'temporal_unavailable' })).toBe(2);
      expect(metric(text, 'webhook_deliveries_total', { outcome: 'accepted' })).toBe(0);
      expect(gw.logs.some((l) => l.includes('Temporal is unreachable'))).toBe(true);
    } finally {
      await connection.close();
    }
  });

  it('serves Prometheus metrics per gateway, with process and Node.js metrics', async () => {
    const one = gateway();
    const two = gateway();
    expect((await one.post(syncDone(['s-metrics', 'en']))).status).toBe(200);
    const res = await request(one.app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(metric(res.text, 'webhook_deliveries_total', { outcome: 'accepted' })).toBe(1);
    expect(metric(res.text, 'webhook_workflow_starts_total', { kind: 'coordinator_signal' })).toBe(1);
    expect(metric(res.text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(res.text).toMatch(/^nodejs_heap_size_total_bytes \d+/m);
    // The other gateway counts its own deliveries only.
    expect(metric(await two.metrics(), 'webhook_deliveries_total', { outcome: 'accepted' })).toBe(0);
  });
});

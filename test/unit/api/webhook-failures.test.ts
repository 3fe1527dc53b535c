/**
 * The gateway's answer when Temporal fails a hand-off other than by being unreachable or
 * overloaded, and when it fails part-way through a delivery of several events (issue 17).
 * Bluestone (bluestone-papi.md §11.4) redelivers a 503 or 429 only with Retry-After, never a 401
 * or 403, and any other status twice, 10 minutes apart: Retry-After goes only with failures a
 * later try can get past on its own; a 2xx only once Temporal took every event.
 */
import { ServiceError, type Client } from '@temporalio/client';
import request from 'supertest';
import { createApp } from '../../../src/api/app';
import { loadConfig } from '../../../src/config';
import { createLogger } from '../../../src/logger';

const SECRET = 'unit-webhook-secret-0123';
const GRPC = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
};

/** What the Temporal client throws for a gRPC status: a ServiceError caused by grpc-js's error. */
function grpcFailure(code: number, details: string): ServiceError {
  const cause = Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
  return new ServiceError(`Temporal call failed: ${details}`, { cause });
}

interface Handed {
  workflowId: string;
  notice: Record<string, unknown>;
}

/** A Temporal client whose signal-with-start fails as `failure(n)` says for the n-th call (from 1). */
function fakeTemporal() {
  const handed: Handed[] = [];
  let failure: (n: number) => unknown = () => undefined;
  let n = 0;
  const client = {
    withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn(),
    workflow: {
      signalWithStart: async (
        _type: unknown,
        options: { workflowId: string; signalArgs: Record<string, unknown>[] },
      ) => {
        const err = failure(++n);
        if (err) throw err;
        // Only what Temporal accepted is handed over.
        handed.push({ workflowId: options.workflowId, notice: options.signalArgs[0] });
        return {};
      },
    },
  };
  return {
    client: client as unknown as Client,
    handed,
    failWhen: (f: (n: number) => unknown) => {
      failure = f;
      n = 0;
    },
  };
}

function gateway() {
  const config = loadConfig({
    BLUESTONE_API_KEY: 'unit-papi-key',
    OCCTOO_DATA_PROVIDER_ID: 'unit-provider',
    OCCTOO_DATA_PROVIDER_SECRET: 'unit-provider-secret',
    OCCTOO_PRODUCTS_SOURCE: 'products',
    OCCTOO_CATEGORIES_SOURCE: 'categories',
    OCCTOO_MEDIA_SOURCE: 'media',
    WEBHOOK_SECRET: SECRET,
    TEMPORAL_TASK_QUEUE: 'unit-queue',
  });
  const temporal = fakeTemporal();
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'INFO',
    format: 'json',
    write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
  });
  const app = createApp({ temporal: temporal.client, config, logger });
  const post = (body: unknown) =>
    request(app)
      .post('/webhooks/bluestone')
      .set('x-bluestone-secret', SECRET)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(body));
  const metric = async (outcome: string) => {
    const text = (await request(app).get('/metrics')).text;
    const line = text.match(new RegExp(`^webhook_deliveries_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm'));
    return line ? Number(line[1]) : 0;
  };
  return { temporal, logs, post, metric };
}

const syncDone = (value: string) => ({
  changes: {
    eventType: 'PRODUCT_SYNC_DONE',
    entityIds: [],
    syncDoneData: { field: 'PAPI_SYNC_ID', value, context: 'en' },
  },
});
const archived = (entityIds: string[]) => ({
  changes: {
    eventType: 'PRODUCT_WATCH_STATE',
    entityIds,
    stateChange: { changeType: 'UPDATE', oldValue: 'CONNECTED', newValue: 'ARCHIVED', context: 'en' },
  },
});
const delivery = (...events: unknown[]) => ({ timestamp: 1701789437382, events });

describe('the gateway when Temporal refuses a hand-off', () => {
  it.each([
    ['PERMISSION_DENIED', GRPC.PERMISSION_DENIED, 'Request unauthorized.'],
    ['INVALID_ARGUMENT', GRPC.INVALID_ARGUMENT, 'search attribute SyncKind is not defined'],
    ['NOT_FOUND', GRPC.NOT_FOUND, 'Namespace production not found.'],
    ['UNAUTHENTICATED', GRPC.UNAUTHENTICATED, 'invalid API key'],
  ])(
    'answers %s with 500 naming it, without Retry-After: redelivering the same notice cannot help',
    async (status, code, details) => {
      const gw = gateway();
      gw.temporal.failWhen(() => grpcFailure(code, details));
      const res = await gw.post(delivery(syncDone('sync-1')));

      expect(res.status).toBe(500);
      expect(res.headers['retry-after']).toBeUndefined();
      expect(res.body).toEqual({
        error: expect.stringContaining(`Temporal refused the hand-off (${status}: ${details})`),
        acceptedEvents: [],
      });
      expect(res.body.error).toMatch(/check TEMPORAL_NAMESPACE/);
      expect(gw.temporal.handed).toEqual([]);
      expect(await gw.metric('failed')).toBe(1);
      expect(await gw.metric('accepted')).toBe(0);
      expect(gw.logs).toContainEqual(
        expect.objectContaining({
          level: 'ERROR',
          msg: 'Webhook delivery not accepted: Temporal refused the hand-off',
          temporalStatus: status,
        }),
      );
    },
  );

  it.each([
    ['unreachable', GRPC.UNAVAILABLE],
    ['past the deadline', GRPC.DEADLINE_EXCEEDED],
  ])(
    'asks for a redelivery (503, Retry-After) when Temporal is %s: a later try can pass',
    async (_w, code) => {
      const gw = gateway();
      gw.temporal.failWhen(() => grpcFailure(code, 'connection refused'));
      const res = await gw.post(delivery(syncDone('sync-1')));
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('60');
      expect(await gw.metric('temporal_unavailable')).toBe(1);
    },
  );

  it("answers a failure that is not Temporal's answer (a bug) with the generic 500, without Retry-After", async () => {
    const gw = gateway();
    gw.temporal.failWhen(() => new TypeError('cannot read properties of undefined'));
    const res = await gw.post(delivery(syncDone('sync-1')));
    expect(res.status).toBe(500);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.body).toEqual({ error: 'internal error' });
    expect(await gw.metric('failed')).toBe(1);
  });
});

describe('a delivery of several events that Temporal fails part-way through', () => {
  const body = delivery(syncDone('sync-A'), archived(['p2', 'p1']), syncDone('sync-B'));

  it('answers 503 with Retry-After, and the redelivery hands over the same notices again', async () => {
    const gw = gateway();
    // Temporal takes the first event, then becomes unreachable.
    gw.temporal.failWhen((n) => (n >= 2 ? grpcFailure(GRPC.UNAVAILABLE, 'connection refused') : undefined));
    const first = await gw.post(body);
    expect(first.status).toBe(503);
    expect(first.headers['retry-after']).toBe('60');
    expect(first.body.error).toMatch(/Temporal is unreachable; redeliver after Retry-After/);
    expect(gw.temporal.handed.map((h) => h.notice)).toEqual([
      { syncId: 'sync-A', context: 'en', via: 'webhook' },
    ]);
    expect(gw.logs).toContainEqual(expect.objectContaining({ acceptedEvents: [0], events: 3 }));
    expect(await gw.metric('accepted')).toBe(0);

    // Temporal is back; Bluestone redelivers the same envelope.
    gw.temporal.failWhen(() => undefined);
    const again = await gw.post(body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ received: 3, started: ['unit-queue/sync-coordinator'] });

    // Every notice went to the coordinator, and the redelivered first one is the same notice:
    // the coordinator remembers sync ids it has seen and counts sync-A a duplicate
    // (workflows-coordinator.test.ts: "counts a sync id it has seen as a duplicate").
    const [firstA, againA, archive, syncB] = gw.temporal.handed;
    expect(gw.temporal.handed.map((h) => h.workflowId)).toEqual(Array(4).fill('unit-queue/sync-coordinator'));
    expect(againA).toEqual(firstA);
    expect(syncB.notice).toEqual({ syncId: 'sync-B', context: 'en', via: 'webhook' });
    // The archive run's id is derived from the envelope, so each delivery of it names the same run.
    expect(archive.notice).toMatchObject({
      workflowId: expect.stringMatching(/^unit-queue\/archive-[0-9a-f]{16}$/),
      productIds: ['p1', 'p2'],
    });
    gw.temporal.failWhen(() => undefined);
    await gw.post(delivery(archived(['p1', 'p2'])));
    expect(gw.temporal.handed[4].notice).toEqual(archive.notice);
    expect(await gw.metric('accepted')).toBe(2);
  });

  it('answers 500 naming the events Temporal took when it refuses a later one', async () => {
    const gw = gateway();
    gw.temporal.failWhen((n) =>
      n === 3 ? grpcFailure(GRPC.PERMISSION_DENIED, 'Request unauthorized.') : undefined,
    );
    const res = await gw.post(body);
    expect(res.status).toBe(500);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.body.acceptedEvents).toEqual([0, 1]);
    expect(gw.temporal.handed).toHaveLength(2);
  });
});

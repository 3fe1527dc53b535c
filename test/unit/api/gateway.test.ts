/**
 * The gateway's answers over HTTP (supertest), with a fake Temporal client that records what it
 * was asked to start and fails the way gRPC fails: poison notices refused before anything starts,
 * Temporal overloaded or unreachable answered with 503 and Retry-After, liveness and readiness,
 * the deep check behind the admin token, and /syncs/:id kept to this deployment.
 */
import { ServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import request from 'supertest';
import { createApp } from '../../../src/api/app';
import { MAX_ENTITY_IDS_PER_EVENT } from '../../../src/api/webhook-schema';
import type { Config } from '../../../src/config';
import { loadConfig } from '../../../src/config';
import { createLogger } from '../../../src/logger';
import { SyncEnvironment, SyncKind } from '../../../src/shared/search-attributes';

const SECRET = 'unit-webhook-secret-0123';
const ADMIN = 'unit-admin-token-4567';
const SYNC_ID = '656f3ef6e2f4d70012a166ba';

const GRPC = { DEADLINE_EXCEEDED: 4, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14 };

/** What the Temporal client throws for a gRPC status: a ServiceError caused by grpc-js's error. */
function grpcFailure(code: number, details: string): ServiceError {
  const cause = Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
  return new ServiceError(`Temporal call failed: ${details}`, { cause });
}

type Operation = 'signalWithStart' | 'start' | 'describe' | 'getSystemInfo' | 'execute';

interface FakeWorkflow {
  taskQueue: string;
  environment?: string;
}

function fakeTemporal(workflows: Record<string, FakeWorkflow> = {}) {
  const calls: { op: Operation; args: unknown }[] = [];
  const failures = new Map<Operation, unknown>();
  const call = async <T>(op: Operation, args: unknown, answer: () => T): Promise<T> => {
    calls.push({ op, args });
    const failure = failures.get(op);
    if (failure) throw failure;
    return answer();
  };
  const client = {
    withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn(),
    connection: {
      withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn(),
      workflowService: { getSystemInfo: () => call('getSystemInfo', {}, () => ({})) },
    },
    workflow: {
      signalWithStart: (_type: unknown, options: { signalArgs: unknown[] }) =>
        call('signalWithStart', options.signalArgs[0], () => ({})),
      start: (_type: unknown, options: { workflowId: string; args: unknown[] }) =>
        call('start', options.args[0], () => ({ firstExecutionRunId: 'run-1' })),
      execute: (_type: unknown, options: { taskQueue: string }) =>
        call('execute', options, () => ({
          worker: 'fake/1',
          taskQueue: options.taskQueue,
          checkedAt: '2024-01-01T00:00:00.000Z',
        })),
      getHandle: (workflowId: string) => ({
        describe: () =>
          call('describe', workflowId, () => {
            const workflow = workflows[workflowId];
            if (!workflow) throw new WorkflowNotFoundError('workflow not found', workflowId, undefined);
            return {
              runId: 'run-1',
              type: 'archiveProducts',
              status: { name: 'COMPLETED' },
              startTime: new Date(0),
              closeTime: new Date(1000),
              taskQueue: workflow.taskQueue,
              typedSearchAttributes: new TypedSearchAttributes([
                { key: SyncKind, value: 'archive' },
                ...(workflow.environment ? [{ key: SyncEnvironment, value: workflow.environment }] : []),
              ]),
            };
          }),
        result: async () => ({ status: 'completed', deleted: ['p1'], mediaDeleted: [], notDeleted: [] }),
        query: async () => undefined,
      }),
    },
  };
  return {
    client: client as unknown as Client,
    calls,
    started: () => calls.filter((c) => c.op === 'signalWithStart' || c.op === 'start'),
    fail: (op: Operation, err: unknown) => failures.set(op, err),
    recover: (op: Operation) => failures.delete(op),
  };
}

function gateway(
  options: {
    env?: Record<string, string>;
    workflows?: Record<string, FakeWorkflow>;
    database?: { check(): Promise<void> };
  } = {},
) {
  const config: Config = loadConfig({
    BLUESTONE_API_KEY: 'unit-papi-key',
    OCCTOO_DATA_PROVIDER_ID: 'unit-provider',
    OCCTOO_DATA_PROVIDER_SECRET: 'unit-provider-secret',
    OCCTOO_PRODUCTS_SOURCE: 'products',
    OCCTOO_CATEGORIES_SOURCE: 'categories',
    OCCTOO_MEDIA_SOURCE: 'media',
    WEBHOOK_SECRET: SECRET,
    ADMIN_TOKEN: ADMIN,
    TEMPORAL_TASK_QUEUE: 'unit-queue',
    ...options.env,
  });
  const temporal = fakeTemporal(options.workflows);
  const logs: string[] = [];
  const logger = createLogger({ level: 'INFO', format: 'json', write: (l) => logs.push(l) });
  const app = createApp({ temporal: temporal.client, config, logger, database: options.database });
  const post = (body: unknown) =>
    request(app)
      .post('/webhooks/bluestone')
      .set('x-bluestone-secret', SECRET)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(body));
  return { app, config, temporal, logs, post };
}

function syncDone(value: string, context = 'en', entityIds: string[] = []) {
  return {
    timestamp: 1701789437382,
    events: [
      {
        changes: {
          eventType: 'PRODUCT_SYNC_DONE',
          entityIds,
          syncDoneData: { field: 'PAPI_SYNC_ID', value, context },
        },
      },
    ],
  };
}

function archived(entityIds: string[], context = 'en') {
  return {
    timestamp: 1701789437382,
    events: [
      {
        changes: {
          eventType: 'PRODUCT_WATCH_STATE',
          entityIds,
          stateChange: { changeType: 'UPDATE', oldValue: 'CONNECTED', newValue: 'ARCHIVED', context },
        },
      },
    ],
  };
}

const manyIds = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`);

describe("the gateway refuses notices that are not Bluestone's", () => {
  it.each([
    [
      'a lone UTF-16 surrogate as sync id',
      syncDone('\ud800'),
      /syncDoneData\.value must be a Bluestone sync id/,
    ],
    ['a 5,000-character sync id', syncDone('a'.repeat(5000)), /\(5000 characters\)/],
    ['a sync id with / and ?', syncDone('656f/3ef6?x'), /got "656f\/3ef6\?x"/],
    ['a sync id with spaces', syncDone('656f 3ef6'), /syncDoneData\.value must be a Bluestone sync id/],
    ['a context with a space', syncDone(SYNC_ID, 'e n'), /syncDoneData\.context must be a Bluestone context/],
    ['a 5,000-character context', syncDone(SYNC_ID, 'l'.repeat(5000)), /syncDoneData\.context must be/],
    [
      'a sync done naming 20,000 entities',
      syncDone(SYNC_ID, 'en', manyIds(20_000)),
      /entityIds has 20000 ids: at most 10000 per event/,
    ],
    ['an archive of 20,000 products', archived(manyIds(20_000)), /entityIds has 20000 ids: at most 10000/],
    [
      'an archive of a product id with /',
      archived(['p1', 'a/b']),
      /entityIds\[1\] must be a Bluestone product id/,
    ],
    ['an archive of a lone surrogate', archived(['\udc00']), /entityIds\[0\] must be a Bluestone product id/],
    [
      'an archive in a context with ?',
      archived(['p1'], 'en?x'),
      /stateChange\.context must be a Bluestone context/,
    ],
  ])(
    'answers 400 to %s, starting nothing, and still takes a good notice after it',
    async (_what, body, message) => {
      const gw = gateway();
      const res = await gw.post(body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/^Invalid webhook envelope: events\[0\]\.changes\./);
      expect(res.body.error).toMatch(message);
      // A short message, whatever the notice's size.
      expect(res.body.error.length).toBeLessThan(400);
      expect(gw.temporal.started()).toEqual([]);

      const good = await gw.post(syncDone(SYNC_ID));
      expect(good.status).toBe(200);
      expect(gw.temporal.started()).toEqual([
        { op: 'signalWithStart', args: { syncId: SYNC_ID, context: 'en', via: 'webhook' } },
      ]);
    },
  );

  it('takes as many entity ids as the documented cap, and Bluestone-shaped ids of any kind', async () => {
    const gw = gateway();
    const ids = manyIds(MAX_ENTITY_IDS_PER_EVENT);
    expect((await gw.post(archived(ids, 'l3600'))).status).toBe(200);
    expect((await gw.post(syncDone('5f0c-UUID_like-0001', 'l3471'))).status).toBe(200);
    expect(gw.temporal.started()).toEqual([
      {
        op: 'signalWithStart',
        args: {
          workflowId: expect.stringMatching(/^unit-queue\/archive-[0-9a-f]{16}$/),
          productIds: [...ids].sort(),
          state: 'ARCHIVED',
          context: 'l3600',
          timestamp: 1701789437382,
        },
      },
      { op: 'signalWithStart', args: { syncId: '5f0c-UUID_like-0001', context: 'l3471', via: 'webhook' } },
    ]);
  });

  it('names at most a few bad ids of a long list, and how many more there are', async () => {
    const gw = gateway();
    const res = await gw.post(archived(['p1', 'a b', 'c/d', 'e?f', 'g h', 'i j']));
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual([
      expect.stringMatching(/^events\[0\]\.changes\.entityIds\[1\] must be/),
      expect.stringMatching(/^events\[0\]\.changes\.entityIds\[2\] must be/),
      expect.stringMatching(/^events\[0\]\.changes\.entityIds\[3\] must be/),
      'events[0].changes.entityIds has 2 more ids that are not Bluestone product ids',
    ]);
    expect(gw.temporal.started()).toEqual([]);
  });
});

describe('the gateway when Temporal cannot take a call', () => {
  it('answers a webhook with 503 and Retry-After when Temporal is overloaded (RESOURCE_EXHAUSTED)', async () => {
    const gw = gateway();
    gw.temporal.fail(
      'signalWithStart',
      grpcFailure(GRPC.RESOURCE_EXHAUSTED, 'namespace rate limit exceeded'),
    );
    const res = await gw.post(syncDone(SYNC_ID));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('60');
    expect(res.body.error).toMatch(
      /Temporal is overloaded \(RESOURCE_EXHAUSTED\); redeliver after Retry-After/,
    );
    // Archive notices go to the coordinator too.
    const overloadedArchive = await gw.post(archived(['p2']));
    expect(overloadedArchive.status).toBe(503);
    expect(overloadedArchive.headers['retry-after']).toBe('60');

    gw.temporal.recover('signalWithStart');
    const archive = await gw.post(archived(['p1']));
    expect(archive.status).toBe(200);
    expect(archive.body.started).toEqual(['unit-queue/sync-coordinator']);

    const metrics = (await request(gw.app).get('/metrics')).text;
    expect(metrics).toMatch(/^webhook_deliveries_total\{outcome="temporal_overloaded"\} 2$/m);
  });

  it("answers 500 without Retry-After when the message itself is over gRPC's size limit", async () => {
    const gw = gateway();
    gw.temporal.fail(
      'signalWithStart',
      grpcFailure(GRPC.RESOURCE_EXHAUSTED, 'Received message larger than max (5000000 vs. 4194304)'),
    );
    const res = await gw.post(syncDone(SYNC_ID));
    expect(res.status).toBe(500);
    expect(res.headers['retry-after']).toBeUndefined();
  });

  it.each([
    ['overloaded', GRPC.RESOURCE_EXHAUSTED, /Temporal is overloaded/],
    ['unreachable', GRPC.UNAVAILABLE, /Temporal is unreachable/],
    ['past the deadline', GRPC.DEADLINE_EXCEEDED, /Temporal is unreachable/],
  ])('answers admin routes with 503 and Retry-After when Temporal is %s', async (_what, code, message) => {
    const gw = gateway();
    gw.temporal.fail('describe', grpcFailure(code, 'cannot take the call'));
    gw.temporal.fail('start', grpcFailure(code, 'cannot take the call'));
    for (const path of ['/ProductFullSync', '/CategoriesFullSync', '/syncs/unit-queue%2Ffull-sync']) {
      const res = await request(gw.app).get(path).set('Authorization', `Bearer ${ADMIN}`);
      expect({ path, status: res.status, retryAfter: res.headers['retry-after'] }).toEqual({
        path,
        status: 503,
        retryAfter: '30',
      });
      expect(res.body.error).toMatch(message);
    }
    expect(gw.temporal.calls.filter((c) => c.op === 'start')).toEqual([]);
  });
});

describe('liveness and readiness', () => {
  it('answers /health while Temporal and the database are down: the process is alive', async () => {
    const gw = gateway({ database: { check: () => Promise.reject(new Error('connection refused')) } });
    gw.temporal.fail('getSystemInfo', grpcFailure(GRPC.UNAVAILABLE, 'connection refused'));
    const res = await request(gw.app).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(gw.temporal.calls).toEqual([]);
  });

  it('answers /ready 200 when Temporal and the database answer, 503 naming whichever does not', async () => {
    let databaseUp = true;
    const gw = gateway({
      env: { SYNC_ENVIRONMENT: 'staging' },
      database: {
        check: async () => {
          if (!databaseUp) throw new Error('db down');
        },
      },
    });
    const ready = await request(gw.app).get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ok',
      environment: 'staging',
      temporal: { connected: true, namespace: 'default', taskQueue: 'unit-queue' },
      database: 'ok',
    });

    databaseUp = false;
    const noDatabase = await request(gw.app).get('/ready');
    expect(noDatabase.status).toBe(503);
    expect(noDatabase.body).toMatchObject({
      status: 'unavailable',
      temporal: { connected: true },
      database: 'unreachable',
      databaseError: 'db down',
    });

    databaseUp = true;
    gw.temporal.fail('getSystemInfo', grpcFailure(GRPC.UNAVAILABLE, 'connection refused'));
    const noTemporal = await request(gw.app).get('/ready');
    expect(noTemporal.status).toBe(503);
    expect(noTemporal.body).toMatchObject({
      status: 'unavailable',
      temporal: { connected: false, error: expect.stringContaining('connection refused') },
      database: 'ok',
    });
  });

  it('runs the deep round trip only with the admin token', async () => {
    const gw = gateway();
    const anonymous = await request(gw.app).get('/ready?deep=true');
    expect(anonymous.status).toBe(401);
    const wrong = await request(gw.app).get('/ready?deep=true&code=not-the-admin-token');
    expect(wrong.status).toBe(401);
    expect(gw.temporal.calls.filter((c) => c.op === 'execute')).toEqual([]);

    const deep = await request(gw.app).get('/ready?deep=true').set('Authorization', `Bearer ${ADMIN}`);
    expect(deep.status).toBe(200);
    expect(deep.body.worker).toEqual({
      worker: 'fake/1',
      taskQueue: 'unit-queue',
      checkedAt: '2024-01-01T00:00:00.000Z',
    });
    // Under the task queue, like every workflow of the deployment.
    expect(gw.temporal.calls.find((c) => c.op === 'execute')?.args).toMatchObject({
      workflowId: expect.stringMatching(/^unit-queue\/health-check-/),
    });
    // Without the query, readiness needs no token.
    expect((await request(gw.app).get('/ready')).status).toBe(200);
  });

  it('refuses the deep check when admin routes are off', async () => {
    const gw = gateway({ env: { ADMIN_TOKEN: '' } });
    const res = await request(gw.app).get('/ready?deep=true');
    expect(res.status).toBe(403);
    expect(res.body.error).toMatch(/set ADMIN_TOKEN/);
  });
});

describe('GET /syncs/:id', () => {
  const workflows: Record<string, FakeWorkflow> = {
    'unit-queue/archive-1': { taskQueue: 'unit-queue' },
    'unit-queue/archive-2': { taskQueue: 'unit-queue', environment: 'staging' },
    'other-queue/archive-1': { taskQueue: 'other-queue' },
    'unit-queue/archive-3': { taskQueue: 'unit-queue', environment: 'production' },
  };
  const get = (gw: ReturnType<typeof gateway>, id: string) =>
    request(gw.app)
      .get(`/syncs/${encodeURIComponent(id)}`)
      .set('Authorization', `Bearer ${ADMIN}`);

  it("reads this deployment's workflows, and answers 404 for another deployment's as for none", async () => {
    const gw = gateway({
      env: { SYNC_ENVIRONMENT: 'staging', TEMPORAL_TASK_QUEUE: 'unit-queue' },
      workflows,
    });
    for (const id of ['unit-queue/archive-1', 'unit-queue/archive-2']) {
      const res = await get(gw, id);
      expect({ id, status: res.status }).toEqual({ id, status: 200 });
      expect(res.body).toMatchObject({ workflowId: id, status: 'COMPLETED', result: { deleted: ['p1'] } });
    }
    for (const id of ['other-queue/archive-1', 'unit-queue/archive-3', 'unit-queue/none']) {
      const res = await get(gw, id);
      expect({ id, status: res.status }).toEqual({ id, status: 404 });
      expect(res.body.error).toBe(
        `No sync workflow with id ${id} on this deployment (task queue unit-queue)`,
      );
    }
  });
});

/**
 * The sync queue end to end, on the simulators: a sync whose lookup Bluestone refuses fails with
 * its reason while the queue moves on, and a backlog of 500 notices (2,000 in workflows-coordinator.test.ts) is applied oldest first
 * across continue-as-new. (The coordinator's rules in isolation: workflows-coordinator.test.ts.)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { coordinatorStateQuery, syncDoneSignal } from '../../src/shared/messages';
import {
  incrementalSyncWorkflowId,
  syncCoordinatorWorkflowId,
  type CoordinatorState,
  type SyncCoordinatorInput,
  type SyncDoneNotice,
} from '../../src/shared/sync-types';
import { syncCoordinator } from '../../src/workflows';
import type { RunningService } from '../../src/service';
import { waitFor } from '../support/processes';
import { startSyncFixture, startTestService, type SyncFixture } from '../support/service';
import { bundleWorkflows, connectTestEnv } from '../support/temporal';

/** Bluestone's answer to GET /syncs/{id} in place of the simulator's, by sync id. */
type LookupAnswers = Map<string, { status: number; message: string }>;

/**
 * A pass-through proxy in front of the Bluestone simulator that answers the lookups of chosen
 * syncs with an error, as a Bluestone that refuses one id (a 400 on an odd id, a 403) would.
 */
async function lookupFaultProxy(answers: LookupAnswers) {
  let target = '';
  const server = http.createServer((req, res) => {
    const lookup = /^\/v1\/syncs\/([^/?]+)$/.exec(req.url ?? '');
    const answer = lookup && answers.get(decodeURIComponent(lookup[1]));
    if (answer) {
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: answer.message }));
      return;
    }
    const upstream = http.request(
      `${target}${req.url}`,
      { method: req.method, headers: req.headers },
      (answered) => {
        res.writeHead(answered.statusCode ?? 502, answered.headers);
        answered.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    forwardTo(origin: string) {
      target = origin;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('the sync queue on the simulators', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundle;
  let fixture: SyncFixture | undefined;
  let worker: RunningService | undefined;
  let closeProxy: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    env = await connectTestEnv();
    workflowBundle = await bundleWorkflows();
  });
  afterEach(async () => {
    if (fixture) {
      await env.client.workflow
        .getHandle(syncCoordinatorWorkflowId(fixture.config.temporal.taskQueue))
        .terminate('test over')
        .catch(() => undefined);
    }
    await worker?.stop();
    await fixture?.close();
    await closeProxy?.();
    worker = fixture = closeProxy = undefined;
  });
  afterAll(async () => {
    await env?.teardown();
  });

  const taskQueue = () => fixture!.config.temporal.taskQueue;
  const send = (notice: SyncDoneNotice, input: SyncCoordinatorInput = {}) =>
    env.client.workflow.signalWithStart(syncCoordinator, {
      workflowId: syncCoordinatorWorkflowId(taskQueue()),
      taskQueue: taskQueue(),
      signal: syncDoneSignal,
      signalArgs: [notice],
      args: [input],
    });
  const coordinator = () => env.client.workflow.getHandle(syncCoordinatorWorkflowId(taskQueue()));
  const stateWhen = (what: string, done: (s: CoordinatorState) => boolean, timeoutMs = 30_000) =>
    waitFor(
      what,
      async () => {
        const s = await coordinator().query(coordinatorStateQuery);
        return done(s) ? s : undefined;
      },
      timeoutMs,
      100,
    );

  it('fails a sync whose lookup Bluestone refuses (403, 400, 404), with the reason, and applies the next one', async () => {
    const answers: LookupAnswers = new Map();
    const proxy = await lookupFaultProxy(answers);
    closeProxy = proxy.close;
    fixture = await startSyncFixture(env, workflowBundle, {
      name: 'queue-lookups',
      config: (sims) => {
        proxy.forwardTo(sims.bluestone.origin);
        return { BLUESTONE_API_URL: proxy.url };
      },
    });
    const { sims } = fixture;
    const [refusedId, oddId, goodId] = sims.catalog.productIds();
    const publish = (id: string, name: string) =>
      sims.bluestone.publish({ contexts: ['en'], change: [{ id, name }], deliver: false }).syncs[0].id;
    const refused = publish(refusedId, 'Looked up with a rotated key');
    const odd = publish(oddId, 'Looked up with an odd id');
    answers.set(refused, { status: 403, message: 'Forbidden' });
    answers.set(odd, { status: 400, message: 'Invalid id' });
    const unknown = 'ffffffffffffffffffffffff';

    for (const syncId of [refused, odd, unknown, '\udc00'])
      await send({ syncId, context: 'en', via: 'webhook' });
    const good = publish(goodId, 'Published after the refused ones');
    await send({ syncId: good, context: 'en', via: 'webhook' });

    const state = await stateWhen('the good sync to be applied', (s) => s.applied === 1 && s.failed === 4);
    const outcome = (syncId: string) => state.recent.find((r) => r.syncId === syncId);
    expect(outcome(good)).toMatchObject({ outcome: 'applied' });
    expect(outcome(refused)).toMatchObject({
      outcome: 'failed',
      detail: expect.stringMatching(/refused the API key.*403 Forbidden.*check BLUESTONE_API_KEY/),
    });
    expect(outcome(odd)).toMatchObject({
      outcome: 'failed',
      detail: expect.stringMatching(/rejected.*400 Invalid id/),
    });
    expect(outcome(unknown)).toMatchObject({
      outcome: 'failed',
      detail: expect.stringMatching(/Bluestone has no sync "f{24}": the webhook named an unknown sync id/),
    });
    expect(outcome('"\\udc00"')).toMatchObject({
      outcome: 'failed',
      detail: expect.stringMatching(/is not a Bluestone sync id/),
    });
    // Each refused sync has a failed run, where the refresh and an operator find it.
    for (const syncId of [refused, odd, unknown]) {
      const run = await env.client.workflow
        .getHandle(incrementalSyncWorkflowId(taskQueue(), syncId))
        .describe();
      expect(run.status.name).toBe('FAILED');
    }
    expect(sims.occtoo.entity('products', goodId)!.properties).toContainEqual({
      id: 'Name',
      value: 'Published after the refused ones',
      language: 'en',
    });
    expect(sims.occtoo.entity('products', refusedId)).toBeUndefined();
    expect((await coordinator().describe()).status.name).toBe('RUNNING');

    // The key is fixed; Bluestone delivers the refused sync's webhook again: applied.
    answers.clear();
    await send({ syncId: refused, context: 'en', via: 'webhook' });
    await stateWhen('the refused sync to be applied', (s) => s.applied === 2);
    expect(sims.occtoo.entity('products', refusedId)!.properties).toContainEqual({
      id: 'Name',
      value: 'Looked up with a rotated key',
      language: 'en',
    });
  });

  it('applies a backlog of 500 notices oldest first across continue-as-new, losing none', async () => {
    let now = Date.now();
    fixture = await startSyncFixture(env, workflowBundle, {
      name: 'queue-backlog',
      // No worker yet: the whole backlog is waiting when the coordinator first runs.
      roles: 'gateway',
      // Every sync a creation time of its own.
      sims: {
        catalog: { products: 20 },
        bluestone: { clock: () => (now = Math.max(Date.now(), now + 1)) },
      },
    });
    const { sims, config } = fixture;
    // Fifteen small syncs, one product each; the 500 notices name them newest first, then again
    // and again at random (webhook redeliveries and refresh hand-overs).
    const SYNCS = 15;
    const NOTICES = 500;
    const products = sims.catalog.productIds().slice(0, SYNCS);
    const syncs = products.map(
      (id, i) =>
        sims.bluestone.publish({ contexts: ['en'], change: [{ id, name: `Backlog ${i}` }], deliver: false })
          .syncs[0],
    );
    let seed = 7;
    const random = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
    const notices: SyncDoneNotice[] = Array.from({ length: NOTICES }, (_, i) => ({
      syncId: syncs[i < SYNCS ? SYNCS - 1 - i : Math.floor(random() * SYNCS)].id,
      context: 'en',
      via: random() < 0.5 ? 'webhook' : 'refresh',
    }));
    const maxHistoryEvents = 60;
    const sendAll = async (some: SyncDoneNotice[]) => {
      for (let i = 0; i < some.length; i += 50) await Promise.all(some.slice(i, i + 50).map((n) => send(n)));
    };
    const first = await send(notices[0], { maxHistoryEvents });
    // Half of them (every sync among them) before any worker runs, the rest while syncs are applied.
    await sendAll(notices.slice(1, NOTICES / 2));
    worker = await startTestService(env, workflowBundle, config);
    await stateWhen('the first sync to be applied', (s) => s.applied > 0);
    await sendAll(notices.slice(NOTICES / 2));

    const state = await stateWhen(
      'every sync of the backlog to be applied',
      (s) => s.applied === SYNCS && s.toLookUp === 0 && !s.applying,
      60_000,
    );
    expect(state).toMatchObject({ pending: [], failed: 0, skipped: 0, duplicates: NOTICES - SYNCS });
    // Oldest first, though their notices came newest first: the sync runs' start order.
    const started = await waitFor('every sync run to be listed', async () => {
      const listed: { syncId: string; at: number }[] = [];
      for await (const run of env.client.workflow.list({
        query: `WorkflowType = 'incrementalSync' AND TaskQueue = '${config.temporal.taskQueue}'`,
      })) {
        listed.push({ syncId: run.workflowId.replace(/^.*\/incremental-/, ''), at: run.startTime.getTime() });
      }
      return listed.length >= SYNCS ? listed : undefined;
    });
    expect(started.sort((x, y) => x.at - y.at).map((r) => r.syncId)).toEqual(syncs.map((s) => s.id));
    for (const [i, id] of products.entries()) {
      expect(sims.occtoo.entity('products', id)!.properties).toContainEqual({
        id: 'Name',
        value: `Backlog ${i}`,
        language: 'en',
      });
    }
    // Each sync ran once, every redelivery was counted (none lost), across several runs of bounded history.
    const generations = await env.client.workflow.count(
      `WorkflowId = '${syncCoordinatorWorkflowId(config.temporal.taskQueue)}' AND ExecutionStatus = 'ContinuedAsNew'`,
    );
    expect(generations.count).toBeGreaterThanOrEqual(2);
    const latest = (await coordinator().fetchHistory()).events ?? [];
    const signals = latest.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    expect(latest.length - signals).toBeLessThan(maxHistoryEvents + 20);
    expect(first.signaledRunId).not.toBe((await coordinator().describe()).runId);
  }, 90_000);
});

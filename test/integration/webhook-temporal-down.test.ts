/**
 * Temporal unreachable: the gateway must not acknowledge what it has not handed to Temporal.
 * It answers 503 with Retry-After (webhooks and admin routes alike), Bluestone redelivers, and
 * after Temporal is back the redelivery is processed and nothing is lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createLogger } from '../../src/logger';
import { startService, type RunningService } from '../../src/service';
import { incrementalSyncWorkflowId } from '../../src/shared/sync-types';
import { startDevServer, type DevServer } from '../../src/worker/dev-server';
import { requireTemporalCli } from '../../src/worker/temporal-cli';
import { testConfig } from '../support/config';
import { freePort, waitFor } from '../support/processes';
import { startSims, type Sims } from '../support/sims';
import { bundleWorkflows, connectTestEnv } from '../support/temporal';

const SECRET = 'temporal-down-secret';

describe('webhooks while Temporal is down', () => {
  let dataDir: string;
  let sims: Sims;
  let server: DevServer | undefined;
  let gateway: RunningService | undefined;

  beforeAll(async () => {
    // Installs the test runtime (one per process) before our own worker starts.
    await (await connectTestEnv()).teardown();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'bos-down-'));
    sims = await startSims({ catalog: { products: 10, seed: 29 } });
  });
  afterAll(async () => {
    await gateway?.stop();
    await server?.stop();
    await sims?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After, and processes the redelivery once Temporal is back', async () => {
    const logger = createLogger({ level: 'WARN' });
    const [port, uiPort] = [await freePort(), await freePort()];
    const start = () =>
      startDevServer({ cliPath: requireTemporalCli(), port, uiPort, namespace: 'default', dataDir, logger });
    server = await start();
    const config = testConfig({
      ...sims.env,
      WEBHOOK_SECRET: SECRET,
      TEMPORAL_TASK_QUEUE: 'temporal-down',
      TEMPORAL_ADDRESS: server.address,
      REFRESH_SCHEDULE: 'off',
    });
    // The gateway alone, with its own lazy connection, as `npm run gateway` runs it.
    gateway = await startService(config, 'gateway', { logger, gateway: { host: '127.0.0.1', port: 0 } });
    const temporal = gateway.temporal;
    // Bluestone waits Retry-After seconds; here one "second" lasts 100 ms.
    sims.bluestone.webhooks.configure({
      url: gateway.gateway!.webhookUrl,
      secret: SECRET,
      retryAfterUnitMs: 100,
      maxRetryAfterRetries: 10,
    });

    await server.stop();
    const [id] = sims.catalog.productIds();
    const published = sims.bluestone.publish({
      contexts: ['en'],
      change: [{ id, name: 'Published while Temporal was down' }],
    });
    // Meanwhile an operator: admin routes say when to try again, the gateway is live but not ready.
    const admin = (path: string) =>
      request(gateway!.gateway!.server).get(path).set('Authorization', `Bearer ${config.gateway.adminToken}`);
    const [first, fullSync, status, live, ready] = await Promise.all([
      waitFor('the first delivery attempt', async () => sims.bluestone.webhooks.log[0]?.attempts[0]),
      admin('/ProductFullSync'),
      admin(`/syncs/${encodeURIComponent('temporal-down/full-sync')}`),
      request(gateway.gateway!.server).get('/health'),
      request(gateway.gateway!.server).get('/ready'),
    ]);
    expect(first.status).toBe(503);
    expect(Number(first.retryAfter)).toBeGreaterThan(0);
    for (const res of [fullSync, status]) {
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('30');
      expect(res.body.error).toMatch(/^Temporal is unreachable; try again after Retry-After seconds/);
    }
    expect(live.status).toBe(200);
    expect(ready.status).toBe(503);

    server = await start();
    const [delivery] = await published.deliveries;
    expect(delivery.outcome).toBe('delivered');
    expect(delivery.attempts.length).toBeGreaterThan(1);

    const workflowBundle = await bundleWorkflows();
    const worker = await startService(config, 'worker', { logger, workflowBundle });
    try {
      const handle = temporal.workflow.getHandle(
        incrementalSyncWorkflowId('temporal-down', published.syncs[0].id),
      );
      await waitFor('the incremental sync to start', () => handle.describe().then(() => true));
      expect(await handle.result()).toMatchObject({ status: 'applied' });
    } finally {
      await worker.stop();
    }
    expect(sims.occtoo.entity('products', id)?.properties).toContainEqual({
      id: 'Name',
      value: 'Published while Temporal was down',
      language: 'en',
    });
  });
});

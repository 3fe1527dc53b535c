/**
 * The original provider's full-sync routes on our gateway, against a real Temporal server,
 * a real worker and both simulators.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker, WorkflowBundle } from '@temporalio/worker';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import type { Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { testConfig } from '../support/config';
import { waitFor } from '../support/processes';
import { startSims, type Sims } from '../support/sims';
import { bundleWorkflows, connectTestEnv, uniqueTaskQueue } from '../support/temporal';
import { createTestWorker } from '../support/worker';

describe('gateway full-sync routes', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundle;
  let sims: Sims;
  let config: Config;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    env = await connectTestEnv();
    workflowBundle = await bundleWorkflows();
    // Slow enough that a second start arrives while the first sync runs.
    sims = await startSims({ catalog: { products: 60 }, bluestone: { faults: { latencyMs: 40 } } });
    config = testConfig({ ...sims.env, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('gateway') });
    app = createApp({ temporal: env.client, config, logger: createLogger({ level: 'WARN' }) });
  });
  afterAll(async () => {
    await sims?.close();
    await env?.teardown();
  });

  async function withWorker<T>(fn: (worker: Worker) => Promise<T>): Promise<T> {
    const worker = await createTestWorker(env, workflowBundle, config);
    return worker.runUntil(fn(worker));
  }

  it('refuses a missing or wrong admin token', async () => {
    expect((await request(app).post('/ProductFullSync')).status).toBe(401);
    expect((await request(app).post('/ProductFullSync?code=nope')).status).toBe(401);
    expect((await request(app).get('/syncs/anything').set('Authorization', 'Bearer nope')).status).toBe(401);
  });

  it('starts product and category syncs side by side, refuses an overlapping start, and reports status', async () => {
    await withWorker(async () => {
      const products = await request(app).post(`/ProductFullSync?code=${config.gateway.adminToken}`);
      expect(products.status).toBe(202);
      expect(products.body).toMatchObject({
        workflowId: `${config.temporal.taskQueue}/full-sync-products`,
        runId: expect.any(String),
        uiUrl: expect.stringContaining('/namespaces/default/workflows/'),
      });

      const again = await request(app)
        .get('/ProductFullSync')
        .set('Authorization', `Bearer ${config.gateway.adminToken}`);
      expect(again.status).toBe(409);
      expect(again.body.workflowId).toBe(products.body.workflowId);

      const categories = await request(app).get(`/CategoriesFullSync?code=${config.gateway.adminToken}`);
      expect(categories.status).toBe(202);

      const running = await request(app)
        .get(`/syncs/${encodeURIComponent(products.body.workflowId)}`)
        .set('Authorization', `Bearer ${config.gateway.adminToken}`);
      expect(running.status).toBe(200);
      expect(['RUNNING', 'COMPLETED']).toContain(running.body.status);

      const done = await waitFor('the product sync to complete', async () => {
        const res = await request(app)
          .get(`/syncs/${encodeURIComponent(products.body.workflowId)}`)
          .set('Authorization', `Bearer ${config.gateway.adminToken}`);
        return res.body.status === 'COMPLETED' ? res.body : undefined;
      });
      expect(done.result.status).toBe('completed');
      const en = done.progress.contexts.find((c: { context: string }) => c.context === 'en');
      expect(en.products.read).toBe(sims.catalog.productsIn('en').length);
      expect(en.products.sent).toBeGreaterThan(0);
      expect(sims.occtoo.entities('products').size).toBe(sims.catalog.productsIn('en').length);

      await waitFor('the category sync to complete', async () => {
        const res = await request(app)
          .get(`/syncs/${encodeURIComponent(categories.body.workflowId)}`)
          .set('Authorization', `Bearer ${config.gateway.adminToken}`);
        return res.body.status === 'COMPLETED' ? true : undefined;
      });
      expect(sims.occtoo.entities('categories').size).toBe(sims.catalog.categoriesIn('en').length);
    });
  });

  it('answers 404 for an unknown workflow id', async () => {
    const res = await request(app)
      .get('/syncs/no-such-sync')
      .set('Authorization', `Bearer ${config.gateway.adminToken}`);
    expect(res.status).toBe(404);
  });
});

/**
 * The original provider's full-sync routes on our gateway, against a real Temporal server,
 * a real worker and both simulators.
 */
import type { Server } from 'node:http';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import request from 'supertest';
import type { Config } from '../../src/config';
import { waitFor } from '../support/processes';
import { startSyncFixture, startTestService, type SyncFixture } from '../support/service';
import type { Sims } from '../support/sims';
import { bundleWorkflows, connectTestEnv } from '../support/temporal';

describe('gateway full-sync routes', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundle;
  let sims: Sims;
  let config: Config;
  let app: Server;
  let fixture: SyncFixture;

  beforeAll(async () => {
    env = await connectTestEnv();
    workflowBundle = await bundleWorkflows();
    // The gateway only: each test that needs one starts a worker.
    fixture = await startSyncFixture(env, workflowBundle, {
      name: 'gateway',
      roles: 'gateway',
      // Slow enough that a second start arrives while the first sync runs.
      sims: { catalog: { products: 60 }, bluestone: { faults: { latencyMs: 40 } } },
    });
    ({ sims, config } = fixture);
    app = fixture.gateway!.server;
  });
  afterAll(async () => {
    await fixture?.close();
    await env?.teardown();
  });

  async function withWorker<T>(fn: () => Promise<T>): Promise<T> {
    const worker = await startTestService(env, workflowBundle, config);
    try {
      return await fn();
    } finally {
      await worker.stop();
    }
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

  it('?force=true re-sends every product Occtoo already holds; another value is refused', async () => {
    const token = config.gateway.adminToken;
    expect((await request(app).post(`/ProductFullSync?code=${token}&force=maybe`)).status).toBe(400);
    await withWorker(async () => {
      const syncProducts = async (query: string) => {
        const started = await request(app).post(`/ProductFullSync?code=${token}${query}`);
        expect(started.status).toBe(202);
        return waitFor('the product sync to complete', async () => {
          const res = await request(app)
            .get(`/syncs/${encodeURIComponent(started.body.workflowId)}`)
            .set('Authorization', `Bearer ${token}`);
          return res.body.status === 'COMPLETED' && res.body.runId === started.body.runId
            ? res.body
            : undefined;
        });
      };
      const productsImported = () => sims.occtoo.importCounts()[config.occtoo.productsSource]?.entities ?? 0;
      await syncProducts('');
      const before = productsImported();
      const unforced = await syncProducts('');
      expect(productsImported()).toBe(before);
      expect(unforced.result.status).toBe('completed');

      await syncProducts('&force=true');
      // Every product again, once per context pass that maps it.
      expect(productsImported() - before).toBeGreaterThanOrEqual(sims.catalog.productsIn('en').length);
    });
  });

  it('answers 404 for an unknown workflow id', async () => {
    const res = await request(app)
      .get('/syncs/no-such-sync')
      .set('Authorization', `Bearer ${config.gateway.adminToken}`);
    expect(res.status).toBe(404);
  });
});

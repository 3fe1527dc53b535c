import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import request from 'supertest';
import { createLogger } from '../../src/logger';
import { startService } from '../../src/service';
import { healthCheck } from '../../src/workflows';
import { testConfig } from '../support/config';
import { startTestService } from '../support/service';
import { bundleWorkflows, connectTestEnv, uniqueTaskQueue } from '../support/temporal';

describe('health check through a real worker and the gateway', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundle;

  beforeAll(async () => {
    env = await connectTestEnv();
    workflowBundle = await bundleWorkflows();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('runs the healthCheck workflow on a worker polling its task queue', async () => {
    const taskQueue = uniqueTaskQueue('health');
    const config = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue });
    const service = await startTestService(env, workflowBundle, config);
    try {
      const result = await env.client.workflow.execute(healthCheck, {
        taskQueue,
        workflowId: `health-${taskQueue}`,
      });
      expect(result.taskQueue).toBe(taskQueue);
      expect(result.worker).toMatch(/\/\d+$/);
    } finally {
      await service.stop();
    }
  });

  it('answers /health (liveness) and /ready (readiness), and ?deep=true with the worker only for the admin', async () => {
    const taskQueue = uniqueTaskQueue('health-gw');
    const config = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue });
    const gateway = await startTestService(env, workflowBundle, config, { roles: 'gateway' });
    try {
      const app = gateway.gateway!.server;
      const live = await request(app).get('/health');
      expect(live.status).toBe(200);
      expect(live.body).toEqual({ status: 'ok' });
      const ready = await request(app).get('/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({
        status: 'ok',
        temporal: { connected: true, taskQueue },
        database: 'ok',
      });

      const worker = await startTestService(env, workflowBundle, config);
      try {
        // Each deep check starts a workflow: not for anyone who can reach the gateway.
        const anonymous = await request(app).get('/ready?deep=true');
        expect(anonymous.status).toBe(401);
        const deep = await request(app)
          .get('/ready?deep=true')
          .set('Authorization', `Bearer ${config.gateway.adminToken}`);
        expect(deep.status).toBe(200);
        expect(deep.body.worker).toMatchObject({ taskQueue });
      } finally {
        await worker.stop();
      }
    } finally {
      await gateway.stop();
    }
  });

  it('stays live but not ready when Temporal is unreachable', async () => {
    const config = testConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1' });
    // The gateway alone, with its own (lazy) connection, as `npm run gateway` runs it.
    const service = await startService(config, 'gateway', {
      logger: createLogger({ level: 'WARN' }),
      gateway: { host: '127.0.0.1', port: 0 },
    });
    try {
      const live = await request(service.gateway!.server).get('/health');
      expect(live.status).toBe(200);
      const res = await request(service.gateway!.server).get('/ready');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'unavailable', temporal: { connected: false } });
    } finally {
      await service.stop();
    }
  });
});

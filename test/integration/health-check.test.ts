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

  it('answers GET /health with the Temporal connection status, and ?deep=true with the worker', async () => {
    const taskQueue = uniqueTaskQueue('health-gw');
    const config = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue });
    const gateway = await startTestService(env, workflowBundle, config, { roles: 'gateway' });
    try {
      const app = gateway.gateway!.server;
      const shallow = await request(app).get('/health');
      expect(shallow.status).toBe(200);
      expect(shallow.body).toMatchObject({ status: 'ok', temporal: { connected: true, taskQueue } });

      const worker = await startTestService(env, workflowBundle, config);
      try {
        const deep = await request(app).get('/health?deep=true');
        expect(deep.status).toBe(200);
        expect(deep.body.worker).toMatchObject({ taskQueue });
      } finally {
        await worker.stop();
      }
    } finally {
      await gateway.stop();
    }
  });

  it('answers 503 when Temporal is unreachable', async () => {
    const config = testConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1' });
    // The gateway alone, with its own (lazy) connection, as `npm run gateway` runs it.
    const service = await startService(config, 'gateway', {
      logger: createLogger({ level: 'WARN' }),
      gateway: { host: '127.0.0.1', port: 0 },
    });
    try {
      const res = await request(service.gateway!.server).get('/health');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'unavailable', temporal: { connected: false } });
    } finally {
      await service.stop();
    }
  });
});

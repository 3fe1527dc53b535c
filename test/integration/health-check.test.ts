import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import request from 'supertest';
import { createActivities, createClients } from '../../src/activities';
import { createApp } from '../../src/api/app';
import { createLogger } from '../../src/logger';
import { healthCheck } from '../../src/workflows';
import { testConfig } from '../support/config';
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
    const logger = createLogger({ level: 'WARN' });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      activities: createActivities({ config, logger, ...createClients(config, logger) }),
    });
    const result = await worker.runUntil(
      env.client.workflow.execute(healthCheck, { taskQueue, workflowId: `health-${taskQueue}` }),
    );
    expect(result.taskQueue).toBe(taskQueue);
    expect(result.worker).toMatch(/\/\d+$/);
  });

  it('answers GET /health with the Temporal connection status, and ?deep=true with the worker', async () => {
    const taskQueue = uniqueTaskQueue('health-gw');
    const config = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue });
    const logger = createLogger({ level: 'WARN' });
    const app = createApp({ temporal: env.client, config, logger });

    const shallow = await request(app).get('/health');
    expect(shallow.status).toBe(200);
    expect(shallow.body).toMatchObject({ status: 'ok', temporal: { connected: true, taskQueue } });

    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      activities: createActivities({ config, logger, ...createClients(config, logger) }),
    });
    const deep = await worker.runUntil(request(app).get('/health?deep=true'));
    expect(deep.status).toBe(200);
    expect(deep.body.worker).toMatchObject({ taskQueue });
  });

  it('answers 503 when Temporal is unreachable', async () => {
    const config = testConfig();
    const { Client, Connection } = await import('@temporalio/client');
    const connection = Connection.lazy({ address: '127.0.0.1:1' });
    const app = createApp({
      temporal: new Client({ connection }),
      config,
      logger: createLogger({ level: 'WARN' }),
    });
    const res = await request(app).get('/health');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'unavailable', temporal: { connected: false } });
    await connection.close();
  });
});

/**
 * An unreachable DATABASE_URL as an operator meets it: a worker's start-up stops with one line, and
 * the gateway's /ready answers 503, never showing the password. (The embedded PostgreSQL across
 * restarts: test/integration/start.test.ts.)
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import request from 'supertest';
import { testConfig } from '../support/config';
import { freePort } from '../support/processes';
import { startTestService } from '../support/service';
import { connectTestEnv, uniqueTaskQueue } from '../support/temporal';

describe('an unreachable DATABASE_URL', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await connectTestEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  const password = 'database-secret-in-url';
  const unreachable = async () => `postgres://bos:${password}@127.0.0.1:${await freePort()}/bluestone_occtoo`;

  it("stops a worker's start-up with one line naming DATABASE_URL, without its password", async () => {
    const config = testConfig({
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('db-down'),
      DATABASE_URL: await unreachable(),
    });
    const failure = await startTestService(env, undefined, config).then(
      async (service) => {
        await service.stop();
        throw new Error('the worker started without its database');
      },
      (err: Error) => err,
    );
    expect(failure.message).toMatch(
      /^Cannot reach the database postgres:\/\/bos:\*\*\*@127\.0\.0\.1:\d+\/bluestone_occtoo \(DATABASE_URL\): /,
    );
    expect(failure.message).not.toContain('\n');
    expect(failure.message).not.toContain(password);
  });

  it('turns /ready to 503 with database: unreachable, and back to ok on a reachable one', async () => {
    const taskQueue = uniqueTaskQueue('db-health');
    const down = await startTestService(
      env,
      undefined,
      testConfig({ TEMPORAL_TASK_QUEUE: taskQueue, DATABASE_URL: await unreachable() }),
      { roles: 'gateway' },
    );
    try {
      const res = await request(down.gateway!.server).get('/ready');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        status: 'unavailable',
        temporal: { connected: true },
        database: 'unreachable',
        databaseError: expect.stringContaining('DATABASE_URL'),
      });
      expect(JSON.stringify(res.body)).not.toContain(password);
    } finally {
      await down.stop();
    }

    const up = await startTestService(env, undefined, testConfig({ TEMPORAL_TASK_QUEUE: taskQueue }), {
      roles: 'gateway',
    });
    try {
      const res = await request(up.gateway!.server).get('/ready');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ok', database: 'ok' });
    } finally {
      await up.stop();
    }
  });
});

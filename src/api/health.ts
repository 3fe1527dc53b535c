import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { healthCheck } from '../workflows/health-check';

/**
 * `GET /health`: whether the gateway reaches Temporal and the database (200) or not (503).
 * `?deep=true` also runs the health-check workflow, proving that a worker polls the task queue.
 */
export function healthRouter(deps: {
  temporal: Client;
  config: Config;
  database?: { check(): Promise<void> };
}): Router {
  const router = Router();
  router.get('/health', async (req, res) => {
    const { config, temporal } = deps;
    const body: Record<string, unknown> = {
      status: 'ok',
      environment: config.temporal.environment ?? null,
      temporal: {
        connected: false,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
      },
    };
    try {
      await temporal.connection.withDeadline(Date.now() + 3000, () =>
        temporal.connection.workflowService.getSystemInfo({}),
      );
      (body.temporal as Record<string, unknown>).connected = true;
    } catch (err) {
      body.status = 'unavailable';
      (body.temporal as Record<string, unknown>).error = err instanceof Error ? err.message : String(err);
    }
    if (deps.database) {
      try {
        await deps.database.check();
        body.database = 'ok';
      } catch (err) {
        body.status = 'unavailable';
        body.database = 'unreachable';
        body.databaseError = err instanceof Error ? err.message : String(err);
      }
    }
    if (body.status === 'ok' && req.query.deep === 'true') {
      try {
        body.worker = await temporal.workflow.execute(healthCheck, {
          taskQueue: config.temporal.taskQueue,
          workflowId: `health-check-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
          workflowExecutionTimeout: '10 seconds',
        });
      } catch (err) {
        body.status = 'degraded';
        body.worker = {
          error: `no worker answered on task queue ${config.temporal.taskQueue}: ${String(err)}`,
        };
      }
    }
    res.status(body.status === 'ok' ? 200 : 503).json(body);
  });
  return router;
}

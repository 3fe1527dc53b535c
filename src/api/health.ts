import { Router, type RequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { HEALTH_CHECK_SUMMARY } from '../client/summaries';
import { healthCheck } from '../workflows/health-check';
import { requireAdmin } from './auth';

/** How long readiness waits for each dependency: probes give up after a few seconds. */
export const READY_CHECK_TIMEOUT_MS = 3000;

/**
 * `GET /health`: liveness. The process answers; no dependency is checked, so an outage of
 * Temporal or the database never gets a healthy gateway restarted.
 *
 * `GET /ready`: readiness. Temporal answers, and the database when the service has one (200, or
 * 503 saying which is not). `?deep=true` also runs the health-check workflow, proving that a
 * worker polls the task queue; it starts a workflow, so it needs the admin token.
 */
export function healthRouter(deps: {
  temporal: Client;
  config: Config;
  database?: { check(): Promise<void> };
}): Router {
  const { config, temporal } = deps;
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  const admin = requireAdmin(config.gateway.adminToken);
  const deepNeedsAdmin: RequestHandler = (req, res, next) => {
    if (req.query.deep === 'true') admin(req, res, next);
    else next();
  };
  router.get('/ready', deepNeedsAdmin, async (req, res) => {
    const body: Record<string, unknown> = {
      status: 'ok',
      environment: config.temporal.environment ?? null,
    };
    const temporalStatus: Record<string, unknown> = {
      connected: false,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
    };
    body.temporal = temporalStatus;
    // Side by side: a probe waits for the slower of the two, not their sum.
    const [temporalCheck, databaseCheck] = await Promise.allSettled([
      temporal.connection.withDeadline(Date.now() + READY_CHECK_TIMEOUT_MS, () =>
        temporal.connection.workflowService.getSystemInfo({}),
      ),
      deps.database ? withTimeout(deps.database.check(), READY_CHECK_TIMEOUT_MS, 'the database') : undefined,
    ]);
    if (temporalCheck.status === 'fulfilled') temporalStatus.connected = true;
    else {
      body.status = 'unavailable';
      temporalStatus.error = messageOf(temporalCheck.reason);
    }
    if (deps.database) {
      if (databaseCheck.status === 'fulfilled') body.database = 'ok';
      else {
        body.status = 'unavailable';
        body.database = 'unreachable';
        body.databaseError = messageOf(databaseCheck.reason);
      }
    }
    if (body.status === 'ok' && req.query.deep === 'true') {
      try {
        body.worker = await temporal.workflow.execute(healthCheck, {
          taskQueue: config.temporal.taskQueue,
          // Under the task queue, like every workflow of this deployment.
          workflowId: `${config.temporal.taskQueue}/health-check-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
          workflowExecutionTimeout: '10 seconds',
          staticSummary: HEALTH_CHECK_SUMMARY,
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

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

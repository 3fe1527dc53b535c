import express, { type ErrorRequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { healthRouter } from './health';
import { createGatewayMetrics, metricsRouter } from './metrics';
import { syncRouter } from './sync-routes';
import { webhookRouter } from './webhooks';

export interface GatewayDeps {
  temporal: Client;
  config: Config;
  logger: Logger;
  /** The service's database, which readiness (`/ready`) checks. */
  database?: { check(): Promise<void> };
}

/** The Express gateway: webhooks in, workflows started; admin routes for operators. */
export function createApp(deps: GatewayDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Per instance: several gateways in one process must not share (or collide in) a registry.
  const metrics = createGatewayMetrics();
  app.use(healthRouter(deps));
  app.use(metricsRouter(metrics));
  app.use(webhookRouter({ ...deps, metrics }));
  app.use(syncRouter(deps));
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    deps.logger.error('Unhandled gateway error', { path: req.path, error: String(err) });
    res.status(500).json({ error: 'internal error' });
  };
  app.use(onError);
  return app;
}

import { Router, type Request, type Response } from 'express';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { describeSync, startFullSync, SyncConflictError } from '../client/syncs';
import type { FullSyncInput } from '../shared/sync-types';
import { requireAdmin } from './auth';
import { isTemporalUnavailable } from './temporal-errors';

/**
 * Admin routes: the original provider's full-sync triggers (`/CategoriesFullSync`,
 * `/ProductFullSync`, GET or POST; `?force=true` re-sends every entity) and
 * `GET /syncs/:workflowId`.
 */
export function syncRouter(deps: { temporal: Client; config: Config; logger: Logger }): Router {
  const router = Router();
  const admin = requireAdmin(deps.config.gateway.adminToken);

  const start = (input: FullSyncInput) => async (req: Request, res: Response) => {
    const force = forceOf(req.query.force);
    if (force === undefined) {
      res.status(400).json({ error: 'force must be true or false' });
      return;
    }
    try {
      const started = await startFullSync(deps.temporal, deps.config, {
        ...input,
        ...(force ? { force } : {}),
      });
      deps.logger.info('Full sync started', { ...started, force });
      res.status(202).json(started);
    } catch (err) {
      if (err instanceof SyncConflictError) {
        res.status(409).json({ error: err.message, workflowId: err.runningWorkflowId });
      } else {
        answerTemporalError(res, err);
      }
    }
  };
  router.all('/CategoriesFullSync', admin, start({ categories: true, products: false }));
  router.all('/ProductFullSync', admin, start({ categories: false, products: true }));

  router.get('/syncs/:workflowId', admin, async (req, res) => {
    try {
      res.json(await describeSync(deps.temporal, deps.config, String(req.params.workflowId)));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        res.status(404).json({ error: `No sync workflow with id ${req.params.workflowId}` });
      } else {
        answerTemporalError(res, err);
      }
    }
  });
  return router;
}

/** `?force=true` (or `1`); absent or `false` is no force; anything else undefined (a 400). */
function forceOf(raw: unknown): boolean | undefined {
  if (raw === undefined || raw === 'false' || raw === '0' || raw === '') return false;
  if (raw === 'true' || raw === '1') return true;
  return undefined;
}

/** 503 with Retry-After when Temporal is unreachable; anything else goes to the error handler. */
function answerTemporalError(res: Response, err: unknown): void {
  if (!isTemporalUnavailable(err)) throw err;
  res.status(503).set('Retry-After', '30').json({ error: 'Temporal is unreachable; try again shortly.' });
}

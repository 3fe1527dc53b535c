import express, { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { describeSync, startFullSync, SyncConflictError } from '../client/syncs';
import { SyncEnvironment } from '../shared/search-attributes';
import { startResync } from '../client/resync';
import { allContexts } from '../config';
import { resyncInputProblem, type FullSyncInput, type ResyncInput } from '../shared/sync-types';
import { requireAdmin } from './auth';
import { answerTemporalBusy, temporalBusy } from './temporal-errors';

/** How long an admin route waits for Temporal before answering 503. */
export const ADMIN_TEMPORAL_DEADLINE_MS = 5000;
/** When to try an admin route again after Temporal was unreachable or overloaded. */
export const ADMIN_RETRY_AFTER_SECONDS = 30;

/**
 * Admin routes: the original provider's full-sync triggers (`/CategoriesFullSync`,
 * `/ProductFullSync`, GET or POST; `?force=true` re-sends every entity, `?dryRun=true` only
 * reports, `?allowMassDelete=true` lifts PRUNE_MAX_PERCENT) and
 * `GET /syncs/:workflowId` (this deployment's workflows only), and `POST /resync` (body
 * `{ productIds, contexts? }`: those products read again and sent). Each waits for Temporal at most
 * ADMIN_TEMPORAL_DEADLINE_MS, then answers 503 with Retry-After.
 */
export function syncRouter(deps: { temporal: Client; config: Config; logger: Logger }): Router {
  const router = Router();
  const admin = requireAdmin(deps.config.gateway.adminToken);
  const withDeadline = <T>(fn: () => Promise<T>) =>
    deps.temporal.withDeadline(Date.now() + ADMIN_TEMPORAL_DEADLINE_MS, fn);

  const start = (input: FullSyncInput) => async (req: Request, res: Response) => {
    const flags: Record<(typeof FULL_SYNC_FLAGS)[number], boolean | undefined> = {
      force: flagOf(req.query.force),
      dryRun: flagOf(req.query.dryRun),
      allowMassDelete: flagOf(req.query.allowMassDelete),
    };
    const wrong = FULL_SYNC_FLAGS.filter((name) => flags[name] === undefined);
    if (wrong.length > 0) {
      res.status(400).json({ error: `${wrong.join(', ')} must be true or false` });
      return;
    }
    const set = Object.fromEntries(Object.entries(flags).filter(([, on]) => on));
    try {
      const started = await withDeadline(() =>
        startFullSync(deps.temporal, deps.config, { ...input, ...set }),
      );
      deps.logger.info('Full sync started', { ...started, ...flags });
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

  // JSON only here: the webhook route reads its raw body itself (its signature covers the bytes).
  const resyncBody = express.json({ limit: '256kb' });
  const malformed: ErrorRequestHandler = (err: { status?: number; message?: string }, _req, res, next) => {
    if (err.status !== 400 && err.status !== 413) return next(err);
    res.status(err.status).json({ error: `the body is not a JSON resync request: ${err.message}` });
  };
  router.post('/resync', admin, resyncBody, malformed, async (req: Request, res: Response) => {
    const body: unknown = req.body;
    const problem = resyncInputProblem(body);
    const configured = allContexts(deps.config).map((c) => c.context);
    const { productIds, contexts } = (problem ? {} : body) as ResyncInput;
    const unknown = contexts?.filter((c) => !configured.includes(c)) ?? [];
    if (problem || unknown.length > 0) {
      res.status(400).json({
        error:
          problem ??
          `contexts: ${unknown.join(', ')} is not configured; configured contexts: ${configured.join(', ')}`,
        expected: '{ "productIds": ["<Bluestone product id>", …], "contexts"?: ["<configured context>", …] }',
      });
      return;
    }
    const input: ResyncInput = { productIds: [...new Set(productIds)], ...(contexts ? { contexts } : {}) };
    try {
      const started = await withDeadline(() => startResync(deps.temporal, deps.config, input));
      deps.logger.info('Resync started', { ...started, products: input.productIds.length });
      res.status(202).json(started);
    } catch (err) {
      answerTemporalError(res, err);
    }
  });

  router.get('/syncs/:workflowId', admin, async (req, res) => {
    const workflowId = String(req.params.workflowId);
    const notFound = () =>
      res.status(404).json({
        error: `No sync workflow with id ${workflowId} on this deployment (task queue ${deps.config.temporal.taskQueue})`,
      });
    try {
      const status = await withDeadline(async () => {
        // Another deployment's workflow is answered as if it did not exist: its ids are not ours to confirm.
        const description = await deps.temporal.workflow.getHandle(workflowId).describe();
        if (!ofThisDeployment(description, deps.config)) return undefined;
        return await describeSync(deps.temporal, deps.config, workflowId);
      });
      if (status) res.json(status);
      else notFound();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) notFound();
      else answerTemporalError(res, err);
    }
  });
  return router;
}

/**
 * The full-sync routes' flags: `force` re-sends every entity, `dryRun` only reports what a run
 * would send, clear and delete, `allowMassDelete` lifts PRUNE_MAX_PERCENT for the run.
 */
const FULL_SYNC_FLAGS = ['force', 'dryRun', 'allowMassDelete'] as const;

/** `?flag=true` (or `1`); absent or `false` is off; anything else undefined (a 400). */
function flagOf(raw: unknown): boolean | undefined {
  if (raw === undefined || raw === 'false' || raw === '0' || raw === '') return false;
  if (raw === 'true' || raw === '1') return true;
  return undefined;
}

/**
 * Whether a workflow is this deployment's: it runs on our task queue (every workflow the service
 * starts does, whatever its id), and carries our SYNC_ENVIRONMENT or none.
 */
export function ofThisDeployment(
  description: Pick<WorkflowExecutionDescription, 'taskQueue' | 'typedSearchAttributes'>,
  config: Pick<Config, 'temporal'>,
): boolean {
  if (description.taskQueue !== config.temporal.taskQueue) return false;
  const environment = description.typedSearchAttributes.get(SyncEnvironment);
  return environment === undefined || environment === config.temporal.environment;
}

/** 503 with Retry-After when Temporal is unreachable or overloaded; anything else goes to the error handler. */
function answerTemporalError(res: Response, err: unknown): void {
  const busy = temporalBusy(err);
  if (!busy) throw err;
  answerTemporalBusy(res, busy, ADMIN_RETRY_AFTER_SECONDS);
}

import { ApplicationFailure } from '@temporalio/activity';
import { currentActivity } from '../telemetry';
import { allContexts } from '../config';
import { toActivityFailure } from '../http/api-error';
import { filterProducts } from '../mapping/filters';
import { createPageProcessor } from '../pipeline/page-processor';
import { removeProducts } from '../pipeline/remove-products';
import { FailureType } from '../shared/failures';
import {
  addSetAside,
  resyncInputProblem,
  type ContextPlan,
  type ResyncInput,
  type ResyncPass,
  type ResyncResult,
} from '../shared/sync-types';
import type { SyncDeps } from './deps';

/** Products read, sent and removed per step; a heartbeat after each. */
const RESYNC_BATCH = 100;
/** A batch waiting on media uploads or Occtoo's retries still shows the worker alive. */
const KEEP_ALIVE_MS = 5_000;

/** Heartbeat details of resendProducts: the result so far, and where to go on. */
interface ResyncCheckpoint {
  passIndex: number;
  /** Batches of the pass done. */
  batches: number;
  result: ResyncResult;
  setAsideCount: number;
}

/**
 * Resync (issue #13): chosen products read again from Bluestone in every configured context (or
 * some), sent forced (the record's "unchanged" does not skip them; vanished values are still
 * cleared), and removed where Bluestone no longer serves them: deleted from Occtoo when the
 * default context lacks them, that language cleared when an additional one does.
 */
export function createResyncActivities(deps: SyncDeps) {
  const { config, bluestone, logger } = deps;
  const pages = createPageProcessor(deps, deps.tuning);
  const removeDeps = { ...deps, importConcurrency: deps.tuning?.importConcurrency };

  /** The passes asked for, default context first; a wrong request fails at once (not retried). */
  function passesOf(input: ResyncInput): ContextPlan[] {
    const problem = resyncInputProblem(input);
    const configured = allContexts(config).map((c, i) => ({ ...c, isDefault: i === 0 }));
    const unknown = (input.contexts ?? []).filter((c) => !configured.some((p) => p.context === c));
    const message =
      problem ??
      (unknown.length
        ? `context ${unknown.join(', ')} is not configured; configured contexts: ${configured.map((c) => c.context).join(', ')}`
        : undefined);
    if (message) throw ApplicationFailure.nonRetryable(message, FailureType.InvalidResyncRequest);
    return input.contexts ? configured.filter((c) => input.contexts!.includes(c.context)) : configured;
  }

  async function resendBatch(
    pass: ContextPlan,
    ids: string[],
    skip: Set<string>,
    done: ResyncPass,
    signal?: AbortSignal,
  ) {
    const readAt = Date.now();
    const found = (await bluestone.getProductsByIds(ids, pass.context, { signal })).filter(
      (p) => !skip.has(p.id),
    );
    const served = new Set(found.map((p) => p.id));
    // Gone from the default context: deleted there, so not sent again in another language.
    const gone = ids.filter((id) => !served.has(id) && !skip.has(id));
    const outcome = found.length
      ? await pages.processProducts(pass, found, signal, { readAt, force: true })
      : undefined;
    const removed = await removeProducts(removeDeps, pass, gone, signal, { recordedOnly: true });
    const setAside = [...(outcome?.setAside ?? []), ...removed.setAside];
    const notSent = new Set(setAside.filter((s) => s.source === 'products').map((s) => s.id));
    const { send, skipped, deleted } = filterProducts(found, config.filters);
    done.sent.push(...send.map((p) => p.id).filter((id) => !notSent.has(id)));
    done.filtered.push(...[...skipped, ...deleted].map((f) => f.product.id));
    done.deleted.push(...removed.deleted);
    done.cleared.push(...removed.cleared);
    const removedIds = new Set([...removed.deleted, ...removed.cleared, ...notSent]);
    done.notServed.push(...gone.filter((id) => !removedIds.has(id)));
    return { setAside, gone };
  }

  return {
    async resendProducts(input: ResyncInput): Promise<ResyncResult> {
      const passes = passesOf(input);
      const ids = [...new Set(input.productIds)];
      const ctx = currentActivity();
      const resumed = ctx?.info.heartbeatDetails as ResyncCheckpoint | undefined;
      const checkpoint: ResyncCheckpoint = resumed ?? {
        passIndex: 0,
        batches: 0,
        result: { status: 'completed', productIds: ids, passes: [], setAside: [] },
        setAsideCount: 0,
      };
      const { result } = checkpoint;
      // Deleted in the default pass (an earlier attempt's too): not sent again in another language.
      const goneFromDefault = new Set(
        passes[0]?.isDefault
          ? (result.passes[0]?.deleted ?? []).concat(result.passes[0]?.notServed ?? [])
          : [],
      );
      // Between batches, the last finished batch's checkpoint: a retry resumes after it.
      let last: ResyncCheckpoint = structuredClone(checkpoint);
      const keepAlive = ctx && setInterval(() => ctx.heartbeat(last), KEEP_ALIVE_MS);
      try {
        for (; checkpoint.passIndex < passes.length; checkpoint.passIndex++, checkpoint.batches = 0) {
          const pass = passes[checkpoint.passIndex];
          const done = (result.passes[checkpoint.passIndex] ??= {
            context: pass.context,
            language: pass.language,
            sent: [],
            filtered: [],
            deleted: [],
            cleared: [],
            notServed: [],
          });
          for (; checkpoint.batches * RESYNC_BATCH < ids.length; checkpoint.batches++) {
            const batch = ids.slice(
              checkpoint.batches * RESYNC_BATCH,
              (checkpoint.batches + 1) * RESYNC_BATCH,
            );
            const skip = pass.isDefault ? new Set<string>() : goneFromDefault;
            const { setAside, gone } = await resendBatch(pass, batch, skip, done, ctx?.cancellationSignal);
            if (pass.isDefault) for (const id of gone) goneFromDefault.add(id);
            checkpoint.setAsideCount += setAside.length;
            result.setAside = addSetAside(result.setAside, setAside);
            last = structuredClone({ ...checkpoint, batches: checkpoint.batches + 1 });
            ctx?.heartbeat(last);
          }
        }
      } catch (err) {
        throw toActivityFailure(err);
      } finally {
        if (keepAlive) clearInterval(keepAlive);
      }
      logger.info('Resync done', {
        products: ids.length,
        passes: result.passes.map((p) => ({
          context: p.context,
          sent: p.sent.length,
          deleted: p.deleted.length,
          cleared: p.cleared.length,
          notServed: p.notServed.length,
        })),
        setAside: result.setAside.map((s) => `${s.id}: ${s.reason}`),
      });
      return { ...result, setAsideCount: checkpoint.setAsideCount };
    },
  };
}

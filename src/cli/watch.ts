import type { Client } from '@temporalio/client';
import { allContexts, type Config } from '../config';
import type { FullSyncResult } from '../shared/sync-types';
import { fullSyncProgressQuery } from '../shared/messages';
import type { ContextTotals, ProgressView } from './progress';

const POLL_MS = 500;
/** A query waits for a worker; a busy or absent one must not stall the display. */
const QUERY_DEADLINE_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Shows a full sync's progress until it closes; resolves with its result, rejects with its
 * failure. No run id: the query and the result follow the sync across continue-as-new.
 */
export async function watchFullSync(
  client: Client,
  workflowId: string,
  view: ProgressView,
): Promise<FullSyncResult> {
  const handle = client.workflow.getHandle(workflowId);
  let finished = false;
  const result = handle.result().finally(() => (finished = true)) as Promise<FullSyncResult>;
  result.catch(() => undefined); // awaited below; this only keeps it from counting as unhandled
  while (!finished) {
    const progress = await client
      .withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(fullSyncProgressQuery))
      .catch(() => undefined); // a missed tick (continue-as-new, a slow worker) is skipped
    if (progress && !finished) view.show(progress);
    await Promise.race([result.catch(() => undefined), sleep(POLL_MS)]);
  }
  const final = await result;
  view.show(final.progress, true);
  return final;
}

/**
 * How many categories and products each context holds, for the bars' 100%. Best effort: one
 * small request per context and source, no retries; a context that does not answer gets no total.
 */
export async function fetchTotals(
  config: Config,
  contexts: readonly string[] | undefined,
  into: Map<string, ContextTotals>,
): Promise<void> {
  const { BluestoneClient } = await import('../bluestone/client');
  const bluestone = new BluestoneClient({
    baseUrl: config.bluestone.apiUrl,
    apiKey: config.bluestone.apiKey,
    timeoutMs: 5_000,
    retry: { maxAttempts: 1 },
  });
  const wanted = contexts ?? allContexts(config).map((c) => c.context);
  const first = { pageNo: 0, itemsOnPage: 1 };
  try {
    await Promise.all(
      wanted.map(async (context) => {
        const totals: ContextTotals = {};
        into.set(context, totals);
        await Promise.all([
          bluestone.categoryScanPage(context, first).then(
            (p) => (totals.categories = p.totalCount),
            () => undefined,
          ),
          bluestone.listProducts({}, first, context).then(
            (p) => (totals.products = p.totalCount),
            () => undefined,
          ),
        ]);
      }),
    );
  } finally {
    bluestone.close();
  }
}

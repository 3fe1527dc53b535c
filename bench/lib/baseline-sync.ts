/**
 * The full sync without Temporal: the same clients, page processor and page stream (one page of
 * read-ahead) as the chunk activities, contexts side by side, categories first and then
 * products, as the `fullSync` workflow runs them. Each context streams its source from start to
 * end in one go (no chunks, no heartbeats, no workflow round trips), so comparing its speed with
 * the workflow's measures what Temporal costs.
 *
 * Run as a script (`tsx bench/lib/baseline-sync.ts`) it reads the service configuration from the
 * environment and prints one line `BASELINE_RESULT {json}`, so that the benchmark can run it in
 * its own process, as it runs the worker.
 */
import { createClients } from '../../src/service';
import { CATEGORY_PAGE_SIZE, PRODUCT_PAGE_SIZE } from '../../src/bluestone/client';
import { numberedPageReader, streamPages } from '../../src/pipeline/page-stream';
import type { Category } from '../../src/bluestone/types';
import {
  createPageProcessor,
  DEFAULT_PUSH_TUNING,
  type PageOutcome,
} from '../../src/pipeline/page-processor';
import { allContexts, loadConfig, type Config } from '../../src/config';
import { createLogger, type Logger } from '../../src/logger';
import type { ContextPlan, SyncSource } from '../../src/shared/sync-types';
import { subtractCpu, threadCpuByName } from './proc';

export interface BaselineSourceFigures {
  pages: number;
  read: number;
  sent: number;
  setAside: number;
}

export interface BaselineResult {
  elapsedMs: number;
  /** CPU seconds (user + system) this process used during the sync. */
  cpuSeconds: number;
  /** The same by thread name (Linux only; empty elsewhere). */
  cpuByThread: Record<string, number>;
  contexts: { context: string; categories: BaselineSourceFigures; products: BaselineSourceFigures }[];
}

export const BASELINE_RESULT_PREFIX = 'BASELINE_RESULT ';

export async function runBaselineSync(config: Config, logger: Logger): Promise<BaselineResult> {
  const startedAt = Date.now();
  const cpuAtStart = process.cpuUsage();
  const threadsAtStart = threadCpuByName(process.pid);
  const clients = createClients(config, logger);
  const pages = createPageProcessor({ config, logger, ...clients }, DEFAULT_PUSH_TUNING);

  // The plan step: the configured contexts, checked against Bluestone (as planFullSync does).
  // (Clients are closed at the end; a failed plan leaves the process to exit anyway.)
  const available = new Set((await clients.bluestone.listContexts()).map((c) => c.context));
  const plan: ContextPlan[] = allContexts(config).map((c, i) => ({ ...c, isDefault: i === 0 }));
  const missing = plan.filter((p) => !available.has(p.context));
  if (missing.length) throw new Error(`Bluestone has no context ${missing.map((p) => p.context).join(', ')}`);

  const empty = (): BaselineSourceFigures => ({ pages: 0, read: 0, sent: 0, setAside: 0 });
  const figures = plan.map((p) => ({ context: p.context, categories: empty(), products: empty() }));

  const stream = async (source: SyncSource, pass: ContextPlan, into: BaselineSourceFigures) => {
    const commit = (_cursor: string | undefined, outcome: PageOutcome) => {
      into.pages++;
      into.read += outcome.read;
      into.sent += outcome.sent;
      into.setAside += outcome.setAside.length;
    };
    if (source === 'categories') {
      // The same paging as syncCategoryChunk: page numbers as cursors.
      await streamPages({
        maxPages: Number.POSITIVE_INFINITY,
        readAhead: config.sync.readAheadPages,
        readPage: numberedPageReader<Category>(CATEGORY_PAGE_SIZE, (page) =>
          clients.bluestone.categoryScanPage(pass.context, page),
        ),
        processPage: (items) => pages.processCategories(pass, items),
        onCommitted: commit,
      });
    } else {
      await streamPages({
        maxPages: Number.POSITIVE_INFINITY,
        readAhead: config.sync.readAheadPages,
        readPage: async (cursor) => {
          const page = await clients.bluestone.productCursorPage(pass.context, cursor, PRODUCT_PAGE_SIZE);
          return { items: page.results, nextCursor: page.nextCursor ?? undefined };
        },
        processPage: (items) => pages.processProducts(pass, items),
        onCommitted: commit,
      });
    }
  };

  try {
    for (const source of ['categories', 'products'] as const) {
      await Promise.all(plan.map((pass, i) => stream(source, pass, figures[i][source])));
    }
  } finally {
    clients.bluestone.close();
    clients.occtoo.close();
  }
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    elapsedMs: Date.now() - startedAt,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    cpuByThread: subtractCpu(threadCpuByName(process.pid), threadsAtStart),
    contexts: figures,
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, format: 'json' });
  const result = await runBaselineSync(config, logger);
  process.stdout.write(`${BASELINE_RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exit(1);
    },
  );
}

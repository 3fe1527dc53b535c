/**
 * `bench:full-sync --again`: a second full sync of the unchanged catalog, after the measured one.
 * With the record of what was sent, it reads every product again but sends nothing: the figures
 * are its products/s and what Occtoo received (from the Occtoo simulator's counters).
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { PRODUCT_PAGE_SIZE } from '../../src/bluestone/client';
import type { FullSyncOptions, FullSyncResult } from '../../src/shared/sync-types';
import type { Simulators } from '../../src/sim/main';
import { fullSync } from '../../src/workflows';

export interface AgainFigures {
  elapsedSeconds: number;
  productPages: number;
  /** productPages × page size ÷ elapsed seconds, as for the measured run. */
  productsPerSecond: number;
  /** Entities Occtoo's import received during the run, all sources (the simulator's count). */
  entitiesSent: number;
  imports: number;
  /** Media files uploaded to Occtoo during the run. */
  mediaUploaded: number;
  /** The workflow's own counts, summed over contexts and sources. */
  counted: { sent: number; unchanged: number };
  occtooEqualsCatalog: boolean;
  differences: string[];
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

function receivedSoFar(sims: Simulators): { entities: number; imports: number; uploads: number } {
  const counts = Object.values(sims.occtoo.importCounts());
  return {
    entities: sum(counts.map((c) => c.entities)),
    imports: sum(counts.map((c) => c.imports)),
    uploads: sum([...sims.occtoo.uploadCounts.values()]),
  };
}

/** The second full sync: Occtoo is left as the measured run (or the baseline) left it. */
export async function runAgain(
  client: Client,
  sims: Simulators,
  taskQueue: string,
  workflowOptions: FullSyncOptions,
  deadline: number,
): Promise<Omit<AgainFigures, 'occtooEqualsCatalog' | 'differences'>> {
  const before = receivedSoFar(sims);
  const t = Date.now();
  const handle = await client.workflow.start(fullSync, {
    taskQueue,
    workflowId: `bench-full-sync-again-${randomUUID()}`,
    args: [{ options: workflowOptions }],
    workflowExecutionTimeout: Math.max(10_000, deadline - Date.now()),
  });
  const result: FullSyncResult = await handle.result();
  const elapsedMs = Date.now() - t;
  const after = receivedSoFar(sims);
  const sources = result.progress.contexts.flatMap((c) => [c.categories, c.products]);
  const productPages = sum(result.progress.contexts.map((c) => c.products.pages));
  return {
    elapsedSeconds: Math.round(elapsedMs / 10) / 100,
    productPages,
    productsPerSecond: (productPages * PRODUCT_PAGE_SIZE) / (elapsedMs / 1000),
    entitiesSent: after.entities - before.entities,
    imports: after.imports - before.imports,
    mediaUploaded: after.uploads - before.uploads,
    counted: {
      sent: sum(sources.map((s) => s.sent)),
      unchanged: sum(sources.map((s) => s.unchanged ?? 0)),
    },
  };
}

export function againLines(a: AgainFigures, first: { productsPerSecond: number }): string[] {
  const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
  return [
    'Second full sync of the unchanged catalog (--again)',
    `  elapsed                 ${a.elapsedSeconds.toFixed(2)} s`,
    `  products/s              ${fmt(a.productsPerSecond)}  (${(a.productsPerSecond / first.productsPerSecond).toFixed(2)} × the first full sync's)`,
    `  entities sent           ${fmt(a.entitiesSent)} in ${fmt(a.imports)} import(s) (Occtoo simulator); media uploaded ${fmt(a.mediaUploaded)}`,
    `  workflow counts         sent ${fmt(a.counted.sent)}, unchanged ${fmt(a.counted.unchanged)}`,
    `  Occtoo equals catalog   ${a.occtooEqualsCatalog ? 'yes' : 'NO'}${a.differences.length ? `\n    ${a.differences.join('\n    ')}` : ''}`,
  ];
}

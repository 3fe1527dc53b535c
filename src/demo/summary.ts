import type { Config } from '../config';
import { workflowUiUrl } from '../client/syncs';
import type { SetAsideEntity } from '../shared/sync-types';
import type { Simulators } from '../sim/main';
import type { PickedPort } from './ports';
import { formatCount } from '../cli/format';
import { reconciliationLines } from '../cli/full-sync';
import { reconciliationTotals, type Reconciliation } from '../shared/reconciliation';

/** What the demo prints at the end: counts per source, the verdict, and where to look. */

export type DemoSource = 'products' | 'categories' | 'media';
export const DEMO_SOURCES: DemoSource[] = ['products', 'categories', 'media'];

/** The Occtoo-side answer of the demo, in one sentence that tests and people can look for. */
export const equalsLine = (equal: boolean) => `Occtoo equals the catalog: ${equal ? 'yes' : 'no'}`;

export interface SourceCounts {
  /** Entities the catalog maps to: what Occtoo should hold. */
  expected: number;
  inOcctoo: number;
  setAside: number;
}

/**
 * Distinct entities set aside per source, from the workflows' results. The lists are capped in
 * workflow state (SET_ASIDE_LIST_CAP); `complete` says whether they covered every one.
 */
export function setAsideBySource(lists: SetAsideEntity[][]): Record<DemoSource, number> {
  const ids: Record<DemoSource, Set<string>> = {
    products: new Set(),
    categories: new Set(),
    media: new Set(),
  };
  for (const entity of lists.flat()) ids[entity.source].add(entity.id);
  return { products: ids.products.size, categories: ids.categories.size, media: ids.media.size };
}

export interface WorkflowLink {
  label: string;
  workflowId: string;
  runId?: string;
  /** A word on its outcome, e.g. `applied: products 3 read, 2 sent, 1 unchanged`. */
  note?: string;
}

/** What the publish cleared and deleted in Occtoo, and what the full sync after it removed. */
export interface MirrorFacts {
  /** A value removed in Bluestone; the languages in which Occtoo still holds it (none, when cleared). */
  cleared: { key: string; property: string; languages: string[]; stillInOcctoo: string[] };
  /** Unpublished in every context, webhook delivered. */
  unpublished: string[];
  /** Products the unpublish's incremental syncs deleted (their results); absent when they did not all finish. */
  unpublishDeleted?: number;
  deleteOnUnpublish: boolean;
  archived: number;
  /** Products the archive workflow deleted (its result). */
  archiveDeleted?: number;
  /** The publish whose webhook was lost. */
  lost: { syncs: number; changed: string[]; unpublished: string[] };
  /** Entities the full sync after the publish sent (what the lost webhook missed), over its contexts. */
  repairSent: number;
  contexts: number;
  /** What that full sync removed because Bluestone no longer publishes it. */
  reconciliation?: Reconciliation;
}

/** The mirror in a few lines: each removal in Bluestone, and what became of it in Occtoo. */
export function mirrorLines(m: MirrorFacts): string[] {
  const list = (ids: string[]) => ids.join(', ');
  const { cleared } = m;
  const unpublish =
    m.unpublishDeleted === undefined
      ? 'the incremental syncs did not all finish'
      : m.unpublishDeleted > 0
        ? `its incremental syncs deleted ${formatCount(m.unpublishDeleted)} from Occtoo`
        : `its incremental syncs kept it in Occtoo (DELETE_ON_UNPUBLISH=${m.deleteOnUnpublish}): the full sync removes it`;
  const lines = [
    'What the publish cleared and deleted in Occtoo:',
    `  cleared       ${cleared.property} of product ${cleared.key}, removed in Bluestone (${cleared.languages.join(', ')}): ` +
      (cleared.stillInOcctoo.length
        ? `Occtoo still holds it in ${cleared.stillInOcctoo.join(', ')}`
        : 'cleared in Occtoo'),
    `  unpublished   ${list(m.unpublished)} (webhook delivered): ${unpublish}`,
    `  archived      ${m.archived} products: ${
      m.archiveDeleted === undefined
        ? 'the archive did not finish'
        : `the archive deleted ${m.archiveDeleted} from Occtoo`
    }`,
    `  lost webhook  ${m.lost.syncs} syncs (${list(m.lost.changed)} changed, ${list(m.lost.unpublished)} unpublished): no incremental sync ran`,
    `  full sync     ${formatCount(m.repairSent)} sent over ${m.contexts} contexts (what the lost webhook missed)${m.reconciliation ? `; reconciliation ${m.reconciliation.state}` : ''}`,
  ];
  if (!m.reconciliation) return lines;
  const { deleted, cleared: clearedCount } = reconciliationTotals(m.reconciliation);
  if (deleted + clearedCount === 0)
    lines.push('    nothing left to remove: Occtoo held nothing Bluestone no longer publishes');
  else lines.push(...reconciliationLines(m.reconciliation).map((l) => `    ${l}`));
  return lines;
}

export interface SummaryInput {
  config: Config;
  sims: Simulators;
  counts: Record<DemoSource, SourceCounts>;
  /** False when a workflow's set-aside list was capped: the column then shows at least these. */
  setAsideComplete: boolean;
  ignoredMedia: number;
  /** Products archived or unpublished: with MEDIA_DELETE off their media stay. */
  removedCount: number;
  mirror?: MirrorFacts;
  equal: boolean;
  differences: string[];
  latency?: { publishToOcctooMs: number; webhooksAnsweredMs: number; syncs: number };
  incrementalProblem?: string;
  workflows: WorkflowLink[];
  temporalUiUrl: string;
  gatewayUrl: string;
  webhookUrl: string;
  workerMetricsUrl: string;
  /** From the start of the demo to the summary. */
  totalMs: number;
  ports: PickedPort[];
  dataDir: string;
  /** Settings worth knowing, e.g. `HANDLE_MEDIA=occtoo`. */
  settings: string[];
  exitAfter: boolean;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map(
    (r) =>
      '  ' + r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('   '),
  );
}

export function formatSummary(s: SummaryInput): string {
  const { config, sims } = s;
  const { bluestone, occtoo } = sims;
  const rule = '='.repeat(78);
  const setAside = (n: number) => (s.setAsideComplete ? formatCount(n) : `≥ ${formatCount(n)}`);
  const lines: string[] = [
    '',
    rule,
    'Demo summary',
    rule,
    '',
    ...table([
      ['source', 'in Bluestone (expected)', 'in Occtoo', 'set aside'],
      ...DEMO_SOURCES.map((source) => [
        source,
        formatCount(s.counts[source].expected),
        formatCount(s.counts[source].inOcctoo),
        setAside(s.counts[source].setAside),
      ]),
    ]),
  ];
  if (s.ignoredMedia > 0) {
    lines.push(
      `  (media: ${formatCount(s.ignoredMedia)} more in Occtoo belong to the ${s.removedCount} archived or unpublished products and stay there with`,
      '   MEDIA_DELETE=off, as in the original provider; they are left out of the comparison)',
    );
  }
  if (s.mirror) lines.push('', ...mirrorLines(s.mirror));
  lines.push('', equalsLine(s.equal));
  if (!s.equal) lines.push(...s.differences.map((d) => `  ${d}`));
  if (s.latency) {
    lines.push(
      `Incremental latency: ${secs(s.latency.publishToOcctooMs)} from the publish until Occtoo held it ` +
        `(${s.latency.syncs} incremental syncs and an archive; Bluestone's webhooks answered in ${secs(s.latency.webhooksAnsweredMs)})`,
    );
  } else if (s.incrementalProblem) {
    lines.push(`Incremental sync: ${s.incrementalProblem}`);
  }

  lines.push('', `Temporal Web UI: ${s.temporalUiUrl}`);
  const labelWidth = Math.max(...s.workflows.map((w) => w.label.length));
  for (const w of s.workflows) {
    lines.push(`  ${w.label.padEnd(labelWidth)}  ${workflowUiUrl(config, w.workflowId, w.runId)}`);
    if (w.note) lines.push(`  ${''.padEnd(labelWidth)}  ${w.note}`);
  }

  const products = config.occtoo.productsSource;
  lines.push(
    '',
    'Simulated Bluestone (PAPI)',
    `  API            ${bluestone.url}   (header x-api-key: ${bluestone.apiKey}, header context: en, l3471, l3472)`,
    `  GET  ${bluestone.origin}/_admin/syncs       recorded publishes (syncs)`,
    `  GET  ${bluestone.origin}/_admin/webhooks    webhook settings and deliveries`,
    `  GET  ${bluestone.origin}/_admin/stats       requests per route`,
    `  POST ${bluestone.origin}/_admin/publish     publish more: {"change":["<productId>"],"add":2,"archive":["<productId>"]}`,
    'Simulated Occtoo (ingest)',
    `  GET  ${occtoo.url}/_inspect/stats                entities per source, imports, media`,
    `  GET  ${occtoo.url}/_inspect/sources/${products}   every product (also ${config.occtoo.categoriesSource}, ${config.occtoo.mediaSource}${config.sync.setupSource ? `, ${config.sync.setupSource}` : ''})`,
    `  GET  ${occtoo.url}/_inspect/sources/${products}/<key>   one product`,
    `  GET  ${occtoo.url}/_inspect/imports              every import received`,
    `  GET  ${occtoo.url}/_inspect/media                uploads and files`,
    '',
    `Gateway: ${s.gatewayUrl}   (GET /health, GET /ready, GET /ready?deep=true as the admin, GET /metrics; the worker's metrics: ${s.workerMetricsUrl})`,
    `  webhook URL    ${s.webhookUrl}   (header ${config.gateway.webhookSecretHeader}: ${config.gateway.webhookSecret})`,
    `  admin token    ${config.gateway.adminToken}`,
    `  e.g.           curl -H 'Authorization: Bearer ${config.gateway.adminToken}' ${s.gatewayUrl}/syncs/${encodeURIComponent(s.workflows.find((w) => w.label === 'full sync')?.workflowId ?? '')}`,
    `                 curl -X POST -H 'Authorization: Bearer ${config.gateway.adminToken}' ${s.gatewayUrl}/ProductFullSync`,
  );
  const moved = s.ports.filter((p) => p.moved);
  if (moved.length) {
    lines.push(
      '',
      `Ports in use elsewhere, so the demo took others: ${moved.map((p) => `${p.name} ${p.preferred} → ${p.port}`).join(', ')}`,
    );
  }
  lines.push(
    '',
    `Settings: ${s.settings.join(', ')}.`,
    `Temporal's database and the record of what was sent (embedded PostgreSQL): ${s.dataDir} (wiped when the next demo starts).`,
    `The demo took ${secs(s.totalMs)} up to here.`,
    s.exitAfter
      ? 'Stopping everything (--exit).'
      : 'Everything keeps running: explore, then press Ctrl-C to stop it all.',
    rule,
  );
  return lines.join('\n');
}

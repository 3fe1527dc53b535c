import { allContexts } from '../config';
import { failureMessage, startFullSync, SyncConflictError } from '../client/syncs';
import { parseList, PROGRAM } from './args';
import type { Command } from './command';
import { UsageError } from '../command-line';
import { CliError, EXIT } from './errors';
import { formatCount, fullSyncSummary, table } from './format';
import {
  reconciliationTotals,
  type DryRunReport,
  type KeyTally,
  type Reconciliation,
} from '../shared/reconciliation';
import { ProgressView, type ContextTotals, type ProgressMode } from './progress';
import { fetchTotals, watchFullSync } from './watch';

export function progressMode(raw: string | undefined, terminal: boolean): ProgressMode {
  if (raw === undefined) return terminal ? 'bars' : 'lines';
  if (raw === 'bars' || raw === 'lines') return raw;
  throw new UsageError(`--progress must be bars or lines (got "${raw}")`);
}

export const fullSyncCommand: Command = {
  name: 'full-sync',
  synopsis:
    '[--categories-only | --products-only] [--contexts en,l3471] [--force] [--dry-run] [--allow-mass-delete] [--wait]',
  summary: 'start a full sync: setup data, then categories and products of every context',
  details: [
    '--categories-only   only categories (may run beside a products-only sync)',
    '--products-only     only products and their media',
    '--contexts LIST     some of the configured Bluestone contexts, e.g. en,l3471 (default: all)',
    '--force             re-send every entity, even those the record says Occtoo already holds',
    '                    (for when Occtoo lost data); without it unchanged entities are skipped',
    '--dry-run           read and compare only: report what a run would send, clear and delete,',
    '                    per source and language, with samples; nothing changes in Occtoo or the',
    '                    record (no setup data either). Waits for the report; add --json for it whole',
    '--allow-mass-delete let this run delete (or clear) more than PRUNE_MAX_PERCENT of a source:',
    '                    without it, such a run removes nothing and fails, naming the count and keys',
    '--wait              show progress until it ends, then the summary; exit 1 if it failed',
    '--progress MODE     bars (the default on a terminal) or lines (otherwise)',
    'Exit code 4 when a full sync of an overlapping scope is already running.',
  ],
  options: {
    'categories-only': { type: 'boolean' },
    'products-only': { type: 'boolean' },
    contexts: { type: 'string' },
    force: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    'allow-mass-delete': { type: 'boolean' },
    wait: { type: 'boolean' },
    progress: { type: 'string' },
  },
  positionals: { names: [], required: 0 },

  async run({ values, out, session }) {
    const categoriesOnly = values['categories-only'] === true;
    const productsOnly = values['products-only'] === true;
    if (categoriesOnly && productsOnly) {
      throw new UsageError(
        '--categories-only and --products-only exclude each other: give neither to sync both',
      );
    }
    const contexts = parseList(values.contexts as string | undefined, 'contexts');
    const force = values.force === true;
    const dryRun = values['dry-run'] === true;
    const allowMassDelete = values['allow-mass-delete'] === true;
    const mode = progressMode(values.progress as string | undefined, out.terminal);
    const { client, config } = await session();
    const configured = allContexts(config).map((c) => c.context);
    const unknown = contexts?.filter((c) => !configured.includes(c)) ?? [];
    if (unknown.length > 0) {
      throw new UsageError(
        `--contexts: ${unknown.map((c) => `"${c}"`).join(', ')} is not configured; configured contexts: ${configured.join(', ')}`,
      );
    }

    let started;
    try {
      started = await startFullSync(client, config, {
        categories: !productsOnly,
        products: !categoriesOnly,
        ...(contexts ? { contexts } : {}),
        ...(force ? { force } : {}),
        ...(dryRun ? { dryRun } : {}),
        ...(allowMassDelete ? { allowMassDelete } : {}),
      });
    } catch (err) {
      if (!(err instanceof SyncConflictError)) throw err;
      throw new CliError(
        `A full sync covering the same scope is already running: ${err.runningWorkflowId}; follow it with \`${PROGRAM} status ${err.runningWorkflowId}\``,
        EXIT.conflict,
        { runningWorkflowId: err.runningWorkflowId },
      );
    }
    const scope = categoriesOnly ? 'categories' : productsOnly ? 'products' : 'categories and products';
    const kind = dryRun ? 'dry run of a ' : force ? 'forced ' : '';
    out.line(
      `Started ${dryRun || force ? 'a ' : ''}${kind}full sync of ${scope}: ${started.workflowId}${force ? ' (every entity re-sent)' : ''}${dryRun ? ' (nothing is sent, cleared or deleted)' : ''}`,
    );
    out.line(`Temporal UI: ${started.uiUrl}`);
    const flags = { force, dryRun, allowMassDelete };
    // A dry run is there for its report: it always waits for it.
    if (values.wait !== true && !dryRun) {
      out.line(`Follow it with: ${PROGRAM} status ${started.workflowId}`);
      out.document({ ...started, ...flags, status: 'started' });
      return EXIT.ok;
    }

    const totals = new Map<string, ContextTotals>();
    if (mode === 'bars' && !out.json) void fetchTotals(config, contexts, totals).catch(() => undefined);
    const view = new ProgressView(mode, (text) => out.write(text), totals);
    try {
      const result = await watchFullSync(client, started.workflowId, view);
      out.line();
      out.line(`${dryRun ? 'Dry run' : 'Full sync'} completed in ${result.progress.elapsedSeconds} s`);
      out.lines(fullSyncSummary(result.progress));
      if (result.dryRun) out.lines(dryRunLines(result.dryRun));
      else if (result.progress.reconciliation) out.lines(removedLines(result.progress.reconciliation));
      for (const note of result.notes ?? []) out.line(`Note: ${note}`);
      out.document({ ...started, ...flags, status: 'completed', result });
      return EXIT.ok;
    } catch (err) {
      const failure = failureMessage(err);
      out.problem(`Full sync ${started.workflowId} failed: ${failure}`);
      out.document({ ...started, ...flags, status: 'failed', failure });
      return EXIT.failed;
    }
  },
};

const samplesOf = (t: KeyTally) =>
  t.samples.length ? `${t.samples.join(', ')}${t.count > t.samples.length ? ', …' : ''}` : '';

/** What reconciliation removed (or, dry, would remove): per source and language, with samples. */
export function reconciliationLines(r: Reconciliation, dryRun = false): string[] {
  const rows: string[][] = [['source', 'language', dryRun ? 'would' : 'did', 'entities', 'of', 'e.g.']];
  for (const s of r.sources) {
    rows.push([
      s.source,
      '',
      'delete',
      formatCount(s.deleted.count),
      formatCount(s.recorded),
      samplesOf(s.deleted),
    ]);
    for (const c of s.cleared) {
      if (c.count === 0) continue;
      rows.push([s.source, c.language, 'clear', formatCount(c.count), formatCount(c.recorded), samplesOf(c)]);
    }
    if (s.refused?.count)
      rows.push([s.source, '', 'refused', formatCount(s.refused.count), '', samplesOf(s.refused)]);
    if (s.stillServed?.count)
      rows.push([
        s.source,
        '',
        'keep: still served',
        formatCount(s.stillServed.count),
        '',
        samplesOf(s.stillServed),
      ]);
    if (s.filesDeleted) rows.push([s.source, '', 'delete files', formatCount(s.filesDeleted), '', '']);
  }
  return [
    dryRun
      ? 'What Bluestone no longer publishes, and a full sync would remove:'
      : 'Removed because Bluestone no longer publishes it:',
    ...(r.sources.length ? table(rows) : []),
    ...r.skipped.map((s) => `  ${s.source}: left alone (${s.reason})`),
    ...(r.refusal ? [`${dryRun ? 'A real run would stop' : 'Guard'}: ${r.refusal}`] : []),
  ];
}

/** After a full sync: what reconciliation removed, when it removed (or was refused) anything. */
function removedLines(r: Reconciliation): string[] {
  const { deleted, cleared } = reconciliationTotals(r);
  const refused = r.sources.some((s) => s.refused?.count || s.stillServed?.count);
  if (deleted + cleared === 0 && !refused) return [];
  return reconciliationLines({ ...r, skipped: [] });
}

/** A dry run's report: what it would send, clear and delete, per source and language. */
export function dryRunLines(report: DryRunReport): string[] {
  const rows: string[][] = [['source', 'language', 'would send', 'clearing values', 'e.g.']];
  for (const s of report.sends)
    rows.push([s.source, s.language, formatCount(s.count), formatCount(s.clearing), samplesOf(s)]);
  return [
    'Dry run: nothing was sent, cleared or deleted in Occtoo, and the record is unchanged.',
    report.sends.length
      ? 'What a full sync would send (new or changed entities):'
      : 'A full sync would send nothing.',
    ...(report.sends.length ? table(rows) : []),
    ...(report.mediaUploads ? [`Media files it would upload: ${formatCount(report.mediaUploads)}`] : []),
    ...(report.reconciliation ? reconciliationLines(report.reconciliation, true) : []),
  ];
}

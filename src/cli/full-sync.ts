import { allContexts } from '../config';
import { failureMessage, startFullSync, SyncConflictError } from '../client/syncs';
import { parseList, PROGRAM } from './args';
import type { Command } from './command';
import { UsageError } from '../command-line';
import { CliError, EXIT } from './errors';
import { fullSyncSummary } from './format';
import { ProgressView, type ContextTotals, type ProgressMode } from './progress';
import { fetchTotals, watchFullSync } from './watch';

export function progressMode(raw: string | undefined, terminal: boolean): ProgressMode {
  if (raw === undefined) return terminal ? 'bars' : 'lines';
  if (raw === 'bars' || raw === 'lines') return raw;
  throw new UsageError(`--progress must be bars or lines (got "${raw}")`);
}

export const fullSyncCommand: Command = {
  name: 'full-sync',
  synopsis: '[--categories-only | --products-only] [--contexts en,l3471] [--force] [--wait]',
  summary: 'start a full sync: setup data, then categories and products of every context',
  details: [
    '--categories-only   only categories (may run beside a products-only sync)',
    '--products-only     only products and their media',
    '--contexts LIST     some of the configured Bluestone contexts, e.g. en,l3471 (default: all)',
    '--force             re-send every entity, even those the record says Occtoo already holds',
    '                    (for when Occtoo lost data); without it unchanged entities are skipped',
    '--wait              show progress until it ends, then the summary; exit 1 if it failed',
    '--progress MODE     bars (the default on a terminal) or lines (otherwise)',
    'Exit code 4 when a full sync of an overlapping scope is already running.',
  ],
  options: {
    'categories-only': { type: 'boolean' },
    'products-only': { type: 'boolean' },
    contexts: { type: 'string' },
    force: { type: 'boolean' },
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
    out.line(
      `Started ${force ? 'a forced ' : ''}full sync of ${scope}: ${started.workflowId}${force ? ' (every entity re-sent)' : ''}`,
    );
    out.line(`Temporal UI: ${started.uiUrl}`);
    if (values.wait !== true) {
      out.line(`Follow it with: ${PROGRAM} status ${started.workflowId}`);
      out.document({ ...started, force, status: 'started' });
      return EXIT.ok;
    }

    const totals = new Map<string, ContextTotals>();
    if (mode === 'bars' && !out.json) void fetchTotals(config, contexts, totals).catch(() => undefined);
    const view = new ProgressView(mode, (text) => out.write(text), totals);
    try {
      const result = await watchFullSync(client, started.workflowId, view);
      out.line();
      out.line(`Full sync completed in ${result.progress.elapsedSeconds} s`);
      out.lines(fullSyncSummary(result.progress));
      for (const note of result.notes ?? []) out.line(`Note: ${note}`);
      out.document({ ...started, force, status: 'completed', result });
      return EXIT.ok;
    } catch (err) {
      const failure = failureMessage(err);
      out.problem(`Full sync ${started.workflowId} failed: ${failure}`);
      out.document({ ...started, status: 'failed', failure });
      return EXIT.failed;
    }
  },
};

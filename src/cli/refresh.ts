import { refreshSummary } from '../client/summaries';
import type { RefreshSyncsResult } from '../shared/sync-types';
import { refreshSyncs } from '../workflows/refresh-syncs';
import { parseDays } from './args';
import type { Command } from './command';
import { EXIT } from './errors';
import { time } from './format';
import { announce, outcome, startOnce } from './start';

export const refreshCommand: Command = {
  name: 'refresh',
  synopsis: '[--days N] [--wait]',
  summary: "apply Bluestone's recent syncs that this deployment has not applied (lost webhooks)",
  details: [
    '--days N   how far back to look (default LOOKBACK_DAYS)',
    '--wait     wait for it, then list what was found, applied, skipped and failed;',
    '           exit 1 if it failed or a sync failed',
  ],
  options: { days: { type: 'string' }, wait: { type: 'boolean' } },
  positionals: { names: [], required: 0 },

  async run({ values, out, session }) {
    const requested = parseDays(values.days as string | undefined, 365);
    const { client, config } = await session();
    const days = requested ?? config.sync.lookbackDays;
    const started = await startOnce(client, config, {
      workflow: refreshSyncs,
      idPrefix: 'refresh-syncs-manual',
      kind: 'refresh',
      args: [{ days }],
      summary: refreshSummary(days),
    });
    const wait = values.wait === true;
    announce(out, `a refresh of the last ${days} day(s)`, started, wait);
    if (!wait) {
      out.document({ ...started, status: 'started', days });
      return EXIT.ok;
    }
    const done = await outcome<RefreshSyncsResult>(client, started);
    if (!done.ok) {
      out.problem(`Refresh ${started.workflowId} failed: ${done.failure}`);
      out.document({ ...started, status: 'failed', days, failure: done.failure });
      return EXIT.failed;
    }
    const r = done.result;
    out.line();
    out.line(
      `Found ${r.found.length} sync(s): ${r.applied.length} applied, ${r.skipped.length} skipped, ${r.failed.length} failed`,
    );
    const context = new Map(r.found.map((s) => [s.syncId, `${s.context}, ${time(new Date(s.createdAt))}`]));
    const about = (syncId: string) => (context.has(syncId) ? ` (${context.get(syncId)})` : '');
    for (const id of r.applied) out.line(`  applied  ${id}${about(id)}`);
    for (const s of r.skipped) out.line(`  skipped  ${s.syncId}${about(s.syncId)}: ${s.reason}`);
    for (const s of r.failed) out.line(`  failed   ${s.syncId}${about(s.syncId)}: ${s.reason}`);
    out.document({ ...started, status: 'completed', days, result: r });
    return r.failed.length > 0 ? EXIT.failed : EXIT.ok;
  },
};

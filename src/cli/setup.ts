import { setupSummary } from '../client/summaries';
import type { SetupResult } from '../shared/sync-types';
import { setupSync } from '../workflows/setup-sync';
import type { Command } from './command';
import { EXIT } from './errors';
import { announce, outcome, startOnce } from './start';

export const setupCommand: Command = {
  name: 'setup',
  synopsis: '[--wait]',
  summary: 'check the configured contexts against Bluestone and push attribute and relation definitions',
  details: ['--wait   wait for it, then show contexts and counts; exit 1 with the reason if it failed'],
  options: { wait: { type: 'boolean' } },
  positionals: { names: [], required: 0 },

  async run({ values, out, session }) {
    const { client, config } = await session();
    const started = await startOnce(client, config, {
      workflow: setupSync,
      idPrefix: 'setup-sync',
      kind: 'setup',
      args: [],
      summary: setupSummary('manual'),
    });
    const wait = values.wait === true;
    announce(out, 'a setup sync', started, wait);
    if (!wait) {
      out.document({ ...started, status: 'started' });
      return EXIT.ok;
    }
    const done = await outcome<SetupResult>(client, started);
    if (!done.ok) {
      out.problem(`Setup failed: ${done.failure}`);
      out.document({ ...started, status: 'failed', failure: done.failure });
      return EXIT.failed;
    }
    const r = done.result;
    out.line();
    out.line('Bluestone contexts:');
    for (const c of r.contexts) {
      const name = c.contextName ? ` (${c.contextName})` : '';
      out.line(`  ${c.context}${name}: ${c.configured ? 'synced' : 'not synced (not configured)'}`);
    }
    out.line(`Attributes: ${r.attributes}, relations: ${r.relations} (default context)`);
    out.line(
      r.setupSource
        ? `Pushed ${r.pushed} definition(s) to the Occtoo source ${r.setupSource}`
        : 'Nothing pushed: OCCTOO_SETUP_SOURCE is not set',
    );
    out.document({ ...started, status: 'completed', result: r });
    return EXIT.ok;
  },
};

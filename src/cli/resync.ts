import { allContexts } from '../config';
import { startResync } from '../client/resync';
import { UsageError } from '../command-line';
import { resyncInputProblem, type ResyncInput, type ResyncResult } from '../shared/sync-types';
import { parseList } from './args';
import type { Command } from './command';
import { EXIT } from './errors';
import { announce, outcome } from './start';

export const resyncCommand: Command = {
  name: 'resync',
  synopsis: '<productId…> [--contexts en,l3471]',
  summary: 'read chosen products again and send them; delete or clear where Bluestone no longer serves them',
  details: [
    '<productId…>        Bluestone product ids (at most 1,000)',
    '--contexts LIST     some of the configured Bluestone contexts, e.g. en,l3471 (default: all)',
    'Every product Bluestone serves is sent, even when the record says Occtoo has it. One it no',
    'longer serves in the default context is deleted from Occtoo; in an additional context, that',
    "language's values are cleared. Waits for the result; exit 1 if the resync failed.",
  ],
  options: { contexts: { type: 'string' } },
  positionals: { names: ['productId…'], required: 1, variadic: true },

  async run({ values, positionals, out, session }) {
    const contexts = parseList(values.contexts as string | undefined, 'contexts');
    const input: ResyncInput = { productIds: [...new Set(positionals)], ...(contexts ? { contexts } : {}) };
    const problem = resyncInputProblem(input);
    if (problem) throw new UsageError(problem);
    const { client, config } = await session();
    const configured = allContexts(config).map((c) => c.context);
    const unknown = contexts?.filter((c) => !configured.includes(c)) ?? [];
    if (unknown.length > 0) {
      throw new UsageError(
        `--contexts: ${unknown.map((c) => `"${c}"`).join(', ')} is not configured; configured contexts: ${configured.join(', ')}`,
      );
    }
    const started = await startResync(client, config, input);
    const what =
      input.productIds.length === 1
        ? `product ${input.productIds[0]}`
        : `${input.productIds.length} products`;
    announce(out, `a resync of ${what}`, started, true);
    const done = await outcome<ResyncResult>(client, started);
    if (!done.ok) {
      out.problem(`Resync ${started.workflowId} failed: ${done.failure}`);
      out.document({ ...started, status: 'failed', failure: done.failure });
      return EXIT.failed;
    }
    out.lines(resyncLines(done.result));
    out.document({ ...started, status: 'completed', result: done.result });
    return EXIT.ok;
  },
};

/** A resync's result for people: per context what was sent, deleted, cleared; then what was set aside. */
export function resyncLines(r: ResyncResult): string[] {
  const ids = (list: string[]) => (list.length > 5 ? `${list.slice(0, 5).join(', ')}, …` : list.join(', '));
  const lines: string[] = [];
  for (const p of r.passes) {
    const parts = (
      [
        ['sent', p.sent],
        ['deleted', p.deleted],
        ['cleared', p.cleared],
        ['filtered out', p.filtered],
        ['not served (nothing to remove)', p.notServed],
      ] as const
    )
      .filter(([, list]) => list.length > 0)
      .map(([what, list]) => `${list.length} ${what} (${ids(list)})`);
    lines.push(`${p.context} (${p.language}): ${parts.join('; ') || 'nothing'}`);
  }
  const count = r.setAsideCount ?? r.setAside.length;
  if (count > 0) {
    lines.push(`Set aside: ${count}`);
    for (const s of r.setAside) lines.push(`  ${s.id}${s.context ? ` (${s.context})` : ''}: ${s.reason}`);
  }
  return lines;
}

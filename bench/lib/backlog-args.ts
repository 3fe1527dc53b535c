import { parseOptions, UsageError, wholeNumber } from '../../src/command-line';

export { UsageError };

export interface BacklogBenchArgs {
  /** Distinct Bluestone syncs published, one sync-done webhook each. */
  syncs: number;
  /** The coordinator's continue-as-new threshold (SyncCoordinatorInput.maxHistoryEvents). */
  maxHistoryEvents: number;
  /** Seeds the catalog, the products each sync changes and the order the webhooks are sent in. */
  seed: number;
  /** Products in the generated catalog; default: three per sync (each sync changes one or two). */
  products: number;
  /** Bluestone contexts; syncs are spread over them at random. */
  contexts: number;
  /**
   * `backlog`: the webhooks arrive while no worker runs (an outage, a new deployment), so the
   * coordinator finds the whole backlog at once. `live`: they arrive while the worker applies.
   */
  arrival: 'backlog' | 'live';
  /** The whole benchmark stops (and fails) after this long. */
  timeoutSeconds: number;
  /** Only the final JSON line on stdout. */
  json: boolean;
}

export const BACKLOG_USAGE = `Usage: npm run bench:backlog -- [options]

Publishes N distinct syncs in the simulated Bluestone (each changes one or two products, each has
its own creation time), delivers their N sync-done webhooks at once, signed, in a shuffled order,
through the real gateway, and waits until the coordinator applied them all. Checks: N applied,
one at a time, oldest first; no notice lost; every coordinator run's history bounded; Occtoo
equals the catalog. Exits 0 only when every check passes.

  --syncs N               distinct syncs, one webhook each (default 2000)
  --max-history-events N  the coordinator's continue-as-new threshold (default 200)
  --seed N                seed of the catalog, the changes and the delivery order (default 1)
  --products N            products in the generated catalog (default: 3 per sync, at least 100)
  --contexts N            Bluestone contexts (en, l3471, ...); syncs are spread over them (default 1)
  --arrival MODE          backlog (default): the webhooks arrive while no worker runs, and the
                          worker starts once all are answered; live: they arrive while it runs
                          (then only syncs whose notice had arrived can be ordered: inversions
                          are reported, not failed)
  --timeout-s N           give up after N seconds (default 3600)
  --json                  print only the final JSON line`;

export function parseBacklogArgs(argv: string[]): BacklogBenchArgs | 'help' {
  const values = parseOptions(argv, {
    syncs: { type: 'string' },
    'max-history-events': { type: 'string' },
    seed: { type: 'string' },
    products: { type: 'string' },
    contexts: { type: 'string' },
    arrival: { type: 'string' },
    'timeout-s': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (values.help) return 'help';
  const s = (name: string) => values[name] as string | undefined;
  const arrival = s('arrival') ?? 'backlog';
  if (arrival !== 'backlog' && arrival !== 'live') {
    throw new UsageError(`--arrival must be backlog or live (got "${arrival}")`);
  }
  const syncs = wholeNumber(s('syncs'), 'syncs', 2000, 1, 20_000);
  const products = wholeNumber(s('products'), 'products', Math.max(100, 3 * syncs), 1, 1_000_000);
  if (products < 2 * syncs) {
    throw new UsageError(
      `--products ${products} is below twice --syncs (${2 * syncs}): every sync changes products of its own, one or two`,
    );
  }
  return {
    syncs,
    maxHistoryEvents: wholeNumber(s('max-history-events'), 'max-history-events', 200, 20, 50_000),
    seed: wholeNumber(s('seed'), 'seed', 1, 0, 2 ** 31),
    products,
    contexts: wholeNumber(s('contexts'), 'contexts', 1, 1, 8),
    arrival,
    timeoutSeconds: wholeNumber(s('timeout-s'), 'timeout-s', 3600, 10, 86_400),
    json: values.json === true,
  };
}

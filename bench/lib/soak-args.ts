import { parseOptions, UsageError, wholeNumber } from '../../src/command-line';

export interface SoakArgs {
  /** How long publishes stream in and faults are injected (the chaos window). */
  minutes: number;
  /** Seeds the catalog, the publishes and the faults: the same seed gives the same sequence. */
  seed: number;
  products: number;
  contexts: number;
  /** At most this many faults in all (worker kills, Temporal and gateway restarts). */
  maxFaults: number;
  /** After the chaos window: how long the service may take to settle, and the refresh to finish. */
  settleSeconds: number;
  /**
   * Publishes begin once the first full sync completed (faults begin at once either way). By
   * default they begin with it, as a deployment's first full sync meets the PIM's daily work.
   */
  publishAfterFullSync: boolean;
  /** Keep the run's folder (logs of every process, Temporal's database) even when it passes. */
  keep: boolean;
  /** Only the final JSON line on stdout. */
  json: boolean;
}

export const SOAK_USAGE = `Usage: npm run soak -- --minutes N [options]

Streams publishes, unpublishes and archives into the simulated Bluestone while it kills the worker
(SIGKILL) and restarts the Temporal dev server and the gateway at random (seeded) moments; then waits
for quiet, runs a refresh and compares Occtoo with the catalog. Exits 0 only when no entity differs.

  --minutes N             length of the chaos window, 1 to 240 (required)
  --seed N                seed of the catalog, the publishes and the faults (default 1)
  --products N            products in the generated catalog (default 300)
  --contexts N            Bluestone contexts: en, l3471, l3472, ... (default 3)
  --max-faults N          at most N faults in all (default: 4 per minute)
  --settle-s N            after the window, how long the service may take to settle (default 600)
  --publish-after-full-sync
                          start publishing once the first full sync completed (default: at once,
                          so the full sync and the publishes overlap)
  --keep                  keep the run's folder (every process's log) even when it passes
  --json                  print only the final JSON line`;

export function parseSoakArgs(argv: string[]): SoakArgs | 'help' {
  const values = parseOptions(argv, {
    minutes: { type: 'string' },
    seed: { type: 'string' },
    products: { type: 'string' },
    contexts: { type: 'string' },
    'max-faults': { type: 'string' },
    'settle-s': { type: 'string' },
    'publish-after-full-sync': { type: 'boolean' },
    keep: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (values.help) return 'help';
  const s = (name: string) => values[name] as string | undefined;
  if (s('minutes') === undefined) throw new UsageError('--minutes is required (for example --minutes 1)');
  const minutes = wholeNumber(s('minutes'), 'minutes', 1, 1, 240);
  return {
    minutes,
    seed: wholeNumber(s('seed'), 'seed', 1, 0, 2 ** 31),
    products: wholeNumber(s('products'), 'products', 300, 20, 20_000),
    contexts: wholeNumber(s('contexts'), 'contexts', 3, 1, 8),
    maxFaults: wholeNumber(s('max-faults'), 'max-faults', minutes * 4, 0, 10_000),
    settleSeconds: wholeNumber(s('settle-s'), 'settle-s', 600, 30, 7_200),
    publishAfterFullSync: values['publish-after-full-sync'] === true,
    keep: values.keep === true,
    json: values.json === true,
  };
}

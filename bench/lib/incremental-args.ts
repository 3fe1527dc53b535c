import { parseOptions, UsageError, wholeNumber } from '../../src/command-line';

export { UsageError };

export interface IncrementalBenchArgs {
  /** Products changed per publish, one measurement series per size. */
  sizes: number[];
  /** Publishes measured per size (same order as `sizes`). */
  rounds: number[];
  /** Unmeasured publishes before the first series (the coordinator's start is one-off). */
  warmup: number;
  /** Fixed latency on every API request of both simulators, ms (0 = none). */
  latencyMs: number;
  products: number;
  contexts: number;
  seed: number;
  /** Pause after a publish is fully applied, before the next one. */
  gapMs: number;
  /** A change that has not reached Occtoo this long after its publish is a failure. */
  roundTimeoutSeconds: number;
  /** The whole benchmark stops (and fails) after this long. */
  timeoutSeconds: number;
  /** Only the final JSON line on stdout. */
  json: boolean;
}

export const INCREMENTAL_USAGE = `Usage: npm run bench:incremental -- [options]

  --sizes N,N             products changed per publish, one series each (default 10,1000)
  --rounds N[,N]          publishes per size: one number for all, or one per size
                          (default 20 for sizes below 1000, 5 from 1000)
  --warmup N              unmeasured publishes of the first size before measuring (default 1)
  --latency-ms N          fixed latency on every API request of both simulators (default 0)
  --products N            products in the generated catalog, ≥ the largest size (default 2000)
  --contexts N            Bluestone contexts (en, l3471, ...) in the catalog and config (default 3);
                          publishes change the default context, en
  --seed N                catalog seed (default 1)
  --gap-ms N              pause between publishes, after the previous one is applied (default 200)
  --round-timeout-s N     a change missing from Occtoo after N seconds fails the run (default 60)
  --timeout-s N           give up after N seconds (default 1800)
  --json                  print only the final JSON line`;

function intList(raw: string, name: string, min: number, max: number): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) {
    throw new UsageError(`--${name} must be a comma-separated list of whole numbers (got "${raw}")`);
  }
  return parts.map((p) => wholeNumber(p, name, 0, min, max));
}

export function defaultRounds(size: number): number {
  return size >= 1000 ? 5 : 20;
}

export function parseIncrementalArgs(argv: string[]): IncrementalBenchArgs | 'help' {
  const values = parseOptions(argv, {
    sizes: { type: 'string' },
    rounds: { type: 'string' },
    warmup: { type: 'string' },
    'latency-ms': { type: 'string' },
    products: { type: 'string' },
    contexts: { type: 'string' },
    seed: { type: 'string' },
    'gap-ms': { type: 'string' },
    'round-timeout-s': { type: 'string' },
    'timeout-s': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (values.help) return 'help';
  const s = (name: string) => values[name] as string | undefined;

  const sizes = s('sizes') === undefined ? [10, 1000] : intList(s('sizes')!, 'sizes', 1, 100_000);
  let rounds = sizes.map(defaultRounds);
  if (s('rounds') !== undefined) {
    const given = intList(s('rounds')!, 'rounds', 1, 10_000);
    if (given.length !== 1 && given.length !== sizes.length) {
      throw new UsageError(
        `--rounds takes one number, or one per size (${sizes.length} for --sizes ${sizes.join(',')}); got ${given.length}`,
      );
    }
    rounds = given.length === 1 ? sizes.map(() => given[0]) : given;
  }
  const products = wholeNumber(s('products'), 'products', 2000, 1, 1_000_000);
  const largest = Math.max(...sizes);
  if (products < largest) {
    throw new UsageError(
      `--products ${products} is smaller than the largest --sizes value ${largest}: a publish cannot change more products than the catalog holds`,
    );
  }
  return {
    sizes,
    rounds,
    warmup: wholeNumber(s('warmup'), 'warmup', 1, 0, 100),
    latencyMs: wholeNumber(s('latency-ms'), 'latency-ms', 0, 0, 10_000),
    products,
    contexts: wholeNumber(s('contexts'), 'contexts', 3, 1, 8),
    seed: wholeNumber(s('seed'), 'seed', 1, 0, 2 ** 31),
    gapMs: wholeNumber(s('gap-ms'), 'gap-ms', 200, 0, 60_000),
    roundTimeoutSeconds: wholeNumber(s('round-timeout-s'), 'round-timeout-s', 60, 1, 3600),
    timeoutSeconds: wholeNumber(s('timeout-s'), 'timeout-s', 1800, 10, 86_400),
    json: values.json === true,
  };
}

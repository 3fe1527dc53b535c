import path from 'node:path';
import { parseOptions, UsageError, wholeNumber } from '../../src/command-line';

export { UsageError };

export interface BenchArgs {
  products: number;
  contexts: number;
  /** Fixed latency on every API request of both simulators, ms (0 = none). */
  latencyMs: number;
  seed: number;
  /** Only the final JSON line on stdout. */
  json: boolean;
  /** Workflow tuning passed as `fullSync` input options; unset = the workflow's defaults. */
  pagesPerChunk?: number;
  maxHistoryEvents?: number;
  /** READ_AHEAD_PAGES of the worker and the baseline; unset = the service's default (0). */
  readAhead?: number;
  /** The worker's V8 old-space limit (--max-old-space-size), as a container memory limit would set it. */
  workerHeapMb?: number;
  /** Where the baseline runs: its own process (like the worker), this process, or not at all. */
  baseline: 'process' | 'inline' | 'skip';
  /** The whole benchmark stops (and fails) after this long. */
  timeoutSeconds: number;
  /** Temporal and baseline runs, alternating; medians are reported (a shared machine is noisy). */
  repeat: number;
  /** Write V8 CPU profiles of the worker and baseline processes here (investigations). */
  profileDir?: string;
  /** After the measured run, a second full sync of the unchanged catalog (it should send nothing). */
  again: boolean;
}

export const USAGE = `Usage: npm run bench:full-sync -- [options]

  --products N            products in the generated catalog (default 20000)
  --contexts N            Bluestone contexts synced side by side: en, l3471, l3472, ... (default 3)
  --latency-ms N          fixed latency on every API request of both simulators (default 0)
  --seed N                catalog seed (default 1)
  --pages-per-chunk N     fullSync option: pages per chunk activity (default: the workflow's, 20)
  --max-history-events N  fullSync option: continue-as-new threshold (default: the workflow's, 2000)
  --read-ahead N          READ_AHEAD_PAGES for the worker and the baseline (default: the service's, 0)
  --worker-heap-mb N      run the worker with --max-old-space-size=N (as in a memory-limited container)
  --baseline MODE         process (default: its own process, as the worker), inline (this process), skip
  --repeat N              run Temporal and baseline N times each, alternating; report medians (default 1)
  --timeout-s N           give up after N seconds (default 3600)
  --profile-dir DIR       write V8 CPU profiles (.cpuprofile) of the worker and baseline processes to DIR
  --again                 then a second full sync of the unchanged catalog: products/s, entities sent
  --json                  print only the final JSON line`;

export function parseBenchArgs(argv: string[]): BenchArgs | 'help' {
  const values = parseOptions(argv, {
    products: { type: 'string' },
    contexts: { type: 'string' },
    'latency-ms': { type: 'string' },
    seed: { type: 'string' },
    'pages-per-chunk': { type: 'string' },
    'max-history-events': { type: 'string' },
    'read-ahead': { type: 'string' },
    'worker-heap-mb': { type: 'string' },
    baseline: { type: 'string' },
    'timeout-s': { type: 'string' },
    'profile-dir': { type: 'string' },
    repeat: { type: 'string' },
    json: { type: 'boolean' },
    again: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (values.help) return 'help';
  const s = (name: string) => values[name] as string | undefined;
  const baseline = s('baseline') ?? 'process';
  if (baseline !== 'process' && baseline !== 'inline' && baseline !== 'skip') {
    throw new UsageError(`--baseline must be process, inline or skip (got "${baseline}")`);
  }
  return {
    products: wholeNumber(s('products'), 'products', 20_000, 1, 1_000_000)!,
    contexts: wholeNumber(s('contexts'), 'contexts', 3, 1, 8)!,
    latencyMs: wholeNumber(s('latency-ms'), 'latency-ms', 0, 0, 10_000)!,
    seed: wholeNumber(s('seed'), 'seed', 1, 0, 2 ** 31)!,
    pagesPerChunk: wholeNumber(s('pages-per-chunk'), 'pages-per-chunk', undefined, 1, 10_000),
    maxHistoryEvents: wholeNumber(s('max-history-events'), 'max-history-events', undefined, 10, 50_000),
    readAhead: wholeNumber(s('read-ahead'), 'read-ahead', undefined, 0, 4),
    workerHeapMb: wholeNumber(s('worker-heap-mb'), 'worker-heap-mb', undefined, 64, 65_536),
    baseline,
    timeoutSeconds: wholeNumber(s('timeout-s'), 'timeout-s', 3600, 10, 86_400)!,
    repeat: wholeNumber(s('repeat'), 'repeat', 1, 1, 20)!,
    json: values.json === true,
    again: values.again === true,
    profileDir: s('profile-dir') ? path.resolve(s('profile-dir')!) : undefined,
  };
}

import { parseOptions, wholeNumber } from '../command-line';

/** `npm run demo -- [options]`: everything has a default, so no option is needed. */
export interface DemoArgs {
  products: number;
  seed: number;
  /** Print the summary and stop everything, instead of running until Ctrl-C. */
  exit: boolean;
}

/** With this many, `--exit` took 40-60 s on 2 cores (shared with other work); most of it is media uploads. */
export const DEFAULT_DEMO_PRODUCTS = 2000;

export const DEMO_USAGE = `Usage: npm run demo -- [options]

Runs the whole service on your machine with no configuration: an embedded Temporal server
(Web UI on 8233), simulated Bluestone and Occtoo with a generated catalog, the worker and the
gateway; then a setup sync, a full sync and a publish whose webhooks flow through the gateway.

  --products N   products in the generated catalog (default ${DEFAULT_DEMO_PRODUCTS}; three contexts, media)
  --seed N       catalog seed: the same seed gives the same catalog (default 1)
  --exit         print the summary and stop (exit code 0 only when Occtoo equals the catalog);
                 without it everything keeps running until Ctrl-C, so you can explore
  --help`;

/** Parses the command line; throws UsageError saying what to fix. */
export function parseDemoArgs(argv: string[]): DemoArgs | 'help' {
  const values = parseOptions(argv, {
    products: { type: 'string' },
    seed: { type: 'string' },
    exit: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (values.help) return 'help';
  const str = (name: string) => values[name] as string | undefined;
  return {
    // At least a handful: the publish changes, adds and archives a few products.
    products: wholeNumber(str('products'), 'products', DEFAULT_DEMO_PRODUCTS, 10, 200_000),
    seed: wholeNumber(str('seed'), 'seed', 1, 0, 2 ** 31),
    exit: values.exit === true,
  };
}

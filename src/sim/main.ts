/**
 * `npm run sim`: both simulators on fixed local ports with a generated catalog, so that the
 * service (`npm start`) can run against them. Prints the URLs, credentials, the `.env` lines to
 * paste, and the admin and inspection routes. Runs until Ctrl-C.
 *
 *   npm run sim -- --products 500 --latency-ms 20 --webhook-url http://localhost:3000/webhooks/bluestone
 *
 * Also exports `startSimulators`, which the benchmarks use to start the same pair in-process.
 */
import { randomBytes } from 'node:crypto';
import { commandLineOrExit, parseOptions, UsageError, wholeNumber } from '../command-line';
import type { ContextInfo } from '../bluestone/types';
import { startBluestoneSim, type BluestoneSim } from './bluestone-sim';
import { generateCatalog, type Catalog } from './catalog';
import { startOcctooSim, type OcctooSim } from './occtoo-sim';
import type { WebhookSecretMode } from './webhook-emitter';

/** Bluestone contexts and the Occtoo language each maps to: PAPI's `en`, then `l3471`, `l3472`, ... */
const KNOWN_CONTEXTS: { context: string; contextName: string; language: string }[] = [
  { context: 'en', contextName: 'English', language: 'en' },
  { context: 'l3471', contextName: 'Swedish', language: 'sv' },
  { context: 'l3472', contextName: 'German', language: 'de' },
  { context: 'l3473', contextName: 'Finnish', language: 'fi' },
  { context: 'l3474', contextName: 'Danish', language: 'da' },
  { context: 'l3475', contextName: 'Norwegian', language: 'no' },
  { context: 'l3476', contextName: 'French', language: 'fr' },
  { context: 'l3477', contextName: 'Dutch', language: 'nl' },
];

export interface SimContext extends ContextInfo {
  language: string;
}

/** The first `count` contexts (en, l3471, l3472, ...), each with its Occtoo language. */
export function simContexts(count: number): SimContext[] {
  if (!Number.isInteger(count) || count < 1 || count > 50) {
    throw new Error(`contexts must be a whole number from 1 to 50 (got ${count})`);
  }
  return Array.from({ length: count }, (_, i) => {
    const known = KNOWN_CONTEXTS[i];
    return known ?? { context: `l${3471 + i - 1}`, contextName: `Language ${i}`, language: `x${i}` };
  });
}

export interface SimulatorsOptions {
  products: number;
  seed: number;
  contexts?: number;
  mediaPerProduct?: number;
  /** 0 picks a free port. */
  bluestonePort?: number;
  occtooPort?: number;
  /** Fixed latency on every API request of both simulators, ms. */
  latencyMs?: number;
  webhookUrl?: string;
  webhookSecret?: string;
  webhookSecretMode?: WebhookSecretMode;
  bluestoneApiKey?: string;
  occtooProviderId?: string;
  occtooProviderSecret?: string;
  /** A prebuilt catalog (the benchmark builds it once and times that separately). */
  catalog?: Catalog;
}

export interface Simulators {
  bluestone: BluestoneSim;
  occtoo: OcctooSim;
  catalog: Catalog;
  contexts: SimContext[];
  /** Environment for the service, pointing at both simulators (what `.env` would hold). */
  env: Record<string, string>;
  close(): Promise<void>;
}

export const SIM_SOURCES = {
  products: 'bluestoneProducts',
  categories: 'bluestoneCategories',
  media: 'bluestoneMedia',
};

export async function startSimulators(options: SimulatorsOptions): Promise<Simulators> {
  const contexts = simContexts(options.contexts ?? 3);
  const catalog =
    options.catalog ??
    generateCatalog({
      seed: options.seed,
      products: options.products,
      contexts: contexts.map(({ context, contextName }) => ({ context, contextName })),
      mediaPerProduct: options.mediaPerProduct,
      hostile: true,
    });
  const faults = options.latencyMs ? { latencyMs: options.latencyMs } : undefined;
  const webhookSecret = options.webhookSecret ?? randomBytes(18).toString('base64url');
  const bluestone = await startBluestoneSim({
    catalog,
    apiKey: options.bluestoneApiKey ?? 'sim-papi-key',
    port: options.bluestonePort ?? 0,
    faults,
    webhook: {
      url: options.webhookUrl,
      secret: webhookSecret,
      secretMode: options.webhookSecretMode,
    },
  });
  let occtoo: OcctooSim;
  try {
    occtoo = await startOcctooSim({
      providers: [
        {
          id: options.occtooProviderId ?? 'sim-provider',
          secret: options.occtooProviderSecret ?? 'sim-provider-secret',
          allowedSources: ['*'],
        },
      ],
      port: options.occtooPort ?? 0,
      faults,
    });
  } catch (err) {
    await bluestone.close();
    throw err;
  }
  const [first, ...rest] = contexts;
  const env: Record<string, string> = {
    BLUESTONE_API_URL: bluestone.url,
    BLUESTONE_API_KEY: bluestone.apiKey,
    BLUESTONE_DEFAULT_CONTEXT: `${first.context}:${first.language}`,
    BLUESTONE_ADDITIONAL_CONTEXTS: rest.map((c) => `${c.context}:${c.language}`).join(','),
    OCCTOO_INGEST_URL: occtoo.url,
    OCCTOO_DATA_PROVIDER_ID: options.occtooProviderId ?? 'sim-provider',
    OCCTOO_DATA_PROVIDER_SECRET: options.occtooProviderSecret ?? 'sim-provider-secret',
    OCCTOO_PRODUCTS_SOURCE: SIM_SOURCES.products,
    OCCTOO_CATEGORIES_SOURCE: SIM_SOURCES.categories,
    OCCTOO_MEDIA_SOURCE: SIM_SOURCES.media,
    WEBHOOK_SECRET: webhookSecret,
  };
  return {
    bluestone,
    occtoo,
    catalog,
    contexts,
    env,
    async close() {
      await Promise.all([bluestone.close(), occtoo.close()]);
    },
  };
}

// ---- the command line ------------------------------------------------------------------------

const USAGE = `Usage: npm run sim -- [options]

  --products N             products in the generated catalog (default 200)
  --seed N                 catalog seed; the same seed gives the same catalog (default 1)
  --contexts N             Bluestone contexts: en, l3471, l3472, ... (default 3)
  --bluestone-port N       Bluestone PAPI simulator port (default 4010; 0 = any free port)
  --occtoo-port N          Occtoo ingest simulator port (default 4020; 0 = any free port)
  --latency-ms N           fixed latency added to every API request of both simulators
  --webhook-url URL        where the Bluestone simulator POSTs publish webhooks
  --webhook-secret S       the secret it sends with them (default: a random one, printed)
  --webhook-secret-mode M  how the secret travels: header, query, hmac or none (default header)
  --help`;

/** Parses the command line into simulator options (throws UsageError with what to fix). */
export function parseSimArgs(argv: string[]): SimulatorsOptions | 'help' {
  const values = parseOptions(argv, {
    products: { type: 'string' },
    seed: { type: 'string' },
    contexts: { type: 'string' },
    'bluestone-port': { type: 'string' },
    'occtoo-port': { type: 'string' },
    'latency-ms': { type: 'string' },
    'webhook-url': { type: 'string' },
    'webhook-secret': { type: 'string' },
    'webhook-secret-mode': { type: 'string' },
    help: { type: 'boolean' },
  });
  if (values.help) return 'help';
  const str = (name: string) => values[name] as string | undefined;
  const webhookUrl = str('webhook-url');
  if (webhookUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(webhookUrl)) {
    throw new UsageError(`--webhook-url must be an http(s) URL (got "${webhookUrl}")`);
  }
  const mode = str('webhook-secret-mode');
  if (mode !== undefined && !['header', 'query', 'hmac', 'none'].includes(mode)) {
    throw new UsageError(`--webhook-secret-mode must be header, query, hmac or none (got "${mode}")`);
  }
  const secret = str('webhook-secret');
  if (secret !== undefined && secret.trim() === '')
    throw new UsageError('--webhook-secret must not be empty');
  return {
    products: wholeNumber(str('products'), 'products', 200, 1, 1_000_000),
    seed: wholeNumber(str('seed'), 'seed', 1, 0, 2 ** 31),
    contexts: wholeNumber(str('contexts'), 'contexts', 3, 1, 50),
    bluestonePort: wholeNumber(str('bluestone-port'), 'bluestone-port', 4010, 0, 65535),
    occtooPort: wholeNumber(str('occtoo-port'), 'occtoo-port', 4020, 0, 65535),
    latencyMs: wholeNumber(str('latency-ms'), 'latency-ms', 0, 0, 60_000),
    webhookUrl,
    webhookSecret: secret,
    webhookSecretMode: mode as WebhookSecretMode | undefined,
  };
}

/** What `npm run sim` prints once both simulators listen. */
export function describeSimulators(sims: Simulators, options: SimulatorsOptions): string {
  const { bluestone, occtoo, env } = sims;
  const webhook = bluestone.webhooks.current;
  const mode = webhook.secretMode ?? (webhook.secret ? 'header' : 'none');
  const secretHow =
    mode === 'header'
      ? `in header ${webhook.secretHeader ?? 'x-bluestone-secret'}`
      : mode === 'hmac'
        ? `as hex HMAC-SHA256 of the body in header ${webhook.secretHeader ?? 'x-bluestone-secret'}`
        : mode === 'query'
          ? `in query parameter ${webhook.secretQueryParam ?? 'code'}`
          : 'not sent';
  const products = sims.catalog.productsIn(sims.contexts[0].context).length;
  return [
    `Simulators running: ${products} products, ${sims.contexts.length} contexts (${sims.contexts
      .map((c) => c.context)
      .join(', ')}), seed ${options.seed}${options.latencyMs ? `, ${options.latencyMs} ms latency` : ''}.`,
    '',
    'Bluestone PAPI simulator',
    `  API:        ${bluestone.url}   (header x-api-key: ${bluestone.apiKey}; header context: en, l3471, ...)`,
    `  health:     GET ${bluestone.url}/health`,
    `  webhooks:   ${webhook.url ? `POST ${webhook.url}` : 'not sent (start with --webhook-url URL)'}, secret ${secretHow}`,
    '',
    'Occtoo ingest simulator',
    `  API:        ${occtoo.url}`,
    `  token:      POST ${occtoo.url}/dataProviders/tokens  {"id":"${env.OCCTOO_DATA_PROVIDER_ID}","secret":"${env.OCCTOO_DATA_PROVIDER_SECRET}"}`,
    '',
    'Paste into .env, then `npm start`:',
    '',
    ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    '',
    'Admin and inspection routes',
    `  POST ${bluestone.origin}/_admin/publish         publish changes: {"change":["<productId>"],"add":2,"archive":[...],"categories":{...}}`,
    `                                                  remove values: {"change":[{"id":"<productId>","description":null,"labels":[],"attributes":{"<number>":null}}]}`,
    `  GET|PUT ${bluestone.origin}/_admin/faults       Bluestone faults: {"latencyMs":50,"serverErrorRate":0.1,"rateLimitRate":0.05}`,
    `  GET ${bluestone.origin}/_admin/stats            request counts per route, cursor page reads`,
    `  GET ${bluestone.origin}/_admin/syncs            recorded publishes (syncs)`,
    `  GET|PUT ${bluestone.origin}/_admin/webhooks     webhook settings and delivery log`,
    `  POST ${bluestone.origin}/_admin/webhooks/redeliver  {"deliveryId":1}: send a webhook again`,
    `  GET ${occtoo.url}/_inspect/stats               imports and entities per source, media`,
    `  GET ${occtoo.url}/_inspect/imports             every import received`,
    `  GET ${occtoo.url}/_inspect/sources/<source>    merged entities of a source (e.g. ${SIM_SOURCES.products})`,
    `  GET ${occtoo.url}/_inspect/sources/<source>/<key>  one entity`,
    `  GET ${occtoo.url}/_inspect/media               media uploads and files`,
    `  PUT ${occtoo.url}/_admin/faults                Occtoo faults (same fields as Bluestone's)`,
    `  POST ${occtoo.url}/_admin/reset                forget everything Occtoo received`,
    '',
    'Ctrl-C stops both.',
  ].join('\n');
}

async function main(): Promise<void> {
  const options = commandLineOrExit(parseSimArgs, USAGE);
  let sims: Simulators;
  try {
    sims = await startSimulators(options);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { port?: number };
    if (e.code === 'EADDRINUSE') {
      console.error(
        `A port is already in use (${e.message}): choose others with --bluestone-port and --occtoo-port (0 = any free port).`,
      );
      process.exit(2);
    }
    throw err;
  }
  console.log(describeSimulators(sims, options));
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => resolve(s));
  });
  console.log(`\n${signal}: stopping the simulators`);
  // Pending webhook retries would keep the process alive: close() gives them up.
  await sims.close();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}

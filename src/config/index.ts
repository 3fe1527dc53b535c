import { existsSync } from 'node:fs';
import { z } from 'zod';
import { PRODUCT_TYPES, type ProductType } from '../bluestone/types';

/**
 * Service configuration: one zod schema over the environment (and `.env` when present).
 * Every setting of Occtoo's own Bluestone provider has a counterpart here; the README's
 * configuration table documents each variable and the provider setting it replaces.
 */

/** `bluestoneContext:occtooLanguage`, e.g. `en:en` or `l3471:sv`. */
export interface ContextMapping {
  context: string;
  language: string;
}

export const MEDIA_MODES = ['ignore', 'bluestone', 'occtoo'] as const;
export type MediaMode = (typeof MEDIA_MODES)[number];

export const PRODUCT_KEY_MODES = ['id', 'number'] as const;
export type ProductKeyMode = (typeof PRODUCT_KEY_MODES)[number];

/** SYNC_ATTRIBUTES_INCLUDE / _EXCLUDE: attribute numbers and `group:<groupNumber>` items, split. */
export interface AttributeSelection {
  /** Attribute numbers (an attribute without a number is matched by its id). */
  numbers: string[];
  /** Attribute group numbers, matched against each attribute's `groupNumber`. */
  groups: string[];
}

const LANGUAGE = /^[A-Za-z0-9_-]{2,10}$/;
const CONTEXT_KEY = /^[A-Za-z0-9_.-]+$/;

function parseContextPair(raw: string): ContextMapping | string {
  const parts = raw.split(':').map((p) => p.trim());
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    return `"${raw}" is not of the form bluestoneContext:occtooLanguage`;
  }
  const [context, language] = parts;
  if (!CONTEXT_KEY.test(context))
    return `context "${context}" may only hold letters, digits, '.', '_' and '-'`;
  if (!LANGUAGE.test(language)) {
    return `language "${language}" must be 2-10 characters of letters, digits, '_' or '-' (Occtoo's rule)`;
  }
  return { context, language };
}

const contextPair = z.string().transform((raw, ctx) => {
  const parsed = parseContextPair(raw.trim());
  if (typeof parsed === 'string') {
    ctx.addIssue({ code: 'custom', message: parsed });
    return z.NEVER;
  }
  return parsed;
});

const contextList = z.string().transform((raw, ctx) => {
  const out: ContextMapping[] = [];
  for (const item of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const parsed = parseContextPair(item);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
    else out.push(parsed);
  }
  return out;
});

const nameList = z.string().transform((raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/** The non-empty, trimmed items of a comma list. */
const listItems = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** `SINGLE,GROUP`: Bluestone product types, in any case; a typo is named in the error. */
const productTypeList = z.string().transform((raw, ctx) => {
  const out = new Set<ProductType>();
  for (const item of listItems(raw)) {
    const type = PRODUCT_TYPES.find((t) => t === item.toUpperCase());
    if (type) out.add(type);
    else {
      ctx.addIssue({
        code: 'custom',
        message: `"${item}" is not a Bluestone product type; use ${PRODUCT_TYPES.join(', ')}`,
      });
    }
  }
  if (listItems(raw).length === 0)
    ctx.addIssue({ code: 'custom', message: `must list at least one of ${PRODUCT_TYPES.join(', ')}` });
  return [...out];
});

const GROUP_PREFIX = 'group:';

/** `weight,group:logistics`: attribute numbers and attribute groups (by group number). */
const attributeSelection = z.string().transform((raw, ctx): AttributeSelection => {
  const selection: AttributeSelection = { numbers: [], groups: [] };
  for (const item of listItems(raw)) {
    const group = item.startsWith(GROUP_PREFIX) ? item.slice(GROUP_PREFIX.length).trim() : undefined;
    if (group === undefined) selection.numbers.push(item);
    else if (group !== '') selection.groups.push(group);
    else ctx.addIssue({ code: 'custom', message: `"${item}" names no group; write group:<groupNumber>` });
  }
  return selection;
});

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no']))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce
  .number({ error: 'must be a port number from 1 to 65535' })
  .int({ error: 'must be a port number from 1 to 65535' })
  .min(1, { error: 'must be a port number from 1 to 65535' })
  .max(65535, { error: 'must be a port number from 1 to 65535' });
const url = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));
const required = z.string().trim().min(1);
const dataSource = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{1,256}$/, "may only hold letters, digits, '_' and '-'");
const positiveInt = z.coerce.number().int().positive();

/** Example values shown in error messages, so that each message says how to fix it. */
const EXAMPLES: Record<string, string> = {
  BLUESTONE_API_URL: 'https://api.bluestonepim.com/v1',
  BLUESTONE_API_KEY: 'your-papi-key',
  BLUESTONE_DEFAULT_CONTEXT: 'en:en',
  BLUESTONE_ADDITIONAL_CONTEXTS: 'l3471:sv,l3472:de',
  HANDLE_MEDIA: 'bluestone',
  PRODUCT_KEY: 'id',
  OCCTOO_INGEST_URL: 'https://ingest.occtoo.com',
  OCCTOO_DATA_PROVIDER_ID: 'your-data-provider-id',
  OCCTOO_DATA_PROVIDER_SECRET: 'your-data-provider-secret',
  OCCTOO_PRODUCTS_SOURCE: 'bluestoneProducts',
  OCCTOO_CATEGORIES_SOURCE: 'bluestoneCategories',
  OCCTOO_MEDIA_SOURCE: 'bluestoneMedia',
  WEBHOOK_SECRET: 'a-long-random-string',
  WEBHOOK_SECRET_HEADER: 'x-bluestone-secret',
  WEBHOOK_SIGNATURE: 'plain',
  ARCHIVE_STATES: 'ARCHIVED,TO_BE_ARCHIVED',
  DELETE_ON_UNPUBLISH: 'false',
  MEDIA_DELETE: 'false',
  READ_AHEAD_PAGES: '0',
  SYNC_PRODUCT_TYPES: 'SINGLE,GROUP,VARIANT',
  SYNC_ATTRIBUTES_INCLUDE: 'color,weight,group:general',
  SYNC_ATTRIBUTES_EXCLUDE: 'internal_note,group:purchasing',
  SYNC_LABELS_EXCLUDE: 'NoSync,discontinued',
  ALLOW_INSECURE_WEBHOOKS: 'false',
  PORT: '3000',
  TEMPORAL_ADDRESS: 'localhost:7233',
  TEMPORAL_TLS: 'true',
  TEMPORAL_DEV_PORT: '7233',
  TEMPORAL_UI_PORT: '8233',
  TEMPORAL_UI_URL: 'https://cloud.temporal.io',
  IMPORT_BATCH_SIZE: '50',
  SYNC_ENVIRONMENT: 'production',
  WORKER_METRICS_ADDRESS: '0.0.0.0:9464',
  REFRESH_SCHEDULE: '15m',
  LOOKBACK_DAYS: '5',
  OCCTOO_SETUP_SOURCE: 'bluestoneSetup',
};

const schema = z
  .object({
    BLUESTONE_API_URL: url.default('https://api.bluestonepim.com/v1'),
    BLUESTONE_API_KEY: required,
    BLUESTONE_DEFAULT_CONTEXT: contextPair.default({ context: 'en', language: 'en' }),
    BLUESTONE_ADDITIONAL_CONTEXTS: contextList.default([]),
    LOCALIZED_PROPERTIES_PRODUCT: nameList.default(['Name', 'Description']),
    LOCALIZED_PROPERTIES_CATEGORY: nameList.default(['Name', 'Description']),
    HANDLE_MEDIA: z.enum(MEDIA_MODES).default('bluestone'),
    PRODUCT_KEY: z.enum(PRODUCT_KEY_MODES).default('id'),
    OCCTOO_INGEST_URL: url.default('https://ingest.occtoo.com'),
    OCCTOO_DATA_PROVIDER_ID: required,
    OCCTOO_DATA_PROVIDER_SECRET: required,
    OCCTOO_PRODUCTS_SOURCE: dataSource,
    OCCTOO_CATEGORIES_SOURCE: dataSource,
    OCCTOO_MEDIA_SOURCE: dataSource,
    MULTI_VALUE_SEPARATOR: z.string().min(1).default('|'),
    IMPORT_BATCH_SIZE: positiveInt.max(1000).default(50),
    WEBHOOK_SECRET: z.string().trim().min(1).optional(),
    WEBHOOK_SECRET_HEADER: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name')
      .default('x-bluestone-secret'),
    WEBHOOK_SIGNATURE: z.enum(['plain', 'hmac-sha256']).default('plain'),
    WEBHOOK_MAX_BODY_BYTES: positiveInt.default(1024 * 1024),
    ALLOW_INSECURE_WEBHOOKS: bool.default(false),
    ARCHIVE_STATES: nameList.default(['ARCHIVED']),
    DELETE_ON_UNPUBLISH: bool.default(false),
    MEDIA_DELETE: bool.default(false),
    READ_AHEAD_PAGES: z.coerce
      .number({ error: 'must be a whole number from 0 to 4' })
      .int({ error: 'must be a whole number from 0 to 4' })
      .min(0, { error: 'must be a whole number from 0 to 4' })
      .max(4, { error: 'must be a whole number from 0 to 4' })
      .default(0),
    SYNC_PRODUCT_TYPES: productTypeList.default([...PRODUCT_TYPES]),
    SYNC_ATTRIBUTES_INCLUDE: attributeSelection.optional(),
    SYNC_ATTRIBUTES_EXCLUDE: attributeSelection.default({ numbers: [], groups: [] }),
    SYNC_LABELS_EXCLUDE: nameList.default([]),
    ADMIN_TOKEN: z.string().trim().min(1).optional(),
    TEMPORAL_ADDRESS: z.string().trim().min(1).optional(),
    TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
    TEMPORAL_API_KEY: z.string().trim().min(1).optional(),
    TEMPORAL_TLS: bool.optional(),
    TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().trim().min(1).optional(),
    TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().trim().min(1).optional(),
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().trim().min(1).optional(),
    TEMPORAL_TLS_SERVER_NAME: z.string().trim().min(1).optional(),
    TEMPORAL_TASK_QUEUE: z.string().trim().min(1).optional(),
    SYNC_ENVIRONMENT: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, "may only hold letters, digits, '_' and '-' (e.g. production, sandbox)")
      .optional(),
    REFRESH_SCHEDULE: z
      .string()
      .trim()
      .refine((v) => v === 'off' || /^\d+[smhd]$/.test(v) || v.split(/\s+/).length === 5, {
        message:
          "must be 'off', an interval like 15m / 1h / 1d, or a 5-field cron expression like '*/15 * * * *'",
      })
      .default('15m'),
    LOOKBACK_DAYS: z.coerce.number({ error: 'must be a number of days' }).positive().max(365).default(5),
    OCCTOO_SETUP_SOURCE: dataSource.optional(),
    PORT: port.default(3000),
    TEMPORAL_DEV_PORT: port.default(7233),
    TEMPORAL_UI_PORT: port.default(8233),
    TEMPORAL_UI_URL: url.optional(),
    DATA_DIR: z.string().trim().min(1).default('.data'),
    LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
    SHUTDOWN_GRACE_SECONDS: positiveInt.default(30),
    WORKER_METRICS_ADDRESS: z
      .string()
      .trim()
      .regex(/^(off|[A-Za-z0-9.:[\]-]+:\d{1,5})$/, "must be host:port (e.g. 0.0.0.0:9464) or 'off'")
      .default('127.0.0.1:9464'),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>([c.BLUESTONE_DEFAULT_CONTEXT.context]);
    for (const extra of c.BLUESTONE_ADDITIONAL_CONTEXTS) {
      if (seen.has(extra.context)) {
        ctx.addIssue({
          code: 'custom',
          path: ['BLUESTONE_ADDITIONAL_CONTEXTS'],
          message: `context "${extra.context}" is listed twice (or repeats BLUESTONE_DEFAULT_CONTEXT)`,
        });
      }
      seen.add(extra.context);
    }
  });

type RawConfig = z.output<typeof schema>;

export interface Config {
  bluestone: {
    apiUrl: string;
    apiKey: string;
    defaultContext: ContextMapping;
    additionalContexts: ContextMapping[];
  };
  mapping: {
    localizedProductProperties: string[];
    localizedCategoryProperties: string[];
    handleMedia: MediaMode;
    productKey: ProductKeyMode;
    multiValueSeparator: string;
  };
  occtoo: {
    ingestUrl: string;
    dataProviderId: string;
    dataProviderSecret: string;
    productsSource: string;
    categoriesSource: string;
    mediaSource: string;
    batchSize: number;
  };
  sync: {
    /** REFRESH_SCHEDULE: `off`, an interval (`15m`) or a cron expression. */
    refreshSchedule: string;
    /** LOOKBACK_DAYS: how far back the refresh looks for syncs. */
    lookbackDays: number;
    /** OCCTOO_SETUP_SOURCE: where setupSync pushes attribute and relation definitions (unset: nowhere). */
    setupSource?: string;
    /** PRODUCT_WATCH_STATE values that mean "delete from Occtoo". */
    archiveStates: string[];
    /** Product DELETE differences delete the product in Occtoo (off, as in the original provider). */
    deleteOnUnpublish: boolean;
    /** Archive deletion also deletes the product's media entities. */
    mediaDelete: boolean;
    /**
     * READ_AHEAD_PAGES: pages each stream reads while it pushes the current one. More overlaps
     * reads and pushes; a crashed worker re-reads up to 1 + this many pages per stream.
     */
    readAheadPages: number;
  };
  gateway: {
    port: number;
    webhookSecret?: string;
    /** Header carrying the secret (or its HMAC signature); `?code=` works too for plain secrets. */
    webhookSecretHeader: string;
    /** `plain`: the header holds the secret; `hmac-sha256`: the hex HMAC of the raw body. */
    webhookSignature: 'plain' | 'hmac-sha256';
    webhookMaxBodyBytes: number;
    allowInsecureWebhooks: boolean;
    adminToken?: string;
  };
  temporal: {
    /** Unset: `npm start` runs the embedded dev server. */
    address?: string;
    namespace: string;
    /** Default `bluestone-occtoo`, or `bluestone-occtoo-<SYNC_ENVIRONMENT>` when an environment is set. */
    taskQueue: string;
    /** SYNC_ENVIRONMENT: recorded on every workflow, so deployments sharing a cluster stay apart. */
    environment?: string;
    devPort: number;
    uiPort: number;
    /** Base URL of the Temporal Web UI, for links in answers and logs. */
    uiUrl: string;
    dataDir: string;
    shutdownGraceSeconds: number;
    /** Temporal Cloud or a TLS-secured cluster: the standard TEMPORAL_* variables. */
    apiKey?: string;
    tls?: {
      clientCertPath?: string;
      clientKeyPath?: string;
      serverCaCertPath?: string;
      serverName?: string;
    };
    /** The worker's Prometheus endpoint (Temporal's and the sync's metrics); undefined = off. */
    metricsAddress?: string;
  };
  log: { level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'; format?: 'json' | 'pretty' };
  /**
   * What every sync (full, incremental, refresh) leaves out; applied in src/mapping/filters.ts.
   * Attributes: SYNC_ATTRIBUTES_INCLUDE first (unset = every attribute), then SYNC_ATTRIBUTES_EXCLUDE.
   */
  filters: {
    /** SYNC_PRODUCT_TYPES: products of the other known types are skipped (default: all four). */
    productTypes: ProductType[];
    /** SYNC_ATTRIBUTES_INCLUDE: when set, only these attributes are sent. */
    attributesInclude?: AttributeSelection;
    /** SYNC_ATTRIBUTES_EXCLUDE: these attributes are never sent. */
    attributesExclude: AttributeSelection;
    /** SYNC_LABELS_EXCLUDE: products carrying one of these labels are deleted from Occtoo instead. */
    labelsExclude: string[];
  };
}

/** Every configured context, the default one first. */
export function allContexts(config: Pick<Config, 'bluestone'>): ContextMapping[] {
  return [config.bluestone.defaultContext, ...config.bluestone.additionalContexts];
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function describeIssue(issue: z.core.$ZodIssue, env: Record<string, string | undefined>): string {
  const name = String(issue.path[0] ?? 'configuration');
  const example = EXAMPLES[name] ? ` (example: ${name}=${EXAMPLES[name]})` : '';
  const missing = env[name] === undefined;
  if (missing && issue.code === 'invalid_type') return `${name} is required but not set${example}`;
  if (issue.code === 'invalid_value') {
    return `${name} must be one of ${issue.values.map(String).join(', ')}${example}`;
  }
  // The message never includes the value itself: it may be a secret.
  const message = issue.message.startsWith('is ') ? issue.message : `is invalid: ${issue.message}`;
  return `${name} ${message}${example}`;
}

/** Reads and validates the configuration; throws a ConfigError with one line per problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset, so that `FOO=` in a .env file means "use the default".
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  const result = schema.safeParse(cleaned);
  const problems = result.success ? [] : result.error.issues.map((issue) => describeIssue(issue, cleaned));
  // Checked outside the schema so that it is reported together with every other problem.
  if (
    !cleaned.WEBHOOK_SECRET &&
    !['true', '1', 'yes'].includes(cleaned.ALLOW_INSECURE_WEBHOOKS?.toLowerCase() ?? '')
  ) {
    problems.push(
      'WEBHOOK_SECRET is required unless ALLOW_INSECURE_WEBHOOKS=true: the shared secret Bluestone sends with each webhook (example: WEBHOOK_SECRET=a-long-random-string)',
    );
  }
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  return toConfig(result.data);
}

function toConfig(c: RawConfig): Config {
  return {
    bluestone: {
      apiUrl: c.BLUESTONE_API_URL,
      apiKey: c.BLUESTONE_API_KEY,
      defaultContext: c.BLUESTONE_DEFAULT_CONTEXT,
      additionalContexts: c.BLUESTONE_ADDITIONAL_CONTEXTS,
    },
    mapping: {
      localizedProductProperties: c.LOCALIZED_PROPERTIES_PRODUCT,
      localizedCategoryProperties: c.LOCALIZED_PROPERTIES_CATEGORY,
      handleMedia: c.HANDLE_MEDIA,
      productKey: c.PRODUCT_KEY,
      multiValueSeparator: c.MULTI_VALUE_SEPARATOR,
    },
    occtoo: {
      ingestUrl: c.OCCTOO_INGEST_URL,
      dataProviderId: c.OCCTOO_DATA_PROVIDER_ID,
      dataProviderSecret: c.OCCTOO_DATA_PROVIDER_SECRET,
      productsSource: c.OCCTOO_PRODUCTS_SOURCE,
      categoriesSource: c.OCCTOO_CATEGORIES_SOURCE,
      mediaSource: c.OCCTOO_MEDIA_SOURCE,
      batchSize: c.IMPORT_BATCH_SIZE,
    },
    sync: {
      refreshSchedule: c.REFRESH_SCHEDULE,
      lookbackDays: c.LOOKBACK_DAYS,
      setupSource: c.OCCTOO_SETUP_SOURCE,
      archiveStates: c.ARCHIVE_STATES,
      deleteOnUnpublish: c.DELETE_ON_UNPUBLISH,
      mediaDelete: c.MEDIA_DELETE,
      readAheadPages: c.READ_AHEAD_PAGES,
    },
    gateway: {
      port: c.PORT,
      webhookSecret: c.WEBHOOK_SECRET,
      webhookSecretHeader: c.WEBHOOK_SECRET_HEADER.toLowerCase(),
      webhookSignature: c.WEBHOOK_SIGNATURE,
      webhookMaxBodyBytes: c.WEBHOOK_MAX_BODY_BYTES,
      allowInsecureWebhooks: c.ALLOW_INSECURE_WEBHOOKS,
      adminToken: c.ADMIN_TOKEN,
    },
    temporal: {
      address: c.TEMPORAL_ADDRESS,
      namespace: c.TEMPORAL_NAMESPACE,
      taskQueue:
        c.TEMPORAL_TASK_QUEUE ??
        (c.SYNC_ENVIRONMENT ? `bluestone-occtoo-${c.SYNC_ENVIRONMENT}` : 'bluestone-occtoo'),
      environment: c.SYNC_ENVIRONMENT,
      devPort: c.TEMPORAL_DEV_PORT,
      uiPort: c.TEMPORAL_UI_PORT,
      uiUrl: c.TEMPORAL_UI_URL ?? `http://localhost:${c.TEMPORAL_UI_PORT}`,
      dataDir: c.DATA_DIR,
      shutdownGraceSeconds: c.SHUTDOWN_GRACE_SECONDS,
      metricsAddress: c.WORKER_METRICS_ADDRESS === 'off' ? undefined : c.WORKER_METRICS_ADDRESS,
      apiKey: c.TEMPORAL_API_KEY,
      // TLS when asked for, when certificates are given, or with an API key (Temporal Cloud).
      tls:
        (c.TEMPORAL_TLS ?? (!!c.TEMPORAL_API_KEY || !!c.TEMPORAL_TLS_CLIENT_CERT_PATH))
          ? {
              clientCertPath: c.TEMPORAL_TLS_CLIENT_CERT_PATH,
              clientKeyPath: c.TEMPORAL_TLS_CLIENT_KEY_PATH,
              serverCaCertPath: c.TEMPORAL_TLS_SERVER_CA_CERT_PATH,
              serverName: c.TEMPORAL_TLS_SERVER_NAME,
            }
          : undefined,
    },
    log: { level: c.LOG_LEVEL, format: c.LOG_FORMAT },
    filters: {
      productTypes: c.SYNC_PRODUCT_TYPES,
      attributesInclude: c.SYNC_ATTRIBUTES_INCLUDE,
      attributesExclude: c.SYNC_ATTRIBUTES_EXCLUDE,
      labelsExclude: c.SYNC_LABELS_EXCLUDE,
    },
  };
}

/** Loads `.env` from the working directory (when present) into process.env; real env vars win. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/** Values that must never appear in logs or workflow history. */
export function secretsOf(config: Config): string[] {
  return [
    config.bluestone.apiKey,
    config.occtoo.dataProviderSecret,
    config.gateway.webhookSecret,
    config.gateway.adminToken,
    config.temporal.apiKey,
  ].filter((s): s is string => !!s);
}

import { z } from 'zod';
import { environmentSchema } from './environment';
import type { ContextMapping } from './values';

/**
 * The environment's variables (environment.ts) checked together and arranged as the service
 * reads them. Config is inferred from this schema: a setting added there reaches the type here.
 */
export const configSchema = environmentSchema
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
    // A version needs both halves: one alone would silently run unversioned.
    if (!c.WORKER_DEPLOYMENT_NAME !== !c.WORKER_BUILD_ID) {
      const missing = c.WORKER_DEPLOYMENT_NAME ? 'WORKER_BUILD_ID' : 'WORKER_DEPLOYMENT_NAME';
      ctx.addIssue({
        code: 'custom',
        path: [missing],
        message: `is required with ${missing === 'WORKER_BUILD_ID' ? 'WORKER_DEPLOYMENT_NAME' : 'WORKER_BUILD_ID'} (Worker Deployment Versioning needs both; unset both to run unversioned)`,
      });
    }
  })
  .transform((c) =>
    unsetIsOptional({
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
        clearWith: c.CLEAR_WITH,
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
        pruneMaxPercent: c.PRUNE_MAX_PERCENT,
        readAheadPages: c.READ_AHEAD_PAGES,
        setAsideMaxPercent: c.SET_ASIDE_MAX_PERCENT,
      },
      gateway: {
        port: c.PORT,
        webhookSecret: c.WEBHOOK_SECRET,
        webhookSecretHeader: c.WEBHOOK_SECRET_HEADER,
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
        // Worker Deployment Versioning: on only when both are set (checked above).
        deployment:
          c.WORKER_DEPLOYMENT_NAME && c.WORKER_BUILD_ID
            ? { deploymentName: c.WORKER_DEPLOYMENT_NAME, buildId: c.WORKER_BUILD_ID }
            : undefined,
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
      database: { url: c.DATABASE_URL },
      log: { level: c.LOG_LEVEL, format: c.LOG_FORMAT },
      tracing: { endpoint: c.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: c.OTEL_SERVICE_NAME },
      // What every sync leaves out; applied in src/mapping/filters.ts.
      filters: {
        productTypes: c.SYNC_PRODUCT_TYPES,
        attributesInclude: c.SYNC_ATTRIBUTES_INCLUDE,
        attributesExclude: c.SYNC_ATTRIBUTES_EXCLUDE,
        labelsExclude: c.SYNC_LABELS_EXCLUDE,
      },
    }),
  );

export type Config = z.output<typeof configSchema>;

/**
 * Fields that may hold undefined (an unset setting) become optional fields, at any depth, so that
 * code may build a part of Config without naming them. Types only: the keys stay, as undefined.
 */
type UnsetIsOptional<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? {
        [K in keyof T as undefined extends T[K] ? K : never]?: UnsetIsOptional<Exclude<T[K], undefined>>;
      } & { [K in keyof T as undefined extends T[K] ? never : K]: UnsetIsOptional<T[K]> } extends infer O
      ? { [K in keyof O]: O[K] }
      : never
    : T;

function unsetIsOptional<T>(config: T): UnsetIsOptional<T> {
  return config as UnsetIsOptional<T>;
}

/** Every configured context, the default one first. */
export function allContexts(config: Pick<Config, 'bluestone'>): ContextMapping[] {
  return [config.bluestone.defaultContext, ...config.bluestone.additionalContexts];
}

/** Values that must never appear in logs or workflow history. */
export function secretsOf(config: Config): string[] {
  return [
    config.bluestone.apiKey,
    config.occtoo.dataProviderSecret,
    config.gateway.webhookSecret,
    config.gateway.adminToken,
    config.temporal.apiKey,
    ...databasePasswords(config.database.url),
  ].filter((s): s is string => !!s);
}

/** The password inside a database URL, as written and decoded (either may reach a log line). */
function databasePasswords(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const { password } = new URL(url);
    return password ? [...new Set([password, decodeURIComponent(password)])] : [];
  } catch {
    return [];
  }
}

/** A database URL fit for logs and error messages: its password replaced by `***`. */
export function redactedDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'DATABASE_URL (unreadable URL)';
  }
}

import { z } from 'zod';
import { PRODUCT_TYPES } from '../bluestone/types';
import { setting } from './setting';
import {
  attributeSelection,
  bool,
  contextList,
  contextPair,
  dataSource,
  MEDIA_MODES,
  nameList,
  ownSecret,
  port,
  positiveInt,
  PRODUCT_KEY_MODES,
  productTypeList,
  readAhead,
  text,
  url,
} from './values';

/**
 * The configuration's single source: one field per environment variable, each with its
 * documentation (src/config/setting.ts); `configSchema` turns them into the nested Config.
 * Fields are in the order of docs/configuration.md.
 */
export const environmentSchema = z.object({
  BLUESTONE_API_URL: setting(url.default('https://api.bluestonepim.com/v1'), {
    section: 'Bluestone',
    description: 'Public API base URL (test: `https://api.test.bluestonepim.com/v1`).',
    provider: '`BluestoneAPI`',
    example: 'https://api.bluestonepim.com/v1',
    default: 'https://api.bluestonepim.com/v1',
  }),
  BLUESTONE_API_KEY: setting(text, {
    section: 'Bluestone',
    description: 'PAPI key, sent as `x-api-key` (the header name `BluestoneAPIKeyName` is fixed by the API).',
    provider: '`BluestoneAPIKeyValue`',
    example: 'your-papi-key',
  }),
  BLUESTONE_DEFAULT_CONTEXT: setting(contextPair.default({ context: 'en', language: 'en' }), {
    section: 'Bluestone',
    description: '`bluestoneContext:occtooLanguage`; this pass also sends every non-localized property.',
    provider: '`DefaultContext`',
    example: 'en:en',
    default: 'en:en',
  }),
  BLUESTONE_ADDITIONAL_CONTEXTS: setting(contextList.default([]), {
    section: 'Bluestone',
    description:
      'More `bluestoneContext:occtooLanguage` pairs; these passes send only the localized properties.',
    provider: '`AdditionalContext`',
    example: 'l3471:sv,l3472:de',
    default: '',
  }),

  OCCTOO_INGEST_URL: setting(url.default('https://ingest.occtoo.com'), {
    section: 'Occtoo',
    description: 'Occtoo ingest and media API.',
    provider: '`OcctooBaseAddress`',
    example: 'https://ingest.occtoo.com',
    default: 'https://ingest.occtoo.com',
  }),
  OCCTOO_DATA_PROVIDER_ID: setting(text, {
    section: 'Occtoo',
    description: 'The data provider created in Occtoo Studio: its id.',
    provider: '`DataProviderId`',
    example: 'your-data-provider-id',
  }),
  OCCTOO_DATA_PROVIDER_SECRET: setting(text, {
    section: 'Occtoo',
    description: 'The data provider created in Occtoo Studio: its secret.',
    provider: '`DataProviderSecret`',
    example: 'your-data-provider-secret',
  }),
  OCCTOO_PRODUCTS_SOURCE: setting(dataSource, {
    section: 'Occtoo',
    description: "Data source identifier for products (one of the provider's Allowed Sources).",
    provider: '`ProductsDataSource`',
    example: 'bluestoneProducts',
  }),
  OCCTOO_CATEGORIES_SOURCE: setting(dataSource, {
    section: 'Occtoo',
    description: "Data source identifier for categories (one of the provider's Allowed Sources).",
    provider: '`CategoriesDataSource`',
    example: 'bluestoneCategories',
  }),
  OCCTOO_MEDIA_SOURCE: setting(dataSource, {
    section: 'Occtoo',
    description: "Data source identifier for media (one of the provider's Allowed Sources).",
    provider: '`MediaDataSource`',
    example: 'bluestoneMedia',
  }),
  IMPORT_BATCH_SIZE: setting(positiveInt.max(1000).default(50), {
    section: 'Occtoo',
    description: 'Entities per Occtoo import call (also capped at 20 MB).',
    provider: '(fixed 50 there)',
    example: '50',
    default: '50',
  }),

  LOCALIZED_PROPERTIES_PRODUCT: setting(nameList.default(['Name', 'Description']), {
    section: 'Mapping',
    description: 'Built-in property names or attribute numbers of products sent per language.',
    provider: '`LocalizedPropertiesProduct`',
    default: 'Name,Description',
  }),
  LOCALIZED_PROPERTIES_CATEGORY: setting(nameList.default(['Name', 'Description']), {
    section: 'Mapping',
    description: 'Likewise for categories.',
    provider: '`LocalizedPropertiesCategory`',
    default: 'Name,Description',
  }),
  HANDLE_MEDIA: setting(z.enum(MEDIA_MODES).default('bluestone'), {
    section: 'Mapping',
    description: "`ignore`, `bluestone` (Bluestone's URLs) or `occtoo` (upload to Occtoo's media service).",
    provider: '`HandleMedia`',
    example: 'bluestone',
    default: 'bluestone',
  }),
  PRODUCT_KEY: setting(z.enum(PRODUCT_KEY_MODES).default('id'), {
    section: 'Mapping',
    description: 'Occtoo key of products: Bluestone `id`, or the sanitized `number`.',
    provider: '(always the number there)',
    example: 'id',
    default: 'id',
  }),
  MULTI_VALUE_SEPARATOR: setting(z.string().min(1).default('|'), {
    section: 'Mapping',
    description: 'Joins list values.',
    provider: '(fixed `|` there)',
    default: '|',
  }),
  CLEAR_WITH: setting(z.enum(['null', 'empty']).default('null'), {
    section: 'Mapping',
    description:
      "What a property sent last time and empty now is sent as, to clear it in Occtoo: `null` (as Occtoo's own provider does) or `empty` (an empty string).",
    provider: '(always `null` there)',
    example: 'null',
    default: 'null',
  }),

  SYNC_PRODUCT_TYPES: setting(productTypeList.default([...PRODUCT_TYPES]), {
    section: 'Sync filters',
    description: 'Product types sent; products of the other types are skipped.',
    provider: '— (Optimizely: `[PimNoSync]` on classes)',
    example: 'SINGLE,GROUP,VARIANT',
    default: PRODUCT_TYPES.join(','),
  }),
  SYNC_ATTRIBUTES_INCLUDE: setting(attributeSelection.optional(), {
    section: 'Sync filters',
    description: 'Only these attributes: attribute numbers and `group:<groupNumber>` items.',
    provider: '— (Optimizely: `[PimSync]` on properties)',
    example: 'color,weight,group:general',
    whenUnset: 'every attribute',
  }),
  SYNC_ATTRIBUTES_EXCLUDE: setting(attributeSelection.default({ numbers: [], groups: [] }), {
    section: 'Sync filters',
    description: 'Never these attributes (same form), applied after the include list; categories too.',
    provider: '— (Optimizely: properties without `[PimSync]`)',
    example: 'internal_note,group:purchasing',
    default: '',
  }),
  SYNC_LABELS_EXCLUDE: setting(nameList.default([]), {
    section: 'Sync filters',
    description: 'Products with one of these labels are deleted from Occtoo, not sent.',
    example: 'NoSync,discontinued',
    default: '',
  }),

  REFRESH_SCHEDULE: setting(
    z
      .string()
      .trim()
      .refine((v) => v === 'off' || /^\d+[smhd]$/.test(v) || v.split(/\s+/).length === 5, {
        message:
          "must be 'off', an interval like 15m / 1h / 1d, or a 5-field cron expression like '*/15 * * * *'",
      })
      .default('15m'),
    {
      section: 'Sync',
      description:
        'Lookback refresh schedule (missed-webhook recovery): `off`, an interval (`15m`, `1h`) or a 5-field cron expression.',
      provider: '— (Optimizely: scheduled job)',
      example: '15m',
      default: '15m',
    },
  ),
  LOOKBACK_DAYS: setting(
    z.coerce.number({ error: 'must be a number of days' }).positive().max(365).default(5),
    {
      section: 'Sync',
      description: 'How far back the refresh looks for syncs.',
      provider: '— (Optimizely: `NumberOfLookbackDays`)',
      example: '5',
      default: '5',
    },
  ),
  OCCTOO_SETUP_SOURCE: setting(dataSource.optional(), {
    section: 'Sync',
    description: 'Data source for attribute and relation definitions (for Occtoo Studio users).',
    provider: '— (Optimizely: "Synchronize setup data")',
    example: 'bluestoneSetup',
    whenUnset: 'not pushed',
  }),
  ARCHIVE_STATES: setting(nameList.default(['ARCHIVED']), {
    section: 'Sync',
    description: '`PRODUCT_WATCH_STATE` values that delete the product from Occtoo.',
    provider: '(`ARCHIVED` hard-coded there)',
    example: 'ARCHIVED,TO_BE_ARCHIVED',
    default: 'ARCHIVED',
  }),
  DELETE_ON_UNPUBLISH: setting(bool.default(true), {
    section: 'Sync',
    description:
      "A product `DELETE` difference of a product Bluestone no longer serves deletes it from Occtoo (default context; in either PRODUCT_KEY mode, by the key the record holds) or clears that language's values (an additional context). `false`: such products stay in Occtoo until the next full sync's reconciliation.",
    provider: '(ignored there since 78d6c3e)',
    example: 'false',
    default: 'true',
  }),
  MEDIA_DELETE: setting(bool.default(false), {
    section: 'Sync',
    description:
      'An archive (or an unpublish) also deletes the media entities (and Occtoo files) the products showed that no other recorded entity still shows; a full sync of categories and products deletes the media entities (and files) that no entity it read shows any more.',
    provider: '(never there)',
    example: 'false',
    default: 'false',
  }),
  PRUNE_MAX_PERCENT: setting(
    z.coerce
      .number({ error: 'must be a percentage from 0 to 100' })
      .min(0, { error: 'must be a percentage from 0 to 100' })
      .max(100, { error: 'must be a percentage from 0 to 100' })
      .default(10),
    {
      section: 'Sync',
      description:
        "A full sync that would delete (or clear in one language) more than this share (in percent) of a source's recorded entities, because Bluestone no longer serves them, removes nothing and ends FAILED with the count and a sample of keys: a Bluestone that serves half the catalog by mistake must not empty Occtoo. `full-sync --allow-mass-delete` lifts it for one run; `100` never stops.",
      provider: '(none there: nothing was ever removed by a full sync)',
      example: '10',
      default: '10',
    },
  ),
  READ_AHEAD_PAGES: setting(readAhead.default(0), {
    section: 'Sync',
    description:
      'Pages each stream reads while it pushes the current one (0–4). `1` overlaps reading and pushing within a context (faster when Bluestone and Occtoo are slow); a crashed worker then re-reads up to `1 +` this many pages per context instead of one.',
    provider: '(none there: one page at a time)',
    example: '0',
    default: '0',
  }),
  SET_ASIDE_MAX_PERCENT: setting(
    z.coerce
      .number({ error: 'must be a percentage from 0 to 100' })
      .min(0, { error: 'must be a percentage from 0 to 100' })
      .max(100, { error: 'must be a percentage from 0 to 100' })
      .default(5),
    {
      section: 'Sync',
      description:
        'A sync (full or incremental) that sets aside more than this share (in percent) of the entities it handled (sent, found unchanged or set aside) ends FAILED with the reasons instead of completed: so many rejections have one cause to fix, say a property type changed in Occtoo. `0` fails on any set-aside entity, `100` never.',
      provider: '(none there: a rejected batch was swallowed and the run went on)',
      example: '5',
      default: '5',
    },
  ),

  PORT: setting(port.default(3000), {
    section: 'Gateway and webhooks',
    description: 'Gateway port.',
    example: '3000',
    default: '3000',
  }),
  WEBHOOK_SECRET: setting(ownSecret.optional(), {
    section: 'Gateway and webhooks',
    description: 'The secret Bluestone sends with each webhook; at least 16 characters.',
    provider: '(Azure function key there)',
    example: 'a-long-random-string',
    whenUnset: 'required unless `ALLOW_INSECURE_WEBHOOKS=true`',
  }),
  ALLOW_INSECURE_WEBHOOKS: setting(bool.default(false), {
    section: 'Gateway and webhooks',
    description: 'Accept webhooks without a secret (development only).',
    example: 'false',
    default: 'false',
  }),
  WEBHOOK_SECRET_HEADER: setting(
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name')
      .transform((name) => name.toLowerCase())
      .default('x-bluestone-secret'),
    {
      section: 'Gateway and webhooks',
      description:
        'Header carrying the secret (or its signature); `?code=<secret>` in the webhook URL works too.',
      example: 'x-bluestone-secret',
      default: 'x-bluestone-secret',
    },
  ),
  WEBHOOK_SIGNATURE: setting(z.enum(['plain', 'hmac-sha256']).default('plain'), {
    section: 'Gateway and webhooks',
    description: '`plain` (the header holds the secret) or `hmac-sha256` (hex HMAC of the raw body).',
    example: 'plain',
    default: 'plain',
  }),
  WEBHOOK_MAX_BODY_BYTES: setting(positiveInt.default(1024 * 1024), {
    section: 'Gateway and webhooks',
    description: 'Larger deliveries get 413.',
    default: '1048576',
  }),
  ADMIN_TOKEN: setting(ownSecret.optional(), {
    section: 'Gateway and webhooks',
    description:
      'Bearer token for the admin routes (manual syncs, status, the deep readiness check); at least 16 characters.',
    provider: '(Azure function key there)',
    example: 'another-long-random-string',
    whenUnset: 'admin routes disabled',
  }),

  TEMPORAL_ADDRESS: setting(text.optional(), {
    section: 'Temporal',
    description: '`host:port` of a Temporal frontend.',
    provider: '(Azure queue + blobs there)',
    example: 'localhost:7233',
    whenUnset: '`npm start` runs an embedded Temporal server',
  }),
  TEMPORAL_NAMESPACE: setting(text.default('default'), {
    section: 'Temporal',
    description: 'Temporal namespace.',
    default: 'default',
  }),
  TEMPORAL_TASK_QUEUE: setting(text.optional(), {
    section: 'Temporal',
    description: 'Task queue the workers poll.',
    provider: '`ProductQueue`',
    whenUnset: '`bluestone-occtoo`, or `bluestone-occtoo-<SYNC_ENVIRONMENT>` when an environment is set',
  }),
  SYNC_ENVIRONMENT: setting(
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, "may only hold letters, digits, '_' and '-' (e.g. production, sandbox)")
      .optional(),
    {
      section: 'Temporal',
      description:
        'E.g. `production`, `sandbox`: a search attribute on every workflow, shown in `/ready`, so that deployments sharing a cluster stay apart; the default task queue becomes `bluestone-occtoo-<env>`.',
      example: 'production',
      whenUnset: 'none',
    },
  ),
  TEMPORAL_API_KEY: setting(text.optional(), {
    section: 'Temporal',
    description: 'Temporal Cloud API key (implies TLS).',
    whenUnset: 'none',
  }),
  TEMPORAL_TLS: setting(bool.optional(), {
    section: 'Temporal',
    description: 'TLS to Temporal.',
    example: 'true',
    whenUnset: 'on when `TEMPORAL_API_KEY` or `TEMPORAL_TLS_CLIENT_CERT_PATH` is set, off otherwise',
  }),
  TEMPORAL_TLS_CLIENT_CERT_PATH: setting(text.optional(), {
    section: 'Temporal',
    description: "Mutual TLS: the client certificate's file (implies TLS).",
    whenUnset: 'none',
  }),
  TEMPORAL_TLS_CLIENT_KEY_PATH: setting(text.optional(), {
    section: 'Temporal',
    description: "Mutual TLS: the client key's file.",
    whenUnset: 'none',
  }),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: setting(text.optional(), {
    section: 'Temporal',
    description: "TLS: the server's CA certificate file, when not a public CA.",
    whenUnset: "the system's CAs",
  }),
  TEMPORAL_TLS_SERVER_NAME: setting(text.optional(), {
    section: 'Temporal',
    description: 'TLS: the server name to verify, when it differs from the address.',
    whenUnset: "the address's host",
  }),
  TEMPORAL_UI_URL: setting(url.optional(), {
    section: 'Temporal',
    description: 'Base of the Temporal UI links in answers, logs and the CLI.',
    example: 'https://cloud.temporal.io',
    whenUnset: '`http://localhost:<TEMPORAL_UI_PORT>`',
  }),
  TEMPORAL_DEV_PORT: setting(port.default(7233), {
    section: 'Temporal',
    description: "The embedded server's gRPC port.",
    example: '7233',
    default: '7233',
  }),
  TEMPORAL_UI_PORT: setting(port.default(8233), {
    section: 'Temporal',
    description: "The embedded server's Web UI port.",
    example: '8233',
    default: '8233',
  }),
  DATA_DIR: setting(text.default('.data'), {
    section: 'Temporal',
    description:
      "The embedded servers' data: Temporal's database file, and PostgreSQL's under `postgres/` (when `DATABASE_URL` is unset).",
    default: '.data',
  }),
  SHUTDOWN_GRACE_SECONDS: setting(positiveInt.default(30), {
    section: 'Temporal',
    description:
      'How long in-flight activities may finish on SIGTERM or Ctrl-C; the process exits at the latest 15 s after it (a second Ctrl-C stops at once).',
    default: '30',
  }),
  WORKER_METRICS_ADDRESS: setting(
    z
      .string()
      .trim()
      .regex(/^(off|[A-Za-z0-9.:[\]-]+:\d{1,5})$/, "must be host:port (e.g. 0.0.0.0:9464) or 'off'")
      .default('127.0.0.1:9464'),
    {
      section: 'Temporal',
      description:
        "The worker's HTTP endpoint, or `off`: `/metrics` (Prometheus: Temporal's and the sync's metrics), `/healthz` (alive) and `/readyz` (polling its task queue; not while starting or draining). The default answers on this machine only; in a container set `0.0.0.0:9464` (the image does), so that Prometheus and the orchestrator's probes reach it.",
      example: '0.0.0.0:9464',
      default: '127.0.0.1:9464',
    },
  ),

  WORKER_DEPLOYMENT_NAME: setting(
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,100}$/, "may only hold letters, digits, '_' and '-' (e.g. bluestone-occtoo)")
      .optional(),
    {
      section: 'Temporal',
      description:
        'Worker Deployment Versioning (with `WORKER_BUILD_ID`): the deployment these workers belong to. A full sync finishes on the version that started it; the coordinator and the refresh move to the current version. Make a version current with `temporal worker deployment set-current-version` (docs/operations.md, "Deploying new workflow code").',
      example: 'bluestone-occtoo',
      whenUnset: 'unversioned workers (any worker of the task queue takes any task)',
    },
  ),
  WORKER_BUILD_ID: setting(
    z
      .string()
      .trim()
      .regex(
        /^[A-Za-z0-9._+-]{1,255}$/,
        "may only hold letters, digits, '.', '_', '+' and '-' (e.g. the image tag 1.4.0)",
      )
      .optional(),
    {
      section: 'Temporal',
      description:
        "Worker Deployment Versioning (with `WORKER_DEPLOYMENT_NAME`): this worker's version, e.g. the image tag; every change of workflow code needs a new one.",
      example: '1.4.0',
      whenUnset: 'unversioned workers',
    },
  ),

  DATABASE_URL: setting(
    z
      .string()
      .trim()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// URL')
      .optional(),
    {
      section: 'Database',
      description:
        'PostgreSQL holding the record of what was sent to Occtoo (what to clear, what to skip). Every worker of a deployment shares it; deployments (task queues) may share one database. Its password is masked in logs.',
      example: 'postgres://bos:secret@db:5432/bluestone_occtoo',
      whenUnset:
        'an embedded PostgreSQL under `DATA_DIR/postgres` (started by `npm start` and the demo; a separate `worker` or `gateway` joins the one `npm start` runs)',
    },
  ),

  LOG_LEVEL: setting(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'), {
    section: 'Logging',
    description: 'The least severe level written.',
    default: 'INFO',
  }),
  LOG_FORMAT: setting(z.enum(['json', 'pretty']).optional(), {
    section: 'Logging',
    description: '`json` (one JSON object a line) or `pretty`.',
    whenUnset: '`pretty` on a terminal, `json` otherwise',
  }),

  OTEL_EXPORTER_OTLP_ENDPOINT: setting(url.optional(), {
    section: 'Traces',
    description:
      "OpenTelemetry traces, sent over OTLP/HTTP to `<endpoint>/v1/traces` (the collector's HTTP port, usually 4318): one trace from a webhook request through the coordinator's signal, the incremental sync and its activities. The OTLP exporter's own variables (`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_BSP_*`) apply too.",
    example: 'http://otel-collector:4318',
    whenUnset: 'no traces',
  }),
  OTEL_SERVICE_NAME: setting(text.default('bluestone-occtoo-sync'), {
    section: 'Traces',
    description: "The traces' `service.name`.",
    default: 'bluestone-occtoo-sync',
  }),
});

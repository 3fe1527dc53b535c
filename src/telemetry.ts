import { Context } from '@temporalio/activity';
import type { LogLevel, LogMetadata, MetricMeter } from '@temporalio/common';
import type { Logger } from './logger';

/**
 * The sync's own metrics and log context. Metrics go through the activity's Temporal metric
 * meter, so they leave on the worker's Prometheus endpoint next to Temporal's own metrics;
 * outside an activity (the CLI, the benchmark baseline) they are simply not recorded. The
 * exporter adds `_total` to counter names and the unit to histogram names (src/worker/worker.ts):
 * `sync_entities_sent` is scraped as `sync_entities_sent_total`, `sync_import_duration` (unit
 * `seconds`) as `sync_import_duration_seconds`. deploy/grafana and deploy/prometheus use them.
 */
/** The running activity's context, or undefined outside an activity (a script, the CLI, a unit test). */
export function currentActivity(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

interface SyncCounters {
  read: ReturnType<MetricMeter['createCounter']>;
  sent: ReturnType<MetricMeter['createCounter']>;
  unchanged: ReturnType<MetricMeter['createCounter']>;
  deleted: ReturnType<MetricMeter['createCounter']>;
  cleared: ReturnType<MetricMeter['createCounter']>;
  setAside: ReturnType<MetricMeter['createCounter']>;
  mediaUploaded: ReturnType<MetricMeter['createCounter']>;
  retries: ReturnType<MetricMeter['createCounter']>;
  importDuration: ReturnType<MetricMeter['createHistogram']>;
}

const byMeter = new WeakMap<MetricMeter, SyncCounters>();

function counters(): SyncCounters | undefined {
  const meter = currentActivity()?.metricMeter;
  if (!meter) return undefined;
  let c = byMeter.get(meter);
  if (!c) {
    c = {
      read: meter.createCounter('sync_entities_read', 'entities', 'Entities read from Bluestone'),
      sent: meter.createCounter('sync_entities_sent', 'entities', 'Entities Occtoo accepted'),
      unchanged: meter.createCounter(
        'sync_entities_unchanged',
        'entities',
        'Entities not sent: Occtoo already holds them as mapped now (or newer)',
      ),
      deleted: meter.createCounter('sync_entities_deleted', 'entities', 'Entities deleted from Occtoo'),
      cleared: meter.createCounter(
        'sync_entities_cleared',
        'entities',
        'Entities sent with cleared values: values Bluestone no longer has, or a language it no longer publishes',
      ),
      setAside: meter.createCounter('sync_entities_set_aside', 'entities', 'Entities that could not be sent'),
      mediaUploaded: meter.createCounter(
        'sync_media_uploaded',
        'files',
        "Files uploaded to Occtoo's media service",
      ),
      retries: meter.createCounter(
        'sync_api_retries',
        'requests',
        'Bluestone and Occtoo calls retried, by reason',
      ),
      importDuration: meter.createHistogram(
        'sync_import_duration',
        'float',
        'seconds',
        'Duration of one Occtoo import call',
      ),
    };
    byMeter.set(meter, c);
  }
  return c;
}

export function recordPage(
  source: string,
  page: {
    read: number;
    sent: number;
    unchanged?: number;
    deleted: number;
    setAside: number;
    mediaUploaded: number;
  },
): void {
  const c = counters();
  if (!c) return;
  const attrs = { source };
  c.read.add(page.read, attrs);
  c.sent.add(page.sent, attrs);
  c.unchanged.add(page.unchanged ?? 0, attrs);
  c.deleted.add(page.deleted, attrs);
  c.setAside.add(page.setAside, attrs);
  c.mediaUploaded.add(page.mediaUploaded, attrs);
}

export function recordRetry(api: 'bluestone' | 'occtoo', reason: string): void {
  counters()?.retries.add(1, { api, reason });
}

export function recordImportLatency(source: string, ms: number): void {
  counters()?.importDuration.record(ms / 1000, { source });
}

/** Entities deleted outside a sync's pages (archive notices, reconciliation), which recordPage counts. */
export function recordDeleted(source: string, entities: number): void {
  counters()?.deleted.add(entities, { source });
}

/** Entities Occtoo accepted with cleared values (a value or a language Bluestone no longer has). */
export function recordCleared(source: string, entities: number): void {
  // Zero too: the series exists from the first page on, so rates and alerts work before a clear.
  counters()?.cleared.add(entities, { source });
}

/**
 * A logger that adds the running activity's workflow id, run id and activity type to every
 * line, so a log line can be traced back to its workflow in the Temporal UI.
 */
export function activityAwareLogger(logger: Logger): Logger {
  const withIds = (meta?: LogMetadata): LogMetadata | undefined => {
    const info = currentActivity()?.info;
    if (!info) return meta;
    return {
      workflowId: info.workflowExecution?.workflowId,
      runId: info.workflowExecution?.runId,
      activityType: info.activityType,
      ...meta,
    };
  };
  return {
    log: (level: LogLevel, message: string, meta?: LogMetadata) => logger.log(level, message, withIds(meta)),
    trace: (message, meta) => logger.trace(message, withIds(meta)),
    debug: (message, meta) => logger.debug(message, withIds(meta)),
    info: (message, meta) => logger.info(message, withIds(meta)),
    warn: (message, meta) => logger.warn(message, withIds(meta)),
    error: (message, meta) => logger.error(message, withIds(meta)),
  };
}

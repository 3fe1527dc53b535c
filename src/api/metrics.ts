import { Router } from 'express';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { KNOWN_EVENT_FAMILIES, KNOWN_EVENT_TYPES } from './webhook-schema';

/**
 * The gateway's Prometheus metrics. One registry per gateway instance (never prom-client's
 * global one), so that several gateways in one process (tests, benchmarks) do not collide.
 * Every label value is from a fixed list: a sender cannot grow the series count.
 */

export const DELIVERY_OUTCOMES = [
  'accepted',
  'rejected_auth',
  'rejected_malformed',
  'too_large',
  'temporal_unavailable',
  'temporal_overloaded',
  'failed',
] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

export const REJECTION_REASONS = [
  'secret_missing',
  'secret_wrong',
  'signature_missing',
  'signature_wrong',
  'secret_not_configured',
  'unsupported_media_type',
  'malformed_json',
  'invalid_envelope',
  'too_large',
  'unreadable_body',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export const START_KINDS = ['coordinator_signal', 'archive'] as const;
export const IGNORED_CODES = ['unknown_type', 'not_acted_on', 'not_archive_state'] as const;

export interface GatewayMetrics {
  registry: Registry;
  /** Webhook deliveries by outcome. */
  deliveries: Counter<'outcome'>;
  /** Events of authenticated, well-formed deliveries, by type (known types, families, or `other`). */
  events: Counter<'type'>;
  /** Events that led to nothing, by why. */
  eventsIgnored: Counter<'reason'>;
  /** Hand-offs Temporal accepted: coordinator signals and archive workflow starts. */
  workflowStarts: Counter<'kind'>;
  /** Archive notices that had already started their workflow (redeliveries). */
  duplicates: Counter<'kind'>;
  /** Refused deliveries, by why. */
  rejections: Counter<'reason'>;
}

export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const counter = <L extends string>(name: string, help: string, label: L, values: readonly string[]) => {
    const c = new Counter<L>({ name, help, labelNames: [label], registers: [registry] });
    // Zero series from the start, so rates and alerts work before the first occurrence.
    for (const value of values) c.inc({ [label]: value } as Record<L, string>, 0);
    return c;
  };
  return {
    registry,
    deliveries: counter(
      'webhook_deliveries_total',
      'Bluestone webhook deliveries, by outcome',
      'outcome',
      DELIVERY_OUTCOMES,
    ),
    events: counter('webhook_events_total', 'Webhook events received, by event type', 'type', [
      ...KNOWN_EVENT_TYPES,
      ...KNOWN_EVENT_FAMILIES.map((f) => `${f}*`),
      'other',
    ]),
    eventsIgnored: counter(
      'webhook_events_ignored_total',
      'Webhook events that started nothing, by reason',
      'reason',
      IGNORED_CODES,
    ),
    workflowStarts: counter(
      'webhook_workflow_starts_total',
      'Hand-offs accepted by Temporal: coordinator signals and archive workflow starts',
      'kind',
      START_KINDS,
    ),
    duplicates: counter(
      'webhook_duplicates_total',
      'Redelivered notices whose workflow had already been started',
      'kind',
      ['archive'],
    ),
    rejections: counter(
      'webhook_rejections_total',
      'Refused webhook deliveries, by reason',
      'reason',
      REJECTION_REASONS,
    ),
  };
}

/** `GET /metrics` in Prometheus text format. Unauthenticated, like most scrape targets. */
export function metricsRouter(metrics: GatewayMetrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}

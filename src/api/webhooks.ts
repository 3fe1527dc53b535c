import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { handOff, MalformedDeliveryError, planDelivery, type HandOffResult } from '../client/webhooks';
import { inRequestSpan, traceRequest } from '../tracing';
import { requireWebhookSecret } from './auth';
import type { DeliveryOutcome, GatewayMetrics, RejectionReason } from './metrics';
import { answerTemporalBusy, temporalBusy, temporalRefusal } from './temporal-errors';
import { eventTypeLabel, isKnownEventType, parseWebhookEnvelope } from './webhook-schema';

/**
 * `POST /webhooks/bluestone`, and the original provider's `POST /DataSync` (sync done) and
 * `POST /ProductDelete` (state change) as aliases: Bluestone's envelope in, workflows started.
 *
 * Order: size limit, authentication (over the raw bytes), content type, JSON, envelope shape;
 * then every event is planned before any is handed to Temporal, and the answer is 2xx only
 * once Temporal accepted all of them. Bluestone retries 503 only with Retry-After (§11.4), so
 * Temporal unreachable or overloaded (RESOURCE_EXHAUSTED) answers 503 with it; Temporal refusing
 * (PERMISSION_DENIED, INVALID_ARGUMENT…) answers 500 without it, naming Temporal's answer.
 */

export const WEBHOOK_PATHS = ['/webhooks/bluestone', '/DataSync', '/ProductDelete'];

/** When Bluestone should redeliver after Temporal was unreachable or overloaded. */
export const TEMPORAL_RETRY_AFTER_SECONDS = 60;

export interface WebhookAnswer extends HandOffResult {
  received: number;
  ignored: { index: number; eventType: string; reason: string }[];
}

const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json$/;

export function webhookRouter(deps: {
  temporal: Client;
  config: Config;
  logger: Logger;
  metrics: GatewayMetrics;
}): Router {
  const { temporal, config, logger, metrics } = deps;
  const taskQueue = config.temporal.taskQueue;
  const router = Router();

  const refuse = (
    req: Request,
    res: Response,
    status: number,
    outcome: DeliveryOutcome,
    reason: RejectionReason,
    body: { error: string; problems?: string[] },
  ) => {
    metrics.deliveries.inc({ outcome });
    metrics.rejections.inc({ reason });
    logger.warn('Webhook delivery refused', { path: req.path, status, reason, problems: body.problems });
    if (!res.headersSent) res.status(status).json(body);
  };

  // Raw bytes whatever the content type: the signature covers them, and nothing is parsed before auth.
  const raw = express.raw({ type: () => true, limit: config.gateway.webhookMaxBodyBytes });
  const readBody: RequestHandler = (req, res, next) => {
    raw(req, res, (err?: unknown) => {
      if (!err) return next();
      const e = err as { type?: string; status?: number; message?: string };
      if (e.type === 'entity.too.large') {
        refuse(req, res, 413, 'too_large', 'too_large', {
          error: `The body is larger than ${config.gateway.webhookMaxBodyBytes} bytes (WEBHOOK_MAX_BODY_BYTES).`,
        });
      } else {
        refuse(
          req,
          res,
          e.status && e.status < 500 ? e.status : 400,
          'rejected_malformed',
          'unreadable_body',
          {
            error: `The body could not be read: ${e.message ?? String(err)}`,
          },
        );
      }
    });
  };

  const authenticate = requireWebhookSecret(config.gateway, {
    logger,
    onReject: (reason, req) => {
      metrics.deliveries.inc({ outcome: 'rejected_auth' });
      metrics.rejections.inc({ reason });
      logger.warn('Webhook delivery refused', { path: req.path, reason });
    },
  });

  const receive = async (req: Request, res: Response) => {
    const contentType = (req.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (!JSON_TYPE.test(contentType)) {
      refuse(req, res, 415, 'rejected_malformed', 'unsupported_media_type', {
        error: `Send the webhook envelope as JSON with Content-Type: application/json (got ${contentType ? JSON.stringify(contentType) : 'no Content-Type'}).`,
      });
      return;
    }
    const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      refuse(req, res, 400, 'rejected_malformed', 'malformed_json', {
        error: `The body is not valid JSON (${(err as Error).message}); send Bluestone's envelope {timestamp, events: [...]}.`,
      });
      return;
    }
    const parsed = parseWebhookEnvelope(json, { archiveStates: config.sync.archiveStates });
    if (!parsed.ok) {
      refuse(req, res, 400, 'rejected_malformed', 'invalid_envelope', {
        error: `Invalid webhook envelope: ${parsed.problems.join('; ')}`,
        problems: parsed.problems,
      });
      return;
    }
    const { envelope } = parsed;
    let plan;
    try {
      plan = planDelivery(envelope, {
        taskQueue,
        archiveStates: config.sync.archiveStates,
        isKnownEventType,
      });
    } catch (err) {
      if (!(err instanceof MalformedDeliveryError)) throw err;
      refuse(req, res, 400, 'rejected_malformed', 'invalid_envelope', {
        error: `Invalid webhook envelope: ${err.message}`,
        problems: [err.message],
      });
      return;
    }

    let result: HandOffResult;
    // Events Temporal took before a failure: a redelivery hands them over again, and the
    // coordinator counts them as duplicates (same sync id, same derived archive id).
    const accepted: number[] = [];
    try {
      // Under the request's span: the signal-with-start carries it to the workflows (src/tracing.ts).
      result = await inRequestSpan(res, () =>
        handOff(temporal, config.temporal, plan.handOffs, {
          onAccepted: (item, outcome) => {
            accepted.push(item.index);
            if (outcome === 'duplicate') metrics.duplicates.inc({ kind: item.kind });
            else metrics.workflowStarts.inc({ kind: item.kind });
          },
        }),
      );
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      const busy = temporalBusy(err);
      if (!busy) {
        metrics.deliveries.inc({ outcome: 'failed' });
        const refusal = temporalRefusal(err);
        if (!refusal) throw err;
        // Temporal said no: the same delivery gets the same answer until an operator fixes the
        // deployment, so no Retry-After (which asks Bluestone to redeliver). Not a 2xx (the
        // notice was not taken) nor 401/403 (those mean a wrong webhook secret, and Bluestone
        // never redelivers them): Bluestone's two redeliveries of any other status, 10 minutes
        // apart (§11.4), give a fix time to land; the next full sync repairs what they miss.
        logger.error('Webhook delivery not accepted: Temporal refused the hand-off', {
          path: req.path,
          events: plan.received,
          acceptedEvents: accepted,
          temporalStatus: refusal.status,
          error,
        });
        res.status(500).json({
          error:
            `Temporal refused the hand-off (${refusal.status}: ${refusal.details}). Usually the ` +
            `gateway's Temporal setup: check TEMPORAL_NAMESPACE, its credentials (TEMPORAL_API_KEY ` +
            `or TLS client certificate) and their permissions, and the namespace's search attributes.`,
          acceptedEvents: accepted,
        });
        return;
      }
      metrics.deliveries.inc({
        outcome: busy === 'unreachable' ? 'temporal_unavailable' : 'temporal_overloaded',
      });
      logger.warn(
        `Webhook delivery not accepted: Temporal is ${busy}; Bluestone will redeliver after Retry-After`,
        { path: req.path, events: plan.received, acceptedEvents: accepted, error },
      );
      answerTemporalBusy(res, busy, TEMPORAL_RETRY_AFTER_SECONDS, 'redeliver');
      return;
    }

    metrics.deliveries.inc({ outcome: 'accepted' });
    for (const { changes } of envelope.events)
      metrics.events.inc({ type: eventTypeLabel(changes.eventType) });
    for (const ignored of plan.ignored) metrics.eventsIgnored.inc({ reason: ignored.code });
    const answer: WebhookAnswer = {
      received: plan.received,
      started: result.started,
      duplicates: result.duplicates,
      ignored: plan.ignored.map(({ index, eventType, reason }) => ({ index, eventType, reason })),
    };
    logger.info('Webhook delivery accepted', {
      path: req.path,
      received: answer.received,
      started: answer.started,
      duplicates: answer.duplicates,
      ignored: answer.ignored.length,
    });
    res.status(200).json(answer);
  };

  // One span per delivery (refused ones too), the start of the trace that its workflows continue.
  router.post(WEBHOOK_PATHS, traceRequest(), readBody, authenticate, receive);
  return router;
}

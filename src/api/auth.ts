import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Config } from '../config';
import type { Logger } from '../logger';

/** Constant-time comparison that does not leak the secret's length either. */
export function secretsMatch(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token of a request: `Authorization: Bearer <token>`, or a `code` query parameter (like Azure function keys). */
export function tokenOf(req: Parameters<RequestHandler>[0], header = 'authorization'): string | undefined {
  const value = req.get(header);
  if (value) return header === 'authorization' ? value.replace(/^Bearer\s+/i, '') : value;
  const code = req.query.code;
  return typeof code === 'string' ? code : undefined;
}

/** Admin routes (manual syncs, status): ADMIN_TOKEN as a bearer token or `?code=`. */
export function requireAdmin(adminToken: string | undefined): RequestHandler {
  return (req, res, next) => {
    if (!adminToken) {
      res.status(403).json({ error: 'Admin routes are disabled: set ADMIN_TOKEN to enable them.' });
      return;
    }
    const token = tokenOf(req);
    if (!token || !secretsMatch(token, adminToken)) {
      res.status(401).json({
        error:
          'Missing or wrong admin token: send Authorization: Bearer <ADMIN_TOKEN> or ?code=<ADMIN_TOKEN>.',
      });
      return;
    }
    next();
  };
}

/** Why a webhook delivery was refused before its body was read. */
export type WebhookAuthFailure =
  'secret_missing' | 'secret_wrong' | 'signature_missing' | 'signature_wrong' | 'secret_not_configured';

export interface WebhookAuthOptions {
  logger?: Logger;
  /** Told of each refusal (metrics, logs); the answer itself is sent here. */
  onReject?: (reason: WebhookAuthFailure, req: Request) => void;
}

/**
 * Webhook deliveries: WEBHOOK_SECRET in the WEBHOOK_SECRET_HEADER header or `?code=` (plain), or
 * the hex HMAC-SHA256 of the raw body keyed with it in that header (hmac-sha256; `sha256=`
 * prefix tolerated). The raw body must already be a Buffer in `req.body` (express.raw), and is
 * neither parsed nor inspected otherwise. ALLOW_INSECURE_WEBHOOKS without a secret lets all in.
 */
export function requireWebhookSecret(
  gateway: Config['gateway'],
  options: WebhookAuthOptions = {},
): RequestHandler {
  const { webhookSecret: secret, webhookSecretHeader: header, webhookSignature: scheme } = gateway;
  if (!secret && gateway.allowInsecureWebhooks) {
    options.logger?.warn(
      'Webhooks are accepted WITHOUT authentication (ALLOW_INSECURE_WEBHOOKS=true, no WEBHOOK_SECRET): anyone who can reach the gateway can start syncs and archive deletions.',
    );
    return (_req, _res, next) => next();
  }
  return (req, res, next) => {
    const refuse = (status: number, reason: WebhookAuthFailure, error: string) => {
      options.onReject?.(reason, req);
      res.status(status).json({ error });
    };
    if (!secret) {
      // Only reachable with a hand-built Config: loadConfig refuses this combination.
      refuse(
        500,
        'secret_not_configured',
        'Webhooks are disabled: set WEBHOOK_SECRET (or ALLOW_INSECURE_WEBHOOKS=true).',
      );
      return;
    }
    if (scheme === 'hmac-sha256') {
      const given = req
        .get(header)
        ?.trim()
        .replace(/^sha256=/i, '')
        .toLowerCase();
      if (!given) {
        refuse(
          401,
          'signature_missing',
          `Missing signature: send the hex HMAC-SHA256 of the raw body, keyed with the webhook secret, in the ${header} header.`,
        );
        return;
      }
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const expected = createHmac('sha256', secret).update(body).digest('hex');
      if (!secretsMatch(given, expected)) {
        refuse(
          401,
          'signature_wrong',
          `Wrong signature in ${header}: it must be the hex HMAC-SHA256 of the exact body bytes, keyed with the webhook secret.`,
        );
        return;
      }
      next();
      return;
    }
    const given = tokenOf(req, header);
    if (!given) {
      refuse(
        401,
        'secret_missing',
        `Missing webhook secret: send it in the ${header} header or as ?code=<secret>.`,
      );
      return;
    }
    if (!secretsMatch(given, secret)) {
      refuse(401, 'secret_wrong', `Wrong webhook secret in the ${header} header or ?code=.`);
      return;
    }
    next();
  };
}

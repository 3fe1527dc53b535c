import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import axios from 'axios';
import type { WebhookEnvelope } from '../bluestone/types';

/**
 * Delivers Bluestone webhook envelopes the way Bluestone does (bluestone-papi.md §11.4):
 * 2xx is delivered; 503/429 are retried after Retry-After, and not at all without it;
 * 401/403 are never retried; any other status (or no answer) is retried twice, ten minutes
 * apart. How the secret travels is unknown (§11.5), so every plausible way is configurable.
 */

export type WebhookSecretMode = 'none' | 'header' | 'query' | 'hmac';

export interface WebhookSettings {
  /** Where to POST; unset means envelopes are recorded but not sent. */
  url?: string;
  secret?: string;
  /** Default: 'header' when a secret is set, else 'none'. */
  secretMode?: WebhookSecretMode;
  /** Header for 'header' (the secret) and 'hmac' (hex HMAC-SHA256 of the raw body). */
  secretHeader?: string;
  /** Query parameter for 'query'. */
  secretQueryParam?: string;
  /** Wait between retries after "any other status"; Bluestone waits 10 minutes. */
  retryIntervalMs?: number;
  /** Retries after "any other status"; Bluestone makes 2. */
  otherStatusRetries?: number;
  /** Cap on Retry-After driven retries (Bluestone's own cap is not documented). */
  maxRetryAfterRetries?: number;
  /** How long one Retry-After second lasts here; tests shrink it to a millisecond. */
  retryAfterUnitMs?: number;
  timeoutMs?: number;
}

export const DEFAULT_WEBHOOK_SETTINGS = {
  secretHeader: 'x-bluestone-secret',
  secretQueryParam: 'code',
  retryIntervalMs: 10 * 60_000,
  otherStatusRetries: 2,
  maxRetryAfterRetries: 5,
  retryAfterUnitMs: 1000,
  timeoutMs: 10_000,
};

export interface DeliveryAttempt {
  at: number;
  status?: number;
  /** Network failure (no HTTP answer). */
  error?: string;
  retryAfter?: string;
}

export type DeliveryOutcome = 'pending' | 'delivered' | 'failed' | 'not-sent';

export interface DeliveryRecord {
  id: number;
  url?: string;
  envelope: WebhookEnvelope;
  attempts: DeliveryAttempt[];
  outcome: DeliveryOutcome;
  /** Why it stopped, in words (e.g. "401: never retried"). */
  reason?: string;
}

export class WebhookEmitter {
  /** Every delivery, in the order they were started. */
  readonly log: DeliveryRecord[] = [];
  private settings: WebhookSettings;
  private readonly pending = new Set<Promise<DeliveryRecord>>();
  private readonly closing = new AbortController();
  private readonly agent = {
    http: new http.Agent({ keepAlive: false }),
    https: new https.Agent({ keepAlive: false }),
  };

  constructor(settings: WebhookSettings = {}) {
    this.settings = { ...settings };
  }

  /** Merges new settings (e.g. the receiver's URL once it listens). */
  configure(settings: WebhookSettings): void {
    this.settings = { ...this.settings, ...settings };
  }

  get current(): WebhookSettings {
    return { ...this.settings };
  }

  /** Sends one envelope, retrying per §11.4; resolves when the delivery is final. */
  deliver(envelope: WebhookEnvelope): Promise<DeliveryRecord> {
    const record: DeliveryRecord = {
      id: this.log.length + 1,
      url: this.settings.url,
      envelope,
      attempts: [],
      outcome: 'pending',
    };
    this.log.push(record);
    // An undefined setting means "the default", so it must not shadow one.
    const set = Object.fromEntries(Object.entries(this.settings).filter(([, v]) => v !== undefined));
    const run = this.run(record, { ...DEFAULT_WEBHOOK_SETTINGS, ...set });
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
    return run;
  }

  /** Resolves once every delivery started so far is final. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Stops waiting retries; their deliveries end as failed. */
  async close(): Promise<void> {
    this.closing.abort();
    await this.idle();
  }

  private async run(
    record: DeliveryRecord,
    s: WebhookSettings & typeof DEFAULT_WEBHOOK_SETTINGS,
  ): Promise<DeliveryRecord> {
    if (!s.url) return finish(record, 'not-sent', 'no webhook url configured');
    const body = JSON.stringify(record.envelope);
    let target: { url: string; headers: Record<string, string> };
    try {
      target = this.signed(s, body);
    } catch (err) {
      return finish(record, 'failed', (err as Error).message);
    }
    const { url, headers } = target;
    let otherRetries = 0;
    let retryAfterRetries = 0;
    for (;;) {
      if (this.closing.signal.aborted) return finish(record, 'failed', 'simulator closed');
      const attempt = await this.post(url, body, headers, s.timeoutMs);
      record.attempts.push(attempt);
      const status = attempt.status;
      if (status !== undefined && status >= 200 && status < 300) return finish(record, 'delivered');
      if (status === 401 || status === 403) return finish(record, 'failed', `${status}: never retried`);
      let waitMs: number;
      if (status === 503 || status === 429) {
        const seconds = parseRetryAfter(attempt.retryAfter);
        if (seconds === undefined)
          return finish(record, 'failed', `${status} without Retry-After: not retried`);
        if (retryAfterRetries++ >= s.maxRetryAfterRetries) {
          return finish(
            record,
            'failed',
            `${status}: gave up after ${s.maxRetryAfterRetries} Retry-After retries`,
          );
        }
        waitMs = seconds * s.retryAfterUnitMs;
      } else {
        if (otherRetries++ >= s.otherStatusRetries) {
          return finish(
            record,
            'failed',
            `${status ?? attempt.error}: gave up after ${s.otherStatusRetries} retries`,
          );
        }
        waitMs = s.retryIntervalMs;
      }
      if (!(await this.wait(waitMs))) return finish(record, 'failed', 'simulator closed');
    }
  }

  private signed(s: WebhookSettings & typeof DEFAULT_WEBHOOK_SETTINGS, body: string) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    let url = s.url ?? '';
    const mode = s.secretMode ?? (s.secret ? 'header' : 'none');
    if (mode !== 'none' && !s.secret) throw new Error(`webhook secretMode "${mode}" needs a secret`);
    if (mode === 'header') headers[s.secretHeader] = s.secret ?? '';
    if (mode === 'hmac')
      headers[s.secretHeader] = createHmac('sha256', s.secret ?? '')
        .update(body)
        .digest('hex');
    if (mode === 'query') {
      const u = new URL(url);
      u.searchParams.set(s.secretQueryParam, s.secret ?? '');
      url = u.toString();
    }
    return { url, headers };
  }

  private async post(
    url: string,
    body: string,
    headers: Record<string, string>,
    timeoutMs: number,
  ): Promise<DeliveryAttempt> {
    const at = Date.now();
    try {
      const res = await axios.post(url, body, {
        headers,
        timeout: timeoutMs,
        validateStatus: () => true,
        maxRedirects: 0,
        responseType: 'text',
        httpAgent: this.agent.http,
        httpsAgent: this.agent.https,
      });
      const retryAfter = res.headers['retry-after'];
      return {
        at,
        status: res.status,
        retryAfter: retryAfter === undefined ? undefined : String(retryAfter),
      };
    } catch (err) {
      return { at, error: (err as { code?: string }).code ?? (err as Error).message };
    }
  }

  /** False when the emitter was closed during the wait. */
  private wait(ms: number): Promise<boolean> {
    const signal = this.closing.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function finish(record: DeliveryRecord, outcome: DeliveryOutcome, reason?: string): DeliveryRecord {
  record.outcome = outcome;
  record.reason = reason;
  return record;
}

/** Retry-After as seconds (a number or an HTTP date); undefined when absent or unreadable. */
function parseRetryAfter(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/** Verifies an HMAC-mode signature (for receivers and tests). */
export function webhookSignature(secret: string, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}

import { isAxiosError, type AxiosError } from 'axios';

/**
 * The one retry loop both API clients use: exponential backoff with full jitter on network
 * errors, 429 and 5xx, honouring Retry-After when the server sends it. Everything else
 * (400/401/403/404, a 202) is the caller's to interpret and is never retried here.
 */
export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** Upper bound for a server-requested Retry-After, so a bad header cannot stall a sync. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  initialDelayMs: 250,
  maxDelayMs: 10_000,
  factor: 2,
  maxRetryAfterMs: 60_000,
};

export interface RetryEvent {
  attempt: number;
  delayMs: number;
  /** HTTP status, or the network error code (ECONNRESET, ...). */
  reason: string;
}

const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_BAD_RESPONSE',
  'ERR_NETWORK',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/** True for errors a later attempt may not see: network failures, 408, 429 and 5xx. */
export function isTransient(err: unknown): boolean {
  if (!isAxiosError(err)) return false;
  const status = err.response?.status;
  if (status === undefined) return err.code === undefined || RETRYABLE_NETWORK_CODES.has(err.code);
  return status === 408 || status === 429 || status >= 500;
}

/** Retry-After in ms (seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterMs(err: AxiosError | undefined, now = Date.now()): number | undefined {
  const header = err?.response?.headers?.['retry-after'];
  if (header === undefined || header === null || header === '') return undefined;
  const text = String(header).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** (attempt - 1));
  // Full jitter: spreads retries of many concurrent callers instead of synchronising them.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function describe(err: unknown): string {
  if (isAxiosError(err)) return err.response ? String(err.response.status) : (err.code ?? 'network error');
  return err instanceof Error ? err.message : String(err);
}

export interface RetryOptions {
  policy?: Partial<RetryPolicy>;
  onRetry?: (event: RetryEvent) => void;
  /** Aborts the waits between attempts (an activity's cancellation signal). */
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Runs `attempt` until it succeeds, fails with a non-transient error, or attempts run out. */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const sleep = options.sleep ?? abortableSleep;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (!isTransient(err) || n >= policy.maxAttempts || options.signal?.aborted) throw err;
      const requested = retryAfterMs(err as AxiosError);
      const delayMs =
        requested !== undefined ? Math.min(requested, policy.maxRetryAfterMs) : backoffDelay(n, policy);
      options.onRetry?.({ attempt: n, delayMs, reason: describe(err) });
      await sleep(delayMs, options.signal);
    }
  }
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

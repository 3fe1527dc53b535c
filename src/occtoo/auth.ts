import { isAxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import { z } from 'zod';
import { ApiError, FailureType } from '../http/api-error';
import { withRetries, type RetryEvent, type RetryPolicy } from '../http/retry';
import { toOcctooError, unauthorizedError } from './errors';

/**
 * Occtoo's data-provider tokens (occtoo-ingest.md §2 "Caching"): one cached token per
 * provider, shared by every client in the process, refreshed before it expires, and one
 * token request at a time however many calls need it.
 */

export interface OcctooCredentials {
  dataProviderId: string;
  dataProviderSecret: string;
  retry?: Partial<RetryPolicy>;
  onRetry?: (event: RetryEvent & { operation: string }) => void;
}

interface CachedToken {
  accessToken: string;
  /** performance.now() based: immune to wall-clock and time-zone changes. */
  refreshAtMs: number;
}

const tokenCache = new Map<string, CachedToken>();
const tokenRequests = new Map<string, Promise<CachedToken>>();

/** Forgets every cached token (tests; credential rotation). */
export function clearTokenCache(): void {
  tokenCache.clear();
  tokenRequests.clear();
}

/** Refresh 5 min early, or 10% early for short-lived tokens. */
function tokenRefreshMarginMs(expiresInSeconds: number): number {
  return Math.min(5 * 60_000, expiresInSeconds * 100);
}

const tokenResponseSchema = z.object({
  result: z.object({ accessToken: z.string().min(1), expiresIn: z.number().nonnegative() }),
});

export class OcctooTokens {
  /** `cacheKey` names the provider on its host (and its secret, hashed). */
  constructor(
    private readonly http: AxiosInstance,
    private readonly options: OcctooCredentials,
    private readonly cacheKey: string,
  ) {}

  async token(): Promise<string> {
    const cached = tokenCache.get(this.cacheKey);
    if (cached && performance.now() < cached.refreshAtMs) return cached.accessToken;
    let pending = tokenRequests.get(this.cacheKey);
    if (!pending) {
      // Not tied to this caller's signal: other callers may be waiting on the same request.
      pending = this.fetchToken().finally(() => tokenRequests.delete(this.cacheKey));
      tokenRequests.set(this.cacheKey, pending);
    }
    return (await pending).accessToken;
  }

  private async fetchToken(): Promise<CachedToken> {
    const requestedAt = performance.now();
    let response: AxiosResponse;
    try {
      response = await withRetries(
        () =>
          this.http.post('/dataProviders/tokens', {
            id: this.options.dataProviderId,
            secret: this.options.dataProviderSecret,
          }),
        { policy: this.options.retry, onRetry: (e) => this.options.onRetry?.({ ...e, operation: 'token' }) },
      );
    } catch (err) {
      const status = isAxiosError(err) ? err.response?.status : undefined;
      if (status === 400 || status === 401 || status === 403) {
        throw unauthorizedError(err, `Occtoo refused data provider ${this.options.dataProviderId}`);
      }
      throw toOcctooError(err, 'token', this.options.dataProviderId);
    }
    const parsed = tokenResponseSchema.safeParse(response.data);
    if (!parsed.success) {
      throw new ApiError({
        type: FailureType.InvalidResponse,
        message: `Occtoo's token answer has no result.accessToken/expiresIn (${parsed.error.issues[0]?.message ?? 'unreadable'})`,
        status: response.status,
        retryable: true,
      });
    }
    const { accessToken, expiresIn } = parsed.data.result;
    // Counted from when the request left, so a slow answer cannot make us overestimate.
    const entry = {
      accessToken,
      refreshAtMs: requestedAt + expiresIn * 1000 - tokenRefreshMarginMs(expiresIn),
    };
    tokenCache.set(this.cacheKey, entry);
    return entry;
  }

  /** Drops the cached token unless another call has already replaced it. */
  drop(token: string | undefined): void {
    if (token !== undefined && tokenCache.get(this.cacheKey)?.accessToken === token)
      tokenCache.delete(this.cacheKey);
  }
}

import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import axios, { isAxiosError, type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import { z } from 'zod';
import { ApiError, FailureType } from '../http/api-error';
import { abortableSleep, retryAfterMs, withRetries, type RetryEvent, type RetryPolicy } from '../http/retry';
import { prepareImport, type ImportLimits, type RejectedEntity } from './batching';
import type { LinkUpload, MediaFileDto, OcctooEntity, OcctooError, UploadDto } from './types';

/**
 * Occtoo's ingest and media API (occtoo-ingest.md §2-§6). Unlike Occtoo's own SDK it treats
 * a 202 as success and never resends it, retries only network errors, 429 and 5xx, shares
 * one cached token per data provider, and never sends an entity Occtoo would reject.
 */

export interface OcctooClientOptions {
  baseUrl: string;
  dataProviderId: string;
  dataProviderSecret: string;
  /** Per HTTP request. Default 60 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  onRetry?: (event: OcctooRetryEvent) => void;
  maxBatchEntities?: number;
  maxBatchBytes?: number;
  maxEntityBytes?: number;
  /** Unique identifiers per `media/files/batch` lookup. Default 100. */
  maxLookupBatch?: number;
}

export interface OcctooRetryEvent extends RetryEvent {
  /** What was being retried, e.g. `import bluestoneProducts`. */
  operation: string;
}

export interface ImportOptions {
  /** Passed to Occtoo as `correlationId`, e.g. one per sync run. */
  correlationId?: string;
  signal?: AbortSignal;
}

export interface ImportResult {
  /** Entities in calls Occtoo answered 202. */
  accepted: number;
  batches: number;
  /** Entities never sent, with what to fix. */
  rejected: RejectedEntity[];
  /** Occtoo's batch ids, one per accepted call (when its body carried one). */
  importIds: string[];
}

export interface UploadOptions {
  /** How long to wait for the file to exist, upload included. Default 180 s. */
  timeoutMs?: number;
  /** Default 1 s. */
  pollIntervalMs?: number;
  signal?: AbortSignal;
}

/** An Occtoo failure with the `errors` Occtoo sent, for logs and for isolating bad entities. */
export class OcctooApiError extends ApiError {
  readonly occtooErrors: OcctooError[];
  constructor(init: ConstructorParameters<typeof ApiError>[0] & { occtooErrors?: OcctooError[] }) {
    super(init);
    this.occtooErrors = init.occtooErrors ?? [];
  }
}

// ---- Token cache, shared by every client in the process (occtoo-ingest.md §2 "Caching").

interface CachedToken {
  accessToken: string;
  /** performance.now() based: immune to wall-clock and time-zone changes. */
  refreshAtMs: number;
}

const tokenCache = new Map<string, CachedToken>();
const tokenRequests = new Map<string, Promise<CachedToken>>();

/** Uploads this process started and has not yet seen finish, by provider and unique identifier. */
const pendingUploads = new Map<string, string>();
const startingUploads = new Map<string, Promise<{ uploadId: string } | { file: MediaFileDto }>>();

/** Forgets cached tokens and remembered uploads (tests; credential rotation). */
export function clearOcctooCaches(): void {
  tokenCache.clear();
  tokenRequests.clear();
  pendingUploads.clear();
  startingUploads.clear();
}

/** Refresh 5 min early, or 10% early for short-lived tokens. */
export function tokenRefreshMarginMs(expiresInSeconds: number): number {
  return Math.min(5 * 60_000, expiresInSeconds * 100);
}

const tokenResponseSchema = z.object({
  result: z.object({ accessToken: z.string().min(1), expiresIn: z.number().nonnegative() }),
});

const CREDENTIALS_HINT =
  'check OCCTOO_DATA_PROVIDER_ID and OCCTOO_DATA_PROVIDER_SECRET (the data provider in Occtoo Studio)';

// ---- Response helpers

function envelopeOf(data: unknown): { result?: unknown; errors: OcctooError[]; requestId?: string } {
  if (!data || typeof data !== 'object') return { errors: [] };
  const d = data as Record<string, unknown>;
  return {
    result: d.result,
    errors: Array.isArray(d.errors) ? (d.errors as OcctooError[]) : [],
    requestId: typeof d.requestId === 'string' ? d.requestId : undefined,
  };
}

function describeErrors(errors: OcctooError[]): string {
  return errors
    .map((e) => {
      const details = e.details === undefined ? [] : Array.isArray(e.details) ? e.details : [e.details];
      const text = details
        .map((d) => (d.propertyName ? `${d.propertyName}: ${d.message ?? ''}` : (d.message ?? '')))
        .join('; ');
      return [e.message, text].filter(Boolean).join(' - ');
    })
    .filter(Boolean)
    .join(' | ');
}

/** A safe path segment: Occtoo identifiers are URL-safe, anything else is encoded. */
const segment = (value: string) => encodeURIComponent(value);

export class OcctooClient {
  private readonly http: AxiosInstance;
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });
  private readonly cacheKey: string;
  private readonly limits: Partial<ImportLimits>;

  constructor(private readonly options: OcctooClientOptions) {
    for (const name of ['baseUrl', 'dataProviderId', 'dataProviderSecret'] as const) {
      if (typeof options[name] !== 'string' || options[name].trim() === '') {
        throw new ApiError({
          type: FailureType.ConfigurationError,
          message: `OcctooClient needs ${name}: ${CREDENTIALS_HINT} and OCCTOO_INGEST_URL`,
          retryable: false,
        });
      }
    }
    const baseURL = options.baseUrl.replace(/\/+$/, '');
    this.http = axios.create({
      baseURL,
      timeout: options.timeoutMs ?? 60_000,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      // Imports near the 20 MB limit must not be refused by axios itself.
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
    });
    // Same provider on the same host shares one token; the secret is part of the key (hashed)
    // so a corrected secret is not answered from a cache filled by another.
    const secretHash = createHash('sha256').update(options.dataProviderSecret).digest('hex').slice(0, 16);
    this.cacheKey = `${baseURL}|${options.dataProviderId}|${secretHash}`;
    this.limits = {
      maxBatchEntities: options.maxBatchEntities,
      maxBatchBytes: options.maxBatchBytes,
      maxEntityBytes: options.maxEntityBytes,
    };
    for (const k of Object.keys(this.limits) as (keyof ImportLimits)[])
      if (this.limits[k] === undefined) delete this.limits[k];
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  // ---- Import

  /**
   * Validates, dedupes and batches `entities`, then imports the batches in order. Invalid
   * entities come back in `rejected` and are never sent. A batch answered 2xx is never
   * resent; re-running the whole call is harmless because Occtoo merges by key.
   */
  async importEntities(
    source: string,
    entities: OcctooEntity[],
    options: ImportOptions = {},
  ): Promise<ImportResult> {
    if (typeof source !== 'string' || source.trim() === '') {
      throw new ApiError({
        type: FailureType.ConfigurationError,
        message:
          'Occtoo data source is empty: set OCCTOO_PRODUCTS_SOURCE / OCCTOO_CATEGORIES_SOURCE / OCCTOO_MEDIA_SOURCE',
        retryable: false,
      });
    }
    if (!Array.isArray(entities)) {
      throw new ApiError({
        type: FailureType.InvalidEntity,
        message: `importEntities(${source}) needs an array of entities, got ${typeof entities}`,
        retryable: false,
      });
    }
    const { batches, rejected } = prepareImport(entities, this.limits);
    const result: ImportResult = { accepted: 0, batches: 0, rejected, importIds: [] };
    for (const batch of batches) {
      const response = await this.send(`import ${source}`, options.signal, {
        method: 'POST',
        url: `/import/${segment(source)}`,
        params: options.correlationId ? { correlationId: options.correlationId } : undefined,
        data: { entities: batch },
      });
      // Any 2xx (Occtoo answers 202) is success whatever its body says.
      const id = (envelopeOf(response.data).result as { id?: unknown } | undefined)?.id;
      if (typeof id === 'string') result.importIds.push(id);
      result.accepted += batch.length;
      result.batches++;
    }
    return result;
  }

  // ---- Media

  /** Looks files up by unique identifier; missing ones are simply absent from the map. */
  async findFilesByUniqueIds(
    uniqueIdentifiers: string[],
    signal?: AbortSignal,
  ): Promise<Map<string, MediaFileDto>> {
    const found = new Map<string, MediaFileDto>();
    const unique = [...new Set(uniqueIdentifiers)];
    const size = this.options.maxLookupBatch ?? 100;
    for (let i = 0; i < unique.length; i += size) {
      const chunk = unique.slice(i, i + size);
      const response = await this.send('find media files', signal, {
        method: 'POST',
        url: '/media/files/batch',
        data: { uniqueIdentifiers: chunk },
      });
      const succeeded = (
        envelopeOf(response.data).result as { succeeded?: Record<string, MediaFileDto> } | undefined
      )?.succeeded;
      for (const [uid, file] of Object.entries(succeeded ?? {})) {
        if (file && typeof file.id === 'string' && typeof file.publicUrl === 'string') found.set(uid, file);
      }
    }
    return found;
  }

  async getUpload(uploadId: string, signal?: AbortSignal): Promise<UploadDto> {
    const response = await this.send('get media upload', signal, {
      method: 'GET',
      url: `/media/uploads/${segment(uploadId)}`,
    });
    return this.resultOf<UploadDto>(response, 'media upload');
  }

  async getFile(fileId: string, signal?: AbortSignal): Promise<MediaFileDto> {
    const response = await this.send('get media file', signal, {
      method: 'GET',
      url: `/media/files/${segment(fileId)}`,
    });
    return this.resultOf<MediaFileDto>(response, 'media file');
  }

  /** Deletes a media file; false when Occtoo no longer has it (so retries are harmless). */
  async deleteFile(fileId: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.send('delete media file', signal, {
        method: 'DELETE',
        url: `/media/files/${segment(fileId)}`,
      });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.type === FailureType.OcctooNotFound) return false;
      throw err;
    }
  }

  /**
   * Returns Occtoo's file for `upload.uniqueIdentifier`, uploading from the link only when
   * no such file exists, then waiting (bounded by `timeoutMs`) until processing has made it.
   */
  async uploadFromLink(upload: LinkUpload, options: UploadOptions = {}): Promise<MediaFileDto> {
    const { uniqueIdentifier: uid, link } = upload;
    if (typeof uid !== 'string' || uid.trim() === '') {
      throw new ApiError({
        type: FailureType.InvalidEntity,
        message: `media link ${link} has no uniqueIdentifier; Occtoo needs one to find the file again`,
        retryable: false,
      });
    }
    const timeoutMs = options.timeoutMs ?? 180_000;
    const pollIntervalMs = options.pollIntervalMs ?? 1000;
    const deadline = performance.now() + timeoutMs;
    const { signal } = options;

    const key = `${this.cacheKey}|${uid}`;
    const existing = (await this.findFilesByUniqueIds([uid], signal)).get(uid);
    if (existing) {
      pendingUploads.delete(key);
      return existing;
    }

    // A retry after a timeout resumes the upload it started instead of uploading twice.
    let uploadId = await this.resumableUpload(key, signal);
    if (!uploadId) {
      let starting = startingUploads.get(key);
      if (!starting) {
        starting = this.startUpload(upload).finally(() => startingUploads.delete(key));
        startingUploads.set(key, starting);
      }
      const started = await starting;
      if ('file' in started) return started.file;
      uploadId = started.uploadId;
      pendingUploads.set(key, uploadId);
    }

    let uploadDone = false;
    while (performance.now() < deadline) {
      await abortableSleep(Math.min(pollIntervalMs, Math.max(0, deadline - performance.now())), signal);
      if (!uploadDone) {
        const state = await this.getUpload(uploadId, signal);
        if (state.state === 'Failed' || state.state === 'Cancelled') {
          pendingUploads.delete(key);
          const reason = state.metadata?.failureReason ?? state.metadata?.error ?? state.metadata?.message;
          throw new ApiError({
            type: FailureType.OcctooBadRequest,
            message: `Occtoo could not upload media ${uid} from ${link}: upload ${state.state}${reason ? `: ${String(reason)}` : ''}. Check that the link is reachable from Occtoo`,
            retryable: false,
          });
        }
        uploadDone = state.state === 'Completed';
        if (!uploadDone) continue;
      }
      const file = (await this.findFilesByUniqueIds([uid], signal)).get(uid);
      if (file) {
        pendingUploads.delete(key);
        return file;
      }
    }
    throw new ApiError({
      type: FailureType.OcctooMediaTimeout,
      message: `media ${uid} from ${link} did not appear in Occtoo within ${timeoutMs} ms; a retry resumes waiting for the same upload`,
      retryable: true,
    });
  }

  /** The upload this process already started for `key`, unless it failed or Occtoo forgot it. */
  private async resumableUpload(key: string, signal?: AbortSignal): Promise<string | undefined> {
    const previous = pendingUploads.get(key);
    if (previous === undefined) return undefined;
    try {
      const state = await this.getUpload(previous, signal);
      if (state.state !== 'Failed' && state.state !== 'Cancelled') return previous;
    } catch (err) {
      if (!(err instanceof ApiError && err.type === FailureType.OcctooNotFound)) throw err;
    }
    pendingUploads.delete(key);
    return undefined;
  }

  /** `PUT media/uploads/links` for one link: the upload id, or the file if it appeared meanwhile. */
  private async startUpload(upload: LinkUpload): Promise<{ uploadId: string } | { file: MediaFileDto }> {
    const { uniqueIdentifier: uid, link } = upload;
    const response = await this.send('upload media from link', undefined, {
      method: 'PUT',
      url: '/media/uploads/links',
      data: { links: [{ link, filename: upload.filename, uniqueIdentifier: uid }] },
    });
    const env = envelopeOf(response.data);
    const result = env.result as
      { succeeded?: Record<string, UploadDto>; failures?: Record<string, OcctooError> } | undefined;
    const uploadId = result?.succeeded?.[uid]?.id;
    if (typeof uploadId === 'string') return { uploadId };
    // Skipped because the file exists after all (Occtoo skips known identifiers), or refused.
    const raced = (await this.findFilesByUniqueIds([uid])).get(uid);
    if (raced) return { file: raced };
    const failure = result?.failures?.[uid];
    throw new OcctooApiError({
      type: failure ? FailureType.OcctooBadRequest : FailureType.InvalidResponse,
      message: `Occtoo did not accept the media link ${link} (${uid}): ${failure?.message ?? `no upload for it in the ${response.status} answer`}`,
      retryable: !failure,
      status: response.status,
      requestId: env.requestId,
      occtooErrors: failure ? [failure] : env.errors,
    });
  }

  // ---- Plumbing

  private resultOf<T>(response: AxiosResponse, what: string): T {
    const result = envelopeOf(response.data).result;
    if (!result || typeof result !== 'object') {
      throw new ApiError({
        type: FailureType.InvalidResponse,
        message: `Occtoo answered ${response.status} without a ${what} in 'result'`,
        status: response.status,
        retryable: true,
      });
    }
    return result as T;
  }

  /**
   * One authenticated call: transient failures retried by withRetries; a 401 drops the
   * token and tries once more with a fresh one; anything else becomes a typed ApiError.
   */
  private async send(
    operation: string,
    signal: AbortSignal | undefined,
    config: AxiosRequestConfig,
  ): Promise<AxiosResponse> {
    for (let authAttempt = 1; ; authAttempt++) {
      let usedToken: string | undefined;
      try {
        return await withRetries(
          async () => {
            usedToken = await this.token();
            return this.http.request({
              ...config,
              signal,
              headers: { ...config.headers, Authorization: `Bearer ${usedToken}` },
            });
          },
          { policy: this.options.retry, signal, onRetry: (e) => this.options.onRetry?.({ ...e, operation }) },
        );
      } catch (err) {
        if (isAxiosError(err) && err.response?.status === 401) {
          this.dropToken(usedToken);
          if (authAttempt === 1) continue;
          throw this.unauthorized(err, `Occtoo refused a fresh token for ${operation}`);
        }
        throw this.toApiError(err, operation);
      }
    }
  }

  private async token(): Promise<string> {
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
        throw this.unauthorized(err, `Occtoo refused data provider ${this.options.dataProviderId}`);
      }
      throw this.toApiError(err, 'token');
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
  private dropToken(token: string | undefined): void {
    if (token !== undefined && tokenCache.get(this.cacheKey)?.accessToken === token)
      tokenCache.delete(this.cacheKey);
  }

  private unauthorized(err: unknown, what: string): OcctooApiError {
    const response = isAxiosError(err) ? err.response : undefined;
    const env = envelopeOf(response?.data);
    const said = describeErrors(env.errors);
    return new OcctooApiError({
      type: FailureType.OcctooUnauthorized,
      message: `${what}${said ? ` (${said})` : ''}: ${CREDENTIALS_HINT}`,
      status: response?.status,
      requestId: env.requestId,
      retryable: false,
      occtooErrors: env.errors,
      cause: err,
    });
  }

  private toApiError(err: unknown, operation: string): unknown {
    if (err instanceof ApiError || !isAxiosError(err)) return err;
    if (err.code === 'ERR_CANCELED') return err; // cancellation: let the activity see it as such
    const response = err.response;
    if (!response) {
      return new ApiError({
        type: FailureType.OcctooUnavailable,
        message: `Occtoo did not answer ${operation} (${err.code ?? err.message}) after retries`,
        retryable: true,
        cause: err,
      });
    }
    const env = envelopeOf(response.data);
    const said = describeErrors(env.errors);
    const status = response.status;
    const base = { status, requestId: env.requestId, occtooErrors: env.errors, cause: err };
    const source = operation.startsWith('import ') ? operation.slice('import '.length) : undefined;
    if (status === 429 || status >= 500 || status === 408) {
      return new OcctooApiError({
        ...base,
        type: FailureType.OcctooUnavailable,
        message: `Occtoo answered ${status} to ${operation} after retries${said ? `: ${said}` : ''}`,
        retryable: true,
        retryAfterMs: retryAfterMs(err),
      });
    }
    if (status === 403) {
      return new OcctooApiError({
        ...base,
        type: FailureType.OcctooForbidden,
        message: source
          ? `data provider ${this.options.dataProviderId} may not write to source ${source}: add it to the provider's Allowed Sources in Occtoo Studio${said ? ` (${said})` : ''}`
          : `Occtoo refused ${operation} (403)${said ? `: ${said}` : ''}: check the data provider's permissions`,
        retryable: false,
      });
    }
    if (status === 404) {
      return new OcctooApiError({
        ...base,
        type: FailureType.OcctooNotFound,
        message: source
          ? `Occtoo has no data source ${source}: check the source identifier in Occtoo Studio and the OCCTOO_*_SOURCE setting${said ? ` (${said})` : ''}`
          : `Occtoo found nothing for ${operation}${said ? `: ${said}` : ''}`,
        retryable: false,
      });
    }
    if (status === 413) {
      return new OcctooApiError({
        ...base,
        type: FailureType.OcctooBadRequest,
        message: `Occtoo refused ${operation} as too large (413): lower the batch byte limit${said ? ` (${said})` : ''}`,
        retryable: false,
      });
    }
    return new OcctooApiError({
      ...base,
      type: FailureType.OcctooBadRequest,
      message: `Occtoo rejected ${operation} (${status})${said ? `: ${said}` : ''}`,
      retryable: false,
    });
  }
}

import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import axios, { isAxiosError, type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import { ApiError, FailureType } from '../http/api-error';
import { withRetries, type RetryEvent, type RetryPolicy } from '../http/retry';
import { clearTokenCache, OcctooTokens } from './auth';
import { importBody, prepareImport, type ImportLimits, type RejectedEntity } from './batching';
import { CREDENTIALS_HINT, envelopeOf, toOcctooError, unauthorizedError } from './errors';
import { clearUploadMemory, OcctooMedia, segment, type UploadOptions } from './media';
import type { LinkUpload, MediaFileDto, OcctooEntity } from './types';

/**
 * Occtoo's ingest and media API (occtoo-ingest.md §2-§6): imports here, token auth in ./auth,
 * the media service in ./media, error shaping in ./errors. Unlike Occtoo's own SDK it treats
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

/** Forgets cached tokens and remembered uploads (tests; credential rotation). */
export function clearOcctooCaches(): void {
  clearTokenCache();
  clearUploadMemory();
}

export class OcctooClient {
  private readonly http: AxiosInstance;
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });
  private readonly tokens: OcctooTokens;
  private readonly media: OcctooMedia;
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
    const cacheKey = `${baseURL}|${options.dataProviderId}|${secretHash}`;
    this.tokens = new OcctooTokens(this.http, options, cacheKey);
    this.media = new OcctooMedia(
      (operation, signal, config) => this.send(operation, signal, config),
      cacheKey,
      options.maxLookupBatch ?? 100,
    );
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
        // Already serialized (batching.ts): axios sends the text as it is.
        data: importBody(batch),
        headers: { 'Content-Type': 'application/json' },
        transformRequest: (body: string) => body,
      });
      // Any 2xx (Occtoo answers 202) is success whatever its body says.
      const id = (envelopeOf(response.data).result as { id?: unknown } | undefined)?.id;
      if (typeof id === 'string') result.importIds.push(id);
      result.accepted += batch.length;
      result.batches++;
    }
    return result;
  }

  // ---- Media (./media)

  /** Looks files up by unique identifier; missing ones are simply absent from the map. */
  findFilesByUniqueIds(
    uniqueIdentifiers: string[],
    signal?: AbortSignal,
  ): Promise<Map<string, MediaFileDto>> {
    return this.media.findFilesByUniqueIds(uniqueIdentifiers, signal);
  }

  /** Deletes a media file; false when Occtoo no longer has it (so retries are harmless). */
  deleteFile(fileId: string, signal?: AbortSignal): Promise<boolean> {
    return this.media.deleteFile(fileId, signal);
  }

  /** Occtoo's file for `upload.uniqueIdentifier`, uploaded from the link only when missing. */
  uploadFromLink(upload: LinkUpload, options: UploadOptions = {}): Promise<MediaFileDto> {
    return this.media.uploadFromLink(upload, options);
  }

  // ---- Plumbing

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
            usedToken = await this.tokens.token();
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
          this.tokens.drop(usedToken);
          if (authAttempt === 1) continue;
          throw unauthorizedError(err, `Occtoo refused a fresh token for ${operation}`);
        }
        throw toOcctooError(err, operation, this.options.dataProviderId);
      }
    }
  }
}

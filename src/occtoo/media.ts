import type { AxiosRequestConfig, AxiosResponse } from 'axios';
import { ApiError, FailureType } from '../http/api-error';
import { abortableSleep } from '../http/retry';
import { envelopeOf, OcctooApiError } from './errors';
import type { LinkUpload, MediaFileDto, OcctooError, UploadDto } from './types';

/**
 * Occtoo's media service (occtoo-ingest.md §5-§6): look files up by unique identifier, upload
 * from a link at most once per identifier, wait until processing has made the file, delete.
 */

export interface UploadOptions {
  /** How long to wait for the file to exist, upload included. Default 180 s. */
  timeoutMs?: number;
  /** Default 1 s. */
  pollIntervalMs?: number;
  signal?: AbortSignal;
}

/** One authenticated Occtoo call, retried and with its failure shaped (the client's `send`). */
export type OcctooSend = (
  operation: string,
  signal: AbortSignal | undefined,
  config: AxiosRequestConfig,
) => Promise<AxiosResponse>;

/** Uploads this process started and has not yet seen finish, by provider and unique identifier. */
const pendingUploads = new Map<string, string>();
const startingUploads = new Map<string, Promise<{ uploadId: string } | { file: MediaFileDto }>>();

/** Forgets remembered uploads (tests; credential rotation). */
export function clearUploadMemory(): void {
  pendingUploads.clear();
  startingUploads.clear();
}

/** A safe path segment: Occtoo identifiers are URL-safe, anything else is encoded. */
export const segment = (value: string) => encodeURIComponent(value);

export class OcctooMedia {
  /** `cacheKey` names the provider, so two providers never share a remembered upload. */
  constructor(
    private readonly send: OcctooSend,
    private readonly cacheKey: string,
    private readonly lookupBatch: number,
  ) {}

  /** Looks files up by unique identifier; missing ones are simply absent from the map. */
  async findFilesByUniqueIds(
    uniqueIdentifiers: string[],
    signal?: AbortSignal,
  ): Promise<Map<string, MediaFileDto>> {
    const found = new Map<string, MediaFileDto>();
    const unique = [...new Set(uniqueIdentifiers)];
    const size = this.lookupBatch;
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

  private async getUpload(uploadId: string, signal?: AbortSignal): Promise<UploadDto> {
    const response = await this.send('get media upload', signal, {
      method: 'GET',
      url: `/media/uploads/${segment(uploadId)}`,
    });
    return this.resultOf<UploadDto>(response, 'media upload');
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
}

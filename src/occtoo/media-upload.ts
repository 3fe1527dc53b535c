import type { MediaAsset } from '../bluestone/types';
import { mapWithConcurrency } from '../http/concurrency';
import { mediaUniqueIdentifier, type OcctooFile } from '../mapping';
import type { OcctooClient } from './client';

export interface MediaUploadResult {
  /** Occtoo's file per Bluestone asset id. */
  files: Map<string, OcctooFile>;
  /** Assets uploaded by this call (not found in Occtoo before). */
  uploaded: number;
  failures: { assetId: string; reason: string }[];
}

export interface MediaUploadOptions {
  concurrency: number;
  timeoutMs?: number;
  pollIntervalMs?: number;
  signal?: AbortSignal;
}

/**
 * HANDLE_MEDIA=occtoo: makes sure every asset exists in Occtoo's media service, keyed by a
 * stable unique identifier (asset id + its updated time). One batch lookup first; only the
 * missing assets are uploaded, several at once. A failed upload is reported, not fatal: the
 * product still goes, without that medium.
 */
export async function ensureMediaInOcctoo(
  occtoo: OcctooClient,
  assets: MediaAsset[],
  options: MediaUploadOptions,
): Promise<MediaUploadResult> {
  const byUid = new Map<string, MediaAsset>();
  for (const asset of assets) byUid.set(mediaUniqueIdentifier(asset), asset);
  const result: MediaUploadResult = { files: new Map(), uploaded: 0, failures: [] };
  if (byUid.size === 0) return result;

  const existing = await occtoo.findFilesByUniqueIds([...byUid.keys()], options.signal);
  const missing: [string, MediaAsset][] = [];
  for (const [uid, asset] of byUid) {
    const file = existing.get(uid);
    if (file) result.files.set(asset.id, { id: file.id, publicUrl: file.publicUrl });
    else missing.push([uid, asset]);
  }
  await mapWithConcurrency(missing, options.concurrency, async ([uid, asset]) => {
    if (!asset.downloadUri) {
      result.failures.push({ assetId: asset.id, reason: 'the asset has no downloadUri' });
      return;
    }
    try {
      const file = await occtoo.uploadFromLink(
        {
          link: asset.downloadUri,
          filename: asset.fileName ?? asset.name ?? asset.id,
          uniqueIdentifier: uid,
        },
        { timeoutMs: options.timeoutMs, pollIntervalMs: options.pollIntervalMs, signal: options.signal },
      );
      result.files.set(asset.id, { id: file.id, publicUrl: file.publicUrl });
      result.uploaded++;
    } catch (err) {
      // Retryable trouble (Occtoo down) must fail the activity so it retries; a bad asset must not.
      if ((err as { retryable?: boolean }).retryable !== false) throw err;
      result.failures.push({ assetId: asset.id, reason: err instanceof Error ? err.message : String(err) });
    }
  });
  return result;
}

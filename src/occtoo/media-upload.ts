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
  /** The files this service uploaded before (the sync's record): neither looked up nor uploaded again. */
  uploadedBefore?: UploadMemory;
}

/** A file uploaded to Occtoo's media service, by the asset version it holds. */
export interface RememberedUpload {
  uniqueIdentifier: string;
  assetId: string;
  fileId: string;
  publicUrl: string;
}

/** What this step needs of the sync's record (src/state/record.ts), without depending on it. */
export interface UploadMemory {
  uploadedMedia(uniqueIdentifiers: string[]): Promise<Map<string, RememberedUpload>>;
  recordUploads(media: RememberedUpload[]): Promise<void>;
}

/**
 * HANDLE_MEDIA=occtoo: makes sure every asset exists in Occtoo's media service, keyed by a
 * stable unique identifier (asset id + its updated time). Assets the record says were uploaded
 * in this version are taken as they are; one batch lookup for the others, and only the missing
 * ones are uploaded, several at once; what was found or uploaded is recorded. A failed upload is
 * reported, not fatal: the product still goes, without that medium.
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

  const memory = options.uploadedBefore;
  const known = memory ? await memory.uploadedMedia([...byUid.keys()]) : new Map<string, RememberedUpload>();
  const unknown = [...byUid.keys()].filter((uid) => !known.has(uid));
  const existing = unknown.length
    ? await occtoo.findFilesByUniqueIds(unknown, options.signal)
    : new Map<string, { id: string; publicUrl: string }>();
  const missing: [string, MediaAsset][] = [];
  const learned: RememberedUpload[] = [];
  for (const [uid, asset] of byUid) {
    const remembered = known.get(uid);
    const file = remembered ? { id: remembered.fileId, publicUrl: remembered.publicUrl } : existing.get(uid);
    if (!file) missing.push([uid, asset]);
    else {
      result.files.set(asset.id, { id: file.id, publicUrl: file.publicUrl });
      if (!remembered)
        learned.push({
          uniqueIdentifier: uid,
          assetId: asset.id,
          fileId: file.id,
          publicUrl: file.publicUrl,
        });
    }
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
      learned.push({ uniqueIdentifier: uid, assetId: asset.id, fileId: file.id, publicUrl: file.publicUrl });
    } catch (err) {
      // Retryable trouble (Occtoo down) must fail the activity so it retries; a bad asset must not.
      if ((err as { retryable?: boolean }).retryable !== false) throw err;
      result.failures.push({ assetId: asset.id, reason: err instanceof Error ? err.message : String(err) });
    }
  });
  if (memory && learned.length) await memory.recordUploads(learned);
  return result;
}
